import Foundation

/// A table of text cells read from a CSV or JSONL file: named columns, rows of strings.
///
/// Every row has exactly `columnNames.count` cells (readers reject ragged rows). Cells keep the
/// file's text verbatim (after CSV unquoting); numbers and booleans from JSONL are rendered as text.
public struct TextTable: Sendable, Equatable {
    /// Where the table came from (a file path, or a label such as `"<memory>"`), used in error messages.
    public let source: String
    /// The column names, in file order.
    public let columnNames: [String]
    /// The rows; each has one cell per column.
    public let rows: [[String]]
    /// For each row, the 1-based line of the file on which it starts (for error messages).
    public let lineNumbers: [Int]

    /// Creates a table; every row must have one cell per column.
    ///
    /// - Parameters:
    ///   - source: a file path or label used in error messages.
    ///   - columnNames: the column names.
    ///   - rows: the rows, each with `columnNames.count` cells.
    ///   - lineNumbers: the 1-based line on which each row starts; by default `2, 3, …` (a header line, then one line per row).
    public init(source: String, columnNames: [String], rows: [[String]], lineNumbers: [Int]? = nil) {
        precondition(rows.allSatisfy { $0.count == columnNames.count }, "every row needs one cell per column")
        precondition(lineNumbers == nil || lineNumbers?.count == rows.count, "one line number per row")
        self.source = source
        self.columnNames = columnNames
        self.rows = rows
        self.lineNumbers = lineNumbers ?? rows.indices.map { $0 + 2 }
    }

    /// Number of rows.
    public var rowCount: Int { rows.count }

    /// The index of the (first) column called `name`.
    ///
    /// - Throws: ``LabelingError/unknownColumn(path:column:available:)`` when there is no such column.
    public func columnIndex(_ name: String) throws -> Int {
        guard let index = columnNames.firstIndex(of: name) else {
            throw LabelingError.unknownColumn(path: source, column: name, available: columnNames)
        }
        return index
    }

    /// The cells of the column called `name`, one per row.
    ///
    /// - Throws: ``LabelingError/unknownColumn(path:column:available:)`` when there is no such column.
    public func column(_ name: String) throws -> [String] {
        let index = try columnIndex(name)
        return rows.map { $0[index] }
    }

    /// The rows as ``Record``s that share one schema (field lookups by name are O(1)).
    public var records: [Record] {
        let schema = RecordSchema(fieldNames: columnNames, source: source)
        return rows.map { Record(schema: schema, values: $0) }
    }
}

/// The field names of a family of ``Record``s, shared by reference so that records stay small.
public final class RecordSchema: Sendable {
    /// Field names in order.
    public let fieldNames: [String]
    /// Where the records came from, for error messages.
    public let source: String
    private let indexByName: [String: Int]

    /// Creates a schema; when a name repeats, lookups find its first occurrence.
    public init(fieldNames: [String], source: String = "<memory>") {
        self.fieldNames = fieldNames
        self.source = source
        var index: [String: Int] = [:]
        for (position, name) in fieldNames.enumerated() where index[name] == nil { index[name] = position }
        indexByName = index
    }

    /// The position of the field called `name`, or `nil`.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// The position of the field called `name`.
    ///
    /// - Throws: ``LabelingError/unknownColumn(path:column:available:)`` when there is no such field.
    public func requireIndex(of name: String) throws -> Int {
        guard let index = indexByName[name] else {
            throw LabelingError.unknownColumn(path: source, column: name, available: fieldNames)
        }
        return index
    }
}

/// One example with named text fields: a row of a ``TextTable``, the usual input of labeling functions.
public struct Record: Sendable, Equatable {
    /// The shared field names.
    public let schema: RecordSchema
    /// The field values, one per schema field.
    public let values: [String]

    /// Creates a record; `values` must have one entry per schema field.
    public init(schema: RecordSchema, values: [String]) {
        precondition(values.count == schema.fieldNames.count, "one value per field")
        self.schema = schema
        self.values = values
    }

    /// Creates a record from name–value pairs (convenient in tests and small programs).
    public init(_ fields: KeyValuePairs<String, String>) {
        self.init(schema: RecordSchema(fieldNames: fields.map(\.key)), values: fields.map(\.value))
    }

    /// The value of the field called `name`, or `nil` when there is no such field.
    public subscript(name: String) -> String? {
        schema.index(of: name).map { values[$0] }
    }

    /// The value of the field called `name`.
    ///
    /// - Throws: ``LabelingError/unknownColumn(path:column:available:)`` when there is no such field.
    public func value(_ name: String) throws -> String { values[try schema.requireIndex(of: name)] }

    /// The field called `name` parsed as a number (surrounding whitespace allowed).
    ///
    /// - Throws: ``LabelingError/unknownColumn(path:column:available:)`` for a missing field and
    ///   ``LabelingError/invalidValue(field:value:reason:)`` when the text is not a number.
    public func number(_ name: String) throws -> Double {
        let text = try value(name)
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw LabelingError.invalidValue(field: name, value: text, reason: "not a number")
        }
        return number
    }

    /// Records are equal when their field names and values are.
    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.schema.fieldNames == rhs.schema.fieldNames && lhs.values == rhs.values
    }
}
