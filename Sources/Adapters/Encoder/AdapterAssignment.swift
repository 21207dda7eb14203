/// Which LoRA adapter each sequence of a batch runs with, so that one forward pass serves several adapters at once.
///
/// A batch shares the frozen base encoder: its projections run once over every token. Each sequence then either uses
/// one of ``adapters`` (its low-rank update is added to the projections of its tokens only, and its head classifies
/// it) or none (the plain base encoder). This is how a server batches requests for different adapters together.
///
/// ```swift
/// // Sequences 0 and 3 use `spam`, sequence 1 the base model, sequence 2 `sentiment`.
/// let assignment = AdapterAssignment(adapters: [spam, sentiment], adapterIndices: [0, nil, 1, 0])
/// let embeddings = model.meanPooled(batch, assignment: assignment)
/// ```
public struct AdapterAssignment: Sendable, Equatable {
    /// The adapters the batch uses; each must fit the model (``LoRAAdapter/validate(against:path:)``).
    public let adapters: [LoRAAdapter]
    /// Per sequence of the batch, the index in ``adapters`` of its adapter, or nil for the base encoder.
    public let adapterIndices: [Int?]

    /// Assigns adapters to sequences.
    ///
    /// - Parameters:
    ///   - adapters: the adapters the batch uses (an adapter no sequence names costs nothing).
    ///   - adapterIndices: one entry per sequence: an index into `adapters`, or nil for the base encoder.
    /// - Precondition: every index is in `adapters.indices`.
    public init(adapters: [LoRAAdapter], adapterIndices: [Int?]) {
        precondition(
            adapterIndices.allSatisfy { $0.map(adapters.indices.contains) ?? true },
            "adapter index outside 0..<\(adapters.count)")
        self.adapters = adapters
        self.adapterIndices = adapterIndices
    }

    /// Every one of `sequenceCount` sequences with the same adapter, or all with the base encoder when `adapter` is nil.
    public init(adapter: LoRAAdapter?, sequenceCount: Int) {
        if let adapter {
            self.init(adapters: [adapter], adapterIndices: Array(repeating: 0, count: sequenceCount))
        } else {
            self.init(adapters: [], adapterIndices: Array(repeating: nil, count: sequenceCount))
        }
    }

    /// Number of sequences assigned.
    public var sequenceCount: Int { adapterIndices.count }

    /// The sequences (in batch order) that use adapter `adapterIndex`.
    public func sequences(using adapterIndex: Int) -> [Int] {
        adapterIndices.indices.filter { adapterIndices[$0] == adapterIndex }
    }

    /// The assignment of the given sequences, in the given order (for splitting a batch into smaller ones).
    ///
    /// - Parameter sequences: indices of this assignment's sequences.
    /// - Returns: an assignment with the same ``adapters`` and one entry per element of `sequences`.
    public func selecting(_ sequences: [Int]) -> AdapterAssignment {
        AdapterAssignment(adapters: adapters, adapterIndices: sequences.map { adapterIndices[$0] })
    }

    /// Checks that every adapter fits `model`.
    ///
    /// - Throws: ``AdaptersError/invalidAdapter(path:reason:)`` naming the adapter (`adapter 2`) and its mismatched
    ///   tensor.
    public func validate(against model: BertModel) throws {
        for (index, adapter) in adapters.enumerated() {
            try adapter.validate(against: model, path: "adapter \(index)")
        }
    }

    /// The adapters' groups of token rows in a packed batch: for each adapter that some sequence uses, its sequences
    /// and their token rows as maximal runs of consecutive rows.
    func groups(in batch: TokenBatch) -> [AdapterGroup] {
        precondition(
            adapterIndices.count == batch.count,
            "the assignment covers \(adapterIndices.count) sequences, the batch has \(batch.count)")
        var sequencesOf = [[Int]](repeating: [], count: adapters.count)
        for (sequence, index) in adapterIndices.enumerated() {
            if let index { sequencesOf[index].append(sequence) }
        }
        return sequencesOf.enumerated().compactMap { index, sequences in
            guard !sequences.isEmpty else { return nil }
            var runs: [Range<Int>] = []
            for sequence in sequences {
                let rows = batch.offsets[sequence]..<batch.offsets[sequence + 1]
                if let last = runs.last, last.upperBound == rows.lowerBound {
                    runs[runs.count - 1] = last.lowerBound..<rows.upperBound
                } else {
                    runs.append(rows)
                }
            }
            return AdapterGroup(adapterIndex: index, sequences: sequences, tokenRuns: runs)
        }
    }
}

/// The part of a packed batch that one adapter applies to.
struct AdapterGroup {
    /// The adapter's index in ``AdapterAssignment/adapters``.
    var adapterIndex: Int
    /// Its sequences, in batch order.
    var sequences: [Int]
    /// Its token rows as maximal runs of consecutive rows, in batch order.
    var tokenRuns: [Range<Int>]

    /// Number of token rows.
    var tokenCount: Int { tokenRuns.reduce(0) { $0 + $1.count } }
}
