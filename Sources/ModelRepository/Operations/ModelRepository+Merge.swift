import Adapters
import FoundryCore
import Foundation
import Merging
import Tensors

#if canImport(Glibc)
    import Glibc
#endif

/// How a three-way merge resolves what both branches changed.
public struct MergeOptions: Sendable {
    /// The method for tensors changed on both sides (any of ``MergeMethod``; full tensors use mergekit's per-tensor
    /// arithmetic with the merge base as base, adapters changed on both sides ``AdapterMerge``).
    public var method: MergeMethod = .linear
    /// Weights of ours and theirs (default: the method's).
    public var weights: [Double]?
    /// Density of the sparsifying methods.
    public var density: Double = 0.5
    /// λ of task arithmetic.
    public var lambda: Float = 1
    /// Seed of DARE's masks.
    public var seed: UInt64 = 0
    /// Glob patterns (`*`, `?`, `[…]`) over `file:tensor` keys or file paths resolved to our side.
    public var ours: [String] = []
    /// Glob patterns resolved to their side.
    public var theirs: [String] = []
    /// The fraction of largest magnitudes in the conflict report's supports.
    public var top: Double = 0.2
    /// Author and message of the merge commit.
    public var commit = CommitOptions()

    /// Options with defaults.
    public init(method: MergeMethod = .linear) { self.method = method }
}

/// What a merge did.
public struct MergeResult: Codable, Sendable {
    /// The merge commit.
    public var result: CommitResult
    /// The merge base.
    public var base: String
    /// Per tensor or file: `ours`, `theirs`, `same`, `merged`, `ours (pattern)`, `theirs (pattern)`, `adapter merge`.
    public var resolutions: [String: String]
    /// Where the two sides' changes disagree (tensors changed on both sides).
    public var conflicts: ConflictReport?
}

extension ModelRepository {
    /// Merges a branch (or any commit) into HEAD's branch with a three-way merge against their best common ancestor.
    ///
    /// Per file and tensor: unchanged on one side → the other side's; identical on both → that; changed on both → the
    /// `ours`/`theirs` pattern that matches, else `options.method` (tensors: mergekit's arithmetic on the task vectors
    /// relative to the merge base; two adapters: ``AdapterMerge`` in exact ΔW space, with each branch's head kept).
    /// The conflict report is handed to `report` before anything is committed; the `gate` (check suite) runs on the
    /// candidate before the branch moves; the merge commit has two parents.
    /// - Throws: ``ModelRepositoryError/mergeConflict(reason:)`` for different architectures or shapes or files changed
    ///   on both sides that no pattern resolves; ``ModelRepositoryError/unknownRef(_:)``; the gate's error. Nothing is
    ///   changed when it throws.
    public func merge(
        _ other: String, options: MergeOptions = MergeOptions(), report: ((ConflictReport) -> Void)? = nil,
        gate: CommitGate? = nil
    ) throws -> MergeResult {
        try withLock(exclusive: false) {
            let branch = try options.commit.branch ?? currentBranch()
            guard let ours = try branchCommit(branch) else { throw ModelRepositoryError.unknownRef(branch) }
            let theirs = try resolve(other)
            guard !(try ancestors(of: ours)).contains(theirs) else {
                throw ModelRepositoryError.mergeConflict(reason: "\(other) is already merged into \(branch)")
            }
            guard let base = try mergeBase(ours, theirs) else {
                throw ModelRepositoryError.mergeConflict(reason: "\(branch) and \(other) share no common commit")
            }
            let (oursCommit, theirsCommit) = (try commit(ours), try commit(theirs))
            let treeBase = try tree(commit(base).tree)
            let treeOurs = try tree(oursCommit.tree)
            let treeTheirs = try tree(theirsCommit.tree)
            let writer = ObjectWriter(repository: self)
            var resolutions: [String: String] = [:]
            var conflicts: ConflictReport?
            let mergedTree: Tree
            let names = [branch, Self.taskName(other)]
            if treeOurs.isAdapter, treeTheirs.isAdapter,
                treeOurs.file("adapter_model.safetensors") != treeBase.file("adapter_model.safetensors"),
                treeTheirs.file("adapter_model.safetensors") != treeBase.file("adapter_model.safetensors"),
                treeOurs.file("adapter_model.safetensors") != treeTheirs.file("adapter_model.safetensors")
            {
                (mergedTree, conflicts) = try mergeAdapters(
                    ours: (ours, oursCommit), theirs: (theirs, theirsCommit), names: names, options: options,
                    parentTree: treeOurs, writer: writer)
                resolutions["adapter_model.safetensors"] = "adapter merge (\(options.method.rawValue))"
            } else {
                var tensorConflicts: [ConflictReport.TensorConflict] = []
                mergedTree = try mergeTrees(
                    base: treeBase, ours: treeOurs, theirs: treeTheirs, options: options, writer: writer,
                    resolutions: &resolutions, conflicts: &tensorConflicts, names: names)
                if !tensorConflicts.isEmpty {
                    conflicts = ConflictReport(tasks: names, top: options.top, tensors: tensorConflicts)
                }
            }
            if let conflicts { report?(conflicts) }
            var commitOptions = options.commit
            if commitOptions.message.isEmpty { commitOptions.message = "Merge \(other) into \(branch)" }
            if commitOptions.provenance.source == nil {
                commitOptions.provenance.source = "foundry model merge"
                commitOptions.provenance.configuration["method"] = options.method.rawValue
                commitOptions.provenance.configuration["merge_base"] = base
            }
            commitOptions.allowEmpty = true
            let result = try record(
                tree: mergedTree, writer: writer, parents: [ours, theirs], branch: branch, expected: ours,
                options: commitOptions, base: oursCommit.base ?? theirsCommit.base, action: "merge \(other)", gate: gate
            )
            return MergeResult(result: result, base: base, resolutions: resolutions, conflicts: conflicts)
        }
    }

