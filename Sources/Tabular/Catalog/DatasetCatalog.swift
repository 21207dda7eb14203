import Foundation
import FoundryCore

/// The catalog of datasets Foundry uses (`Datasets/catalog.json`): names, files with SHA-256,
/// source, license, citation and class names, and the loader that finds the files.
///
/// Files live under a data root, `$FOUNDRY_DATA/<name>/`; when `FOUNDRY_DATA` is unset the root
/// is `../shared/datasets` relative to the current directory, if that exists. ``locate(_:verify:)``
/// checks that every file is present and has the catalogued checksum, and otherwise throws an error
/// that says what is missing and where to get it.
public struct DatasetCatalog: Sendable, Codable, Equatable {
    /// One catalogued dataset.
    public struct Entry: Sendable, Codable, Equatable {
        /// The folder name under the data root.
        public let name: String
        /// A readable title.
        public let title: String
        /// Where the data originally comes from.
        public let sourceURL: String
        /// The exact copy our files were taken from, when different.
        public let copiedFrom: String?
        /// The license as stated by the source.
        public let license: String
        /// How to cite it.
        public let citation: String
        /// Class names in index order.
        public let classNames: [String]
        /// A short description of the file format.
        public let format: String?
        /// Number of examples.
        public let rows: Int?
        /// The files, relative to the dataset folder.
        public let files: [File]

        enum CodingKeys: String, CodingKey {
            case name, title, license, citation, format, rows, files
            case sourceURL = "source_url"
            case copiedFrom = "copied_from"
            case classNames = "class_names"
        }
    }

    /// One catalogued file.
    public struct File: Sendable, Codable, Equatable {
        /// Path relative to the dataset folder.
        public let path: String
        /// Size in bytes.
        public let bytes: Int?
        /// Lowercase hex SHA-256 of the contents.
        public let sha256: String
    }

    /// Catalog format version.
    public let version: Int
    /// The datasets.
    public let datasets: [Entry]

    /// The entry called `name`, or nil.
    public func entry(_ name: String) -> Entry? { datasets.first { $0.name == name } }

    // MARK: Loading

