import Foundation

/// Where an adapter's files live while it is cold: a folder of PEFT adapters (``DirectoryAdapterSource``), one
/// adapter folder registered at run time (``SingleDirectoryAdapterSource``) or a model repository
/// (``RepositoryAdapterSource``).
///
/// Listing must be cheap (an ``AdapterCache`` lists every id at start-up and reads no tensors until an adapter is
/// used); reading returns the adapter's files exactly as stored.
public protocol AdapterSource: Sendable {
    /// The ids of the adapters this source offers (folder names, branch names), sorted.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` when the source itself cannot be listed.
    func adapterIDs() throws -> [String]

    /// Reads one adapter's files as they are on disk (the cold → warm step).
    /// - Parameter id: one of ``adapterIDs()``.
    /// - Returns: the bytes of `adapter_config.json` and `adapter_model.safetensors`.
    /// - Throws: ``ServingError/unknownAdapter(id:)`` when the source has no such adapter,
    ///   ``ServingError/adapterLoadFailed(id:reason:)`` naming the file that is missing, unreadable or malformed.
    func read(_ id: String) throws -> SerializedAdapter
}

/// Reads the two PEFT files of an adapter folder.
enum PEFTFolder {
    /// The PEFT configuration file's name.
    static let configurationName = "adapter_config.json"
    /// The PEFT weights file's name.
    static let weightsName = "adapter_model.safetensors"

    /// Whether `directory` looks like an adapter folder (holds `adapter_config.json`).
    static func isAdapter(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(configurationName).path)
    }

    /// Reads the folder's configuration and weights into memory (not mapped: the warm tier owns its bytes) and checks
    /// their layout.
    static func read(_ directory: URL, id: String) throws -> SerializedAdapter {
        func readFile(_ name: String) throws -> Data {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ServingError.adapterLoadFailed(id: id, reason: "missing \(url.path)")
            }
            do { return try Data(contentsOf: url) } catch {
                throw ServingError.adapterLoadFailed(
                    id: id, reason: "cannot read \(url.path): \(error.localizedDescription)")
            }
        }
        let adapter = SerializedAdapter(
            configuration: try readFile(configurationName), weights: try readFile(weightsName),
            origin: directory.path)
        try adapter.checkLayout(id: id)
        return adapter
    }
}
