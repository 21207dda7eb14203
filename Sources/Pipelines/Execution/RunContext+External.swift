import Foundation
import FoundryCore
import ModelRepository

extension RunContext {
    /// Why a cached step must run again although its entry is complete: what it did outside the cache is gone.
    ///
    /// A `register` step's output is a commit in a model repository; when the repository was deleted or rolled back,
    /// the cached entry alone would claim a registration that no longer exists. Returns nil when the entry still
    /// stands, when there is no entry (the step runs anyway), and for every other kind of step, whose outputs live
    /// in the cache only.
    func missingExternalOutput(_ step: PipelineStep, entry: URL) -> String? {
        guard case .register(let register) = step.action,
            FileManager.default.fileExists(atPath: entry.appendingPathComponent("entry.json").path)
        else { return nil }
        guard let repository = try? url(register.repository) else { return nil }
        guard
            let data = try? Data(contentsOf: entry.appendingPathComponent("commit.json")),
            let recorded = try? JSONDecoder().decode(RecordedCommit.self, from: data)
        else { return "its cached entry has no commit record" }
        guard
            FileManager.default.fileExists(
                atPath: repository.appendingPathComponent(ModelRepository.databaseName).path),
            let repo = try? ModelRepository(root: repository), (try? repo.commit(recorded.commit)) != nil
        else {
            return "its commit \(recorded.commit.prefix(12)) is no longer in the repository \(repository.path)"
        }
        return nil
    }
}

/// The commit id in a register step's `commit.json`.
private struct RecordedCommit: Decodable {
    var commit: String
}