    /// Reads a catalog file.
    ///
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)``, or ``TabularError/invalidSpec(path:lf:field:reason:)`` for a malformed catalog.
    public static func load(from url: URL) throws -> DatasetCatalog {
        let data = Data(try FileBytes.read(url))
        do {
            return try JSONDecoder().decode(DatasetCatalog.self, from: data)
        } catch {
            throw TabularError.invalidSpec(
                path: url.path, line: nil, key: nil, reason: "not a valid dataset catalog (\(error))")
        }
    }

    /// The project's catalog: `$FOUNDRY_CATALOG`, else `Datasets/catalog.json` in the current directory,
    /// else the one next to this source file in the Foundry checkout.
    ///
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` when no catalog is found.
    public static func standard() throws -> DatasetCatalog {
        try load(from: standardCatalogURL())
    }

    /// Where ``standard()`` reads the catalog from.
    public static func standardCatalogURL() -> URL {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["FOUNDRY_CATALOG"], !path.isEmpty {
            candidates.append(URL(fileURLWithPath: path))
        }
        candidates.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
                "Datasets/catalog.json"))
        candidates.append(sourceRoot.appendingPathComponent("Datasets/catalog.json"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[candidates.count - 1]
    }

    /// The Foundry checkout this file was compiled from (used to find `Datasets/`).
    public static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The folder of the small samples we wrote ourselves (`Datasets/samples`), found like the catalog.
    public static func samplesDirectory() -> URL {
        standardCatalogURL().deletingLastPathComponent().appendingPathComponent("samples")
    }

    // MARK: Finding data

    /// The data root: `$FOUNDRY_DATA`, else `../shared/datasets` relative to the current directory when it exists.
    ///
    /// - Parameter environment: the environment to read (the process's by default).
    /// - Returns: the root, or nil when neither exists.
    public static func dataRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let value = environment["FOUNDRY_DATA"], !value.isEmpty {
            let url = URL(fileURLWithPath: value).standardizedFileURL
            return isDirectory(url) ? url : nil
        }
        let fallback = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent("../shared/datasets").standardizedFileURL
        return isDirectory(fallback) ? fallback : nil
    }

    /// The folder of dataset `name` under the data root, without checksum verification (quick).
    ///
    /// - Throws: ``TabularError/datasetUnavailable(name:reason:)`` explaining where the data should be and where to get it.
    public static func dataDirectory(
        for name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> URL {
        guard let root = dataRoot(environment: environment) else {
            throw TabularError.datasetUnavailable(
                name: name, reason: missingRootAdvice(name, environment: environment))
        }
        let folder = root.appendingPathComponent(name)
        guard isDirectory(folder) else {
            throw TabularError.datasetUnavailable(
                name: name, reason: "no folder \(folder.path). \(whereToGet(name))")
        }
        return folder
    }

    /// Finds dataset `name` and (by default) verifies every catalogued file's SHA-256.
    ///
    /// - Parameters:
    ///   - name: the dataset's catalog name.
    ///   - verify: whether to check checksums (sizes are always checked).
    ///   - environment: where `FOUNDRY_DATA` is read from.
    /// - Returns: the dataset folder.
    /// - Throws: ``TabularError/datasetUnavailable(name:reason:)`` naming the unknown dataset, the missing
    ///   folder or files, or the files whose checksum differs, with the source to download from.
    public func locate(
        _ name: String, verify: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> URL {
        guard let entry = entry(name) else {
            throw TabularError.datasetUnavailable(
                name: name, reason: "not in the catalog (known: \(datasets.map(\.name).joined(separator: ", ")))")
        }
        guard let root = Self.dataRoot(environment: environment) else {
            throw TabularError.datasetUnavailable(
                name: name, reason: Self.missingRootAdvice(name, environment: environment))
        }
        let folder = root.appendingPathComponent(name)
        var missing: [String] = [], mismatched: [String] = []
        for file in entry.files {
            let url = folder.appendingPathComponent(file.path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                missing.append(file.path)
                continue
            }
            if let bytes = file.bytes,
                let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size != bytes
            {
                mismatched.append("\(file.path) (\(size) bytes, expected \(bytes))")
                continue
            }
            if verify, let digest = try? Digest.sha256Hex(ofFile: url), digest != file.sha256 {
                mismatched.append("\(file.path) (SHA-256 \(digest.prefix(12))…, expected \(file.sha256.prefix(12))…)")
            }
        }
        if !missing.isEmpty {
            throw TabularError.datasetUnavailable(
                name: name,
                reason: "missing in \(folder.path): \(missing.joined(separator: ", ")). \(source(of: entry))")
        }
        if !mismatched.isEmpty {
            throw TabularError.datasetUnavailable(
                name: name,
                reason:
                    "files in \(folder.path) differ from the catalog: \(mismatched.joined(separator: "; ")). \(source(of: entry))"
            )
        }
        return folder
    }

    private func source(of entry: Entry) -> String {
        var text = "Get it from \(entry.sourceURL)"
        if let copiedFrom = entry.copiedFrom, copiedFrom != entry.sourceURL { text += " (our copy: \(copiedFrom))" }
        return text + " and place the files in <FOUNDRY_DATA>/\(entry.name)/."
    }

    private static func whereToGet(_ name: String) -> String {
        if let entry = (try? standard())?.entry(name) {
            return (try? standard())?.source(of: entry) ?? ""
        }
        return "See Datasets/catalog.json for sources."
    }

    private static func missingRootAdvice(_ name: String, environment: [String: String]) -> String {
        if let value = environment["FOUNDRY_DATA"], !value.isEmpty {
            return "FOUNDRY_DATA=\(value) is not a folder. \(whereToGet(name))"
        }
        return
            "no data root: set FOUNDRY_DATA to the folder holding the datasets (default ../shared/datasets, which does not exist here). \(whereToGet(name))"
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}
