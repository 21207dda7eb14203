import Foundation

/// Pages through pending proposals, asking accept/reject for each; reads answers from any line source
/// (standard input in the CLI, a scripted list in tests).
///
/// Each prompt names the row (row ids are 0-based: the first data row is row 0) and what would change. Given the
/// table, it also shows the row: for a dropped row the cells of the columns the constraint reads (and the others in
/// brief), for a duplicate the earlier row it repeats and the estimated similarity, for a value change the value
/// before → after and the rest of the row. Long cells are clipped; a near-duplicate pair is shown around the first
/// place the two texts differ.
///
/// Answers: `y` accept, `n` reject, `s` skip (decide later), `Y`/`N` accept/reject the rest of this constraint,
/// `A`/`R` accept/reject everything remaining, `q` quit. Anything else repeats the question; end of input stops.
public struct ReviewSession {
    /// The plan under review.
    public let plan: RepairPlan
    /// The decisions so far (updated by ``run(readLine:write:)``).
    public private(set) var decisions: ReviewDecisions
    /// The table the plan was made for, if given: prompts then show the rows' content.
    public let table: CleaningTable?
    /// Row position by row id, when the table's row ids are not simply its positions.
    private let positionByRow: [Int: Int]?

    /// Characters shown of a cell the constraint reads.
    static let cellLimit = 100
    /// Characters shown of each other cell of the row.
    static let otherCellLimit = 30
    /// Characters shown of the line listing the other cells.
    static let otherLineLimit = 140

