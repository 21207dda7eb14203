import Foundation
import FoundryCore
import Labeling
import Tabular

/// Runs a `data` step: reads the files (CSV / TSV / JSONL concatenated in order, a WRENCH folder, or a long table
/// of crowd answers), reads the gold labels, and splits the rows with a seeded shuffle.
struct DataStepRunner {
    let context: RunContext
    let step: PipelineStep
    let data: DataStep

    func run() throws -> StepOutcome {
        switch data.format {
        case .csv, .tsv, .jsonl: return try tableOutcome(readTables())
        case .wrench: return try wrench()
        case .crowd: return try crowd()
        case .store: return try tableOutcome(storeTable())
        }
    }

    func storeTable() throws -> TableArtifact {
        guard let path = data.store, let dataset = data.dataset else {
            throw PipelinesError.stepFailed(step: step.name, reason: "a store source needs 'store' and 'dataset'")
        }
        let source = try StoreSource(
            path: context.url(path), dataset: dataset, version: data.version, environment: context.options.environment)
        let version = try context.storeVersions[step.name] ?? source.versionID()
        var table = try source.table(version: version)
        if let limit = data.limit, table.rowCount > limit {
            table = TextTable(
                source: table.source, columnNames: table.columnNames, rows: Array(table.rows.prefix(limit)),
                lineNumbers: Array(table.lineNumbers.prefix(limit)))
        }
        _ = try table.columnIndex(data.textField)
        let gold = try data.labelField.map { try table.classIndices(column: $0, classNames: classes) }
        return TableArtifact(
            table: table, textField: data.textField, labelField: data.labelField,
            splits: Self.splits(count: table.rowCount, data.split), gold: gold)
    }

    var classes: [String] { context.spec.classes }

    func readTables() throws -> TableArtifact {
        let format: TableFormat =
            switch data.format {
            case .tsv: .tsv
            case .jsonl: .jsonl
            default: .csv
            }
        var columnNames: [String]?
        var rows: [[String]] = []
        var lines: [Int] = []
        var sources: [String] = []
        for path in data.paths {
            let url = try context.url(path)
            var table: TextTable
            if format == .jsonl || (data.columns == nil && data.quoting) {
                table = try format.read(url)
            } else {
                // Delimited text without a header row and/or without quoting (e.g. the raw UCI SMS collection).
                let read = try CSVReader.read(
                    url, delimiter: UInt8(ascii: format == .tsv ? "\t" : ","), hasHeader: data.columns == nil,
                    quoting: data.quoting)
                if let names = data.columns {
                    guard names.count == read.columnNames.count else {
                        throw PipelinesError.invalidData(
                            source: url.path, row: nil, field: nil,
                            reason: "'columns' names \(names.count) columns (\(names.joined(separator: ", "))) but the "
                                + "file's rows have \(read.columnNames.count)")
                    }
                    table = TextTable(
                        source: read.source, columnNames: names, rows: read.rows, lineNumbers: read.lineNumbers)
                } else {
                    table = read
                }
            }
            if let limit = data.limit, table.rowCount > limit {
                table = TextTable(
                    source: table.source, columnNames: table.columnNames, rows: Array(table.rows.prefix(limit)),
                    lineNumbers: Array(table.lineNumbers.prefix(limit)))
            }
            if let expected = columnNames, expected != table.columnNames {
                throw PipelinesError.invalidData(
                    source: url.path, row: nil, field: nil,
                    reason:
                        "its columns (\(table.columnNames.joined(separator: ", "))) differ from the first file's "
                        + "(\(expected.joined(separator: ", "))); concatenated files need the same columns")
            }
            columnNames = table.columnNames
            rows += table.rows
            lines += table.lineNumbers
            sources.append(url.path)
        }
        let table = TextTable(
            source: sources.count == 1 ? sources[0] : sources.joined(separator: " + "),
            columnNames: columnNames ?? [], rows: rows, lineNumbers: lines)
        _ = try table.columnIndex(data.textField)
        let gold = try data.labelField.map { try table.classIndices(column: $0, classNames: classes) }
        return TableArtifact(
            table: table, textField: data.textField, labelField: data.labelField,
            splits: Self.splits(count: table.rowCount, data.split), gold: gold)
    }

