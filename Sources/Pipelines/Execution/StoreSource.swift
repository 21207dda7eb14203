import DatasetStore
import Flows
import Foundation
import Tabular

/// A `store` data source: a dataset version in a governed dataset store, read as the principal whose API token is
/// `$FOUNDRY_TOKEN` (every read is authorized and audited by the store).
///
/// Versions are immutable, so the step's key holds the resolved version id instead of the store file's hash (the
/// file changes with every audited read).
struct StoreSource {
    let store: SQLiteDatasetStore
    let principal: Principal
    let reference: DatasetReference

    /// Opens the store and authenticates.
    ///
    /// - Throws: ``PipelinesError/invalidData(source:row:field:reason:)`` without a token; the store's errors.
    init(path: URL, dataset: String, version: String?, environment: [String: String]) throws {
        guard let token = environment["FOUNDRY_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else {
            throw PipelinesError.invalidData(
                source: path.path, row: nil, field: nil,
                reason: "reading a dataset store needs an API token: set FOUNDRY_TOKEN")
        }
        store = try SQLiteDatasetStore(path: path.path, key: nil, create: false, environment: environment)
        principal = try store.authenticate(token: token)
        reference = DatasetReference(dataset: dataset, version: version)
    }

    /// The id of the version the reference names (the latest when it names none).
    func versionID() throws -> String { try store.version(reference.version, of: reference.dataset, as: principal).id }

    /// The version's rows: columns `id`, `text`, then the other fields by name.
    func table(version id: String) throws -> TextTable {
        try StoredFlows.table(
            of: DatasetReference(dataset: reference.dataset, version: id), in: store, as: principal
        ).table
    }
}
