import Foundation

/// Errors thrown by the Labeling module for bad files, specs and matrices. Each names where the problem is.
public enum LabelingError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A file is missing or unreadable.
    case fileUnreadable(path: String, reason: String)
    /// A text file is not valid UTF-8; `line` is 1-based.
    case invalidUTF8(path: String, line: Int)
    /// A row of a CSV/JSONL file is malformed; `line` is 1-based.
    case malformedRow(path: String, line: Int, reason: String)
    /// A named column or field does not exist.
    case unknownColumn(path: String, column: String, available: [String])
    /// A declarative LF spec is invalid.
    case invalidSpec(path: String, lf: String?, field: String?, reason: String)
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
    /// A catalogued dataset is missing or its files do not match the catalog; `reason` says what to do.
    case datasetUnavailable(name: String, reason: String)

    public var description: String {
        switch self {
        case let .fileUnreadable(path, reason): return "\(path): \(reason)"
        case let .invalidUTF8(path, line): return "\(path):\(line): text is not valid UTF-8"
        case let .malformedRow(path, line, reason): return "\(path):\(line): \(reason)"
        case let .unknownColumn(path, column, available):
            return "\(path): no column named '\(column)' (columns: \(available.joined(separator: ", ")))"
        case let .invalidSpec(path, lf, field, reason):
            var place = path
            if let lf { place += ": labeling function '\(lf)'" }
            if let field { place += ", field '\(field)'" }
            return "\(place): \(reason)"
        case let .invalidMatrix(source, reason): return "\(source): \(reason)"
        case let .invalidWrench(path, reason): return "\(path): \(reason)"
        case let .labelingFunctionFailed(lf, row, reason):
            return "labeling function '\(lf)' failed on row \(row): \(reason)"
        case .cancelled: return "cancelled"
        case let .invalidValue(field, value, reason):
            let shown = value.count > 60 ? String(value.prefix(60)) + "…" : value
            return "field '\(field)': value '\(shown)' \(reason)"
        case let .datasetUnavailable(name, reason): return "dataset '\(name)': \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