    /// Seeded split: a shuffle of the rows, the first `valid` share to valid, the next `test` share to test, the
    /// rest to train (everything to train without a split).
    static func splits(count: Int, _ split: DataStep.Split?) -> [RowSplit] {
        guard let split else { return Array(repeating: .train, count: count) }
        var generator = SeededGenerator(seed: split.seed)
        let order = Array(0..<count).shuffled(using: &generator)
        let valid = Int((Double(count) * split.valid).rounded())
        let test = Int((Double(count) * split.test).rounded())
        var splits = [RowSplit](repeating: .train, count: count)
        for (position, row) in order.enumerated() {
            if position < valid {
                splits[row] = .valid
            } else if position < valid + test {
                splits[row] = .test
            }
        }
        return splits
    }

    func tableOutcome(_ table: TableArtifact, matrix: LabelMatrix? = nil) -> StepOutcome {
        var figures: [String: Double] = [
            "rows": Double(table.rowCount), "train_rows": Double(table.rows(in: .train).count),
            "valid_rows": Double(table.rows(in: .valid).count), "test_rows": Double(table.rows(in: .test).count),
        ]
        if let gold = table.gold { figures["gold_rows"] = Double(gold.filter { $0 >= 0 }.count) }
        if let matrix { figures["labeling_functions"] = Double(matrix.lfCount) }
        return StepOutcome(figures: figures) { directory in
            try table.write(to: directory)
            if let matrix { try MatrixFiles.write(matrix, to: directory) }
        }
    }

    func wrench() throws -> StepOutcome {
        let folder = try context.url(data.paths.first ?? "")
        let dataset = try WrenchDataset(directory: folder)
        var matrices: [LabelMatrix] = []
        var rows: [[String]] = []
        var splits: [RowSplit] = []
        var gold: [Int] = []
        let labelField = data.labelField ?? "label"
        for (split, name) in [(RowSplit.train, WrenchDataset.Split.train), (.valid, .valid), (.test, .test)] {
            guard FileManager.default.fileExists(atPath: dataset.url(of: name).path) else { continue }
            let part = try dataset.split(name)
            let count = min(part.count, data.limit ?? part.count)
            matrices.append(part.labelMatrix.rows(0..<count))
            rows += (0..<count).map { row in
                let label = part.goldLabels[row]
                return [part.ids[row], part.texts[row], classes.indices.contains(label) ? classes[label] : ""]
            }
            splits += Array(repeating: split, count: count)
            gold += part.goldLabels.prefix(count)
        }
        guard let first = matrices.first else {
            throw PipelinesError.invalidData(
                source: folder.path, row: nil, field: nil, reason: "no train.json, valid.json or test.json")
        }
        guard first.cardinality == classes.count else {
            throw PipelinesError.invalidData(
                source: folder.path, row: nil, field: nil,
                reason: "\(first.cardinality) classes, but the pipeline declares \(classes.count)")
        }
        let matrix = LabelMatrix.concatenating(matrices)
        let relabeled = try LabelMatrix(
            rowCount: matrix.rowCount, lfNames: matrix.lfNames, classNames: classes, rowOffsets: matrix.rowOffsets,
            voteLFs: matrix.voteLFs, voteClasses: matrix.voteClasses, source: folder.path)
        let table = TextTable(source: folder.path, columnNames: ["id", data.textField, labelField], rows: rows)
        let artifact = TableArtifact(
            table: table, textField: data.textField, labelField: labelField, splits: splits, gold: gold)
        return tableOutcome(artifact, matrix: relabeled)
    }

