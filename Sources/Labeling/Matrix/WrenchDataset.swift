import Foundation
import Tabular

/// A dataset folder in the WRENCH benchmark format.
///
/// The folder holds `train.json`, `valid.json` and `test.json`, each one JSON object mapping an
/// example id to `{"label": int, "weak_labels": [int, …], "data": {"text": …, …}}` (-1 = abstain),
/// and `label.json` mapping class indices (as strings) to class names. Zhang et al., "WRENCH: A
/// Comprehensive Benchmark for Weak Supervision", NeurIPS 2021 Datasets and Benchmarks.
public struct WrenchDataset: Sendable {
    /// The three standard splits.
    public enum Split: String, Sendable, CaseIterable, Codable {
        case train, valid, test
    }

    /// The dataset folder.
    public let directory: URL
    /// Class names from `label.json`, in class-index order; `nil` when the folder has no `label.json`.
    public let classNames: [String]?

    /// Opens a WRENCH folder and reads its `label.json` when present.
    ///
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` when the folder does not exist;
    ///   ``LabelingError/invalidWrench(path:reason:)`` when `label.json` is malformed.
    public init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw TabularError.fileUnreadable(path: directory.path, reason: "no such WRENCH dataset folder") }
        self.directory = directory
        let labelURL = directory.appendingPathComponent("label.json")
        if FileManager.default.fileExists(atPath: labelURL.path) {
            classNames = try Self.readClassNames(labelURL)
        } else {
            classNames = nil
        }
    }

    /// The file of a split (`train.json`, …).
    public func url(of split: Split) -> URL { directory.appendingPathComponent("\(split.rawValue).json") }

    /// Reads one split.
    ///
    /// - Parameter split: which split.
    /// - Returns: the label matrix (LF names `lf_0`…), gold labels, texts and ids, in file order.
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` for a missing file;
    ///   ``TabularError/invalidUTF8(path:line:)``; ``LabelingError/invalidWrench(path:reason:)`` naming
    ///   the example id for a missing or malformed field, a vote outside `-1..<k`, or rows of different widths.
    public func split(_ split: Split) throws -> WrenchSplit {
        try Self.readSplit(url(of: split), classNames: classNames, split: split.rawValue)
    }

    /// Reads one WRENCH split file; `classNames` fixes the cardinality (otherwise it is inferred, at least 2).
    public static func readSplit(_ url: URL, classNames: [String]? = nil, split: String? = nil) throws -> WrenchSplit {
        let path = url.path
        func fail(_ reason: String) -> LabelingError { .invalidWrench(path: path, reason: reason) }
        let bytes = try FileBytes.read(url)
        try UTF8Validation.validate(bytes, source: path)
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch let error as JSONSyntaxError {
            let line = 1 + bytes[..<min(error.offset, bytes.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw fail("invalid JSON on line \(line): \(error.message)")
        }
        guard case let .object(examples) = root else {
            throw fail("expected a JSON object mapping example ids to examples")
        }
        var ids: [String] = [], gold: [Int] = [], texts: [String] = []
        var dense: [Int] = []
        var width: Int?
        var maxValue = 1
        for member in examples {
            let id = member.key, example = member.value
            guard case .object = example else { throw fail("example '\(id)': expected an object") }
            guard case let .array(weak)? = example["weak_labels"] else {
                throw fail("example '\(id)': missing or non-array 'weak_labels'")
            }
            if let width, weak.count != width {
                throw fail("example '\(id)': \(weak.count) weak labels, but earlier examples have \(width)")
            }
            width = weak.count
            for (lf, vote) in weak.enumerated() {
                guard let value = vote.integer, value >= -1 else {
                    throw fail(
                        "example '\(id)': weak_labels[\(lf)] = \(vote.compactJSON) is not a class index or -1 (abstain)"
                    )
                }
                if let classNames, value >= classNames.count {
                    throw fail(
                        "example '\(id)': weak_labels[\(lf)] = \(value) is not below the number of classes \(classNames.count)"
                    )
                }
                maxValue = max(maxValue, value)
                dense.append(value)
            }
            let label: Int
            switch example["label"] {
            case nil, .null?: label = -1
            case let value?:
                guard let integer = value.integer, integer >= -1 else {
                    throw fail("example '\(id)': label \(value.compactJSON) is not a class index")
                }
                if let classNames, integer >= classNames.count {
                    throw fail(
                        "example '\(id)': label \(integer) is not below the number of classes \(classNames.count)")
                }
                label = integer
            }
            maxValue = max(maxValue, label)
            let text: String
            switch example["data"] {
            case let .object(fields)?:
                text = fields.first { $0.key == "text" }?.value.tableText ?? ""
            case let value?: text = value.tableText
            case nil: text = ""
            }
            ids.append(id)
            gold.append(label)
            texts.append(text)
        }
        let names = classNames ?? LabelMatrix.defaultClassNames(maxValue + 1)
        let matrix = try LabelMatrix(
            denseVotes: dense, rowCount: ids.count, lfNames: LabelMatrix.defaultLFNames(width ?? 0), classNames: names,
            source: path)
        return WrenchSplit(
            split: split ?? url.deletingPathExtension().lastPathComponent, file: url, ids: ids, labelMatrix: matrix,
            goldLabels: gold, texts: texts)
    }

    static func readClassNames(_ url: URL) throws -> [String] {
        let path = url.path
        let bytes = try FileBytes.read(url)
        try UTF8Validation.validate(bytes, source: path)
        guard case let .object(pairs)? = try? JSONValue.parse(bytes) else {
            throw LabelingError.invalidWrench(
                path: path, reason: "expected a JSON object mapping class indices to names")
        }
        var names = [String?](repeating: nil, count: pairs.count)
        for member in pairs {
            let key = member.key, value = member.value
            guard let index = Int(key), index >= 0, index < pairs.count else {
                throw LabelingError.invalidWrench(
                    path: path, reason: "class index '\(key)' is not in 0..<\(pairs.count)")
            }
            names[index] = value.tableText
        }
        let complete = names.compactMap { $0 }
        guard complete.count == names.count, complete.count >= 2 else {
            throw LabelingError.invalidWrench(path: path, reason: "class indices must be 0…k-1 without gaps, k ≥ 2")
        }
        return complete
    }
}

/// One split of a WRENCH dataset: its label matrix, gold labels and texts, in file order.
public struct WrenchSplit: Sendable {
    /// The split's name (`train`, `valid`, `test`).
    public let split: String
    /// The file the split was read from (named in errors about its content).
    public let file: URL
    /// Example ids as in the file.
    public let ids: [String]
    /// The weak labels as a label matrix (LF names `lf_0`…, class names from `label.json`).
    public let labelMatrix: LabelMatrix
    /// Gold class per example; -1 where the file has no gold label.
    public let goldLabels: [Int]
    /// The `data.text` of each example ("" when absent).
    public let texts: [String]

    /// Number of examples.
    public var count: Int { ids.count }

    /// The split itself when it has at least one example; nothing can be fitted, scored or analysed on an empty one.
    ///
    /// - Throws: ``LabelingError/invalidWrench(path:reason:)`` naming the file when it holds no examples.
    public func requiringExamples() throws -> WrenchSplit {
        guard count > 0 else {
            throw LabelingError.invalidWrench(
                path: file.path, reason: "the \(split) split has no examples (a label matrix needs at least one row)")
        }
        return self
    }
}