    static func taskName(_ ref: String) -> String {
        ref.split(separator: "/").last.map(String.init) ?? ref
    }

    /// Whether a glob pattern matches.
    static func matches(_ patterns: [String], _ key: String) -> Bool {
        patterns.contains { fnmatch($0, key, 0) == 0 }
    }

    private func mergeTrees(
        base: Tree, ours: Tree, theirs: Tree, options: MergeOptions, writer: ObjectWriter,
        resolutions: inout [String: String], conflicts: inout [ConflictReport.TensorConflict], names: [String]
    ) throws -> Tree {
        var files: [Tree.File] = []
        let paths = Set(ours.files.map(\.path)).union(theirs.files.map(\.path)).sorted()
        var unresolved: [String] = []
        for path in paths {
            let (b, o, t) = (base.file(path), ours.file(path), theirs.file(path))
            if o == t {
                if let o { files.append(o) }
                continue
            }
            if o == b {
                if let t { files.append(t) }
                resolutions[path] = "theirs"
                continue
            }
            if t == b {
                if let o { files.append(o) }
                resolutions[path] = "ours"
                continue
            }
            if Self.matches(options.ours, path) {
                if let o { files.append(o) }
                resolutions[path] = "ours (pattern)"
                continue
            }
            if Self.matches(options.theirs, path) {
                if let t { files.append(t) }
                resolutions[path] = "theirs (pattern)"
                continue
            }
            guard let o, let t, o.kind == .safetensors, t.kind == .safetensors else {
                unresolved.append(path)
                continue
            }
            let layout = { (file: Tree.File) in (file.tensors ?? []).map { "\($0.name) \($0.dtype) \($0.shape)" } }
            guard o.object == t.object, layout(o) == layout(t) else {
                let differing = zip(o.tensors ?? [], t.tensors ?? []).first {
                    $0.dtype != $1.dtype || $0.shape != $1.shape || $0.name != $1.name
                }
                let detail =
                    differing.map {
                        "tensor \($0.name) is \($0.dtype) \($0.shape) on ours, \($1.name) \($1.dtype) \($1.shape) on theirs"
                    }
                    ?? "the two sides hold different tensors (\(o.tensors?.count ?? 0) and \(t.tensors?.count ?? 0))"
                throw ModelRepositoryError.mergeConflict(
                    reason: "\(path) has different architectures or shapes on the two sides: \(detail)")
            }
            let baseTensors = Dictionary(
                (b?.tensors ?? []).map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            var merged: [Tree.TensorEntry] = []
            for (x, y) in zip(o.tensors ?? [], t.tensors ?? []) {
                let key = "\(path):\(x.name)"
                let z = baseTensors[x.name]
                if x.object == y.object {
                    merged.append(x)
                } else if z?.object == x.object {
                    merged.append(y)
                    resolutions[key] = "theirs"
                } else if z?.object == y.object {
                    merged.append(x)
                    resolutions[key] = "ours"
                } else if Self.matches(options.ours, key) {
                    merged.append(x)
                    resolutions[key] = "ours (pattern)"
                } else if Self.matches(options.theirs, key) {
                    merged.append(y)
                    resolutions[key] = "theirs (pattern)"
                } else {
                    guard let z, z.dtype == x.dtype, z.shape == x.shape, x.dtype == "F32",
                        let baseValues = try objects.tensor(z.object).floats,
                        let oursValues = try objects.tensor(x.object).floats,
                        let theirsValues = try objects.tensor(y.object).floats
                    else {
                        throw ModelRepositoryError.mergeConflict(
                            reason:
                                "\(key) changed on both sides and is not an F32 tensor present in the merge base; resolve it with --ours or --theirs"
                        )
                    }
                    let deltas = [
                        TaskVectorMerge.difference(oursValues, baseValues),
                        TaskVectorMerge.difference(theirsValues, baseValues),
                    ]
                    conflicts.append(ConflictReport.compare(name: key, vectors: deltas, tasks: names, top: options.top))
                    let values = try Self.mergeTensor(
                        base: baseValues, models: [oursValues, theirsValues], deltas: deltas, options: options, key: key
                    )
                    let bytes = values.withUnsafeBytes { Data($0) }
                    let (id, _) = try writer.writeTensor(dtype: x.dtype, shape: x.shape, bytes: bytes, parent: x.object)
                    merged.append(Tree.TensorEntry(name: x.name, object: id, dtype: x.dtype, shape: x.shape))
                    resolutions[key] = "merged (\(options.method.rawValue))"
                }
            }
            var file = o
            file.tensors = merged
            files.append(file)
        }
        guard unresolved.isEmpty else {
            throw ModelRepositoryError.mergeConflict(
                reason:
                    "changed on both sides: \(unresolved.joined(separator: ", ")); resolve with --ours PATTERN or --theirs PATTERN"
            )
        }
        return Tree(files: files)
    }

    /// One tensor merged with mergekit's arithmetic, the merge base as base.
    static func mergeTensor(
        base: [Float], models: [[Float]], deltas: [[Float]], options: MergeOptions, key: String
    ) throws -> [Float] {
        let method = options.method
        let weights = (options.weights ?? method.defaultWeights(count: 2)).map(Float.init)
        guard weights.count == 2 else {
            throw ModelRepositoryError.mergeConflict(reason: "--weights needs two values (ours, theirs)")
        }
        var generator = SeededGenerator(seed: options.seed)
        switch method {
        case .linear:
            guard abs(weights.reduce(0, +)) > 1e-12 else {
                throw ModelRepositoryError.mergeConflict(reason: "linear weights sum to zero")
            }
            return TaskVectorMerge.linear(models, weights: weights)
        case .taskArithmetic:
            return TaskVectorMerge.combine(
                base: base, deltas: deltas, weights: weights, consensus: false, normalize: false, lambda: options.lambda
            )
        case .ties:
            let pruned = deltas.map {
                TaskVectorMerge.sparsified($0, .magnitude(density: options.density), generator: &generator)
            }
            return TaskVectorMerge.combine(
                base: base, deltas: pruned, weights: weights, consensus: true, normalize: true, lambda: options.lambda)
        case .dareLinear, .dareTies:
            let pruned = deltas.map {
                TaskVectorMerge.sparsified($0, .random(density: options.density, rescale: true), generator: &generator)
            }
            return TaskVectorMerge.combine(
                base: base, deltas: pruned, weights: weights, consensus: method == .dareTies, normalize: false,
                lambda: options.lambda)
        case .breadcrumbs:
            let pruned = deltas.map {
                TaskVectorMerge.sparsified($0, .outliers(density: options.density, gamma: 0.01), generator: &generator)
            }
            return TaskVectorMerge.combine(
                base: base, deltas: pruned, weights: weights, consensus: false, normalize: false, lambda: options.lambda
            )
        case .modelStock:
            return TaskVectorMerge.modelStock(base: base, models: models).merged
        default:
            throw ModelRepositoryError.mergeConflict(
                reason:
                    "\(key): method \(method.rawValue) merges adapters only; full tensors take linear, task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs or model_stock"
            )
        }
    }

    /// Two adapters changed on both sides: ``AdapterMerge`` on the base model of their commits.
    private func mergeAdapters(
        ours: (String, Commit), theirs: (String, Commit), names: [String], options: MergeOptions, parentTree: Tree,
        writer: ObjectWriter
    ) throws -> (Tree, ConflictReport) {
        guard let base = ours.1.base ?? theirs.1.base else {
            throw ModelRepositoryError.mergeConflict(
                reason: "both sides changed the adapter but neither commit names its base model (commit with --base)")
        }
        if let other = theirs.1.base, let mine = ours.1.base, other != mine,
            try self.tree(commit(other).tree) != self.tree(commit(mine).tree)
        {
            throw ModelRepositoryError.mergeConflict(
                reason: "the two adapters adapt different base models (\(mine.prefix(12)) and \(other.prefix(12)))")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-merge-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let baseFolder = scratch.appendingPathComponent("base")
            _ = try checkout(base, to: baseFolder, format: .files)
            let model = try BertModel(directory: baseFolder)
            var inputs: [AdapterMergeInput] = []
            for (index, side) in [ours.0, theirs.0].enumerated() {
                let folder = scratch.appendingPathComponent("side\(index)")
                _ = try checkout(side, to: folder, format: .files)
                inputs.append(
                    try AdapterMergeInput.load(
                        directory: folder, name: names[index], model: model, fisher: options.method == .fisher,
                        grams: options.method == .regmean))
            }
            let conflicts = try ConflictReport.adapters(inputs, top: options.top)
            var configuration = AdapterMerge.Configuration(method: options.method)
            configuration.weights = options.weights
            configuration.density = options.density
            configuration.lambda = options.lambda
            configuration.seed = options.seed
            let merged = try AdapterMerge.merge(inputs, configuration: configuration)
            let output = scratch.appendingPathComponent("merged")
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            try merged.save(to: output, baseModel: inputs[0].baseModel ?? "sentence-transformers/all-MiniLM-L6-v2")
            return (try snapshot(directory: output, parent: parentTree, writer: writer), conflicts)
        } catch let error as MergingError {
            throw ModelRepositoryError.mergeConflict(reason: error.description)
        } catch let error as AdaptersError {
            throw ModelRepositoryError.mergeConflict(reason: error.description)
        }
    }
}
