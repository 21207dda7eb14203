import Foundation
import FoundryCore

/// Turns the repairs declared by constraints into a ``RepairPlan`` of row-level proposals.
public enum RepairPlanner {
    /// Plans the repairs of every constraint that declares one, against `table` as given.
    ///
    /// - Parameters:
    ///   - table: the data (not modified).
    ///   - constraints: the constraint set; constraints without a repair propose nothing.
    /// - Returns: the plan; each failing row of a repairing constraint yields at most one proposal (none when the
    ///   repair would not change the row, e.g. a standardization that leaves the text as it is).
    /// - Throws: ``CleaningError`` for ill-formed constraints or unknown columns.
    /// - Complexity: one evaluation per repairing constraint, plus O(rows) per imputation.
    public static func plan(for table: CleaningTable, constraints: ConstraintSet) throws -> RepairPlan {
        try constraints.validateDefinitions(source: table.source)
        try constraints.checkColumns(table.columnNames, source: table.source)
        let options = ValidationOptions(includeSensitiveValues: true, maxSampleValues: 0, maxFailuresListed: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var changes: [ProposedChange] = []
        for constraint in constraints.constraints {
            guard let repair = constraint.repair else { continue }
            let outcome = try constraint.evaluate(on: table, options: options, keepPositions: true)
            let identity = try encoder.encode(IdentityKey(kind: constraint.kind, repair: repair))
            let column = constraint.kind.targetColumn.flatMap { table.columnIndex($0) }
            var seen = Set<String>()
            let columns = constraint.kind.referencedColumns.map(\.column).filter { seen.insert($0).inserted }
            let failing = Set(outcome.failingPositions)
            var replacement: String??
            if case let .impute(strategy) = repair, let column {
                replacement = impute(strategy, table.columns[column], excluding: failing)
            }
            for (position, failure) in zip(outcome.failingPositions, outcome.result.failures) {
                let action: ProposedChange.Action
                switch repair {
                case .dropRow, .keepFirst:
                    action = .dropRow
                case .setNull:
                    guard let column, table.columns[column][position] != nil else { continue }
                    action = .setCell(column: table.columnNames[column], from: table.columns[column][position], to: nil)
                case .impute:
                    guard let column, let value = replacement, let value else { continue }
                    action = .setCell(
                        column: table.columnNames[column], from: table.columns[column][position], to: value)
                case let .standardize(steps):
                    guard let column, let old = table.columns[column][position] else { continue }
                    let new = standardize(old, steps)
                    guard new != old else { continue }
                    action = .setCell(column: table.columnNames[column], from: old, to: new)
                case let .redactPII(redaction):
                    guard case let .noPII(_, kinds) = constraint.kind, let column,
                        let old = table.columns[column][position]
                    else { continue }
                    let new = PIIDetector(kinds: kinds).redact(old, using: redaction)
                    guard new != old else { continue }
                    action = .setCell(column: table.columnNames[column], from: old, to: new)
                }
                var hash = StableHash()
                identity.withUnsafeBytes { hash.combine(bytes: $0) }
                hash.combine(length: table.rowIDs[position])
                for cell in table.row(position) { hash.combine(cell) }
                if let actionData = try? encoder.encode(action) {
                    actionData.withUnsafeBytes { hash.combine(bytes: $0) }
                }
                // Context for review only: not part of the id.
                let link = outcome.duplicateLinks[position]
                changes.append(
                    ProposedChange(
                        id: hash.hex, constraint: constraint.name, row: table.rowIDs[position],
                        action: action, reason: failure.reason, columns: columns,
                        duplicateOf: link.map { table.rowIDs[$0.original] }, similarity: link?.similarity))
            }
        }
        return RepairPlan(fingerprint: table.fingerprint, changes: changes)
    }

    private struct IdentityKey: Encodable {
        var kind: ConstraintKind
        var repair: Repair
    }

    /// Applies standardization steps in order.
    public static func standardize(_ text: String, _ steps: [StandardizeStep]) -> String {
        var value = text
        for step in steps {
            switch step {
            case .trim: value = value.trimmingCharacters(in: .whitespacesAndNewlines)
            case .collapseWhitespace:
                var collapsed = ""
                var inSpace = false
                for character in value {
                    if character.isWhitespace {
                        if !inSpace { collapsed.append(" ") }
                        inSpace = true
                    } else {
                        collapsed.append(character)
                        inSpace = false
                    }
                }
                value = collapsed
            case .lowercase: value = value.lowercased()
            case .nfc: value = value.precomposedStringWithCanonicalMapping
            }
        }
        return value
    }

    /// The imputed value (`.some(nil)` when nothing can be computed), from the non-null cells not in `excluding`.
    static func impute(_ strategy: ImputeStrategy, _ cells: [String?], excluding failing: Set<Int>) -> String?? {
        let values = cells.enumerated().compactMap { failing.contains($0.offset) ? nil : $0.element }
        switch strategy {
        case let .constant(value): return .some(value)
        case .mode:
            var counts: [String: Int] = [:]
            for value in values { counts[value, default: 0] += 1 }
            let best = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
            return .some(best?.key)
        case .median:
            let numbers = values.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isNaN }
                .sorted()
            guard !numbers.isEmpty else { return .some(nil) }
            let middle = numbers.count / 2
            let median = numbers.count % 2 == 1 ? numbers[middle] : (numbers[middle - 1] + numbers[middle]) / 2
            if median == median.rounded(), abs(median) < 1e15 { return .some(String(Int(median))) }
            return .some(String(median))
        }
    }
}
