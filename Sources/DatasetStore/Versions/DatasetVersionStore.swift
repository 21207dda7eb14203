import FoundryCore

/// Datasets and their immutable versions: creating, importing, reading, comparing, erasing and exporting.
///
/// Part of ``DatasetStore``; every method takes the acting principal and is authorized and audited.
public protocol DatasetVersionStore: Sendable {
    /// Creates a dataset (store-wide `write`).
    func createDataset(
        name: String, license: String, attribution: String, sensitiveFields: [String], as principal: Principal
    ) throws -> Dataset
    /// The datasets the principal may read.
    func datasets(as principal: Principal) throws -> [Dataset]
    /// One dataset (`read`).
    func dataset(named name: String, as principal: Principal) throws -> Dataset
    /// Imports rows as a new version with an opaque id (`write`, and `read-sensitive` for a dataset with sensitive
    /// columns), creating the dataset in the same unit of work when it
    /// is missing and `createIfMissing` is given (store-wide `write`): all or nothing.
    func importVersion(
        _ examples: [Example], into dataset: String, message: String, createIfMissing: NewDataset?,
        as principal: Principal, progress: ProgressHandler?
    ) throws -> ImportResult
    /// Changes a dataset's license, attribution or sensitive columns (`write` and `read-sensitive`).
    func configureDataset(_ dataset: String, change: DatasetSettings, as principal: Principal) throws -> Dataset
    /// A dataset's versions, oldest first (`read`).
    func versions(of dataset: String, as principal: Principal) throws -> [DatasetVersion]
    /// One version's metadata; nil is the latest (`read`).
    func version(_ version: String?, of dataset: String, as principal: Principal) throws -> DatasetVersion
    /// A version's rows, masked as the principal's rights require (`read`).
    func examples(of dataset: String, version: String?, as principal: Principal) throws -> [Example]
    /// Streams a version's rows (`read`).
    func forEachExample(of dataset: String, version: String?, as principal: Principal, _ body: (Example) throws -> Void)
        throws -> DatasetVersion
    /// Added, removed and changed rows between versions (`read`).
    func diff(_ dataset: String, from: String, to: String, as principal: Principal) throws -> VersionDiff
    /// Erasure tombstones (`read-sensitive`).
    func tombstones(of dataset: String, as principal: Principal) throws -> [Tombstone]
    /// Erases an example from every version and marks what was built from them stale (`delete`).
    func eraseExample(_ exampleID: String, from dataset: String, as principal: Principal) throws -> ErasureReport
    /// Exports a version with license and attribution, recorded in the lineage (`export`).
    func export(_ dataset: String, version: String?, as principal: Principal) throws -> ExportedDataset
}