    /// Creates a session over the pending changes of `plan`.
    ///
    /// - Parameters:
    ///   - plan: the proposals.
    ///   - decisions: earlier decisions; decided proposals are not asked again.
    ///   - table: the table `plan` was made for (``RepairPlanner/plan(for:constraints:)``), so that prompts can show
    ///     each row's content; without it prompts show the proposal alone.
    public init(plan: RepairPlan, decisions: ReviewDecisions, table: CleaningTable? = nil) {
        self.plan = plan
        self.decisions = decisions
        self.table = table
        if let table, !table.rowIDs.elementsEqual(0..<table.rowCount) {
            positionByRow = Dictionary(
                table.rowIDs.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        } else {
            positionByRow = nil
        }
    }

    /// Runs the review.
    ///
    /// - Parameters:
    ///   - readLine: returns the next answer line, or `nil` at end of input.
    ///   - write: receives prompts and summaries.
    /// - Returns: the number of decisions made.
    @discardableResult
    public mutating func run(readLine: () -> String?, write: (String) -> Void) -> Int {
        let pending = decisions.pending(in: plan)
        let before = decisions.decisions.count
        write("\(pending.count) proposed changes to review.\n")
        var index = 0
        while index < pending.count {
            let change = pending[index]
            if decisions.decisions[change.id] != nil { index += 1; continue }
            write(
                "[\(index + 1)/\(pending.count)] \(change.constraint) — "
                    + details(of: change).joined(separator: "\n") + "\n"
                    + "  accept? [y]es [n]o [s]kip, [Y]/[N] rest of constraint, [A]/[R] all remaining, [q]uit: ")
            guard let line = readLine() else { write("\n(end of input)\n"); break }
            switch line.trimmingCharacters(in: .whitespaces) {
            case "y", "yes": decisions.decide(change.id, .accept); index += 1
            case "n", "no": decisions.decide(change.id, .reject); index += 1
            case "s", "skip": index += 1
            case "Y": decisions.decide(constraint: change.constraint, in: plan, .accept); index += 1
            case "N": decisions.decide(constraint: change.constraint, in: plan, .reject); index += 1
            case "A": decisions.decideAll(in: plan, .accept); index = pending.count
            case "R": decisions.decideAll(in: plan, .reject); index = pending.count
            case "q", "quit": index = pending.count
            default: write("  please answer y, n, s, Y, N, A, R or q\n")
            }
        }
        let made = decisions.decisions.count - before
        write("\(made) decisions recorded, \(decisions.pending(in: plan).count) changes still pending.\n")
        return made
    }

    /// What a prompt shows of `change`: a headline naming the row (0-based) and the action, then indented lines with
    /// the reason and, when the session has the table, the row's content and that of the row a duplicate repeats.
    ///
    /// For example, for a near-duplicate:
    ///
    ///     drop row 3 (0-based): a near-duplicate of row 2 (estimated Jaccard 0.88)
    ///       row 3  text: "hello there!"
    ///              id: "4" · label: "spam"
    ///       row 2  text: "hello there"  ← the row it repeats
    ///
    /// - Parameter change: a proposal of ``plan``.
    /// - Returns: the lines, without line breaks; the first is the headline.
    public func details(of change: ProposedChange) -> [String] {
        var lines: [String] = []
        switch change.action {
        case .dropRow:
            var headline = "drop row \(change.row) (0-based)"
            if let original = change.duplicateOf {
                if let similarity = change.similarity {
                    headline +=
                        ": a near-duplicate of row \(original) (estimated Jaccard \(String(format: "%.2f", similarity)))"
                } else {
                    headline += ": a duplicate of row \(original)"
                }
            }
            lines.append(headline)
            if change.duplicateOf == nil { lines.append("  reason: \(change.reason)") }
        case let .setCell(column, from, to):
            lines.append(
                "row \(change.row) (0-based): set \(column) \(Self.show(from, Self.cellLimit)) → "
                    + Self.show(to, Self.cellLimit))
            lines.append("  reason: \(change.reason)")
        }
        guard let table, let position = position(of: change.row, in: table) else { return lines }
        let rowLabel = "row \(change.row)"
        let originalPosition = change.duplicateOf.flatMap { self.position(of: $0, in: table) }
        let originalLabel = change.duplicateOf.map { "row \($0)" } ?? ""
        let width = max(rowLabel.count, originalLabel.count)
        func pad(_ label: String) -> String { "  " + label + String(repeating: " ", count: width - label.count) + "  " }
        let blank = String(repeating: " ", count: width + 4)

        // A dropped row shows the columns the constraint reads in full, the others in brief; a value change shows
        // the rest of the row in brief (the changed cell is in the headline).
        let relevant: [Int]
        let others: [Int]
        switch change.action {
        case .dropRow:
            relevant = change.columns.compactMap(table.columnIndex)
            others = table.columnNames.indices.filter { !relevant.contains($0) }
        case let .setCell(column, _, _):
            relevant = []
            others = table.columnNames.indices.filter { table.columnNames[$0] != column }
        }

        var first = true
        for column in relevant {
            let value = table.columns[column][position]
            var text: String
            if let originalPosition, let original = table.columns[column][originalPosition], let value {
                text = Self.showAligned(value, with: original).0
            } else {
                text = Self.show(value, Self.cellLimit)
            }
            text = "\(table.columnNames[column]): " + text
            lines.append((first ? pad(rowLabel) : blank) + text)
            first = false
        }
        if !others.isEmpty {
            let cells = others.map {
                "\(table.columnNames[$0]): \(Self.show(table.columns[$0][position], Self.otherCellLimit))"
            }
            lines.append(
                (first ? pad(rowLabel) : blank) + Self.clip(cells.joined(separator: " · "), Self.otherLineLimit))
        }
        if let originalPosition {
            var firstOriginal = true
            for column in relevant {
                var text: String
                if let value = table.columns[column][position], let original = table.columns[column][originalPosition] {
                    text = Self.showAligned(value, with: original).1
                } else {
                    text = Self.show(table.columns[column][originalPosition], Self.cellLimit)
                }
                text = "\(table.columnNames[column]): " + text
                if firstOriginal { text += "  ← the row it repeats" }
                lines.append((firstOriginal ? pad(originalLabel) : blank) + text)
                firstOriginal = false
            }
        }
        return lines
    }

    /// The position of row id `row` in `table`, if it has that row.
    private func position(of row: Int, in table: CleaningTable) -> Int? {
        if let positionByRow { return positionByRow[row] }
        return table.rowIDs.indices.contains(row) ? row : nil
    }

    /// A cell as shown: quoted and clipped to `limit` characters (line breaks as ⏎), or `null`.
    static func show(_ value: String?, _ limit: Int) -> String {
        guard let value else { return "null" }
        return "\"" + clip(value, limit) + "\""
    }

    /// `text` with line breaks shown as ⏎, clipped to `limit` characters with a trailing ellipsis.
    static func clip(_ text: String, _ limit: Int) -> String { ValidationReport.clip(text, limit) }

    /// Two similar texts as shown side by side: when both are too long and their first difference would be clipped
    /// away, both are shown from the same place shortly before it.
    static func showAligned(_ text: String, with other: String) -> (String, String) {
        let limit = cellLimit
        let a = Array(text), b = Array(other)
        guard a.count > limit || b.count > limit, a != b else { return (show(text, limit), show(other, limit)) }
        var difference = 0
        while difference < min(a.count, b.count), a[difference] == b[difference] { difference += 1 }
        guard difference > limit * 3 / 4 else { return (show(text, limit), show(other, limit)) }
        let start = difference - limit / 3
        func window(_ characters: [Character]) -> String {
            let rest = String(characters[min(start, characters.count)...])
            return "\"…" + clip(rest, limit - 1) + "\""
        }
        return (window(a), window(b))
    }
}
