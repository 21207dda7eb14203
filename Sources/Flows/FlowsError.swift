import Foundation

/// Errors of the flows: options that do not fit together and inputs that do not match each other. Each names the
/// file, dataset, artifact or option concerned.
public enum FlowsError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// An option is out of range or contradicts another.
    case invalidOptions(String)
    /// Two inputs that must describe the same rows or classes do not (row counts, class counts).
    case mismatch(String)
    /// Nothing is left to train on.
    case noTrainingRows(String)
    /// The store holds no artifact of this kind for the version.
    case missingArtifact(kind: String, dataset: String, version: String)
    /// The store holds several artifacts of this kind for the version and none was named.
    case ambiguousArtifact(kind: String, dataset: String, version: String, names: [String])

    /// A one-line message naming what is wrong and what was expected.
    public var description: String {
        switch self {
        case let .invalidOptions(message): message
        case let .mismatch(message): message
        case let .noTrainingRows(message): "no training rows: \(message)"
        case let .missingArtifact(kind, dataset, version):
            "\(dataset)@\(version.prefix(12)) has no \(kind) yet"
        case let .ambiguousArtifact(kind, dataset, version, names):
            "\(dataset)@\(version.prefix(12)) has several \(kind) artifacts (\(names.joined(separator: ", "))): name one"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
