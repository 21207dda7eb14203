import Foundation
import LabelModels
import Merging

extension PipelineSpec {
    /// Checks everything about the spec before anything runs: every value, every step reference, the graph (no
    /// cycle), the artifact types between steps and every file the steps read (data, labeling-function and
    /// constraint files, the encoder's folder, merged adapters, the dataset store).
    ///
    /// - Parameter environment: the variables `${NAME}` in paths read (by default the process's).
    /// - Throws: ``PipelinesError/invalidSpec(path:line:key:reason:)`` naming the file, line and key and listing the
    ///   valid choices; ``PipelinesError/cycle(steps:)``; ``PipelinesError/inputTypeMismatch(step:input:expected:found:)``;
    ///   ``PipelinesError/missingFile(step:key:path:)``.
    public func validate(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try validateStructure()
        try validateFiles(environment: environment)
    }

    /// The checks that do not touch the file system: values, references, cycles and types.
    ///
    /// - Throws: as ``validate(environment:)``, except ``PipelinesError/missingFile(step:key:path:)``.
    public func validateStructure() throws {
        guard !steps.isEmpty else {
            throw PipelinesError.invalidSpec(
                path: source, line: nil, key: "steps", reason: "expected at least one step")
        }
        guard classes.count >= 2, Set(classes).count == classes.count else {
            throw PipelinesError.invalidSpec(
                path: source, line: nil, key: "classes", reason: "expected at least two distinct class names")
        }
        var seen = Set<String>()
        for step in steps {
            guard seen.insert(step.name).inserted else {
                throw PipelinesError.invalidSpec(
                    path: source, line: step.location?.line, key: "steps.\(step.name)",
                    reason: "two steps are named '\(step.name)'")
            }
        }
        let names = steps.map(\.name)
        for step in steps {
            try validateValues(step)
            for (input, key) in zip(step.action.inputs, step.action.inputKeys) where !seen.contains(input) {
                throw error(
                    step, key,
                    "no step named '\(input)'; steps: \(names.joined(separator: ", "))"
                        + Self.didYouMean(input, among: names))
            }
        }
        _ = try PipelineGraph(self)
        for step in steps {
            for (input, expected) in zip(step.action.inputs, step.action.inputTypes) {
                guard let producer = self.step(named: input) else { continue }
                let provided = producer.action.outputTypes
                guard provided.contains(expected) else {
                    throw PipelinesError.inputTypeMismatch(
                        step: step.name, input: input, expected: expected.rawValue,
                        found: provided.map(\.rawValue).joined(separator: " and "))
                }
            }
        }
    }

    /// An error at a step's key (its line when the spec was read from a file).
    func error(_ step: PipelineStep, _ key: String, _ reason: String) -> PipelinesError {
        .invalidSpec(
            path: source, line: step.keyLocations[key]?.line ?? step.location?.line, key: "steps.\(step.name).\(key)",
            reason: "step '\(step.name)': \(reason)")
    }

