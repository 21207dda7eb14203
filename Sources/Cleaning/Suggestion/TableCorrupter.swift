import FoundryCore

/// Damages a clean table in known places, seeded, to measure how many damaged rows a set of constraints flags.
///
/// Each ``Corruption`` damages exactly `⌊fraction × rows⌋` rows (2 % by default), every damaged row by one kind only:
/// - `null_or_empty`: the text becomes null, empty or a single space (chosen at random);
/// - `unknown_label`: the label becomes a value the label column does not hold (`unknown`, `?`, `N/A`, `-1`, a
///   label upper-cased, pluralized or with `?` appended);
/// - `control_characters`: 1–3 C0 control characters (not tab, LF, CR, NUL) or DEL inserted at random places;
/// - `truncated`: the text cut to its first 1–4 Unicode scalars (``Configuration/truncatedLengths``), always shorter
///   than it was;
/// - `blown_up`: the text repeated (joined by spaces) to more than 2–4 times (``Configuration/blowUpFactors``) the
///   longest text of the clean table, i.e. past any length seen;
/// - `duplicate`: every cell copied from an earlier undamaged row (a record ingested twice; the copy is the later row).
///
/// Rows are drawn without replacement from one seeded shuffle, so the same table, configuration and seed damage the
/// same rows the same way.
public struct TableCorrupter: Sendable {
    /// A kind of damage.
    public enum Corruption: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// Null, empty or whitespace-only text.
        case nullOrEmpty = "null_or_empty"
        /// A label outside the label column's values.
        case unknownLabel = "unknown_label"
        /// Control characters inserted into the text.
        case controlCharacters = "control_characters"
        /// The text cut to a few characters.
        case truncated
        /// The text blown up past any length seen.
        case blownUp = "blown_up"
        /// An exact copy of an earlier row.
        case duplicate
    }

    /// Which columns to damage, how much and how.
    public struct Configuration: Sendable, Equatable {
        /// The text column.
        public var textColumn: String
        /// The label column.
        public var labelColumn: String
        /// Share of the rows damaged by each kind.
        public var fraction: Double
        /// The kinds applied (each to its own rows).
        public var kinds: [Corruption]
        /// Lengths (Unicode scalars) a truncated text is cut to.
        public var truncatedLengths: ClosedRange<Int>
        /// A blown-up text is longer than a factor drawn from this range times the longest clean text.
        public var blowUpFactors: ClosedRange<Double>
        /// The seed.
        public var seed: UInt64

        /// Creates a configuration (defaults: 2 % of rows per kind, every kind, cut to 1–4 scalars, blown up past 2–4
        /// times the longest text).
        public init(
            textColumn: String, labelColumn: String, fraction: Double = 0.02,
            kinds: [Corruption] = Corruption.allCases, truncatedLengths: ClosedRange<Int> = 1...4,
            blowUpFactors: ClosedRange<Double> = 2...4, seed: UInt64
        ) {
            self.textColumn = textColumn
            self.labelColumn = labelColumn
            self.fraction = fraction
            self.kinds = kinds
            self.truncatedLengths = truncatedLengths
            self.blowUpFactors = blowUpFactors
            self.seed = seed
        }
    }

    /// A damaged table and where the damage is.
    public struct Result: Sendable, Equatable {
        /// The damaged table (same rows, row ids and columns as the input).
        public var table: CleaningTable
        /// The damage of each row position, `nil` for undamaged rows.
        public var damage: [Corruption?]
        /// For each `duplicate` row, the position of the row it copies.
        public var duplicateSources: [Int: Int]

        /// The positions damaged by `kind`, ascending.
        public func rows(_ kind: Corruption) -> [Int] { damage.indices.filter { damage[$0] == kind } }
    }

    /// The configuration.
    public let configuration: Configuration

    /// Creates a corrupter.
    public init(configuration: Configuration) {
        precondition(configuration.fraction >= 0 && configuration.fraction <= 1, "the fraction must be in 0…1")
        precondition(configuration.truncatedLengths.lowerBound >= 1, "truncated texts keep at least 1 scalar")
        precondition(configuration.blowUpFactors.lowerBound >= 1, "blow-up factors are at least 1")
        self.configuration = configuration
    }

    /// Rows each kind damages in a table of `rows` rows: `⌊fraction × rows⌋`.
    public func rowsPerKind(of rows: Int) -> Int { Int((configuration.fraction * Double(rows)).rounded(.down)) }

    /// Damages `table`.
    ///
    /// - Parameter table: a clean table with the configured text and label columns.
    /// - Returns: the damaged table and where each kind of damage is.
    /// - Throws: ``CleaningError/unknownColumn(source:constraint:field:column:available:)`` when a configured column is
    ///   missing; ``CleaningError/invalidInput(path:line:reason:)`` when the table has too few rows (or too few
    ///   eligible ones) for the damage asked, or no text to blow up.
    /// - Complexity: O(rows + damaged text length).
    public func corrupt(_ table: CleaningTable) throws -> Result {
        let source = table.source
        func column(_ name: String, _ field: String) throws -> Int {
            guard let index = table.columnIndex(name) else {
                throw CleaningError.unknownColumn(
                    source: source, constraint: "corrupter", field: field, column: name, available: table.columnNames)
            }
            return index
        }
        let textIndex = try column(configuration.textColumn, "text_column")
        let labelIndex = try column(configuration.labelColumn, "label_column")
        let texts = table.columns[textIndex]
        let rows = table.rowCount
        let perKind = rowsPerKind(of: rows)
        let kinds = configuration.kinds
        guard perKind * kinds.count < rows else {
            throw CleaningError.invalidInput(
                path: source, line: nil,
                reason: "\(kinds.count) kinds × \(perKind) rows do not fit in a table of \(rows) rows")
        }
        let longest = texts.reduce(0) { max($0, $1.map(Constraint.scalarCount) ?? 0) }

        var generator = SeededGenerator(seed: configuration.seed)
        func draw(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        var order = Array(0..<rows)
        for index in order.indices.dropLast() { order.swapAt(index, index + draw(rows - index)) }

        var damage = [Corruption?](repeating: nil, count: rows)
        var cursor = 0
        var deferred: [Int] = []
        // Each kind takes the next eligible positions of the shuffle; positions it cannot use stay for later kinds.
        func assign(_ kind: Corruption, eligible: (Int) -> Bool) throws -> [Int] {
            var taken: [Int] = []
            var skipped: [Int] = []
            var pool = deferred
            deferred = []
            while taken.count < perKind {
                let position: Int
                if !pool.isEmpty {
                    position = pool.removeFirst()
                } else if cursor < order.count {
                    position = order[cursor]
                    cursor += 1
                } else {
                    throw CleaningError.invalidInput(
                        path: source, line: nil,
                        reason: "only \(taken.count) of \(rows) rows can take the damage '\(kind.rawValue)', "
                            + "\(perKind) needed")
                }
                if eligible(position) {
                    taken.append(position)
                    damage[position] = kind
                } else {
                    skipped.append(position)
                }
            }
            deferred = skipped + pool
            return taken
        }
        func scalars(_ position: Int) -> Int { texts[position].map(Constraint.scalarCount) ?? 0 }

        var table = table
        var duplicateSources: [Int: Int] = [:]
        var labels = Set(table.columns[labelIndex].compactMap { $0 })
        var duplicateTargets: [Int] = []
        // Duplicates go last: their targets must come after a row that stays undamaged.
        for kind in kinds.filter({ $0 != .duplicate }) + kinds.filter({ $0 == .duplicate }) {
            switch kind {
            case .nullOrEmpty:
                for position in try assign(kind, eligible: { _ in true }) {
                    let value: String? = [nil, "", " "][draw(3)]
                    table.setCell(row: position, column: textIndex, to: value)
                }
            case .unknownLabel:
                let existing = labels.sorted()
                var candidates = ["unknown", "?", "N/A", "-1"]
                for label in existing.prefix(20) { candidates += [label.uppercased(), label + "s", label + "?"] }
                let unknown = candidates.filter { !labels.contains($0) }
                guard !unknown.isEmpty else {
                    throw CleaningError.invalidInput(
                        path: source, line: nil,
                        reason: "no unknown label left to write into '\(configuration.labelColumn)'")
                }
                for position in try assign(kind, eligible: { _ in true }) {
                    table.setCell(row: position, column: labelIndex, to: unknown[draw(unknown.count)])
                }
                labels.formUnion(unknown)
            case .controlCharacters:
                let controls: [UInt32] = Array(0x01...0x08) + [0x0B, 0x0C] + Array(0x0E...0x1F) + [0x7F]
                for position in try assign(kind, eligible: { texts[$0] != nil }) {
                    var characters = Array((texts[position] ?? "").unicodeScalars)
                    for _ in 0...draw(3) {
                        let scalar = Unicode.Scalar(controls[draw(controls.count)]) ?? "\u{7}"
                        characters.insert(scalar, at: draw(characters.count + 1))
                    }
                    var text = ""
                    text.unicodeScalars.append(contentsOf: characters)
                    table.setCell(row: position, column: textIndex, to: text)
                }
            case .truncated:
                let lengths = configuration.truncatedLengths
                for position in try assign(kind, eligible: { scalars($0) > lengths.lowerBound }) {
                    let characters = Array((texts[position] ?? "").unicodeScalars)
                    let high = min(lengths.upperBound, characters.count - 1)
                    let keep = lengths.lowerBound + draw(high - lengths.lowerBound + 1)
                    var text = ""
                    text.unicodeScalars.append(contentsOf: characters.prefix(keep))
                    table.setCell(row: position, column: textIndex, to: text)
                }
            case .blownUp:
                guard longest > 0 else {
                    throw CleaningError.invalidInput(path: source, line: nil, reason: "no text to blow up")
                }
                let factors = configuration.blowUpFactors
                for position in try assign(kind, eligible: { scalars($0) > 0 }) {
                    let factor =
                        factors.lowerBound + generator.nextUnitDouble() * (factors.upperBound - factors.lowerBound)
                    let target = Int(factor * Double(longest)) + 1
                    let piece = Array(((texts[position] ?? "") + " ").unicodeScalars)
                    var characters: [Unicode.Scalar] = []
                    characters.reserveCapacity(target)
                    while characters.count < target { characters += piece }
                    var text = ""
                    text.unicodeScalars.append(contentsOf: characters.prefix(target))
                    table.setCell(row: position, column: textIndex, to: text)
                }
            case .duplicate:
                // Targets come after the first undamaged row, which is never a target itself, so every target
                // has an earlier undamaged row to copy.
                let first = damage.firstIndex { $0 == nil } ?? rows
                duplicateTargets = try assign(kind, eligible: { $0 > first })
            }
        }
        if !duplicateTargets.isEmpty {
            let undamaged = damage.indices.filter { damage[$0] == nil }
            for target in duplicateTargets.sorted() {
                // Undamaged rows before the target: a binary search for the count.
                var low = 0, high = undamaged.count
                while low < high {
                    let middle = (low + high) / 2
                    if undamaged[middle] < target { low = middle + 1 } else { high = middle }
                }
                guard low > 0 else {
                    throw CleaningError.invalidInput(
                        path: source, line: nil, reason: "row \(target) has no earlier undamaged row to duplicate")
                }
                let original = undamaged[draw(low)]
                for column in table.columnNames.indices {
                    table.setCell(row: target, column: column, to: table.columns[column][original])
                }
                duplicateSources[target] = original
            }
        }
        return Result(table: table, damage: damage, duplicateSources: duplicateSources)
    }
}
