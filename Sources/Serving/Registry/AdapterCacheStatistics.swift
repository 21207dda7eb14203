/// Counters and residency of an ``AdapterCache``, per tier (a snapshot taken under the cache's lock).
///
/// Hits and misses follow a cache hierarchy: every ``AdapterCache/acquire(_:)`` looks in hot, then warm, then cold.
/// - hot: `hits` = acquires answered from the hot tier; `misses` = acquires that were not hot;
/// - warm: `hits` = acquires found warm (decoded, no disk read); `misses` = acquires found cold (read from disk);
/// - cold: `hits` = successful reads from the adapters' sources (by acquires, prefetches and registrations);
///   `misses` = reads or decodes that failed.
///
/// An acquire that joins a load already in flight for the same adapter counts as that load does. Loads made by
/// ``AdapterCache/pin(_:)`` are not counted as acquires.
public struct AdapterCacheStatistics: Sendable, Codable, Equatable {
    /// One tier's numbers.
    public struct TierStatistics: Sendable, Codable, Equatable {
        /// Registered adapters whose tier (``AdapterCache/tier(of:)``) is this one.
        public var adapters: Int
        /// Bytes held in this tier: hot counts decoded adapters (4 bytes per scalar of factors and head); warm counts
        /// serialized bytes, including the warm copies kept of hot adapters; cold holds nothing in memory.
        public var residentBytes: Int
        /// The tier's budget (0 for cold, which has none).
        public var budgetBytes: Int
        /// See ``AdapterCacheStatistics``.
        public var hits: Int
        /// See ``AdapterCacheStatistics``.
        public var misses: Int
        /// Adapters evicted from this tier (hot → warm, warm → cold; a derived adapter evicted from warm is dropped).
        public var evictions: Int

        /// Creates a tier's numbers.
        public init(
            adapters: Int = 0, residentBytes: Int = 0, budgetBytes: Int = 0, hits: Int = 0, misses: Int = 0,
            evictions: Int = 0
        ) {
            self.adapters = adapters
            self.residentBytes = residentBytes
            self.budgetBytes = budgetBytes
            self.hits = hits
            self.misses = misses
            self.evictions = evictions
        }
    }

    /// The hot tier.
    public var hot: TierStatistics
    /// The warm tier.
    public var warm: TierStatistics
    /// The cold tier.
    public var cold: TierStatistics
    /// Prefetches started (cold → warm reads in the background).
    public var prefetches: Int
    /// Derived adapters (``AdapterCache/register(id:adapter:)``) dropped from the registry after eviction from warm.
    public var droppedDerived: Int
    /// Pinned adapters.
    public var pinned: Int

    /// Creates statistics.
    public init(
        hot: TierStatistics, warm: TierStatistics, cold: TierStatistics, prefetches: Int = 0, droppedDerived: Int = 0,
        pinned: Int = 0
    ) {
        self.hot = hot
        self.warm = warm
        self.cold = cold
        self.prefetches = prefetches
        self.droppedDerived = droppedDerived
        self.pinned = pinned
    }

    /// One tier's numbers.
    public subscript(tier: AdapterTier) -> TierStatistics {
        switch tier {
        case .hot: hot
        case .warm: warm
        case .cold: cold
        }
    }

    /// Acquires that found the adapter cold and read it from disk (the misses of the cache as a whole).
    public var misses: Int { warm.misses }

    /// Registered adapters in all tiers.
    public var adapters: Int { hot.adapters + warm.adapters + cold.adapters }
}