    /// A long table of crowd answers (one row per answer) as votes: one labeling function per worker over the
    /// distinct items, in order of first appearance; answers that are not class names abstain.
    func crowd() throws -> StepOutcome {
        guard let columns = data.crowd else {
            throw PipelinesError.stepFailed(step: step.name, reason: "a crowd source needs 'crowd'")
        }
        let url = try context.url(data.paths.first ?? "")
        let answers = try TableFormat(path: url).read(url)
        let items = try answers.column(columns.item)
        let workers = try answers.column(columns.worker)
        let votes = try answers.column(columns.answer)
        let texts = try answers.column(data.textField)
        var itemIndex: [String: Int] = [:]
        var itemRows: [Int] = []
        for (row, item) in items.enumerated() where itemIndex[item] == nil {
            itemIndex[item] = itemRows.count
            itemRows.append(row)
            if let limit = data.limit, itemRows.count >= limit { break }
        }
        let workerNames = Array(Set(workers)).sorted()
        let workerIndex = Dictionary(uniqueKeysWithValues: workerNames.enumerated().map { ($1, $0) })
        var dense = [Int](repeating: -1, count: itemRows.count * workerNames.count)
        for row in items.indices {
            guard let item = itemIndex[items[row]], let worker = workerIndex[workers[row]],
                let vote = classes.firstIndex(of: votes[row])
            else { continue }
            dense[item * workerNames.count + worker] = vote
        }
        let matrix = try LabelMatrix(
            denseVotes: dense, rowCount: itemRows.count, lfNames: workerNames.map { "worker_\($0)" },
            classNames: classes, source: url.path)
        var gold: [Int]?
        let labelField = data.labelField
        if let goldPath = data.goldPath, let labelField {
            let goldURL = try context.url(goldPath)
            let goldTable = try TableFormat(path: goldURL).read(goldURL)
            let goldItems = try goldTable.column(columns.item)
            let goldLabels = try goldTable.classIndices(column: labelField, classNames: classes)
            var byItem: [String: Int] = [:]
            for (item, label) in zip(goldItems, goldLabels) where byItem[item] == nil { byItem[item] = label }
            gold = itemRows.map { byItem[items[$0]] ?? TextTable.unknownClass }
        }
        let table = TextTable(
            source: url.path, columnNames: [columns.item, data.textField] + (labelField.map { [$0] } ?? []),
            rows: itemRows.enumerated().map { position, row in
                [items[row], texts[row]] + (gold.map { [$0[position] >= 0 ? classes[$0[position]] : ""] } ?? [])
            },
            lineNumbers: itemRows.map { answers.lineNumbers[$0] })
        let artifact = TableArtifact(
            table: table, textField: data.textField, labelField: labelField,
            splits: Self.splits(count: table.rowCount, data.split), gold: gold)
        return tableOutcome(artifact, matrix: matrix)
    }
}

/// A label matrix in a cache entry: `label_matrix.npy` (dense, −1 = abstain) and the names in `label_matrix.json`.
enum MatrixFiles {
    struct Names: Codable {
        var lfNames: [String]
        var classNames: [String]
    }

    static func write(_ matrix: LabelMatrix, to directory: URL) throws {
        try matrix.writeNumPy(to: directory.appendingPathComponent("label_matrix.npy"))
        try AtomicFile.write(
            try PipelineJSON.encode(Names(lfNames: matrix.lfNames, classNames: matrix.classNames)),
            to: directory.appendingPathComponent("label_matrix.json"))
    }

    static func read(from directory: URL) throws -> LabelMatrix {
        let names = try PipelineJSON.decode(Names.self, from: directory.appendingPathComponent("label_matrix.json"))
        let url = directory.appendingPathComponent("label_matrix.npy")
        do {
            return try LabelMatrix(
                numPyFile: url, cardinality: names.classNames.count, lfNames: names.lfNames,
                classNames: names.classNames)
        } catch {
            throw PipelinesError.cacheCorrupted(path: url.path, reason: "\(error)")
        }
    }
}
