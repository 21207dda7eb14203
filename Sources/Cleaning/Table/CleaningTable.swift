import Tabular

/// A table to validate and repair: named columns of optional text cells (`nil` is null), stored column by column.
///
/// Each row keeps the id it had in the input (``rowIDs``), so reports, plans and change logs name rows
/// the same way after rows are dropped.
public struct CleaningTable: Sendable, Equatable {
    /// Where the table came from (a path or a label), used in error messages.
    public var source: String
    /// Column names, in order.
    public private(set) var columnNames: [String]
    /// The cells, `columns[c][r]`.
    public private(set) var columns: [[String?]]
    /// The input row id of each row (0-based position in the input).
    public private(set) var rowIDs: [Int]

    /// Creates a table from columns of equal length.
    ///
    /// - Parameters:
    ///   - source: a path or label for messages.
    ///   - columnNames: one name per column.
    ///   - columns: the cells, column by column; all columns have the same length.
    ///   - rowIDs: the row ids; `0..<rowCount` by default.
    public init(source: String = "<memory>", columnNames: [String], columns: [[String?]], rowIDs: [Int]? = nil) {
        precondition(columnNames.count == columns.count, "one name per column")
        let count = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == count }, "columns must have equal length")
        precondition(rowIDs == nil || rowIDs?.count == count, "one row id per row")
        self.source = source
        self.columnNames = columnNames
        self.columns = columns
        self.rowIDs = rowIDs ?? Array(0..<count)
    }

    /// Creates a table from rows (convenient in tests and small programs).
    public init(source: String = "<memory>", columnNames: [String], rows: [[String?]]) {
        precondition(rows.allSatisfy { $0.count == columnNames.count }, "one cell per column in every row")
        let columns = columnNames.indices.map { c in rows.map { $0[c] } }
        self.init(source: source, columnNames: columnNames, columns: columns)
    }

    /// Converts a ``TextTable`` read by the Labeling readers.
    ///
    /// - Parameters:
    ///   - table: the text table.
    ///   - nullMarkers: cell texts read as null (by default the empty string).
    public init(_ table: TextTable, nullMarkers: Set<String> = [""]) {
        let columns = table.columnNames.indices.map { c in
            table.rows.map { row -> String? in nullMarkers.contains(row[c]) ? nil : row[c] }
        }
        self.init(source: table.source, columnNames: table.columnNames, columns: columns)
    }

    /// Number of rows.
    public var rowCount: Int { rowIDs.count }

    /// The position of the column called `name`, or `nil`.
    public func columnIndex(_ name: String) -> Int? { columnNames.firstIndex(of: name) }

    /// The cells of the column called `name`.
    ///
    /// - Throws: ``CleaningError/unknownColumn(source:constraint:field:column:available:)`` when there is none.
    public func column(_ name: String) throws -> [String?] {
        guard let index = columnIndex(name) else {
            throw CleaningError.unknownColumn(
                source: source, constraint: "-", field: "column", column: name,
                available: columnNames)
        }
        return columns[index]
    }

    /// The cells of row position `row` (not row id), in column order.
    public func row(_ row: Int) -> [String?] { columns.map { $0[row] } }

    /// Sets one cell (row position, column position).
    public mutating func setCell(row: Int, column: Int, to value: String?) { columns[column][row] = value }

    /// Keeps only the rows at the given positions, in the order given.
    public mutating func keepRows(_ positions: [Int]) {
        columns = columns.map { column in positions.map { column[$0] } }
        rowIDs = positions.map { rowIDs[$0] }
    }
}
