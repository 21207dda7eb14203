import Adapters
import Foundation

/// Locations of the shared reference data and the downloaded model, resolved from the package root.
enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `FOUNDRY_DATA` or `../shared/datasets`.
    static var datasets: URL {
        if let value = ProcessInfo.processInfo.environment["FOUNDRY_DATA"], !value.isEmpty {
            return URL(fileURLWithPath: value, relativeTo: packageRoot).standardizedFileURL
        }
        return packageRoot.appendingPathComponent("../shared/datasets").standardizedFileURL
    }

    /// `../shared/reference`, next to the datasets folder.
    static var reference: URL { datasets.deletingLastPathComponent().appendingPathComponent("reference") }

    /// `.models/all-MiniLM-L6-v2` (downloaded by `scripts/fetch-model.sh`), or `FOUNDRY_MODEL`.
    static var model: URL {
        if let value = ProcessInfo.processInfo.environment["FOUNDRY_MODEL"], !value.isEmpty {
            return URL(fileURLWithPath: value, relativeTo: packageRoot).standardizedFileURL
        }
        return packageRoot.appendingPathComponent(".models/all-MiniLM-L6-v2")
    }

    static var hasModel: Bool {
        FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path)
    }
    static var hasReference: Bool {
        FileManager.default.fileExists(atPath: reference.appendingPathComponent("minilm/tokens.json").path)
    }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: reference.appendingPathComponent(relative))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The real model, loaded once for all reference tests.
enum SharedModel {
    static let encoder: SentenceEncoder? = {
        guard TestPaths.hasModel else { return nil }
        return try? SentenceEncoder(directory: TestPaths.model)
    }()
}
