import Cleaning
import Foundation
import FoundryCore
import Labeling
import Tabular

/// What one step produced, ready to be written into its cache entry.
struct StepOutcome {
    var figures: [String: Double] = [:]
    var partsCached = 0
    var partsComputed = 0
    /// The entry holding the table the output is about (nil: the step's own entry holds it).
    var tableKey: String?
    /// Writes the output's files into the (temporary) entry folder.
    var write: (URL) throws -> Void
}

/// The state of one run: resolved paths, the labeling functions and constraints read from their files, and the
/// file-hash memo.
struct RunContext {
    let spec: PipelineSpec
    let options: PipelineRunner.Options
    let paths: SpecPaths
    let runDirectory: URL
    var fileHashes: FileHashes
    /// Per `apply` step: its functions.
    var labelingFunctions: [String: LFSpec] = [:]
    /// Per `clean` step: its constraints.
    var constraints: [String: ConstraintSet] = [:]
    /// Per `store` data step: the version id it reads.
    var storeVersions: [String: String] = [:]
    /// Per `apply` step: the encoder of each similarity function (resolved folder and content hash).
    var similarityEncoders: [String: [String: SimilarityEncoder]] = [:]
    /// Each apply step's functions rendered by ``CanonicalText`` while fingerprinting, by step and function name.
    var functionTexts: [String: [String: String]] = [:]
    /// Tables and label matrices already read from cache entries in this run.
    let reads = EntryReads()
    /// Timing marks (with `FOUNDRY_PIPELINE_TRACE` set).
    var trace: PipelineTrace

    init(
        spec: PipelineSpec, options: PipelineRunner.Options, fileHashes: FileHashes, runDirectory: URL,
        trace: PipelineTrace? = nil
    ) throws {
        self.trace = trace ?? PipelineTrace(environment: options.environment)
        self.spec = spec
        self.runDirectory = runDirectory
        self.options = options
        self.paths = SpecPaths(baseDirectory: spec.baseDirectory, environment: options.environment)
        self.fileHashes = fileHashes
    }

    func url(_ path: String) throws -> URL {
        do {
            return try paths.url(path)
        } catch let unset as SpecPaths.UnsetVariable {
            throw PipelinesError.invalidSpec(
                path: spec.source, line: nil, key: path, reason: "the environment variable '\(unset.name)' is not set")
        }
    }

    /// Reads a spec file a step names, with its errors as ``PipelinesError/invalidSpec(path:line:key:reason:)``.
    func readSpecFile<Value>(_ step: PipelineStep, key: String, _ path: String, _ read: (URL) throws -> Value) throws
        -> Value
    {
        let file = try url(path)
        do {
            return try read(file)
        } catch TabularError.fileUnreadable(let path, _) {
            throw PipelinesError.missingFile(step: step.name, key: key, path: path)
        } catch {
            throw PipelineSpecReader.converted(error)
        }
    }

