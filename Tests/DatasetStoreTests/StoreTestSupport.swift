import Foundation
import FoundryTestSupport
import Testing

@testable import DatasetStore

/// A store in a fresh temporary directory with its first owner; the directory is removed on deinit.
final class TemporaryStore: Sendable {
    let directory: URL
    let store: SQLiteDatasetStore
    let owner: Principal
    let ownerToken: String

    var path: String { store.path }

    init(ownerName: String = "root") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteDatasetStore(path: directory.appendingPathComponent("store.sqlite").path)
        let issued = try store.bootstrapOwner(name: ownerName)
        owner = issued.principal
        ownerToken = issued.token
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Creates a principal holding `role` on `dataset` (nil = store-wide).
    func principal(_ name: String, role: String?, dataset: String?) throws -> Principal {
        let created = try store.createPrincipal(name: name, kind: .person, as: owner)
        if let role { _ = try store.grant(role: role, to: name, dataset: dataset, as: owner) }
        return created
    }

    /// Creates a dataset with rows `e0…e(n-1)` and returns its version id.
    @discardableResult
    func dataset(_ name: String, rows: Int = 5, sensitive: [String] = []) throws -> String {
        _ = try store.createDataset(
            name: name, license: "CC-BY-4.0", attribution: "Foundry tests", sensitiveFields: sensitive, as: owner)
        return try store.importVersion(Self.rows(rows), into: name, as: owner).version.id
    }

    static func rows(_ count: Int, tag: String = "") -> [Example] {
        (0..<count).map {
            Example(id: "e\($0)", text: "text \($0)\(tag)", fields: ["email": "user\($0)@example.com", "tag": tag])
        }
    }
}

/// Locating the built `foundry` executable for tests that need a second process.
enum FoundryBinary {
    /// The package root.
    static let packageRoot = TestData.packageRoot

    /// The built `foundry` executable (`$FOUNDRY_BIN`, else next to the test runner), located by the shared test support.
    static let url: URL? = FoundryCLI.executable

    /// Whether the binary exists and has the real `store` command (not the placeholder).
    static let hasStoreCommand: Bool = {
        guard let url else { return false }
        let result = run(url, ["store", "--help"], environment: [:])
        return result.status == 0 && result.output.contains("import")
    }()

    /// Runs the binary to completion; returns exit status, standard output and standard error apart.
    static func runApart(_ url: URL, _ arguments: [String], environment: [String: String])
        -> (status: Int32, standardOutput: String, standardError: String)
    {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        do { try process.run() } catch { return (-1, "", "\(error)") }
        // Drain standard error on another thread so that neither pipe can fill up and block the child.
        let errorData = LockedData()
        let drain = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        drain.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { Thread.sleep(forTimeInterval: 0.001) }
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errorData.data, as: UTF8.self)
        )
    }

    /// Runs the binary to completion; returns exit status and combined output.
    static func run(_ url: URL, _ arguments: [String], environment: [String: String]) -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Bytes handed from a draining thread to the test.
///
/// `@unchecked Sendable` invariant: `stored` is only read or written while holding `lock`.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?

    func set(_ data: Data) {
        lock.lock()
        stored = data
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stored != nil
    }

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return stored ?? Data()
    }
}
