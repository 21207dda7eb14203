import Foundation
import FoundryCore
import Labeling

/// Shared helpers for Foundry's test targets: data locations, temporary files, approximate
/// comparisons and seeded synthetic data.
public enum Support {}

// MARK: - Data directories

/// Locates the real datasets tests may use (they skip themselves when the data is absent).
public enum TestData {
    /// The package root (the folder holding `Package.swift`).
    public static let packageRoot: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    /// The shared datasets folder: `$FOUNDRY_DATA` when set, else `../shared/datasets` next to the package
    /// root, else `../shared/datasets` relative to the current directory; `nil` when none exists.
    public static var datasetsDirectory: URL? {
        var candidates: [URL] = []
        if let value = ProcessInfo.processInfo.environment["FOUNDRY_DATA"], !value.isEmpty {
            candidates.append(URL(fileURLWithPath: value))
        }
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets"))
        candidates.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("../shared/datasets"))
        return candidates.first { isDirectory($0) }?.standardizedFileURL
    }

    /// The folder of one dataset (for example `wrench_youtube`), or `nil` when it is not available.
    public static func dataset(_ name: String) -> URL? {
        guard let url = datasetsDirectory?.appendingPathComponent(name), isDirectory(url) else { return nil }
        return url
    }

    /// Whether the dataset folder `name` is available (use in `.enabled(if:)` traits).
    public static func has(_ name: String) -> Bool { dataset(name) != nil }

    /// The pretrained encoder (`$FOUNDRY_MODEL`, else `.models/all-MiniLM-L6-v2` that `make model` downloads), or
    /// `nil` when it has not been downloaded.
    public static var model: URL? {
        let value = ProcessInfo.processInfo.environment["FOUNDRY_MODEL"] ?? ""
        let url =
            value.isEmpty
            ? packageRoot.appendingPathComponent(".models/all-MiniLM-L6-v2")
            : URL(fileURLWithPath: value, relativeTo: packageRoot).standardizedFileURL
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) ? url : nil
    }

    /// A file of the package itself (for example `Datasets/catalog.json`).
    public static func packageFile(_ relativePath: String) -> URL { packageRoot.appendingPathComponent(relativePath) }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}

// MARK: - Temporary files

/// A fresh temporary directory, removed when the value is deinitialized.
public final class TemporaryDirectory: @unchecked Sendable {
    // Invariant: `url` is immutable; the directory is only removed in deinit.
    /// The directory.
    public let url: URL

    /// Creates an empty directory under the system temporary folder.
    public init(prefix: String = "foundry-test") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` (UTF-8) to `name` in the directory and returns its URL.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes to `name` in the directory and returns its URL.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    /// The URL of `name` in the directory (not created).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

// MARK: - Approximate equality

/// Whether `a` and `b` differ by at most `tolerance` in absolute terms or relative to the larger magnitude.
public func approximatelyEqual(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    if a == b { return true }
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    let difference = abs(a - b)
    return difference <= tolerance || difference <= tolerance * max(abs(a), abs(b))
}

/// Element-wise ``approximatelyEqual(_:_:tolerance:)`` for equally long arrays.
public func approximatelyEqual(_ a: [Double], _ b: [Double], tolerance: Double = 1e-9) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { approximatelyEqual($0, $1, tolerance: tolerance) }
}

/// Element-wise ``approximatelyEqual(_:_:tolerance:)`` for `Float` arrays.
public func approximatelyEqual(_ a: [Float], _ b: [Float], tolerance: Double = 1e-5) -> Bool {
    approximatelyEqual(a.map(Double.init), b.map(Double.init), tolerance: tolerance)
}

// MARK: - Seeded synthetic data

extension SeededGenerator {
    /// A uniform integer in `0..<upperBound`.
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upper bound must be positive")
        return Int(next() % UInt64(upperBound))
    }

    /// `true` with probability `probability`.
    public mutating func nextBool(probability: Double) -> Bool { nextUnitDouble() < probability }
}

/// A conditionally independent, two-sided synthetic problem with known hidden labels and LF parameters: a
/// ``Labeling/SyntheticLabelingTask`` (the one generator the benchmarks use too) sampled once.
public struct SyntheticLabelingProblem: Sendable {
    /// The generating task.
    public let task: SyntheticLabelingTask
    /// The label matrix.
    public let matrix: LabelMatrix
    /// The hidden true class of each row.
    public let trueLabels: [Int]
    /// Each LF's probability of voting (not abstaining).
    public let coverages: [Double]
    /// Each LF's probability of voting the true class when it votes.
    public let accuracies: [Double]

    /// Draws a conditionally independent problem: each LF votes with its coverage, and when it votes
    /// it is right with its accuracy, otherwise it votes a uniformly chosen wrong class.
    ///
    /// - Parameters:
    ///   - rows: number of examples.
    ///   - coverages: per-LF coverage (the number of LFs is `coverages.count`).
    ///   - accuracies: per-LF accuracy, same length as `coverages`.
    ///   - classBalance: class prior (length k, sums to 1); uniform binary by default.
    ///   - seed: the random seed.
    public init(
        rows: Int, coverages: [Double], accuracies: [Double], classBalance: [Double] = [0.5, 0.5], seed: UInt64
    ) {
        precondition(coverages.count == accuracies.count, "one accuracy per coverage")
        task = SyntheticLabelingTask(
            classPrior: classBalance,
            labelingFunctions: zip(coverages, accuracies).map { .init(coverage: $0, accuracy: $1) })
        let sample = task.sample(rows: rows, seed: seed)
        matrix = sample.matrix
        trueLabels = sample.labels
        self.coverages = coverages
        self.accuracies = accuracies
    }
}

/// A random label matrix where each cell votes (a uniform class) with probability `coverage`: a
/// ``Labeling/SyntheticLabelingTask`` whose LFs are right with probability 1/k, so their votes ignore the class.
public func randomLabelMatrix(rows: Int, lfs: Int, cardinality: Int = 2, coverage: Double, seed: UInt64) -> LabelMatrix
{
    let chance = 1 / Double(cardinality)
    let task = SyntheticLabelingTask(
        classPrior: [Double](repeating: chance, count: cardinality),
        labelingFunctions: [SyntheticLabelingTask.LabelingFunction](
            repeating: .init(coverage: coverage, accuracy: chance), count: lfs))
    return task.sample(rows: rows, seed: seed).matrix
}