    /// The step's fingerprint: its parameters, its inputs' keys and the hashes of the files it reads. Reads (and
    /// checks) the labeling functions and constraints the step names.
    mutating func fingerprint(_ step: PipelineStep, inputKeys: [String]) throws -> StepFingerprint {
        var parameters: [String: String] = ["classes": CanonicalText.of(spec.classes)]
        var files: [String: String] = [:]
        func hash(_ label: String, _ path: String) throws {
            let file = try url(path)
            do {
                files[label] = try fileHashes.hash(file)
            } catch {
                throw PipelinesError.missingFile(step: step.name, key: label, path: file.path)
            }
        }
        /// Every field of `value` except the inputs and the file paths (whose contents are hashed instead).
        func fields(of value: Any, except skipped: Set<String>) {
            for child in Mirror(reflecting: value).children {
                guard let label = child.label, !skipped.contains(label) else { continue }
                parameters[FoundryJSON.snakeCase(label)] = CanonicalText.of(child.value)
            }
        }
        switch step.action {
        case .data(let data):
            fields(of: data, except: ["paths", "store", "goldPath"])
            for (index, path) in data.paths.enumerated() { try hash("paths[\(index)]", path) }
            if data.format == .store, let store = data.store, let dataset = data.dataset {
                let source = try StoreSource(
                    path: url(store), dataset: dataset, version: data.version, environment: options.environment)
                let id = try source.versionID()
                parameters["version_id"] = id
                storeVersions[step.name] = id
            }
            if let gold = data.goldPath { try hash("gold_path", gold) }
        case .clean(let clean):
            fields(of: clean, except: ["input", "constraints"])
            let set: ConstraintSet
            switch clean.constraints {
            case .inline(let value): set = value
            case .file(let path): set = try readSpecFile(step, key: "constraints", path) { try ConstraintSpec.load($0) }
            }
            constraints[step.name] = set
            parameters["constraints"] = String(decoding: try PipelineJSON.encode(set), as: UTF8.self)
        case .apply(let apply):
            let lfs: LFSpec
            var folder = spec.baseDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            switch apply.labelingFunctions {
            case .inline(let value): lfs = value
            case .file(let path):
                lfs = try readSpecFile(step, key: "lfs", path) { try LFSpec.load($0) }
                folder = try url(path).deletingLastPathComponent()
            }
            // Similarity functions compile only with embeddings (computed when the column runs); the others are
            // checked now. Each similarity function's encoder is hashed into the step's key and its column's key.
            let plain = lfs.labelingFunctions.filter { $0.kind != .similarity }
            do {
                _ = try LFSpec(source: lfs.source, classNames: lfs.classNames, labelingFunctions: plain)
                    .compile(classNames: spec.classes, defaultField: "text")
            } catch {
                throw PipelineSpecReader.converted(error)
            }
            for function in lfs.labelingFunctions where function.kind == .similarity {
                guard let encoder = function.encoder else {
                    throw PipelinesError.stepFailed(
                        step: step.name,
                        reason: "similarity function '\(function.name)' names no encoder (add 'encoder: PATH' to it)")
                }
                let directory =
                    encoder.hasPrefix("/") ? URL(fileURLWithPath: encoder) : folder.appendingPathComponent(encoder)
                let digest: String
                do {
                    digest = try fileHashes.hash(directory)
                } catch {
                    throw PipelinesError.missingFile(
                        step: step.name, key: "lfs.\(function.name).encoder", path: directory.path)
                }
                files["encoder.\(function.name)"] = digest
                similarityEncoders[step.name, default: [:]][function.name] = SimilarityEncoder(
                    directory: directory, digest: digest)
            }
            labelingFunctions[step.name] = lfs
            parameters["lfs"] = CanonicalText.of(lfs.labelingFunctions.map(\.name))
            var texts: [String: String] = [:]
            for function in lfs.labelingFunctions {
                let text = CanonicalText.of(function)
                parameters["lf.\(function.name)"] = text
                texts[function.name] = text
            }
            functionTexts[step.name] = texts
        case .labelModel(let model):
            fields(of: model, except: ["input", "classBalance"])
            parameters["class_balance"] = model.classBalance.spelling
            // The prior the LF spec declares is part of this step's key, not the votes': editing only
            // `class_balance` refits the label model on cached votes.
            if let prior = lfClassBalance(model) { parameters["lfs_class_balance"] = CanonicalText.of(prior) }
        case .train(let train):
            fields(of: train, except: ["input", "model"])
            try hash("model", train.model)
        case .merge(let merge):
            fields(of: merge, except: ["inputs", "adapters"])
            for (index, adapter) in merge.adapters.enumerated() { try hash("adapters[\(index)]", adapter) }
        case .select(let select):
            fields(of: select, except: ["inputs", "evaluation", "exemplars"])
            if let exemplars = select.exemplars { try hash("exemplars", exemplars) }
        case .register(let register):
            fields(of: register, except: ["input"])
        case .deploy(let deploy):
            fields(of: deploy, except: ["input"])
        }
        return StepFingerprint(
            kind: step.action.kind.rawValue, parameters: parameters, inputNames: step.action.inputs,
            inputKeys: inputKeys, files: files)
    }

    /// The base model of an adapter step: the `model` of the first `train` step found upstream.
    func baseModel(of name: String) -> String? {
        var queue = [name]
        var seen = Set<String>()
        while !queue.isEmpty {
            let next = queue.removeFirst()
            guard seen.insert(next).inserted, let step = spec.step(named: next) else { continue }
            if case .train(let train) = step.action { return train.model }
            queue += step.action.inputs
        }
        return nil
    }

