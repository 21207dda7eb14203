import FoundryCore
import Foundation
import Tensors

/// How one tensor differs between two commits.
public struct TensorDiff: Codable, Sendable, Equatable {
    /// Added, removed, changed or unchanged.
    public enum Status: String, Codable, Sendable {
        /// Only in the second commit.
        case added
        /// Only in the first commit.
        case removed
        /// In both, different bytes.
        case changed
        /// In both, the same object.
        case unchanged
    }

    /// `file:tensor`, or `delta:WEIGHT` for an adapter's low-rank update of a base weight.
    public var key: String
    /// What happened to it.
    public var status: Status
    /// How the second commit stores it (`dense`, `sparse`, `low_rank`), nil when removed.
    public var encoding: String?
    /// The dtype.
    public var dtype: String
    /// The shape (the second commit's when both exist).
    public var shape: [Int]
    /// ‖new − old‖₂ (F32 tensors of equal shape; an added or removed tensor counts against zero).
    public var l2: Double?
    /// ‖new − old‖₂ / ‖old‖₂ (nil when the old norm is zero).
    public var relativeChange: Double?
    /// The fraction of entries whose bits changed.
    public var fractionChanged: Double?
    /// The numerical rank of the change of a matrix: singular values above 10⁻³ of the largest.
    public var effectiveRank: Int?
}

/// A diff between two commits.
public struct ModelDiff: Codable, Sendable, Equatable {
    /// The first commit.
    public var from: String
    /// The second commit.
    public var to: String
    /// Tensors that are added, removed or changed, by key (unchanged ones only on request).
    public var tensors: [TensorDiff]
    /// Files whose bytes changed, were added or removed (config files, vocabularies), by path.
    public var files: [String: String]
    /// Counts per status.
    public var summary: [String: Int]
}

