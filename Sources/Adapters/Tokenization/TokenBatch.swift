/// Token sequences packed end to end (no padding): sequence `b` occupies rows `offsets[b]..<offsets[b+1]`.
///
/// Packing is equivalent to padding every sequence to the longest with an attention mask (padded positions
/// never reach a valid position through masked attention, and pooling ignores them), but spends no work on padding.
public struct TokenBatch: Sendable, Equatable {
    /// All token ids, sequence after sequence.
    public private(set) var ids: [Int32]
    /// `count + 1` row offsets, starting at 0.
    public private(set) var offsets: [Int]

    /// Packs sequences of token ids.
    /// - Parameter sequences: non-empty id sequences (each at most the model's maximum positions).
    public init(_ sequences: [[Int32]]) {
        precondition(sequences.allSatisfy { !$0.isEmpty }, "empty token sequence")
        ids = sequences.flatMap { $0 }
        var offsets = [0]
        for sequence in sequences { offsets.append((offsets.last ?? 0) + sequence.count) }
        self.offsets = offsets
    }

    /// Number of sequences.
    public var count: Int { offsets.count - 1 }
    /// Total tokens.
    public var tokenCount: Int { ids.count }
    /// Length of sequence `index`.
    public func length(_ index: Int) -> Int { offsets[index + 1] - offsets[index] }
    /// The longest sequence.
    public var maxLength: Int { (0..<count).map(length).max() ?? 0 }
}