    /// Runs one step on its inputs' cache entries.
    func execute(
        _ step: PipelineStep, fingerprint: StepFingerprint, inputs: [String: URL], cache: PipelineCache,
        inputKeys: [String: String]
    ) throws -> StepOutcome {
        func entry(_ name: String) throws -> URL {
            guard let url = inputs[name] else {
                throw PipelinesError.stepFailed(step: step.name, reason: "its input '\(name)' has no output")
            }
            return url
        }
        /// The entry holding the table an input's output is about.
        func tableEntry(_ name: String) throws -> (key: String, url: URL) {
            let inputEntry = try entry(name)
            let key = cache.manifest(inputEntry.lastPathComponent)?.tableKey ?? inputEntry.lastPathComponent
            guard let url = cache.entry(key),
                FileManager.default.fileExists(atPath: url.appendingPathComponent("table.json").path)
            else {
                throw PipelinesError.cacheCorrupted(path: inputEntry.path, reason: "the table entry \(key) is missing")
            }
            return (key, url)
        }
        var progress: ProgressHandler?
        if let report = options.progress {
            let name = step.name
            progress = { @Sendable value in report(name, value) }
        }
        switch step.action {
        case .data(let data):
            return try DataStepRunner(context: self, step: step, data: data).run()
        case .clean(let clean):
            let table = try reads.table(tableEntry(clean.input).url)
            return try CleanStepRunner.run(
                table: table, step: clean, constraints: constraints[step.name] ?? ConstraintSet([]), name: step.name)
        case .apply(let apply):
            let (tableKey, tableURL) = try tableEntry(apply.input)
            trace.mark("apply input located")
            let table = try reads.table(tableURL)
            trace.mark("apply input read")
            return try ApplyStepRunner(
                table: table, tableKey: tableKey, spec: labelingFunctions[step.name] ?? LFSpec(labelingFunctions: []),
                classes: spec.classes, cache: cache, progress: progress, cancellation: options.cancellation,
                encoders: similarityEncoders[step.name] ?? [:], functionTexts: functionTexts[step.name] ?? [:],
                trace: trace
            ).run()
        case .labelModel(let model):
            let votes = try entry(model.input)
            let (tableKey, tableURL) = try tableEntry(model.input)
            let table = try reads.table(tableURL)
            let matrix = try reads.matrix(votes)
            trace.mark("label model inputs read")
            return try LabelModelStepRunner.run(
                votes: votes, matrix: matrix, table: table, tableKey: tableKey, step: model,
                classBalance: resolvedClassBalance(model), classes: spec.classes,
                progress: progress, trace: trace)
        case .train(let train):
            let (tableKey, tableURL) = try tableEntry(train.input)
            var outcome = try TrainStepRunner.run(
                softLabelsEntry: try entry(train.input), table: reads.table(tableURL), step: train,
                model: url(train.model), classes: spec.classes, name: step.name, progress: progress,
                cancellation: options.cancellation)
            outcome.tableKey = tableKey
            return outcome
        case .register(let register):
            var outcome = try RegisterStepRunner.run(
                adapter: try entry(register.input), step: register, repository: url(register.repository),
                pipeline: spec.name, name: step.name)
            outcome.tableKey = try? tableEntry(register.input).key
            return outcome
        case .deploy(let deploy):
            guard let model = baseModel(of: deploy.input) else {
                throw PipelinesError.stepFailed(
                    step: step.name, reason: "no train step upstream of '\(deploy.input)' names the base model")
            }
            let table = try? tableEntry(deploy.input)
            return try DeployStepRunner.run(
                adapter: try entry(deploy.input), table: table.map { try reads.table($0.url) },
                step: deploy, model: url(model), pipeline: spec.name, runDirectory: runDirectory)
        case .merge(let merge):
            guard let model = merge.inputs.lazy.compactMap({ baseModel(of: $0) }).first else {
                throw PipelinesError.stepFailed(
                    step: step.name, reason: "no train step upstream of the merge's inputs names the base model")
            }
            var adapters = try merge.inputs.map { (name: $0, directory: try entry($0)) }
            for path in merge.adapters {
                let folder = try url(path)
                adapters.append((name: folder.lastPathComponent, directory: folder))
            }
            var outcome = try MergeStepRunner.run(inputs: adapters, step: merge, model: url(model), name: step.name)
            outcome.tableKey = merge.inputs.lazy.compactMap { try? tableEntry($0).key }.first
            return outcome
        case .select(let select):
            guard let model = select.inputs.lazy.compactMap({ baseModel(of: $0) }).first else {
                throw PipelinesError.stepFailed(
                    step: step.name, reason: "no train step upstream of the selection's inputs names the base model")
            }
            let candidates = try select.inputs.map { (name: $0, directory: try entry($0)) }
            let table = try reads.table(try tableEntry(select.evaluation).url)
            return try SelectStepRunner.run(
                candidates: candidates, table: table, step: select, model: url(model), classes: spec.classes,
                name: step.name, exemplars: try select.exemplars.map { try url($0) })
        }
    }
}
