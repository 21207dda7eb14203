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
    /// - Throws: ``TabularError/unknownColumn(path:column:available:)`` when there is no such column.
    public func columnIndex(_ name: String) throws -> Int {
        guard let index = columnNames.firstIndex(of: name) else {
            throw TabularError.unknownColumn(path: source, column: name, available: columnNames)
        }
        return index
    }

    /// The cells of the column called `name`, one per row.
    ///
    /// - Throws: ``TabularError/unknownColumn(path:column:available:)`` when there is no such column.
    public func column(_ name: String) throws -> [String] {
        let index = try columnIndex(name)
        return rows.map { $0[index] }
    }

    /// The class index ``classIndices(column:classNames:)`` gives an empty cell: the class is unknown.
    public static let unknownClass = -1

    /// The class of every row, read from a label column: a class name (exact text), or a class index written as an
    /// integer (`0` … `k-1`); an empty cell is ``unknownClass``. A name wins over an index, so a class called `"1"`
    /// is found by its name.
    ///
    /// - Parameters:
    ///   - column: the label column.
    ///   - classNames: the k class names, in index order.
    /// - Returns: one class index (or ``unknownClass``) per row.
    /// - Throws: ``TabularError/unknownColumn(path:column:available:)`` for a missing column, and
    ///   ``TabularError/malformedRow(path:line:reason:)`` naming the file, line and column of the first cell that is
    ///   neither a class name nor an index.
    /// - Complexity: O(n + k).
    public func classIndices(column: String, classNames: [String]) throws -> [Int] {
        precondition(!classNames.isEmpty, "classIndices needs at least one class name")
        let index = try columnIndex(column)
        var byName: [String: Int] = [:]
        for (position, name) in classNames.enumerated() where byName[name] == nil { byName[name] = position }
        return try rows.indices.map { row in
            let cell = rows[row][index]
            if cell.isEmpty { return Self.unknownClass }
            if let position = byName[cell] { return position }
            if let position = Int(cell), position >= 0, position < classNames.count { return position }
            let shown = cell.count > 40 ? String(cell.prefix(40)) + "…" : cell
            throw TabularError.malformedRow(
                path: source, line: lineNumbers[row],
                reason:
                    "column '\(column)': '\(shown)' is not a class (expected one of \(classNames.joined(separator: ", ")), "
                    + "an index 0…\(classNames.count - 1), or an empty cell for unknown)")
        }
    }

    /// The rows as ``Record``s that share one schema (field lookups by name are O(1)).
    public var records: [Record] {
        let schema = RecordSchema(fieldNames: columnNames, source: source)
        return rows.map { Record(schema: schema, values: $0) }
    }
}
