import Foundation

/// Errors thrown by label models for bad input, each naming what was wrong and what was expected.
public enum LabelModelsError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The matrix or options are not usable for this model (for example an empty matrix or k < 2).
    case invalidInput(String)
    /// The method needs more labeling functions than the matrix has.
    case tooFewLabelingFunctions(method: String, needed: Int, got: Int)
    /// A class balance is malformed (wrong length, NaN, negative or zero entries, not summing to 1).
    case invalidClassBalance(String)
    /// The model would need more memory than it allows; the message names a method that fits.
    case tooLarge(String)
    /// `predict` or `score` was called before `fit`.
    case notFitted(method: String)
    /// The matrix given to `predict` differs in shape from the one the model was fitted on.
    case shapeMismatch(String)
    /// A saved model file cannot be read.
    case invalidModelFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidInput(message): return message
        case let .tooFewLabelingFunctions(method, needed, got):
            return "\(method) needs at least \(needed) labeling functions, the matrix has \(got)"
        case let .invalidClassBalance(message): return "invalid class balance: \(message)"
        case let .tooLarge(message): return message
        case let .notFitted(method): return "\(method) has not been fitted; call fit first"
        case let .shapeMismatch(message): return message
        case let .invalidModelFile(path, reason): return "\(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
