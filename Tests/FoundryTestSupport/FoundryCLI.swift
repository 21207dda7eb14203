import Foundation

/// Runs the built `foundry` executable, for tests of the command line.
///
/// The binary is `$FOUNDRY_BIN` when set, else `foundry` in the build products directory next to the running test
/// binary (`swift build --build-tests` builds it). Tests that need it are skipped, saying so, when it is absent.
public enum FoundryCLI {
    /// The executable, or `nil` when it has not been built.
    public static let executable: URL? = {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["FOUNDRY_BIN"],
            fileManager.isExecutableFile(atPath: explicit)
        {
            return URL(fileURLWithPath: explicit)
        }
        var directories: [URL] = []
        if let executable = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in directories {
            var current = directory
            for _ in 0..<3 {
                let candidate = current.appendingPathComponent("foundry")
                var isDirectory: ObjCBool = false
                if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fileManager.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                current = current.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// Whether the executable was found.
    public static var isAvailable: Bool { executable != nil }

    /// What one run printed and returned.
    public struct Output: Sendable {
        /// Exit status.
        public var status: Int32
        /// Standard output.
        public var standardOutput: String
        /// Standard error.
        public var standardError: String

        /// Standard output parsed as one JSON object.
        public func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(standardOutput.utf8))
            guard let dictionary = object as? [String: Any] else { throw CocoaError(.propertyListReadCorrupt) }
            return dictionary
        }
    }

    /// Another executable product of the package (an example), built next to `foundry`; `nil` when absent.
    public static func product(_ name: String) -> URL? {
        guard let candidate = executable?.deletingLastPathComponent().appendingPathComponent(name),
            FileManager.default.isExecutableFile(atPath: candidate.path)
        else { return nil }
        return candidate
    }

    /// Runs `foundry arguments…` (or the `product` executable, or another `executable` such as an older release) in
    /// `directory` (default: the package root) and waits for it; `environment` is added to (and overrides) this
    /// process's environment, a `nil` value removes a variable; `stdin`, when given, is written to the process's
    /// standard input, which is then closed (answers to an interactive review, for example).
    public static func run(
        _ arguments: [String], product: String? = nil, executable other: URL? = nil,
        in directory: URL = TestData.packageRoot, environment: [String: String?] = [:], stdin: String? = nil
    ) throws -> Output {
        guard let executable = other ?? product.map(Self.product) ?? executable else {
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (name, value) in environment { merged[name] = value }
            process.environment = merged
        }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let input = stdin.map { _ in Pipe() }
        if let input { process.standardInput = input }
        try process.run()
        if let input, let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }
}
