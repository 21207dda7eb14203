import Foundation

/// Errors thrown by the Tabular module for files, tables and specs. Each names the file and, where it can,
/// the line, column or key concerned.
public enum TabularError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A file is missing or unreadable.
    case fileUnreadable(path: String, reason: String)
    /// A file could not be written.
    case fileUnwritable(path: String, reason: String)
    /// A text file is not valid UTF-8; `line` is 1-based.
    case invalidUTF8(path: String, line: Int)
    /// A row of a CSV/JSONL file is malformed; `line` is 1-based.
    case malformedRow(path: String, line: Int, reason: String)
    /// A named column or field does not exist.
    case unknownColumn(path: String, column: String, available: [String])
    /// A field's value cannot be used (for example a threshold's field is not a number).
    case invalidValue(field: String, value: String, reason: String)
    /// A spec or configuration file (YAML/JSON) is invalid; `line` is 1-based and `key` is the path of the key
    /// concerned (for example `labeling_functions[2].label`) when known.
    case invalidSpec(path: String, line: Int?, key: String?, reason: String)
    /// A catalogued dataset is missing or its files do not match the catalog; `reason` says what to do.
    case datasetUnavailable(name: String, reason: String)

    /// A one-line message naming the file (and line or column) and what was expected.
    public var description: String {
        switch self {
        case let .fileUnreadable(path, reason): return "\(path): \(reason)"
        case let .fileUnwritable(path, reason): return "\(path): cannot write (\(reason))"
        case let .invalidUTF8(path, line): return "\(path):\(line): text is not valid UTF-8"
        case let .malformedRow(path, line, reason): return "\(path):\(line): \(reason)"
        case let .unknownColumn(path, column, available):
            return "\(path): no column named '\(column)' (columns: \(available.joined(separator: ", ")))"
        case let .invalidValue(field, value, reason):
            let shown = value.count > 60 ? String(value.prefix(60)) + "…" : value
            return "field '\(field)': value '\(shown)' \(reason)"
        case let .invalidSpec(path, line, key, reason):
            return "\(path)\(line.map { ":\($0)" } ?? ""): \(key.map { "\($0): " } ?? "")\(reason)"
        case let .datasetUnavailable(name, reason): return "dataset '\(name)': \(reason)"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
