import Adapters
import ArgumentParser
import Foundation
import FoundryCore
import Merging
import ModelRepository
import Tensors

/// `foundry bench model-repo`: storage and speed of the model repository on a MiniLM-size model.
struct BenchModelRepositoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-repo",
        abstract:
            "Model repository: storage of base + LoRA commits + a merge, a 1 % fine-tune, commit/checkout/diff speed.",
        discussion: """
            In --work (emptied first): commits --model to main; 10 LoRA adapters (r = 8 on query and value, seeded \
            random factors, PEFT layout) alternately to branches a and b; merges b into a (linear, exact ΔW); reports \
            the repository's bytes on disk against the base's bytes plus every commit's adapter_model.safetensors. \
            Then commits a full fine-tune changing 1 % of every F32 tensor's entries to main and reports the bytes it \
            added. Speed: --repeats commits of the full model into a fresh repository, checkouts of the base and the \
            fine-tune, and diffs between them (with effective ranks); medians. --export DIR also writes the folders \
            of that commit sequence for scripts/model-repo-vs-git.sh.
            """)

    @Option(help: "The base model (Hugging Face layout).")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Working folder (emptied first).")
    var work: String = ".build/bench-model-repo"

    @Option(help: "Timed runs of each speed measurement (the median is reported).")
    var repeats = 5

    @Option(help: "Also write the commit sequence's folders here (base, adapter-01…10, merged, finetune).")
    var export: String?

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
    }

    struct Record: Encodable {
        var baseBytes: Int
        var adapterCommits: Int
        var factorBytes: Int
        var loraRepositoryBytes: Int
        var loraStorageRatio: Double
        var finetuneChangedFraction: Double
        var finetuneAddedBytes: Int
        var finetuneAddedFraction: Double
        var commitSeconds: [Double]
        var commitSecondsMedian: Double
        var checkoutBaseSeconds: [Double]
        var checkoutBaseSecondsMedian: Double
        var checkoutFinetuneSecondsMedian: Double
        var diffSeconds: [Double]
        var diffSecondsMedian: Double
        var diffChangedTensors: Int
        var adapterCommitSecondsMedian: Double
        var mergeSeconds: Double
    }

    static func bytesOnDisk(_ folder: URL) -> Int {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey])
        else { return 0 }
        var total = 0
        for case let url as URL in enumerator {
            total += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0
        }
        return total
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    func run() throws {
        try requireBLAS()
        let manager = FileManager.default
        let workURL = URL(fileURLWithPath: work)
        try? manager.removeItem(at: workURL)
        try manager.createDirectory(at: workURL, withIntermediateDirectories: true)
        let base = URL(fileURLWithPath: model)
        let baseBytes = try ModelRepositoryFiles.regularFiles(base).reduce(0) { total, url in
            total + ((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0)
        }
        let repositoryURL = workURL.appendingPathComponent("repo")
        let repository = try withRepositoryErrors { try ModelRepository.create(at: repositoryURL) }
        let baseCommit = try withRepositoryErrors {
            try repository.commit(directory: base, options: CommitOptions(message: "base"))
        }
        try withRepositoryErrors {
            try repository.createBranch("a")
            try repository.createBranch("b")
        }
        // Ten adapters on two branches.
        var factorBytes = 0
        var adapterSeconds: [Double] = []
        var generator = SeededGenerator(seed: 19)
        let exportURL = export.map { URL(fileURLWithPath: $0) }
        if let exportURL {
            try? manager.removeItem(at: exportURL)
            try manager.createDirectory(at: exportURL, withIntermediateDirectories: true)
        }
        for index in 1...10 {
            var factors = [[LoRATarget: LoRAFactors]](repeating: [:], count: 6)
            for layer in 0..<6 {
                for target in [LoRATarget.query, .value] {
                    let down = (0..<(8 * 384)).map { _ in Float(generator.nextGaussian() * 0.05) }
                    let up = (0..<(384 * 8)).map { _ in Float(generator.nextGaussian() * 0.05) }
                    factors[layer][target] = LoRAFactors(
                        down: Tensor(shape: [8, 384], scalars: down), up: Tensor(shape: [384, 8], scalars: up))
                }
            }
            let head = ClassificationHead(
                pooling: .classifierToken,
                weight: Tensor(
                    shape: [2, 384], scalars: (0..<768).map { _ in Float(generator.nextGaussian() * 0.05) }),
                bias: [0, 0])
            let adapter = LoRAAdapter(configuration: LoRAAdapter.Configuration(), factors: factors, head: head)
            let folder = workURL.appendingPathComponent(String(format: "adapter-%02d", index))
            try adapter.save(to: folder)
            factorBytes += try Data(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).count
            var options = CommitOptions(message: "adapter \(index)")
            options.branch = index % 2 == 1 ? "a" : "b"
            let start = monotonicSeconds()
            _ = try withRepositoryErrors { try repository.commit(directory: folder, options: options) }
            adapterSeconds.append(monotonicSeconds() - start)
            if let exportURL {
                try manager.copyItem(at: folder, to: exportURL.appendingPathComponent(folder.lastPathComponent))
            }
        }
        try withRepositoryErrors { try repository.setHead("a") }
        let mergeStart = monotonicSeconds()
        let merged = try withRepositoryErrors { try repository.merge("b", options: MergeOptions(method: .linear)) }
        let mergeSeconds = monotonicSeconds() - mergeStart
        let mergedFolder = workURL.appendingPathComponent("merged")
        _ = try withRepositoryErrors { try repository.checkout(merged.result.commit, to: mergedFolder, format: .peft) }
        factorBytes += try Data(contentsOf: mergedFolder.appendingPathComponent("adapter_model.safetensors")).count
        if let exportURL { try manager.copyItem(at: mergedFolder, to: exportURL.appendingPathComponent("merged")) }
        let loraBytes = Self.bytesOnDisk(repositoryURL)

        // A full fine-tune changing 1 % of every F32 tensor's entries.
        let finetune = workURL.appendingPathComponent("finetune")
        try manager.copyItem(at: base, to: finetune)
        let weightsURL = finetune.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weightsURL)
        let stream = try SafeTensorsStream(url: base.appendingPathComponent("model.safetensors"))
        var changed = 0, total = 0
        for entry in stream.entries where entry.dtype == "F32" {
            let count = entry.byteCount / 4
            total += count
            for _ in 0..<max(1, count / 100) {
                let index = Int(generator.next() % UInt64(count))
                let offset = entry.offset + 4 * index
                var value = bytes.subdata(in: offset..<(offset + 4)).withUnsafeBytes {
                    $0.loadUnaligned(as: Float.self)
                }
                value += Float(generator.nextGaussian() * 0.01)
                withUnsafeBytes(of: value) { bytes.replaceSubrange(offset..<(offset + 4), with: $0) }
                changed += 1
            }
        }
        try bytes.write(to: weightsURL)
        if let exportURL { try manager.copyItem(at: finetune, to: exportURL.appendingPathComponent("finetune")) }
        try withRepositoryErrors { try repository.setHead("main") }
        let before = Self.bytesOnDisk(repositoryURL)
        let finetuneCommit = try withRepositoryErrors {
            try repository.commit(directory: finetune, options: CommitOptions(message: "full fine-tune, 1 %"))
        }
        let added = Self.bytesOnDisk(repositoryURL) - before

        // Speed.
        var commitSeconds: [Double] = []
        var checkoutBase: [Double] = []
        var checkoutFinetune: [Double] = []
        var diffSeconds: [Double] = []
        var diffChanged = 0
        for run in 0..<repeats {
            let fresh = workURL.appendingPathComponent("fresh-\(run)")
            let repositoryCopy = try withRepositoryErrors { try ModelRepository.create(at: fresh) }
            var start = monotonicSeconds()
            _ = try withRepositoryErrors {
                try repositoryCopy.commit(directory: base, options: CommitOptions(message: "base"))
            }
            commitSeconds.append(monotonicSeconds() - start)
            try? manager.removeItem(at: fresh)
            let outBase = workURL.appendingPathComponent("out-base-\(run)")
            start = monotonicSeconds()
            _ = try withRepositoryErrors { try repository.checkout(baseCommit.commit, to: outBase) }
            checkoutBase.append(monotonicSeconds() - start)
            try? manager.removeItem(at: outBase)
            let outFinetune = workURL.appendingPathComponent("out-finetune-\(run)")
            start = monotonicSeconds()
            _ = try withRepositoryErrors { try repository.checkout(finetuneCommit.commit, to: outFinetune) }
            checkoutFinetune.append(monotonicSeconds() - start)
            try? manager.removeItem(at: outFinetune)
            start = monotonicSeconds()
            let diff = try withRepositoryErrors { try repository.diff(baseCommit.commit, finetuneCommit.commit) }
            diffSeconds.append(monotonicSeconds() - start)
            diffChanged = diff.tensors.count
        }
        try printBenchJSON(
            Record(
                baseBytes: baseBytes, adapterCommits: 10, factorBytes: factorBytes, loraRepositoryBytes: loraBytes,
                loraStorageRatio: Double(loraBytes) / Double(baseBytes + factorBytes),
                finetuneChangedFraction: Double(changed) / Double(max(1, total)), finetuneAddedBytes: added,
                finetuneAddedFraction: Double(added) / Double(baseBytes), commitSeconds: commitSeconds,
                commitSecondsMedian: Self.median(commitSeconds), checkoutBaseSeconds: checkoutBase,
                checkoutBaseSecondsMedian: Self.median(checkoutBase),
                checkoutFinetuneSecondsMedian: Self.median(checkoutFinetune), diffSeconds: diffSeconds,
                diffSecondsMedian: Self.median(diffSeconds), diffChangedTensors: diffChanged,
                adapterCommitSecondsMedian: Self.median(adapterSeconds), mergeSeconds: mergeSeconds))
    }
}

/// The regular, non-hidden files of a folder.
enum ModelRepositoryFiles {
    static func regularFiles(_ folder: URL) throws -> [URL] {
        guard
            let enumerator = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var out: [URL] = []
        for case let url as URL in enumerator
        where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            out.append(url)
        }
        return out
    }
}