extension ModelRepository {
    /// Compares two commits tensor by tensor (and, for adapter commits, each low-rank update ΔW = scaling·B·A).
    /// - Parameters:
    ///   - from: the first ref.
    ///   - to: the second ref.
    ///   - ranks: compute the effective rank of each matrix's change (a Gram matrix and its eigenvalues per tensor).
    ///   - includeUnchanged: list unchanged tensors too.
    /// - Complexity: reads only the tensors whose objects differ; O(m·n·min(m, n)) per changed matrix with `ranks`.
    public func diff(_ from: String, _ to: String, ranks: Bool = true, includeUnchanged: Bool = false) throws
        -> ModelDiff
    {
        let (a, b) = (try resolve(from), try resolve(to))
        let (treeA, treeB) = (try tree(commit(a).tree), try tree(commit(b).tree))
        var filesChanged: [String: String] = [:]
        let pathsA = Dictionary(treeA.files.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        let pathsB = Dictionary(treeB.files.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        for path in Set(pathsA.keys).union(pathsB.keys) {
            switch (pathsA[path], pathsB[path]) {
            case (nil, .some): filesChanged[path] = "added"
            case (.some, nil): filesChanged[path] = "removed"
            case let (.some(x), .some(y)) where x != y: filesChanged[path] = "changed"
            default: break
            }
        }
        let viewA = treeA.tensorsByKey, viewB = treeB.tensorsByKey
        var out: [TensorDiff] = []
        var work: [(String, Tree.TensorEntry?, Tree.TensorEntry?)] = []
        for key in Set(viewA.keys).union(viewB.keys).sorted() {
            let (x, y) = (viewA[key], viewB[key])
            if let x, let y, x.object == y.object {
                if includeUnchanged {
                    out.append(
                        TensorDiff(
                            key: key, status: .unchanged, encoding: try? objects.header(y.object).encoding?.rawValue,
                            dtype: y.dtype, shape: y.shape))
                }
                continue
            }
            work.append((key, x, y))
        }
        // One tensor at a time: the Gram products already use every core through the BLAS, and running two tensors at
        // once made OpenBLAS's threads contend (10× slower on a loaded machine).
        for (key, x, y) in work { out.append(try tensorDiff(key: key, old: x, new: y, ranks: ranks)) }
        out.sort { $0.key < $1.key }
        let updatesA = try LowRankUpdate.updates(of: treeA, store: objects) ?? []
        let updatesB = try LowRankUpdate.updates(of: treeB, store: objects) ?? []
        let byWeightA = Dictionary(updatesA.map { ($0.weight, $0) }, uniquingKeysWith: { x, _ in x })
        let byWeightB = Dictionary(updatesB.map { ($0.weight, $0) }, uniquingKeysWith: { x, _ in x })
        for weight in Set(byWeightA.keys).union(byWeightB.keys).sorted() {
            let (x, y) = (byWeightA[weight], byWeightB[weight])
            let key = "delta:\(weight)"
            if x == y {
                if includeUnchanged, let y {
                    out.append(
                        TensorDiff(key: key, status: .unchanged, encoding: "low_rank", dtype: "F32", shape: y.shape))
                }
                continue
            }
            let status: TensorDiff.Status = x == nil ? .added : y == nil ? .removed : .changed
            let old = try x.map { try $0.delta(objects) }
            let new = try y.map { try $0.delta(objects) }
            let shape = (y ?? x)?.shape ?? []
            var entry = TensorDiff(
                key: key, status: status, encoding: y == nil ? nil : "low_rank", dtype: "F32", shape: shape)
            if let old, let new, old.count == new.count {
                entry.fractionChanged =
                    Double(zip(old, new).filter { $0.bitPattern != $1.bitPattern }.count) / Double(max(1, new.count))
            }
            if let stats = Self.changeStatistics(old, new, shape: shape, ranks: ranks) {
                (entry.l2, entry.relativeChange, entry.effectiveRank) = stats
            }
            out.append(entry)
        }
        var summary: [String: Int] = [:]
        for entry in out { summary[entry.status.rawValue, default: 0] += 1 }
        summary["unchanged", default: 0] +=
            includeUnchanged
            ? 0 : Set(viewA.keys).intersection(viewB.keys).filter { viewA[$0]?.object == viewB[$0]?.object }.count
        return ModelDiff(from: a, to: b, tensors: out, files: filesChanged, summary: summary)
    }

    /// One stored tensor's change.
    private func tensorDiff(key: String, old x: Tree.TensorEntry?, new y: Tree.TensorEntry?, ranks: Bool) throws
        -> TensorDiff
    {
        let status: TensorDiff.Status = x == nil ? .added : y == nil ? .removed : .changed
        let old = try x.map { try objects.tensor($0.object) }
        // A sparse tensor whose base is the old one is rebuilt on the bytes just read and checked.
        let new = try y.map { entry in
            try objects.tensor(entry.object, resolved: old.map { [x?.object ?? "": $0] } ?? [:])
        }
        var entry = TensorDiff(
            key: key, status: status, encoding: new?.header.encoding?.rawValue, dtype: (y ?? x)?.dtype ?? "",
            shape: (y ?? x)?.shape ?? [])
        if let old, let new, old.dtype == new.dtype, old.shape == new.shape {
            let width = dtypeWidth(new.dtype) ?? 1
            let changed = ObjectWriter.changedEntries(old.bytes, new.bytes, width: width).count
            entry.fractionChanged = Double(changed) / Double(max(1, new.bytes.count / width))
        }
        if let stats = Self.changeStatistics(old?.floats, new?.floats, shape: entry.shape, ranks: ranks) {
            (entry.l2, entry.relativeChange, entry.effectiveRank) = stats
        }
        return entry
    }

    /// L2 of the change, its norm relative to the old tensor and its numerical rank (2-D only); nil when neither side
    /// is F32 or the sizes differ.
    static func changeStatistics(_ old: [Float]?, _ new: [Float]?, shape: [Int], ranks: Bool)
        -> (Double?, Double?, Int?)?
    {
        guard old != nil || new != nil else { return nil }
        let count = (new ?? old)?.count ?? 0
        guard (old?.count ?? count) == count, (new?.count ?? count) == count else { return nil }
        var change = [Float](repeating: 0, count: count)
        var changeSquares = 0.0, oldSquares = 0.0
        for i in 0..<count {
            let o = old?[i] ?? 0
            let d = (new?[i] ?? 0) - o
            change[i] = d
            changeSquares += Double(d) * Double(d)
            oldSquares += Double(o) * Double(o)
        }
        let l2 = changeSquares.squareRoot()
        let relative = oldSquares > 0 ? l2 / oldSquares.squareRoot() : nil
        var rank: Int?
        if ranks, shape.count == 2, shape[0] * shape[1] == count {
            rank = changeSquares == 0 ? 0 : effectiveRank(change, rows: shape[0], columns: shape[1])
        }
        return (l2, relative, rank)
    }

    /// The number of singular values above 10⁻³ of the largest, from the eigenvalues of the smaller Gram matrix
    /// (computed in Float32 through BLAS, decomposed in Float64 through LAPACKE).
    static func effectiveRank(_ values: [Float], rows: Int, columns: Int) -> Int? {
        let n = min(rows, columns)
        var gram = [Float](repeating: 0, count: n * n)
        values.withUnsafeBufferPointer { d in
            gram.withUnsafeMutableBufferPointer { g in
                guard let dBase = d.baseAddress, let gBase = g.baseAddress else { return }
                if columns <= rows {
                    // DᵀD: (columns × rows)(rows × columns).
                    BLAS.gemm(
                        transposeA: true, transposeB: false, m: n, n: n, k: rows, alpha: 1, a: dBase, lda: columns,
                        b: dBase, ldb: columns, beta: 0, c: gBase, ldc: n)
                } else {
                    BLAS.gemm(
                        transposeA: false, transposeB: true, m: n, n: n, k: columns, alpha: 1, a: dBase, lda: columns,
                        b: dBase, ldb: columns, beta: 0, c: gBase, ldc: n)
                }
            }
        }
        var symmetric = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { symmetric[i * n + j] = 0.5 * (Double(gram[i * n + j]) + Double(gram[j * n + i])) }
        }
        guard let values = try? Matrix(rows: n, columns: n, values: symmetric).symmetricEigenvalues() else {
            return nil
        }
        let largest = values.max() ?? 0
        guard largest > 0 else { return 0 }
        return values.filter { $0 > largest * 1e-6 }.count
    }
}
