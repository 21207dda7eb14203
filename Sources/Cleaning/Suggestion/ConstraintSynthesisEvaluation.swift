/// Measures synthesized constraints against known damage: profile a seeded sample of a clean table, suggest
/// constraints, damage the whole table with ``TableCorrupter``, validate it, and count which damaged and which
/// undamaged rows the constraints flag.
///
/// The protocol of `foundry bench synthesize-constraints`.
public enum ConstraintSynthesisEvaluation {
    /// What one run measured.
    public struct Result: Sendable, Equatable, Codable {
        /// Rows of the table.
        public var rows: Int
        /// Rows of the sample the constraints were synthesized from.
        public var sampleRows: Int
        /// The seed of the sample and of the damage.
        public var seed: UInt64
        /// The names of the synthesized constraints, in order.
        public var constraints: [String]
        /// The synthesized constraints as spec text (``ConstraintSpecWriter/yaml(_:)-(ConstraintSet)``).
        public var spec: String
        /// Recall for each kind of damage.
        public var kinds: [KindRecall]
        /// Damaged rows.
        public var damagedRows: Int
        /// Damaged rows flagged by at least one constraint.
        public var damagedRowsFlagged: Int
        /// `damagedRowsFlagged / damagedRows`.
        public var recall: Double
        /// Undamaged rows.
        public var undamagedRows: Int
        /// Undamaged rows flagged by at least one constraint.
        public var undamagedRowsFlagged: Int
        /// `undamagedRowsFlagged / undamagedRows`.
        public var falsePositiveRate: Double
        /// Undamaged rows each constraint flags (constraints flagging none are left out).
        public var falsePositivesByConstraint: [ConstraintCount]
        /// For `truncated` rows: how many were cut to each length, and how many of those were flagged.
        public var truncatedByLength: [LengthRecall]
    }

    /// Recall of one kind of damage.
    public struct KindRecall: Sendable, Equatable, Codable {
        /// The kind.
        public var kind: TableCorrupter.Corruption
        /// Rows it damaged.
        public var damaged: Int
        /// Of those, rows flagged.
        public var flagged: Int
        /// `flagged / damaged` (1 when none were damaged).
        public var recall: Double
        /// Up to 5 damaged rows not flagged (row positions).
        public var missedRows: [Int]
    }

    /// How many rows one constraint flagged.
    public struct ConstraintCount: Sendable, Equatable, Codable {
        /// The constraint's name.
        public var constraint: String
        /// Rows flagged.
        public var rows: Int
    }

    /// Recall among truncated texts of one length.
    public struct LengthRecall: Sendable, Equatable, Codable {
        /// The length the text was cut to (Unicode scalars).
        public var length: Int
        /// Texts cut to it.
        public var damaged: Int
        /// Of those, rows flagged.
        public var flagged: Int
    }

    /// Runs the protocol once.
    ///
    /// - Parameters:
    ///   - table: the clean table (its row ids are its positions).
    ///   - textColumn: the text column the corrupter damages.
    ///   - labelColumn: the label column the corrupter damages.
    ///   - sampleRows: rows sampled (``CleaningTable/sample(rows:seed:)``) to synthesize from.
    ///   - seed: the seed of the sample; the damage uses a seed derived from it.
    ///   - suggester: the suggester.
    ///   - profiling: the profiler's configuration.
    ///   - corruption: the damage (its `seed` is replaced by one derived from `seed`).
    /// - Returns: the figures.
    /// - Throws: ``CleaningError`` for a sample larger than the table, missing columns or a table too small to damage.
    public static func run(
        table: CleaningTable, textColumn: String, labelColumn: String, sampleRows: Int, seed: UInt64,
        suggester: ConstraintSuggester = ConstraintSuggester(),
        profiling: TableProfile.Configuration = TableProfile.Configuration(),
        corruption: TableCorrupter.Configuration? = nil
    ) throws -> Result {
        let sample = try table.sample(rows: sampleRows, seed: seed)
        let suggestions = suggester.suggest(
            profile: TableProfile.profile(sample, configuration: profiling, populationRows: table.rowCount))
        let constraints = ConstraintSet(suggestions.map(\.constraint))
        var damageConfiguration =
            corruption ?? TableCorrupter.Configuration(textColumn: textColumn, labelColumn: labelColumn, seed: 0)
        damageConfiguration.seed = seed ^ 0x5DEE_CE66_D1CE_5EED
        let damaged = try TableCorrupter(configuration: damageConfiguration).corrupt(table)
        var positionOfRow: [Int: Int] = [:]
        for (position, row) in damaged.table.rowIDs.enumerated() { positionOfRow[row] = position }
        let report = try constraints.validate(
            damaged.table, options: ValidationOptions(maxSampleValues: 0, maxFailuresListed: nil))
        var flagged = [Bool](repeating: false, count: damaged.table.rowCount)
        var falsePositives: [ConstraintCount] = []
        for result in report.results {
            var count = 0
            for failure in result.failures {
                guard let position = positionOfRow[failure.row] else { continue }
                if damaged.damage[position] == nil { count += 1 }
                flagged[position] = true
            }
            if count > 0 { falsePositives.append(ConstraintCount(constraint: result.name, rows: count)) }
        }
        var kinds: [KindRecall] = []
        for kind in TableCorrupter.Corruption.allCases where damageConfiguration.kinds.contains(kind) {
            let rows = damaged.rows(kind)
            let hit = rows.filter { flagged[$0] }.count
            kinds.append(
                KindRecall(
                    kind: kind, damaged: rows.count, flagged: hit,
                    recall: rows.isEmpty ? 1 : Double(hit) / Double(rows.count),
                    missedRows: Array(rows.filter { !flagged[$0] }.prefix(5))))
        }
        var byLength: [Int: (Int, Int)] = [:]
        let textIndex = damaged.table.columnIndex(textColumn)
        for position in damaged.rows(.truncated) {
            let length = textIndex.flatMap { damaged.table.columns[$0][position] }.map(Constraint.scalarCount) ?? 0
            let (count, hit) = byLength[length] ?? (0, 0)
            byLength[length] = (count + 1, hit + (flagged[position] ? 1 : 0))
        }
        let damagedCount = damaged.damage.filter { $0 != nil }.count
        let damagedFlagged = damaged.damage.indices.filter { damaged.damage[$0] != nil && flagged[$0] }.count
        let undamagedCount = damaged.table.rowCount - damagedCount
        let undamagedFlagged = damaged.damage.indices.filter { damaged.damage[$0] == nil && flagged[$0] }.count
        return Result(
            rows: table.rowCount, sampleRows: sampleRows, seed: seed, constraints: constraints.constraints.map(\.name),
            spec: ConstraintSpecWriter.yaml(constraints),
            kinds: kinds, damagedRows: damagedCount, damagedRowsFlagged: damagedFlagged,
            recall: damagedCount == 0 ? 1 : Double(damagedFlagged) / Double(damagedCount),
            undamagedRows: undamagedCount, undamagedRowsFlagged: undamagedFlagged,
            falsePositiveRate: undamagedCount == 0 ? 0 : Double(undamagedFlagged) / Double(undamagedCount),
            falsePositivesByConstraint: falsePositives,
            truncatedByLength: byLength.keys.sorted().map { length in
                LengthRecall(
                    length: length, damaged: byLength[length]?.0 ?? 0, flagged: byLength[length]?.1 ?? 0)
            })
    }
}
