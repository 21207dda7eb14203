import ArgumentParser
import Foundation
import FoundryCore
import Merging
import Tensors

/// `foundry bench merge`: full-model merges of two MiniLM-size checkpoints, each method in its own process.
struct BenchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Time full-checkpoint merges (two MiniLM-size task models, every method); seconds and peak RSS.",
        discussion: """
            Builds --work/base (the --model checkpoint), T1 and T2 (base + N(0, 0.01²) on the 36 encoder weight \
            matrices, seeds 11 and 12, as ../shared/reference/merging does) unless they exist, then runs \
            `foundry merge --models T1,T2 --base base --method M` once per repeat in a child process and reports the \
            median seconds and the child's peak RSS. The same folders serve mergekit (configs in --work/mergekit/).
            """)

    @Option(help: "The base checkpoint (Hugging Face layout).")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Working folder for base/, T1/, T2/ and the merged outputs.")
    var work: String = ".build/bench-merge"

    @Option(help: "Methods, comma-separated.")
    var methods: String = MergeMethod.checkpointMethods.map(\.rawValue).joined(separator: ",")

    @Option(help: "Timed runs per method (the median is reported).")
    var repeats = 3

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        for name in methods.split(separator: ",") {
            guard let method = MergeMethod(rawValue: String(name)), MergeMethod.checkpointMethods.contains(method)
            else { throw ValidationError("--methods: \(name) is not a full-checkpoint method") }
        }
    }

    /// One method's figures.
    struct MethodFigures: Codable {
        var method: String
        var seconds: [Double]
        var medianSeconds: Double
        var peakRssMb: Double?
    }

    /// What `--json` prints.
    struct Record: Codable {
        var model: String
        var parameters: Int
        var perturbedTensors: Int
        var methods: [MethodFigures]
        /// `foundry merge conflicts --models T1,T2 --base base --top 0.2`, timed the same way.
        var conflicts: MethodFigures
    }

    /// Runs `foundry arguments… --json` in a child process; its `seconds` and `peak_rss_mb`.
    func child(_ arguments: [String], label: String) throws -> (seconds: Double, peak: Double?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments + ["--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let elapsed = object["seconds"] as? Double
        else { throw CommandFailure("foundry \(label) failed (status \(process.terminationStatus))") }
        return (elapsed, object["peak_rss_mb"] as? Double)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static let perturbed = [
        "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
        "intermediate.dense", "output.dense",
    ]

    /// Writes base/, T1/, T2/ under `work` unless present.
    func prepare(_ work: URL) throws -> (parameters: Int, perturbed: Int) {
        let manager = FileManager.default
        let source = URL(fileURLWithPath: model)
        let base = try SafeTensors(contentsOf: source.appendingPathComponent("model.safetensors"))
        let parameters = base.tensors.values.reduce(0) { $0 + $1.count }
        let names = base.tensors.keys.filter { name in
            name.hasSuffix(".weight") && name.contains("encoder.layer.")
                && Self.perturbed.contains { name.hasSuffix("\($0).weight") }
        }.sorted()
        for (folder, seed) in [("base", UInt64(0)), ("T1", 11), ("T2", 12)] {
            let target = work.appendingPathComponent(folder)
            if manager.fileExists(atPath: target.appendingPathComponent("model.safetensors").path) { continue }
            try manager.createDirectory(at: target, withIntermediateDirectories: true)
            for name in (try manager.contentsOfDirectory(atPath: source.path)) where !name.hasSuffix(".safetensors") {
                var isDirectory: ObjCBool = false
                let file = source.appendingPathComponent(name)
                if manager.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    try? manager.removeItem(at: target.appendingPathComponent(name))
                    try manager.copyItem(at: file, to: target.appendingPathComponent(name))
                }
            }
            if seed == 0 {
                try manager.copyItem(
                    at: source.appendingPathComponent("model.safetensors"),
                    to: target.appendingPathComponent("model.safetensors"))
                continue
            }
            var generator = SeededGenerator(seed: seed)
            var tensors = base.tensors
            for name in names {
                guard var tensor = tensors[name] else { continue }
                for i in tensor.scalars.indices { tensor.scalars[i] += Float(generator.nextGaussian()) * 0.01 }
                tensors[name] = tensor
            }
            // position_ids (I64) is not loaded by SafeTensors; merges copy it from the base, so T1/T2 need no copy.
            try SafeTensors(tensors: tensors).write(to: target.appendingPathComponent("model.safetensors"))
        }
        let configs = work.appendingPathComponent("mergekit")
        try manager.createDirectory(at: configs, withIntermediateDirectories: true)
        for method in ["ties", "dare_ties", "linear", "task_arithmetic", "dare_linear", "breadcrumbs"] {
            let density = method == "breadcrumbs" ? "0.9" : "0.5"
            let extra = method == "breadcrumbs" ? "\n      gamma: 0.01" : ""
            let normalize = method == "ties" || method == "linear" ? "true" : "false"
            let baseLine = method == "linear" ? "" : "base_model: ./base\n"
            let yaml = """
                merge_method: \(method)
                \(baseLine)models:
                  - model: ./T1
                    parameters:
                      density: \(density)
                      weight: 0.5\(extra)
                  - model: ./T2
                    parameters:
                      density: \(density)
                      weight: 0.5\(extra)
                parameters:
                  normalize: \(normalize)
                  rescale: \(method.hasPrefix("dare") ? "true" : "false")
                dtype: float32

                """
            try AtomicFile.write(Data(yaml.utf8), to: configs.appendingPathComponent("\(method).yml"))
        }
        return (parameters, names.count)
    }

    func run() throws {
        let work = URL(fileURLWithPath: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let prepared = try prepare(work)
        var figures: [MethodFigures] = []
        let models = "\(work.appendingPathComponent("T1").path),\(work.appendingPathComponent("T2").path)"
        let base = work.appendingPathComponent("base").path
        for name in methods.split(separator: ",").map(String.init) {
            var seconds: [Double] = []
            var peak: Double?
            for _ in 0..<repeats {
                var arguments = [
                    "merge", "--models", models, "--method", name, "--out",
                    work.appendingPathComponent("out-\(name)").path, "--weights", "0.5,0.5", "--seed", "42",
                ]
                if name != "linear" { arguments += ["--base", base] }
                if name == "breadcrumbs" { arguments += ["--density", "0.9"] }
                let run = try child(arguments, label: "merge --method \(name)")
                seconds.append(run.seconds)
                if let rss = run.peak { peak = max(peak ?? 0, rss) }
            }
            figures.append(
                MethodFigures(method: name, seconds: seconds, medianSeconds: Self.median(seconds), peakRssMb: peak))
        }
        var conflictSeconds: [Double] = []
        var conflictPeak: Double?
        for _ in 0..<repeats {
            let run = try child(
                ["merge", "conflicts", "--models", models, "--base", base, "--top", "0.2"], label: "merge conflicts")
            conflictSeconds.append(run.seconds)
            if let rss = run.peak { conflictPeak = max(conflictPeak ?? 0, rss) }
        }
        let conflicts = MethodFigures(
            method: "conflicts", seconds: conflictSeconds, medianSeconds: Self.median(conflictSeconds),
            peakRssMb: conflictPeak)
        let record = Record(
            model: model, parameters: prepared.parameters, perturbedTensors: prepared.perturbed, methods: figures,
            conflicts: conflicts)
        if json {
            try printBenchJSON(record)
        } else {
            print("method\tmedian_s\tpeak_rss_mb")
            for figure in figures + [conflicts] {
                print(
                    "\(figure.method)\t\(String(format: "%.3f", figure.medianSeconds))\t\(figure.peakRssMb.map { String(format: "%.1f", $0) } ?? "-")"
                )
            }
        }
    }
}
