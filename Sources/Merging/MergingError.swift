import Foundation

/// Errors raised by the Merging module; each names the file, tensor or parameter concerned.
public enum MergingError: Error, Equatable, CustomStringConvertible {
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The inputs cannot be merged together (different ranks, targets, base models, shapes or tensor sets).
    case incompatible(path: String, tensor: String?, reason: String)
    /// A checkpoint or adapter file is malformed (truncated safetensors, unsupported dtype, NaN values).
    case invalidFile(path: String, tensor: String?, reason: String)
    /// A method needs a file the input lacks (the Fisher information or the Gram matrices beside an adapter).
    case missingFile(path: String, reason: String)
    /// A merge parameter is out of range (weights summing to zero where the method normalizes, density outside (0, 1]).
    case invalidParameter(name: String, reason: String)
    /// A numerical routine failed (LAPACK).
    case numericalFailure(tensor: String, reason: String)

    /// A one-line message naming the file, tensor or parameter and what was expected.
    public var description: String {
        switch self {
        case let .io(path, reason): "cannot access \(path): \(reason)"
        case let .incompatible(path, tensor, reason):
            "cannot merge \(path)\(tensor.map { " (tensor \($0))" } ?? ""): \(reason)"
        case let .invalidFile(path, tensor, reason):
            "invalid file \(path)\(tensor.map { " (tensor \($0))" } ?? ""): \(reason)"
        case let .missingFile(path, reason): "missing file \(path): \(reason)"
        case let .invalidParameter(name, reason): "invalid parameter \(name): \(reason)"
        case let .numericalFailure(tensor, reason): "numerical failure on \(tensor): \(reason)"
        }
    }
}
