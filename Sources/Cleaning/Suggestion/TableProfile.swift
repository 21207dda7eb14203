import Foundation
import Tabular

/// A profile of every column of a table (AWS Deequ's `ColumnProfiler`), the input of ``ConstraintSuggester``.
///
/// ```swift
/// let sample = try table.sample(rows: 500, seed: 7)
/// let profile = TableProfile.profile(sample)
/// let suggestions = ConstraintSuggester().suggest(profile: profile)
/// ```
public struct TableProfile: Sendable, Equatable, Codable {
    /// Where the profiled table came from (a path or a label).
    public var source: String
    /// Rows profiled.
    public var rows: Int
    /// Rows of the table the profiled rows were drawn from (``rows`` when the whole table was profiled); the
    /// suggester weighs uniqueness seen in a sample by it.
    public var populationRows: Int
    /// Rows that repeat an earlier row in every column.
    public var duplicateRows: Int
    /// One profile per column, in column order.
    public var columns: [ColumnProfile]

    /// When a column counts as categorical and how value shapes are collected.
    public struct Configuration: Sendable, Equatable, Codable {
        /// A categorical column has at most this many distinct values …
        public var maxCategoricalValues: Int
        /// … and at most this fraction of its non-null cells distinct (Deequ's "few distinct values relative to
        /// rows"), so that two values in four rows are not taken for a category.
        public var maxCategoricalRatio: Double
        /// Values longer than this (in Unicode scalars) get no shape.
        public var maxPatternLength: Int
        /// Values with more runs than this get no shape.
        public var maxPatternRuns: Int
        /// Shapes listed per column.
        public var topPatterns: Int

        /// Creates a configuration (defaults: at most 20 distinct values and 10 % of the non-null cells; shapes of
        /// values up to 64 scalars and 16 runs; 5 shapes listed).
        public init(
            maxCategoricalValues: Int = 20, maxCategoricalRatio: Double = 0.1, maxPatternLength: Int = 64,
            maxPatternRuns: Int = 16, topPatterns: Int = 5
        ) {
            self.maxCategoricalValues = maxCategoricalValues
            self.maxCategoricalRatio = maxCategoricalRatio
            self.maxPatternLength = maxPatternLength
            self.maxPatternRuns = maxPatternRuns
            self.topPatterns = topPatterns
        }
    }

    /// Creates a profile from its parts.
    public init(source: String, rows: Int, populationRows: Int? = nil, duplicateRows: Int, columns: [ColumnProfile]) {
        self.source = source
        self.rows = rows
        self.populationRows = max(rows, populationRows ?? rows)
        self.duplicateRows = duplicateRows
        self.columns = columns
    }

    /// The profile of the column called `name`, if any.
    public func column(_ name: String) -> ColumnProfile? { columns.first { $0.name == name } }

    /// Profiles every column of `table`.
    ///
    /// - Parameters:
    ///   - table: the rows to profile (a sample, see ``CleaningTable/sample(rows:seed:)``, or a whole table).
    ///   - configuration: what counts as categorical; how shapes are collected.
    ///   - populationRows: the rows of the table `table` is a sample of (`nil`: `table` is the whole table).
    /// - Returns: the profile.
    /// - Complexity: O(cells · value length), plus a sort of each numeric column.
    public static func profile(
        _ table: CleaningTable, configuration: Configuration = Configuration(), populationRows: Int? = nil
    ) -> TableProfile {
        var index = DuplicateIndex(columns: table.columns, capacity: table.rowCount)
        var duplicateRows = 0
        for row in 0..<table.rowCount where index.firstOccurrence(of: row) != nil { duplicateRows += 1 }
        let columns = table.columnNames.indices.map { c in
            profileColumn(table.columnNames[c], table.columns[c], configuration)
        }
        return TableProfile(
            source: table.source, rows: table.rowCount, populationRows: populationRows, duplicateRows: duplicateRows,
            columns: columns)
    }

    /// Profiles every column of a ``TextTable`` (empty cells are null, as ``CleaningTable/init(_:nullMarkers:)``
    /// reads them).
    public static func profile(_ table: TextTable, configuration: Configuration = Configuration()) -> TableProfile {
        profile(CleaningTable(table), configuration: configuration)
    }

