import Flows
import Foundation
import FoundryCore
import ModelRepository

/// `--commit REPO[:BRANCH]` of `foundry train` and `foundry merge`: commits the folder they wrote, with provenance.
enum ModelCommitHook {
    /// Splits `REPO[:BRANCH]`.
    static func parse(_ spec: String) -> (repository: URL, branch: String?) {
        if let colon = spec.lastIndex(of: ":"), !spec[spec.index(after: colon)...].contains("/") {
            let branch = String(spec[spec.index(after: colon)...])
            return (URL(fileURLWithPath: String(spec[..<colon])), branch.isEmpty ? nil : branch)
        }
        return (URL(fileURLWithPath: spec), nil)
    }

    /// The scalar fields of an encodable record as text (nested values as JSON).
    static func flattened<Record: Encodable>(_ record: Record) -> [String: String] {
        guard let data = try? FoundryJSON.encoder().encode(record),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String: out[key] = text
            case let number as NSNumber: out[key] = number.stringValue
            default:
                if let nested = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
                    out[key] = String(decoding: nested, as: UTF8.self)
                }
            }
        }
        return out
    }

    /// Commits `folder` to the repository and branch of `spec` (the branch is created at HEAD when missing); the line
    /// saying so goes to standard error so that `--json` output stays one object.
    @discardableResult
    static func commit(
        spec: String, folder: URL, message: String, metrics: [String: Double], provenance: Provenance
    ) throws -> CommitResult {
        let (url, branch) = parse(spec)
        return try withRepositoryErrors {
            let repository = try ModelRepository(root: url)
            if let branch, try repository.branchCommit(branch) == nil, try repository.headCommit() != nil {
                try repository.createBranch(branch)
            }
            var options = CommitOptions(message: message)
            // The dataset store's principal when a store is configured ($FOUNDRY_STORE with $FOUNDRY_TOKEN).
            if let name = try modelAuthor(explicit: nil, store: nil, tokenFile: nil) { options.author = name }
            options.branch = branch
            options.metrics = metrics
            options.provenance = provenance
            let result = try repository.commit(directory: folder, options: options)
            printError("committed \(folder.path) to \(url.path) as \(result.branch ?? "?") \(result.commit.prefix(12))")
            return result
        }
    }
}

extension TrainCommand {
    /// `--commit`: the adapter (in `--out`, else a temporary folder) committed with the training's provenance.
    func commitTrained(
        _ outcome: AdapterTraining.Outcome, result: AdapterTrainingResult, to spec: String, dataset: String?
    )
        throws
    {
        var folder = out.map { URL(fileURLWithPath: $0) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-train-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        if folder == nil {
            var saved = outcome
            saved.result = result
            try saved.save(to: scratch)
            folder = scratch
        }
        var metrics: [String: Double] = [:]
        metrics["test_accuracy"] = result.testAccuracy
        metrics["test_f1"] = result.testF1
        metrics["label_model_test_accuracy"] = result.labelModelTestAccuracy
        let provenance = Provenance(
            source: "foundry train",
            datasets: [dataset ?? wrench ?? input].compactMap { $0 },
            labelModel: result.labelModel.map { name in result.labelModelChoice.map { "\(name) (\($0))" } ?? name },
            configuration: ModelCommitHook.flattened(result))
        try ModelCommitHook.commit(
            spec: spec, folder: folder ?? scratch,
            message: "foundry train: \(result.dataset), rank \(result.rank), \(result.epochs) epochs",
            metrics: metrics, provenance: provenance)
    }
}

extension MergeApplyCommand {
    /// `--commit`: the merged folder committed with the merge's record as provenance.
    func commitMerged(to spec: String, output: URL) throws {
        var configuration: [String: String] = ["method": method]
        let record = output.appendingPathComponent("merge.json")
        if let data = try? Data(contentsOf: record),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            for (key, value) in object {
                configuration[key] = (value as? String) ?? (value as? NSNumber)?.stringValue ?? "\(value)"
            }
        }
        let inputs = (sources.adapters ?? sources.models ?? "").split(separator: ",").map(String.init)
        try ModelCommitHook.commit(
            spec: spec, folder: output, message: "foundry merge --method \(method)", metrics: [:],
            provenance: Provenance(source: "foundry merge", datasets: inputs, configuration: configuration))
    }
}
