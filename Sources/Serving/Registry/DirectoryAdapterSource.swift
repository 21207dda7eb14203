import Foundation

/// A folder whose subfolders are PEFT adapters as `foundry train` and PEFT's `save_pretrained` write them
/// (`adapter_config.json` + `adapter_model.safetensors`); each subfolder's name is an adapter id.
///
/// Subfolders without `adapter_config.json` and hidden names (such as the staging folders of an atomic save) are not
/// adapters and are skipped. Listing looks at names only; no weights are read until ``read(_:)``.
public struct DirectoryAdapterSource: AdapterSource {
    /// The folder of adapter folders.
    public let directory: URL

    /// A source over the subfolders of `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The names of the subfolders holding `adapter_config.json`, sorted.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` when the folder cannot be listed.
    public func adapterIDs() throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw ServingError.invalidRequest(
                field: "adapters",
                reason: "cannot list the adapter folder \(directory.path): \(error.localizedDescription)")
        }
        return names.filter { name in
            guard Self.isFolderName(name) else { return false }
            return PEFTFolder.isAdapter(directory.appendingPathComponent(name, isDirectory: true))
        }.sorted()
    }

    /// Reads the files of the subfolder `id`.
    /// - Throws: ``ServingError/unknownAdapter(id:)`` when `id` is not an adapter subfolder (or not a plain folder
    ///   name, such as `..`), ``ServingError/adapterLoadFailed(id:reason:)`` naming a missing, unreadable or malformed
    ///   file.
    public func read(_ id: String) throws -> SerializedAdapter {
        guard Self.isFolderName(id) else { throw ServingError.unknownAdapter(id: id) }
        let folder = directory.appendingPathComponent(id, isDirectory: true)
        guard PEFTFolder.isAdapter(folder) else { throw ServingError.unknownAdapter(id: id) }
        return try PEFTFolder.read(folder, id: id)
    }

    /// A single, visible path component: not empty, no `/`, not `.`/`..` or hidden.
    static func isFolderName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0")
    }
}

/// One adapter folder registered at run time under a chosen id (`POST /v1/adapters {"id": …, "path": …}`); what
/// ``AdapterCache/register(id:directory:)`` reads it back from after eviction.
public struct SingleDirectoryAdapterSource: AdapterSource {
    /// The adapter's id.
    public let id: String
    /// The adapter folder (`adapter_config.json` + `adapter_model.safetensors`).
    public let directory: URL

    /// A source offering the one adapter in `directory` as `id`.
    public init(id: String, directory: URL) {
        self.id = id
        self.directory = directory
    }

    /// `[id]`.
    public func adapterIDs() throws -> [String] { [id] }

    /// Reads the folder's files.
    /// - Throws: ``ServingError/unknownAdapter(id:)`` for another id, ``ServingError/adapterLoadFailed(id:reason:)``
    ///   naming a missing, unreadable or malformed file (a folder without `adapter_config.json` names that file).
    public func read(_ id: String) throws -> SerializedAdapter {
        guard id == self.id else { throw ServingError.unknownAdapter(id: id) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ServingError.adapterLoadFailed(id: id, reason: "\(directory.path) is not a folder") }
        return try PEFTFolder.read(directory, id: id)
    }
}
