import Foundation

/// Errors thrown by the Labeling module for bad files and matrices. Each names where the problem is. (Errors in LF
/// spec files are Tabular's `TabularError.invalidSpec`, naming the file, line, key path and labeling function.)
public enum LabelingError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A label matrix or vote is invalid (for example a vote ≥ cardinality).
    case invalidMatrix(source: String, reason: String)
    /// A WRENCH folder or file is not in the expected format.
    case invalidWrench(path: String, reason: String)
    /// Applying a labeling function failed under the fail-fast policy.
    case labelingFunctionFailed(lf: String, row: Int, reason: String)
    /// The job was cancelled.
    case cancelled
    /// A field's value cannot be used (for example a threshold LF's field is not a number).
    case invalidValue(field: String, value: String, reason: String)

    /// A one-line message naming the matrix, function or field and what was expected.
    public var description: String {
        switch self {
        case let .invalidMatrix(source, reason): return "\(source): \(reason)"
        case let .invalidWrench(path, reason): return "\(path): \(reason)"
        case let .labelingFunctionFailed(lf, row, reason):
            return "labeling function '\(lf)' failed on row \(row): \(reason)"
        case .cancelled: return "cancelled"
        case let .invalidValue(field, value, reason):
            let shown = value.count > 60 ? String(value.prefix(60)) + "…" : value
            return "field '\(field)': value '\(shown)' \(reason)"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
