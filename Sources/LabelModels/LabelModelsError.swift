import Foundation
import Labeling

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
    /// A method name is none of ``LabelModelMethod``'s.
    case unknownMethod(String)
    /// Options that cannot go together or are out of range (a negative l2, a dev metric without a dev set, …).
    case invalidConfiguration(String)
    /// A split an evaluation needs is not in the dataset folder; `path` names the file (or file pattern) looked for.
    case missingSplit(path: String, split: WrenchDataset.Split)

    /// A one-line message naming what was wrong and what was expected.
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
        case let .unknownMethod(name):
            return "unknown method '\(name)'; expected "
                + LabelModelMethod.allCases.map(\.rawValue).joined(separator: ", ")
        case let .invalidConfiguration(message): return message
        case let .missingSplit(path, split):
            switch split {
            case .train:
                return
                    "\(path) is missing: without a train split, evaluate transductively (fit on the test split's weak "
                    + "labels, never its gold labels)"
            case .test:
                return "\(path) is missing: the test split is what a label model is scored on"
            case .valid:
                return
                    "\(path) is missing (the \(split.rawValue) split is needed for the class balance from it and for a dev set)"
            }
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