    static func profileColumn(_ name: String, _ cells: [String?], _ configuration: Configuration) -> ColumnProfile {
        var nullCount = 0, emptyCount = 0, duplicateCount = 0
        var counts: [String: Int] = [:]
        var types = ColumnProfile.TypeCounts()
        var numbers: [Double] = []
        var lengths: [Double] = []
        var shortLengths = [Int](repeating: 0, count: ColumnProfile.shortLengthLimit)
        var characters = ColumnProfile.CharacterSummary()
        var controls = Set<UInt32>()
        var shapes: [[String]: ShapeAccumulator] = [:]
        var shapeOrder: [[String]] = []
        var withoutPattern = 0
        for cell in cells {
            guard let value = cell else { nullCount += 1; continue }
            if value.allSatisfy(\.isWhitespace) { emptyCount += 1 }
            let seen = counts[value, default: 0]
            if seen > 0 { duplicateCount += 1 }
            counts[value] = seen + 1
            let length = Constraint.scalarCount(value)
            lengths.append(Double(length))
            if length < shortLengths.count { shortLengths[length] += 1 }
            classify(value, into: &types, numbers: &numbers)
            scanCharacters(value, into: &characters, controls: &controls)
            if let shape = ValueShape(
                value, maxLength: configuration.maxPatternLength, maxRuns: configuration.maxPatternRuns)
            {
                if shapes[shape.skeleton] == nil {
                    shapes[shape.skeleton] = ShapeAccumulator(shape)
                    shapeOrder.append(shape.skeleton)
                } else {
                    shapes[shape.skeleton]?.add(shape)
                }
            } else {
                withoutPattern += 1
            }
        }
        characters.controlCharactersSeen = controls.sorted().prefix(32).map { String(format: "U+%04X", $0) }
        let rows = cells.count
        let nonNull = rows - nullCount
        let distinct = counts.count
        let inferred = inferType(types, nonNull: nonNull)
        let categorical =
            nonNull > 0 && distinct <= configuration.maxCategoricalValues
            && Double(distinct) <= configuration.maxCategoricalRatio * Double(nonNull)
        let values: [ColumnProfile.ValueCount]? =
            categorical
            ? counts.map { ColumnProfile.ValueCount(value: $0.key, count: $0.value) }.sorted {
                $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value
            } : nil
        let patterns = shapeOrder.enumerated().compactMap { order, skeleton -> (Int, ColumnProfile.PatternCount)? in
            guard let accumulator = shapes[skeleton] else { return nil }
            return (order, ColumnProfile.PatternCount(pattern: accumulator.pattern(skeleton), count: accumulator.count))
        }.sorted { $0.1.count != $1.1.count ? $0.1.count > $1.1.count : $0.0 < $1.0 }.map(\.1)
        return ColumnProfile(
            name: name, rows: rows, nullCount: nullCount, emptyCount: emptyCount,
            nullRate: rows == 0 ? 0 : Double(nullCount) / Double(rows),
            emptyRate: rows == 0 ? 0 : Double(emptyCount) / Double(rows), distinctCount: distinct,
            distinctRatio: nonNull == 0 ? 0 : Double(distinct) / Double(nonNull), duplicateCount: duplicateCount,
            isUnique: nonNull > 0 && duplicateCount == 0, inferredType: inferred, typeCounts: types,
            numeric: inferred.isNumeric ? ColumnProfile.NumericSummary(numbers) : nil,
            lengths: ColumnProfile.NumericSummary(lengths), shortLengthCounts: shortLengths, isCategorical: categorical,
            values: values,
            characters: characters, patterns: Array(patterns.prefix(configuration.topPatterns)),
            distinctPatternCount: shapes.count, valuesWithoutPattern: withoutPattern)
    }

    /// Counts the types `value` parses as; keeps its number while every value so far is numeric.
    private static func classify(_ value: String, into types: inout ColumnProfile.TypeCounts, numbers: inout [Double]) {
        if ValueType.integer.accepts(value) { types.integer += 1 }
        if ValueType.decimal.accepts(value) {
            types.fractional += 1
            if let number = Double(value), number.isFinite { numbers.append(number) }
        }
        if ValueType.boolean.accepts(value) { types.boolean += 1 }
        if ValueType.isoDate.accepts(value) { types.date += 1 }
        if ValueType.url.accepts(value) { types.url += 1 }
        if ValueType.email.accepts(value) { types.email += 1 }
    }

    /// The first type (integer, fractional, boolean, date, url, email) every non-null value parses as.
    private static func inferType(_ types: ColumnProfile.TypeCounts, nonNull: Int) -> ColumnProfile.InferredType {
        guard nonNull > 0 else { return .unknown }
        if types.integer == nonNull { return .integer }
        if types.fractional == nonNull { return .fractional }
        if types.boolean == nonNull { return .boolean }
        if types.date == nonNull { return .date }
        if types.url == nonNull { return .url }
        if types.email == nonNull { return .email }
        return .text
    }

    /// Adds the character classes of `value` to `summary`.
    private static func scanCharacters(
        _ value: String, into summary: inout ColumnProfile.CharacterSummary, controls: inout Set<UInt32>
    ) {
        var control = false, c1 = false, replacement = false, lineBreak = false, digit = false, nonASCII = false
        var upper = false, lower = false, digitRun = 0, longestDigitRun = 0
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v >= 0x30 && v <= 0x39 {
                digit = true
                digitRun += 1
                longestDigitRun = max(longestDigitRun, digitRun)
                continue
            }
            digitRun = 0
            switch v {
            case 0x0A, 0x0D: lineBreak = true
            case 0x09: break
            case 0x00..<0x20, 0x7F:
                control = true
                controls.insert(v)
            case 0x80...0x9F:
                c1 = true
                controls.insert(v)
            case 0xFFFD: replacement = true
            default: break
            }
            if v > 0x7F { nonASCII = true }
            if scalar.properties.isUppercase { upper = true } else if scalar.properties.isLowercase { lower = true }
        }
        if control { summary.valuesWithControlCharacters += 1 }
        if c1 { summary.valuesWithC1Controls += 1 }
        if replacement { summary.valuesWithReplacementCharacter += 1 }
        if lineBreak { summary.valuesWithLineBreaks += 1 }
        if digit { summary.valuesWithDigits += 1 }
        if longestDigitRun >= 5 { summary.valuesWithLongDigitRuns += 1 }
        if upper && !lower { summary.valuesAllUppercase += 1 }
        if nonASCII { summary.valuesWithNonASCII += 1 }
        if let first = value.unicodeScalars.first, let last = value.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        {
            summary.valuesWithSurroundingWhitespace += 1
        }
    }
}