    func validateValues(_ step: PipelineStep) throws {
        func check(_ condition: Bool, _ key: String, _ reason: @autoclosure () -> String) throws {
            if !condition { throw error(step, key, reason()) }
        }
        switch step.action {
        case .data(let data):
            switch data.format {
            case .csv, .tsv, .jsonl, .wrench:
                try check(!data.paths.isEmpty, "paths", "a \(data.format.rawValue) source needs 'paths' (or 'path')")
                try check(data.format != .wrench || data.paths.count == 1, "paths", "a WRENCH source is one folder")
            case .crowd:
                try check(data.paths.count == 1, "paths", "a crowd source is one answer table (one path)")
                try check(data.crowd != nil, "crowd", "a crowd source needs 'crowd: {item, worker, answer}'")
            case .store:
                try check(data.store != nil, "store", "a store source needs 'store' (the store file)")
                try check(data.dataset != nil, "dataset", "a store source needs 'dataset'")
            }
            if let split = data.split {
                try check((0..<1).contains(split.valid), "split", "valid must be in [0, 1), found \(split.valid)")
                try check((0..<1).contains(split.test), "split", "test must be in [0, 1), found \(split.test)")
                try check(
                    split.valid + split.test < 1, "split",
                    "valid + test must leave rows to train on (< 1), found \(split.valid + split.test)")
            }
            if let limit = data.limit { try check(limit >= 1, "limit", "expected at least 1, found \(limit)") }
        case .clean, .apply:
            break
        case .labelModel(let model):
            try check(
                LabelModelMethod(rawValue: model.method) != nil, "method",
                "unknown label-model method '\(model.method)'; valid values: "
                    + LabelModelMethod.allCases.map(\.rawValue).joined(separator: ", "))
            if case .given(let shares) = model.classBalance {
                try check(
                    shares.count == classes.count, "class_balance",
                    "expected one share per class (\(classes.count)), found \(shares.count)")
                try check(
                    shares.allSatisfy { $0 > 0 && $0.isFinite } && abs(shares.reduce(0, +) - 1) <= 1e-6,
                    "class_balance", "expected positive shares summing to 1, found \(model.classBalance.spelling)")
            }
        case .train(let train):
            try check(train.epochs >= 1, "epochs", "expected at least 1 epoch, found \(train.epochs)")
            try check(train.rank >= 1, "rank", "expected a rank of at least 1, found \(train.rank)")
            try check(train.alpha > 0, "alpha", "expected alpha > 0, found \(train.alpha)")
            try check(
                train.learningRate > 0 && train.learningRate.isFinite, "learning_rate",
                "expected a learning rate > 0, found \(train.learningRate)")
            try check(train.batchSize >= 1, "batch_size", "expected at least 1, found \(train.batchSize)")
            try check(train.maxLength >= 4, "max_length", "expected at least 4 tokens, found \(train.maxLength)")
            try check(train.fisherSamples >= 0, "fisher_samples", "expected 0 or more, found \(train.fisherSamples)")
            try check(train.gramSamples >= 0, "gram_samples", "expected 0 or more, found \(train.gramSamples)")
        case .merge(let merge):
            try check(
                MergeMethod(rawValue: merge.method) != nil, "method",
                "unknown merge method '\(merge.method)'; valid values: "
                    + MergeMethod.allCases.map(\.rawValue).joined(separator: ", "))
            let count = merge.inputs.count + merge.adapters.count
            try check(count >= 2, "inputs", "a merge needs at least two adapters (inputs and adapters), found \(count)")
            if let weights = merge.weights {
                try check(
                    weights.count == count, "weights",
                    "expected one weight per adapter (\(count)), found \(weights.count)")
            }
            if let density = merge.density {
                try check(density > 0 && density <= 1, "density", "expected a density in (0, 1], found \(density)")
            }
        case .select(let select):
            try check(!select.inputs.isEmpty, "inputs", "expected at least one adapter step")
            try check(
                Self.selectionMetrics.contains(select.metric), "metric",
                "unknown metric '\(select.metric)'; valid values: \(Self.selectionMetrics.joined(separator: ", "))")
            try check(
                Self.selectionSplits.contains(select.split), "split",
                "unknown split '\(select.split)'; valid values: \(Self.selectionSplits.joined(separator: ", "))")
            try check(
                select.exemplars == nil || select.mode == .route, "exemplars",
                "exemplars train the router: add mode: route, or remove exemplars")
        case .register(let register):
            try check(!register.branch.isEmpty, "branch", "expected a branch name")
        case .deploy(let deploy):
            try check((0...65535).contains(deploy.port), "port", "expected a port in 0…65535, found \(deploy.port)")
            for (key, value) in [
                ("hot_bytes", deploy.hotBytes), ("warm_bytes", deploy.warmBytes),
                ("max_active_adapters", deploy.maxActiveAdapters), ("cycle_time_ms", deploy.cycleTimeMilliseconds),
                ("max_batch_tokens", deploy.maxBatchTokens),
            ] {
                if let value { try check(value >= 1, key, "expected at least 1, found \(value)") }
            }
        }
    }

    /// Checks that every file the steps read exists.
    ///
    /// - Throws: ``PipelinesError/missingFile(step:key:path:)``; ``PipelinesError/invalidSpec(path:line:key:reason:)``
    ///   for a `${NAME}` that is not set.
    public func validateFiles(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let paths = SpecPaths(baseDirectory: baseDirectory, environment: environment)
        let fileManager = FileManager.default
        for step in steps {
            func require(_ path: String, _ key: String, directory: Bool? = nil) throws {
                let url: URL
                do {
                    url = try paths.url(path)
                } catch let unset as SpecPaths.UnsetVariable {
                    throw error(step, key, "the environment variable '\(unset.name)' in '\(path)' is not set")
                }
                var isDirectory: ObjCBool = false
                let exists = fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory)
                guard exists, directory.map({ $0 == isDirectory.boolValue }) ?? true,
                    fileManager.isReadableFile(atPath: url.path)
                else {
                    throw PipelinesError.missingFile(
                        step: step.name, key: key,
                        path: url.path + (exists && directory == true ? " (expected a folder)" : ""))
                }
            }
            switch step.action {
            case .data(let data):
                for path in data.paths {
                    try require(path, "paths", directory: data.format == .wrench)
                }
                if let store = data.store { try require(store, "store", directory: false) }
                if let gold = data.goldPath { try require(gold, "gold_path", directory: false) }
            case .clean(let clean):
                if case .file(let path) = clean.constraints { try require(path, "constraints", directory: false) }
            case .apply(let apply):
                if case .file(let path) = apply.labelingFunctions { try require(path, "lfs", directory: false) }
            case .train(let train):
                try require(train.model, "model", directory: true)
            case .merge(let merge):
                for adapter in merge.adapters { try require(adapter, "adapters", directory: true) }
            case .select(let select):
                if let exemplars = select.exemplars { try require(exemplars, "exemplars", directory: false) }
            case .labelModel, .register, .deploy:
                break
            }
        }
    }

    /// `"; did you mean 'x'?"` for a near miss among `candidates` (at most two edits), else empty.
    static func didYouMean(_ word: String, among candidates: [String]) -> String {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var current = [i] + Array(repeating: 0, count: b.count)
                for j in stride(from: 1, through: b.count, by: 1) {
                    current[j] = min(
                        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                previous = current
            }
            return a.isEmpty ? b.count : previous[b.count]
        }
        let word = Array(word.lowercased())
        let best = candidates.map { ($0, distance(word, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= min(2, max(1, word.count / 3)) else { return "" }
        return "; did you mean '\(best.0)'?"
    }
}
