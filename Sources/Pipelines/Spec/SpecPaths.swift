import Foundation

/// Turns the paths written in a spec into files: `${NAME}` references to environment variables are expanded, then
/// relative paths are resolved against the spec's folder.
///
/// `${FOUNDRY_DATA}` falls back to `../shared/datasets` relative to the working directory when the variable is unset,
/// so the example specs run from a checkout next to the shared datasets without any setup.
public struct SpecPaths: Sendable {
    /// The environment the `${NAME}` references read.
    public var environment: [String: String]
    /// The folder relative paths are resolved against.
    public var baseDirectory: URL
    /// The working directory (for the `${FOUNDRY_DATA}` default).
    public var workingDirectory: URL

    /// The default of `${FOUNDRY_DATA}`, relative to the working directory.
    public static let defaultDataDirectory = "../shared/datasets"

    /// Creates a resolver.
    ///
    /// - Parameters:
    ///   - baseDirectory: the spec's folder (nil: the working directory).
    ///   - environment: the variables (by default the process's).
    ///   - workingDirectory: nil: the process's.
    public init(
        baseDirectory: URL?, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: URL? = nil
    ) {
        let cwd = workingDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        self.environment = environment
        self.workingDirectory = cwd
        self.baseDirectory = baseDirectory ?? cwd
    }

    /// `path` with every `${NAME}` replaced by the variable's value.
    ///
    /// - Returns: the expanded text, or the name of the first variable that is not set (and has no default).
    public func expand(_ path: String) -> Result<String, UnsetVariable> {
        var out = ""
        var rest = Substring(path)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "}") else {
                out += rest[start.lowerBound...]
                rest = ""
                break
            }
            let name = String(after[..<end])
            if let value = environment[name], !value.isEmpty {
                out += value
            } else if name == "FOUNDRY_DATA" {
                out += workingDirectory.appendingPathComponent(Self.defaultDataDirectory).standardizedFileURL.path
            } else {
                return .failure(UnsetVariable(name: name))
            }
            rest = after[after.index(after: end)...]
        }
        out += rest
        return .success(out)
    }

    /// The file `path` names: expanded, then resolved against ``baseDirectory`` when relative.
    ///
    /// - Throws: ``UnsetVariable`` naming a variable that is not set.
    public func url(_ path: String) throws -> URL {
        let expanded = try expand(path).get()
        let url =
            expanded.hasPrefix("/")
            ? URL(fileURLWithPath: expanded) : baseDirectory.appendingPathComponent(expanded)
        return url.standardizedFileURL
    }

    /// A `${NAME}` reference to an environment variable that is not set.
    public struct UnsetVariable: Error, Sendable, Equatable {
        /// The variable's name.
        public var name: String
    }
}
