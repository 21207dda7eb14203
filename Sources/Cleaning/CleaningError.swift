import Foundation

/// Errors thrown by the Cleaning module for bad specs, tables, decisions files and label inputs. Each names where.
public enum CleaningError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A constraint refers to a column the table does not have.
    case unknownColumn(source: String, constraint: String, field: String, column: String, available: [String])
    /// A constraint spec (file or Swift value) is invalid: unknown kind, invalid regex, `mostly` outside 0…1, ….
    case invalidSpec(source: String, constraint: String?, field: String?, reason: String)
    /// A decisions file was written for different input data.
    case decisionsForDifferentData(path: String, expected: String, found: String)
    /// A decisions file is malformed.
    case invalidDecisions(path: String, reason: String)
    /// An input file is unreadable or malformed; `line` is 1-based when known.
    case invalidInput(path: String, line: Int?, reason: String)
    /// Labels or predicted probabilities for label-issue finding are invalid.
    case invalidLabels(source: String, reason: String)

    /// A message naming where the problem is and what was expected.
    public var description: String {
        switch self {
        case let .unknownColumn(source, constraint, field, column, available):
            return "\(source): constraint '\(constraint)', field '\(field)': no column named '\(column)'"
                + " (columns: \(available.joined(separator: ", ")))"
        case let .invalidSpec(source, constraint, field, reason):
            var place = source
            if let constraint { place += ": constraint '\(constraint)'" }
            if let field { place += ", field '\(field)'" }
            return "\(place): \(reason)"
        case let .decisionsForDifferentData(path, expected, found):
            return
                "\(path): decisions were recorded for different input data (fingerprint \(found), input has \(expected))"
        case let .invalidDecisions(path, reason): return "\(path): invalid decisions file: \(reason)"
        case let .invalidInput(path, line, reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case let .invalidLabels(source, reason): return "\(source): \(reason)"
        }
    }

    /// Same as ``description``.
    public var errorDescription: String? { description }
}
