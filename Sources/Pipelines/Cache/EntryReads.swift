import Foundation
import Labeling

/// What one run has already read from its cache entries: each table and label matrix once.
///
/// A cache entry never changes once stored (its folder is named by the content address of what produced it), so a
/// value read from it stays valid for the whole run. Without this, one run parsed the same table's CSV up to four
/// times (the apply and label-model steps, and the report's labeling-function and label-model sections). Reads are
/// serialized by a lock; the values are immutable.
final class EntryReads: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [String: TableArtifact] = [:]
    private var matrices: [String: LabelMatrix] = [:]

    /// The table stored in the entry folder `directory` (read on first use).
    func table(_ directory: URL) throws -> TableArtifact {
        try remembered(directory, in: \.tables) { try TableArtifact.read(from: $0) }
    }

    /// The label matrix stored in the entry folder `directory` (read on first use).
    func matrix(_ directory: URL) throws -> LabelMatrix {
        try remembered(directory, in: \.matrices) { try MatrixFiles.read(from: $0) }
    }

    private func remembered<Value>(
        _ directory: URL, in store: ReferenceWritableKeyPath<EntryReads, [String: Value]>,
        _ read: (URL) throws -> Value
    ) throws -> Value {
        let key = directory.standardizedFileURL.path
        if let known = lock.withLock({ self[keyPath: store][key] }) { return known }
        let value = try read(directory)
        lock.withLock { self[keyPath: store][key] = value }
        return value
    }
}
