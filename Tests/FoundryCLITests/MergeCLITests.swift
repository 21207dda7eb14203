import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

/// `foundry merge`, `foundry merge conflicts`, run as a user runs them.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct MergeCLITests {
    static var modelDirectory: URL {
        if let explicit = ProcessInfo.processInfo.environment["FOUNDRY_MODEL"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return TestData.packageFile(".models/all-MiniLM-L6-v2")
    }
    static var peft: URL {
        TestData.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/merging/peft")
    }
    static var hasInputs: Bool {
        FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path)
            && FileManager.default.fileExists(atPath: peft.appendingPathComponent("adapter_A/adapter_config.json").path)
    }
    static var adapters: String {
        "a=\(peft.appendingPathComponent("adapter_A").path),b=\(peft.appendingPathComponent("adapter_B").path)"
    }

    /// A safetensors file of F32 tensors, written byte by byte.
    static func safetensors(_ tensors: [(String, [Int], [Float])]) -> Data {
        var entries: [String] = []
        var offset = 0
        for (name, shape, values) in tensors {
            entries.append(
                "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + values.count * 4)]}"
            )
            offset += values.count * 4
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, _, values) in tensors { values.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    /// The F32 tensors of a safetensors file, parsed byte by byte: name → (shape, values).
    static func readSafetensors(_ url: URL) throws -> [String: (shape: [Int], values: [Float])] {
        let data = [UInt8](try Data(contentsOf: url))
        let length = (0..<8).reduce(0) { $0 | Int(data[$1]) << (8 * $1) }
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(data[8..<(8 + length)])) as? [String: Any])
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for (name, value) in header where name != "__metadata__" {
            let entry = try #require(value as? [String: Any])
            let shape = try #require(entry["shape"] as? [Int]), offsets = try #require(entry["data_offsets"] as? [Int])
            let bytes = Array(data[(8 + length + offsets[0])..<(8 + length + offsets[1])])
            let values = stride(from: 0, to: bytes.count, by: 4).map { index in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * $1) })
            }
            tensors[name] = (shape, values)
        }
        return tensors
    }

    /// Runs `foundry merge --adapters` on the two reference adapters with `options`, expects success, and returns
    /// the JSON record's `adapter` object.
    static func mergeAdapters(_ options: [String], out: URL) throws -> [String: Any] {
        let merge = try FoundryCLI.run(
            ["merge", "--adapters", adapters] + options + ["--model", modelDirectory.path, "--out", out.path, "--json"])
        #expect(merge.status == 0, "\(merge.standardError)")
        return try #require(try merge.json()["adapter"] as? [String: Any])
    }

    /// Runs `foundry predict --json` with `adapter` on `texts` (one per line), written into `folder`.
    static func predict(adapter: URL, texts: String, in folder: TemporaryDirectory) throws -> FoundryCLI.Output {
        let input = try folder.write("texts.txt", texts)
        return try FoundryCLI.run([
            "predict", "--model", modelDirectory.path, "--adapter", adapter.path, "--input", input.path, "--json",
        ])
    }

    static func checkpoint(_ folder: TemporaryDirectory, _ name: String, _ scale: Float) throws -> URL {
        let values: [Float] = (0..<16).map { Float($0 % 5) * scale - 1 }
        _ = try folder.write("\(name)/config.json", "{\"architectures\": [\"BertModel\"]}")
        _ = try folder.write(
            "\(name)/model.safetensors",
            bytes: [UInt8](safetensors([("a.weight", [4, 4], values), ("b.bias", [4], [scale, 0, 2 * scale, 1])])))
        return folder.file(name)
    }

    @Test(.enabled(if: hasInputs, "needs .models and ../shared/reference/merging"))
    func mergeAdaptersWritesAPEFTFolderThatPredictLoads() throws {
        let folder = TemporaryDirectory()
        let out = folder.file("merged")
        let adapter = try Self.mergeAdapters(["--weights", "0.6,0.4", "--method", "ties"], out: out)
        #expect(adapter["mode"] as? String == "exact_delta_space")
        #expect(adapter["rank"] as? Int == 16)
        #expect(adapter["tasks"] as? [String] == ["a", "b"])
        for file in ["adapter_config.json", "adapter_model.safetensors", "heads.safetensors", "merge.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let predict = try Self.predict(adapter: out, texts: "subscribe to my channel\nlovely song\n", in: folder)
        #expect(predict.status == 0, "\(predict.standardError)")
        #expect(try predict.json()["count"] as? Int == 2)

        let peft = try FoundryCLI.run([
            "merge", "--adapters", Self.adapters, "--weights", "0.6,0.4", "--method", "ties", "--peft-compatible",
            "--density", "0.5", "--model", Self.modelDirectory.path, "--out", folder.file("peft").path, "--json",
        ])
        #expect(peft.status == 0, "\(peft.standardError)")
        let peftRecord = try #require(try peft.json()["adapter"] as? [String: Any])
        #expect(peftRecord["mode"] as? String == "peft_factor_space" && peftRecord["rank"] as? Int == 8)

        // With PEFT's base head, the adapter file holds what PEFT saves (tensor for tensor; only the header differs).
        let withHead = folder.file("peft-head")
        let exact = try FoundryCLI.run([
            "merge", "--adapters", Self.adapters, "--weights", "0.6,0.4", "--method", "ties", "--peft-compatible",
            "--head", Self.peft.appendingPathComponent("base_head.safetensors").path, "--model",
            Self.modelDirectory.path, "--out", withHead.path,
        ])
        #expect(exact.status == 0, "\(exact.standardError)")
        let ours = try Data(contentsOf: withHead.appendingPathComponent("adapter_model.safetensors"))
        let theirs = try Data(contentsOf: Self.peft.appendingPathComponent("merges/ties_AB/adapter_model.safetensors"))
        // 26 float32 tensors in name order: the data sections are byte-identical.
        let dataBytes = (24 * 8 * 384 + 2 * 384 + 2) * 4
        #expect(ours.suffix(dataBytes) == theirs.suffix(dataBytes))
    }

    @Test(.enabled(if: hasInputs, "needs .models and ../shared/reference/merging"))
    func tsvMergesAdaptersAndIsRefusedForCheckpoints() throws {
        let folder = TemporaryDirectory()
        let out = folder.file("tsv")
        let adapter = try Self.mergeAdapters(["--method", "tsv", "--lambda", "0.5"], out: out)
        #expect(adapter["method"] as? String == "tsv" && adapter["lambda"] as? Double == 0.5)
        #expect(adapter["weights"] as? [Double] == [1, 1] && adapter["rank"] as? Int == 16)
        let predict = try Self.predict(adapter: out, texts: "subscribe to my channel\n", in: folder)
        #expect(predict.status == 0, "\(predict.standardError)")

        let base = try Self.checkpoint(folder, "base", 1), tuned = try Self.checkpoint(folder, "tuned", 2)
        let checkpoints = try FoundryCLI.run([
            "merge", "--models", "\(tuned.path),\(tuned.path)", "--base", base.path, "--method", "tsv", "--out",
            folder.file("full").path,
        ])
        #expect(checkpoints.status != 0 && checkpoints.standardError.contains("tsv applies to adapters"))
    }

    @Test(.enabled(if: hasInputs, "needs .models and ../shared/reference/merging"))
    func conflictsPrintJSONAndMarkdown() throws {
        let json = try FoundryCLI.run([
            "merge", "conflicts", "--adapters", Self.adapters, "--model", Self.modelDirectory.path, "--top", "0.2",
            "--json",
        ])
        #expect(json.status == 0, "\(json.standardError)")
        let record = try json.json()
        let report = try #require(record["report"] as? [String: Any])
        #expect(record["seconds"] is Double)
        #expect((report["tensors"] as? [Any])?.count == 12)
        #expect((report["layers"] as? [Any])?.count == 6)
        let markdown = try FoundryCLI.run([
            "merge", "conflicts", "--adapters", Self.adapters, "--model", Self.modelDirectory.path, "--md",
        ])
        #expect(markdown.status == 0)
        #expect(markdown.standardOutput.hasPrefix("# Conflict report"))
    }

    @Test(.enabled(if: hasInputs, "needs .models and ../shared/reference/merging"))
    func badAdapterInputsAreClearErrors() throws {
        let folder = TemporaryDirectory()
        let out = folder.file("merged")
        let count = try FoundryCLI.run([
            "merge", "--adapters", Self.adapters, "--weights", "0.5", "--method", "linear", "--out", out.path,
        ])
        #expect(count.status != 0)
        #expect(count.standardError.contains("--weights has 1 values for 2 inputs"))
        #expect(count.standardError.contains("Usage"))
        let nan = try FoundryCLI.run([
            "merge", "--adapters", Self.adapters, "--weights", "nan,1", "--method", "linear", "--out", out.path,
        ])
        #expect(nan.status != 0 && nan.standardError.contains("not a finite number"))
        let fisher = try FoundryCLI.run([
            "merge", "--adapters", Self.adapters, "--method", "fisher", "--model", Self.modelDirectory.path, "--out",
            out.path,
        ])
        #expect(fisher.status != 0)
        #expect(fisher.standardError.contains("adapter_A/fisher.safetensors"))
        #expect(!fisher.standardError.contains("Usage"))
        let unknown = try FoundryCLI.run([
            "merge", "--adapters", Self.adapters, "--method", "model_soup", "--out", out.path,
        ])
        #expect(unknown.status != 0 && unknown.standardError.contains("--method must be one of"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test(.enabled(if: hasInputs, "needs .models and ../shared/reference/merging"))
    func evaluateReportsMergedOwnAndBaseAccuracies() throws {
        let folder = TemporaryDirectory()
        let problem = SyntheticLabelingProblem(
            rows: 100, coverages: [0.6, 0.5], accuracies: [0.9, 0.8], seed: 4)
        var tasks: [String] = []
        var majority: [String: Double] = [:]
        var validMajority: [String: Double] = [:]
        for (index, name) in ["a", "b"].enumerated() {
            let wrench = folder.file("wrench_\(name)")
            try FileManager.default.createDirectory(at: wrench, withIntermediateDirectories: true)
            let samples = try writeSyntheticWrenchFolder(
                problem.task, rows: (20, 10, 30), classNames: ["ham", "spam"], seed: UInt64(index), to: wrench)
            func share(_ labels: [Int]) -> Double {
                let ones = labels.filter { $0 == 1 }.count
                return Double(max(ones, labels.count - ones)) / Double(labels.count)
            }
            majority[name] = share(try #require(samples[.test]).labels)
            validMajority[name] = share(try #require(samples[.valid]).labels)
            let adapter = Self.peft.appendingPathComponent("adapter_\(name.uppercased())")
            tasks.append("\(name)=\(adapter.path):\(wrench.path)")
        }
        let output = try FoundryCLI.run([
            "merge", "evaluate", "--model", Self.modelDirectory.path, "--tasks", tasks.joined(separator: ","),
            "--methods", "linear,ties", "--peft-methods", "ties", "--merged",
            "itself=\(Self.peft.appendingPathComponent("adapter_A").path)", "--json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let report = try output.json()
        let methods = try #require(report["methods"] as? [[String: Any]])
        #expect(methods.compactMap { $0["method"] as? String } == ["linear", "ties", "peft_ties", "itself"])
        for method in methods {
            let rows = try #require(method["rows"] as? [[String: Any]])
            #expect(rows.count == 2)
            for row in rows {
                let merged = try #require(row["merged"] as? Double), own = try #require(row["own"] as? Double)
                let normalized = try #require(row["normalized"] as? Double)
                #expect((0...1).contains(merged) && (0...1).contains(own))
                #expect(own == 0 || abs(normalized - merged / own) < 1e-12)
                // Binary tasks: F1 of class 1 beside the accuracy, normalized the same way.
                let mergedF1 = try #require(row["merged_f1"] as? Double), ownF1 = try #require(row["own_f1"] as? Double)
                #expect((0...1).contains(mergedF1) && (0...1).contains(ownF1) && row["base_with_head_f1"] is Double)
                if ownF1 > 0 { #expect(abs(try #require(row["normalized_f1"] as? Double) - mergedF1 / ownF1) < 1e-12) }
            }
            // adapter_A evaluated as a "merge" is task a's own adapter: normalized accuracy 1 there.
            if method["method"] as? String == "itself", let first = rows.first {
                #expect(first["task"] as? String == "a" && first["merged"] as? Double == first["own"] as? Double)
                #expect(first["merged_f1"] as? Double == first["own_f1"] as? Double)
            }
        }
        #expect(report["test_examples"] as? [String: Int] == ["a": 30, "b": 30])
        #expect(report["split"] as? String == "test")
        #expect(report["majority_accuracy"] as? [String: Double] == majority)

        // The valid split, where merge settings are chosen.
        let valid = try FoundryCLI.run([
            "merge", "evaluate", "--model", Self.modelDirectory.path, "--tasks", tasks.joined(separator: ","),
            "--methods", "linear", "--regmean-alpha", "0.5", "--split", "valid", "--json",
        ])
        #expect(valid.status == 0, "\(valid.standardError)")
        let validReport = try valid.json()
        #expect(validReport["split"] as? String == "valid")
        #expect(validReport["test_examples"] as? [String: Int] == ["a": 10, "b": 10])
        #expect(validReport["majority_accuracy"] as? [String: Double] == validMajority)
        for (arguments, message) in [
            (["--split", "train"], "--split must be test or valid"), (["--regmean-alpha", "1.5"], "--regmean-alpha"),
            (["--peft-methods", "ties", "--merged", "peft_ties=\(Self.peft.path)"], "already a method of this run"),
        ] {
            let bad = try FoundryCLI.run(
                ["merge", "evaluate", "--tasks", tasks.joined(separator: ","), "--methods", "regmean"] + arguments)
            #expect(bad.status != 0 && bad.standardError.contains(message), "\(bad.standardError)")
        }
        let one = try FoundryCLI.run([
            "merge", "evaluate", "--tasks", tasks[0], "--methods", "ties",
        ])
        #expect(one.status != 0 && one.standardError.contains("at least two tasks"))
    }

    @Test func benchMergeTimesEveryMethodAndTheConflictReport() throws {
        let folder = TemporaryDirectory()
        let model = folder.file("tiny")
        let values: [Float] = (0..<64).map { Float($0 % 7) * 0.1 }
        _ = try folder.write("tiny/config.json", "{}")
        _ = try folder.write(
            "tiny/model.safetensors",
            bytes: [UInt8](
                Self.safetensors([
                    ("encoder.layer.0.attention.self.query.weight", [8, 8], values),
                    ("embeddings.LayerNorm.weight", [8], Array(values.prefix(8))),
                ])))
        let output = try FoundryCLI.run([
            "bench", "merge", "--model", model.path, "--work", folder.file("work").path, "--repeats", "2",
            "--methods", "ties,dare_ties,linear", "--json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let record = try output.json()
        #expect(record["parameters"] as? Int == 72)
        #expect(record["perturbed_tensors"] as? Int == 1)
        #expect((record["machine"] as? [String: Any])?["blas"] != nil, "bench JSON says what produced it")
        let methods = try #require(record["methods"] as? [[String: Any]])
        #expect(methods.compactMap { $0["method"] as? String } == ["ties", "dare_ties", "linear"])
        for method in methods {
            #expect((method["seconds"] as? [Double])?.count == 2)
            #expect((method["peak_rss_mb"] as? Double ?? 0) > 0)
        }
        #expect((record["conflicts"] as? [String: Any])?["median_seconds"] is Double)
        for name in ["base", "T1", "T2"] {
            #expect(FileManager.default.fileExists(atPath: folder.file("work/\(name)/model.safetensors").path))
        }
        #expect(FileManager.default.fileExists(atPath: folder.file("work/mergekit/ties.yml").path))
    }

    @Test func mergeCheckpointsAndRejectATruncatedOne() throws {
        let folder = TemporaryDirectory()
        let base = try Self.checkpoint(folder, "base", 0)
        let t1 = try Self.checkpoint(folder, "t1", 1)
        let t2 = try Self.checkpoint(folder, "t2", -1)
        let out = folder.file("merged")
        let merge = try FoundryCLI.run([
            "merge", "--models", "\(t1.path),\(t2.path)", "--base", base.path, "--method", "task_arithmetic",
            "--weights", "1,1", "--out", out.path, "--json",
        ])
        #expect(merge.status == 0, "\(merge.standardError)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("config.json").path))
        // The task vectors of t1 and t2 cancel: the merge is the base.
        let merged = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
        let original = try Data(contentsOf: base.appendingPathComponent("model.safetensors"))
        #expect(merged.suffix(80) == original.suffix(80))  // the 20 values, in the same tensor order

        let file = t2.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: file)
        try data.prefix(data.count - 4).write(to: file)
        let other = folder.file("other")
        let truncated = try FoundryCLI.run([
            "merge", "--models", "\(t1.path),\(t2.path)", "--base", base.path, "--method", "ties", "--out", other.path,
        ])
        #expect(truncated.status != 0)
        #expect(truncated.standardError.contains(file.path) && truncated.standardError.contains("b.bias"))
        #expect(!FileManager.default.fileExists(atPath: other.path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter {
            $0.contains("tmp-")
        }
        #expect(leftovers.isEmpty)
        let noBase = try FoundryCLI.run([
            "merge", "--models", "\(t1.path),\(t2.path)", "--method", "ties", "--out", other.path,
        ])
        #expect(noBase.status != 0 && noBase.standardError.contains("needs --base"))
    }

    @Test(.enabled(if: hasInputs, "needs .models"))
    func gramFilesFeedRegMeanOnFullCheckpoints() throws {
        let folder = TemporaryDirectory()
        let texts = try folder.write(
            "texts.txt", "subscribe to my channel\nwhat a great song\nfree ringtones, text now\n")
        let gramURL = folder.file("gram.safetensors")
        let gram = try FoundryCLI.run([
            "merge", "gram", "--model", Self.modelDirectory.path, "--input", texts.path, "--max-length", "8", "--out",
            gramURL.path, "--json",
        ])
        #expect(gram.status == 0, "\(gram.standardError)")
        #expect(try gram.json()["layers"] as? Int == 36 && gram.json()["samples"] as? Int == 3)
        let grams = try Self.readSafetensors(gramURL)
        let query = try #require(grams["encoder.layer.0.attention.self.query"])
        #expect(query.shape == [384, 384] && grams["encoder.layer.5.output.dense"]?.shape == [1536, 1536])
        // Query, key and value read the same states; a Gram matrix is symmetric.
        #expect(grams["encoder.layer.0.attention.self.key"]?.values == query.values)
        #expect((0..<384).allSatisfy { abs(query.values[$0 * 384 + 7] - query.values[7 * 384 + $0]) < 1e-4 })

        // RegMean through the CLI on two small checkpoints: identity Gram matrices make it the average.
        let t1 = try Self.checkpoint(folder, "t1", 1)
        let t2 = try Self.checkpoint(folder, "t2", -1)
        let out = folder.file("merged")
        let missing = try FoundryCLI.run([
            "merge", "--models", "\(t1.path),\(t2.path)", "--method", "regmean", "--out", out.path,
        ])
        #expect(
            missing.status != 0 && missing.standardError.contains(t1.appendingPathComponent("gram.safetensors").path))
        #expect(!missing.standardError.contains("Usage") && !FileManager.default.fileExists(atPath: out.path))
        for model in [t1, t2] {
            let identity = (0..<16).map { Float($0 % 5 == 0 ? 1 : 0) }
            try Self.safetensors([("a", [4, 4], identity)]).write(to: model.appendingPathComponent("gram.safetensors"))
        }
        let merged = try FoundryCLI.run([
            "merge", "--models", "\(t1.path),\(t2.path)", "--method", "regmean", "--out", out.path, "--json",
        ])
        #expect(merged.status == 0, "\(merged.standardError)")
        let average = try FoundryCLI.run([
            "merge", "--models", "\(t1.path),\(t2.path)", "--method", "linear", "--out", folder.file("linear").path,
        ])
        #expect(average.status == 0)
        let regmean = try Self.readSafetensors(out.appendingPathComponent("model.safetensors"))
        let linear = try Self.readSafetensors(folder.file("linear/model.safetensors"))
        #expect(regmean.keys.sorted() == linear.keys.sorted())
        for (name, tensor) in linear {
            #expect(approximatelyEqual(regmean[name]?.values ?? [], tensor.values, tolerance: 1e-6), "\(name)")
        }
    }
}
