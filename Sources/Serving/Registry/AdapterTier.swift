/// Where an adapter lives in the ``AdapterCache``.
///
/// - `hot`: decoded (`LoRAAdapter`, Float32 factors and head), ready for the engine;
/// - `warm`: its files' bytes in memory (``SerializedAdapter``), one decode away from hot;
/// - `cold`: only its ``AdapterSource`` knows it (a folder or a model repository on disk).
public enum AdapterTier: String, Sendable, Codable, CaseIterable {
    /// Decoded and ready for the engine.
    case hot
    /// Serialized bytes in memory.
    case warm
    /// On disk only.
    case cold
}

/// The byte budgets of the in-memory tiers of an ``AdapterCache``.
///
/// Hot bytes are 4 × the scalars of an adapter's factors and head (``AdapterCache/hotBytes(of:)``); warm bytes are
/// ``SerializedAdapter/byteCount``. The cache keeps both sums within their budgets after every operation.
public struct AdapterTierBudgets: Sendable, Codable, Equatable {
    /// The most bytes of decoded adapters kept in the hot tier (pinned adapters count against it). Default 256 MiB.
    public var hotBytes: Int
    /// The most bytes of serialized adapters kept in the warm tier. Default 1 GiB.
    public var warmBytes: Int

    /// Creates budgets (defaults: hot 256 MiB, warm 1 GiB).
    public init(hotBytes: Int = 256 << 20, warmBytes: Int = 1 << 30) {
        self.hotBytes = hotBytes
        self.warmBytes = warmBytes
    }
}
