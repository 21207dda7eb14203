import Foundation
import FoundryCore

/// What evaluating one constraint produced, before it becomes a ``ConstraintResult``.
struct ConstraintOutcome {
    var result: ConstraintResult
    /// Row positions that failed (filled only when requested, for repairs).
    var failingPositions: [Int]
    /// For failing positions that repeat an earlier row: that row (filled only when positions are requested).
    var duplicateLinks: [Int: DuplicateLink] = [:]
}

extension Constraint {
    /// Whether failing values of this constraint are sensitive (personal data) and hidden by default.
    public var isSensitive: Bool {
        if case .noPII = kind { return true }
        return false
    }

    /// Evaluates the constraint over `table`; columns must exist (see ``ConstraintSet/checkColumns(_:source:)``).
    func evaluate(on table: CleaningTable, options: ValidationOptions, keepPositions: Bool) throws -> ConstraintOutcome
    {
        var sink = FailureSink(
            limit: options.maxFailuresListed ?? Int.max, sampleLimit: options.maxSampleValues,
            showValues: !isSensitive || options.includeSensitiveValues, rowIDs: table.rowIDs,
            keepPositions: keepPositions)
        var evaluated = table.rowCount
        var datasetProblem: String?
        var detail: String?
        func column(_ name: String) throws -> [String?] {
            guard let index = table.columnIndex(name) else {
                throw CleaningError.unknownColumn(
                    source: table.source, constraint: self.name, field: "column", column: name,
                    available: table.columnNames)
            }
            return table.columns[index]
        }
        func eachValue(_ name: String, _ body: (Int, String) -> Void) throws {
            let cells = try column(name)
            evaluated = 0
            for (row, cell) in cells.enumerated() {
                guard let cell else { continue }
                evaluated += 1
                body(row, cell)
            }
        }

        switch kind {
        case let .notNull(name):
            for (row, cell) in try column(name).enumerated() where cell == nil { sink.fail(row, nil, "null") }
        case let .unique(columns):
            let keyed = try columns.map(column)
            var index = DuplicateIndex(columns: keyed, capacity: table.rowCount)
            evaluated = 0
            for row in 0..<table.rowCount {
                if keyed.count == 1, keyed[0][row] == nil { continue }  // a single-column key skips nulls
                evaluated += 1
                if let earlier = index.firstOccurrence(of: row) {
                    sink.fail(
                        row, keyed.count == 1 ? keyed[0][row] : keyed.map { $0[row] ?? "null" }.joined(separator: ", "),
                        "duplicate of row \(table.rowIDs[earlier])", duplicating: earlier)
                }
            }
        case let .parses(name, type):
            try eachValue(name) { row, text in
                if !type.accepts(text) { sink.fail(row, text, "does not parse as \(type.rawValue)") }
            }
        case let .range(name, minimum, maximum):
            try eachValue(name) { row, text in
                guard let number = Double(text.trimmingCharacters(in: .whitespaces)), !number.isNaN else {
                    sink.fail(row, text, "not a number")
                    return
                }
                if let minimum, number < minimum {
                    sink.fail(row, text, "\(text) is below \(minimum)")
                } else if let maximum, number > maximum {
                    sink.fail(row, text, "\(text) is above \(maximum)")
                }
            }
        case let .length(name, minimum, maximum):
            let low = minimum ?? 0, high = maximum ?? Int.max
            try eachValue(name) { row, text in
                let length = Self.scalarCount(text)
                if length < low || length > high {
                    sink.fail(row, text, "length \(length) is outside \(low)…\(maximum.map(String.init) ?? "∞")")
                }
            }
        case let .matches(name, pattern):
            let regex: NSRegularExpression
            do { regex = try NSRegularExpression(pattern: "^(?:\(pattern))$") } catch {
                throw CleaningError.invalidSpec(
                    source: table.source, constraint: self.name, field: "pattern",
                    reason: "invalid regular expression '\(pattern)'")
            }
            try eachValue(name) { row, text in
                let range = NSRange(text.startIndex..<text.endIndex, in: text)
                if regex.firstMatch(in: text, options: [], range: range) == nil {
                    sink.fail(row, text, "does not match /\(pattern)/")
                }
            }
        case let .allowedValues(name, values):
            let allowed = Set(values)
            try eachValue(name) { row, text in
                if !allowed.contains(text) { sink.fail(row, text, "'\(text)' is not an allowed value") }
            }
        case let .functionalDependency(determinant, dependent):
            try evaluateDependency(table, determinant.map(column), dependent.map(column), determinant, dependent, &sink)
        case let .denial(predicates):
            try evaluateDenial(table, predicates, column, &sink)
        case let .rowPredicate(condition, requirement):
            let conditionColumns = try condition.map { try column($0.column) }
            let requirementColumns = try requirement.map { try column($0.column) }
            evaluated = 0
            for row in 0..<table.rowCount {
                guard zip(condition, conditionColumns).allSatisfy({ $0.holds($1[row]) }) else { continue }
                evaluated += 1
                for (comparison, cells) in zip(requirement, requirementColumns) where !comparison.holds(cells[row]) {
                    sink.fail(
                        row, cells[row],
                        "requires \(comparison.column) \(comparison.op.rawValue)\(comparison.value.map { " \($0)" } ?? "")"
                    )
                    break
                }
            }
        case let .rowCount(minimum, maximum):
            detail = "\(table.rowCount) rows"
            if let minimum, table.rowCount < minimum {
                datasetProblem = "\(table.rowCount) rows, fewer than \(minimum)"
            }
            if let maximum, table.rowCount > maximum { datasetProblem = "\(table.rowCount) rows, more than \(maximum)" }
        case let .classDistribution(name, bounds):
            var counts: [String: Int] = [:]
            var total = 0
            for cell in try column(name) { if let cell { counts[cell, default: 0] += 1; total += 1 } }
            var problems: [String] = []
            var shares: [String] = []
            for bound in bounds {
                let share = total == 0 ? 0 : Double(counts[bound.value] ?? 0) / Double(total)
                shares.append("\(bound.value) \(Self.percent(share))")
                if let minimum = bound.minimum, share < minimum {
                    problems.append("\(bound.value) \(Self.percent(share)) < \(Self.percent(minimum))")
                }
                if let maximum = bound.maximum, share > maximum {
                    problems.append("\(bound.value) \(Self.percent(share)) > \(Self.percent(maximum))")
                }
            }
            evaluated = total
            detail = shares.joined(separator: ", ")
            if !problems.isEmpty { datasetProblem = problems.joined(separator: "; ") }
        case let .labeledFraction(name, minimum, unlabeled):
            let missing = Set(unlabeled)
            for (row, cell) in try column(name).enumerated() where cell == nil || missing.contains(cell ?? "") {
                sink.fail(row, cell, "unlabeled")
            }
            let fraction = table.rowCount == 0 ? 0 : Double(table.rowCount - sink.count) / Double(table.rowCount)
            detail = "\(Self.percent(fraction)) labeled"
            if fraction < minimum {
                datasetProblem = "\(Self.percent(fraction)) labeled, less than \(Self.percent(minimum))"
            }
        case let .validText(name, rejectC1):
            try eachValue(name) { row, text in
                if let problem = Self.textProblem(text, rejectC1Controls: rejectC1) { sink.fail(row, text, problem) }
            }
        case let .nearDuplicates(name, configuration):
            let cells = try column(name)
            evaluated = cells.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
            for duplicate in NearDuplicateDetector(configuration: configuration).duplicates(in: cells) {
                sink.fail(
                    duplicate.row, cells[duplicate.row],
                    "near-duplicate of row \(table.rowIDs[duplicate.original]) (estimated Jaccard \(String(format: "%.2f", duplicate.similarity)))",
                    duplicating: duplicate.original, similarity: duplicate.similarity)
            }
        case let .noPII(name, kinds):
            let detector = PIIDetector(kinds: kinds)
            try eachValue(name) { row, text in
                if detector.containsAny(in: text) {
                    sink.fail(
                        row, text,
                        "contains \(Set(detector.matches(in: text).map(\.kind)).sorted().map(\.rawValue).joined(separator: ", "))"
                    )
                }
            }
        }

        let passFraction = evaluated == 0 ? 1 : Double(evaluated - sink.count) / Double(evaluated)
        var passed = passFraction >= (mostly ?? 1) - 1e-12
        if kind.isDatasetLevel { passed = datasetProblem == nil }
        let result = ConstraintResult(
            name: name, kind: kind.keyword, severity: severity, mostly: mostly, rowsEvaluated: evaluated,
            rowsFailed: sink.count, passed: passed, detail: datasetProblem ?? detail, failures: sink.failures,
            sampleValues: sink.samples)
        return ConstraintOutcome(
            result: result, failingPositions: sink.failingPositions, duplicateLinks: sink.duplicateLinks)
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    /// Unicode scalars in `text`, counted from its UTF-8 bytes.
    static func scalarCount(_ text: String) -> Int {
        if let count = text.utf8.withContiguousStorageIfAvailable({ bytes -> Int in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        }) {
            return count
        }
        return text.unicodeScalars.count
    }

    /// Bytes that may start a text problem: C0 controls except tab, LF, CR; DEL; the lead byte of U+FFFD.
    static let suspectBytes: [Bool] = (0..<256).map { b in
        (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F || b == 0xEF
    }
    /// ``suspectBytes`` plus the lead byte of C1 controls.
    static let suspectBytesWithC1: [Bool] = (0..<256).map { b in suspectBytes[b] || b == 0xC2 }

    /// A description of the first control character (other than tab, LF, CR) or U+FFFD, or `nil` when clean.
    static func textProblem(_ text: String, rejectC1Controls: Bool = false) -> String? {
        let table = rejectC1Controls ? Self.suspectBytesWithC1 : Self.suspectBytes
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            var i = 0
            let n = bytes.count
            while i < n {
                // Fast skip: most bytes cannot start a problem.
                while i < n, !table[Int(bytes[i])] { i += 1 }
                guard i < n else { return nil }
                let b = bytes[i]
                if b < 0x20 || b == 0x7F {
                    return String(format: "control character U+%04X", b)
                } else if b == 0xEF, i + 2 < n, bytes[i + 1] == 0xBF, bytes[i + 2] == 0xBD {
                    return "replacement character U+FFFD (invalid UTF-8 in the source)"
                } else if b == 0xC2, i + 1 < n, bytes[i + 1] >= 0x80, bytes[i + 1] <= 0x9F {
                    return String(format: "control character U+%04X", bytes[i + 1])
                }
                i += 1
            }
            return nil
        }
        if let result = text.utf8.withContiguousStorageIfAvailable(scan) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(scan)
    }

    private func evaluateDependency(
        _ table: CleaningTable, _ left: [[String?]], _ right: [[String?]], _ leftNames: [String],
        _ rightNames: [String], _ sink: inout FailureSink
    ) throws {
        var groups: [[String?]: (first: [String?], rows: [Int], conflicting: Bool)] = [:]
        var order: [[String?]] = []
        for row in 0..<table.rowCount {
            let key = left.map { $0[row] }
            let value = right.map { $0[row] }
            if var group = groups[key] {
                group.rows.append(row)
                if group.first != value { group.conflicting = true }
                groups[key] = group
            } else {
                groups[key] = (value, [row], false)
                order.append(key)
            }
        }
        for key in order {
            guard let group = groups[key], group.conflicting else { continue }
            let distinct = Set(group.rows.map { row in right.map { $0[row] } }).count
            let keyText = key.map { $0 ?? "null" }.joined(separator: ", ")
            for row in group.rows {
                let value = right.map { $0[row] ?? "null" }.joined(separator: ", ")
                sink.fail(
                    row, value,
                    "\(leftNames.joined(separator: ",")) = \(keyText) has \(distinct) different values of \(rightNames.joined(separator: ","))"
                )
            }
        }
    }

    private func evaluateDenial(
        _ table: CleaningTable, _ predicates: [PairPredicate], _ column: (String) throws -> [String?],
        _ sink: inout FailureSink
    ) throws {
        let equalColumns = try predicates.filter { $0.relation == .equal }.map { try column($0.column) }
        let unequal = predicates.filter { $0.relation == .notEqual }
        let unequalColumns = try unequal.map { try column($0.column) }
        var groups: [[String?]: [Int]] = [:]
        var order: [[String?]] = []
        for row in 0..<table.rowCount {
            let key = equalColumns.map { $0[row] }
            if key.contains(where: { $0 == nil }) { continue }  // null never equals anything
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        var failing: [Int: Int] = [:]  // row → a conflicting row
        for key in order {
            guard let rows = groups[key], rows.count > 1 else { continue }
            if unequalColumns.count == 1 {
                var firstByValue: [String?: Int] = [:]
                for row in rows where firstByValue[unequalColumns[0][row]] == nil {
                    firstByValue[unequalColumns[0][row]] = row
                }
                guard firstByValue.count > 1 else { continue }
                for row in rows {
                    let mine = unequalColumns[0][row]
                    if let other = firstByValue.first(where: { $0.key != mine })?.value { failing[row] = other }
                }
            } else {
                for (i, a) in rows.enumerated() {
                    for b in rows[(i + 1)...] where unequalColumns.allSatisfy({ $0[a] != $0[b] }) {
                        if failing[a] == nil { failing[a] = b }
                        if failing[b] == nil { failing[b] = a }
                    }
                }
            }
        }
        let description = predicates.map { "t1.\($0.column) \($0.relation == .equal ? "=" : "≠") t2.\($0.column)" }
            .joined(separator: " ∧ ")
        for row in failing.keys.sorted() {
            guard let other = failing[row] else { continue }
            let value = unequal.map { table.columns[table.columnIndex($0.column) ?? 0][row] ?? "null" }.joined(
                separator: ", ")
            sink.fail(row, value, "with row \(table.rowIDs[other]): \(description)")
        }
    }
}

extension Comparison {
    /// Whether the comparison holds for `cell`. Null satisfies only `is_null` (and `!=` a non-null value does not hold).
    func holds(_ cell: String?) -> Bool {
        switch op {
        case .isNull: return cell == nil
        case .isNotNull: return cell != nil
        default: break
        }
        guard let cell, let value else { return false }
        switch op {
        case .equal: return cell == value
        case .notEqual: return cell != value
        case .contains: return cell.contains(value)
        default:
            let order: ComparisonResult
            if let x = Double(cell), let y = Double(value) {
                order = x < y ? .orderedAscending : (x > y ? .orderedDescending : .orderedSame)
            } else {
                order = cell < value ? .orderedAscending : (cell > value ? .orderedDescending : .orderedSame)
            }
            switch op {
            case .less: return order == .orderedAscending
            case .lessOrEqual: return order != .orderedDescending
            case .greater: return order == .orderedDescending
            case .greaterOrEqual: return order != .orderedAscending
            default: return false
            }
        }
    }
}

extension ConstraintSet {
    /// Evaluates every constraint over `table`.
    ///
    /// - Parameters:
    ///   - table: the data.
    ///   - options: what to list and show.
    /// - Returns: the report.
    /// - Throws: ``CleaningError`` for an ill-formed constraint or a column the table lacks.
    /// - Complexity: O(rows × constraints) hashing and scanning; near-duplicates add O(text × permutations).
    ///   Constraints are evaluated concurrently unless ``ValidationOptions/parallel`` is false; results do not depend
    ///   on it.
    public func validate(_ table: CleaningTable, options: ValidationOptions = ValidationOptions()) throws
        -> ValidationReport
    {
        try validateDefinitions(source: table.source)
        try checkColumns(table.columnNames, source: table.source)
        // Constraints are independent: evaluate them concurrently, each writing only its own slot.
        var outcomes = [Result<ConstraintResult, any Error>?](repeating: nil, count: constraints.count)
        let constraints = self.constraints
        outcomes.withUnsafeMutableBufferPointer { slots in
            ParallelChunks.forEach(count: constraints.count, chunkSize: 1, maxThreads: options.parallel ? nil : 1) {
                index, _ in
                slots[index] = Result {
                    try constraints[index].evaluate(on: table, options: options, keepPositions: false).result
                }
            }
        }
        let results = try outcomes.map { outcome -> ConstraintResult in
            guard let outcome else {
                throw CleaningError.invalidSpec(
                    source: table.source, constraint: nil, field: nil, reason: "internal: constraint not evaluated")
            }
            return try outcome.get()
        }
        return ValidationReport(source: table.source, rowCount: table.rowCount, results: results)
    }
}
