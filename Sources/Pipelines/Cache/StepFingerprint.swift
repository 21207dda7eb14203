import Foundation
import FoundryCore

/// Everything a step's output depends on: its kind, its parameters (canonical text), its inputs' keys and the
/// content hashes of the files it reads. The step's cache key is the SHA-256 of all of it.
///
/// The run directory keeps the last fingerprint of every step (`state.json`), so a step that has to run can say why:
/// which input, parameter, labeling function or file changed.
public struct StepFingerprint: Sendable, Codable, Equatable {
    /// The step's kind.
    public var kind: String
    /// Parameter name → canonical value (`lf.NAME` for each labeling function of an `apply` step).
    public var parameters: [String: String]
    /// The input steps' names, in the order the step reads them.
    public var inputNames: [String]
    /// Their keys, in the same order.
    public var inputKeys: [String]
    /// File label (`paths[0]`, `model`) → content hash.
    public var files: [String: String]

    /// The cache key: hex SHA-256 over the format version, the kind, the sorted parameters, the inputs' keys (in
    /// order) and the sorted file hashes.
    public var key: String {
        var text = "foundry-pipeline-step \(PipelineCache.formatVersion)\nkind \(kind)\n"
        for name in parameters.keys.sorted() { text += "parameter \(name)=\(parameters[name] ?? "")\n" }
        for key in inputKeys { text += "input \(key)\n" }
        for name in files.keys.sorted() { text += "file \(name)=\(files[name] ?? "")\n" }
        return Digest.sha256Hex(Array(text.utf8))
    }

    /// Why the step must run, compared with its fingerprint in the previous run (nil: none recorded).
    public func reason(since previous: StepFingerprint?) -> String {
        guard let previous, previous.kind == kind else { return "not in the cache" }
        var reasons: [String] = []
        let changedInputs = zip(inputNames, inputKeys).filter { name, key in
            guard let index = previous.inputNames.firstIndex(of: name) else { return true }
            return previous.inputKeys[index] != key
        }.map(\.0)
        if !changedInputs.isEmpty {
            reasons.append(changedInputs.map { "input '\($0)' changed" }.joined(separator: ", "))
        }
        let names = Set(parameters.keys).union(previous.parameters.keys)
        let changed = names.filter { parameters[$0] != previous.parameters[$0] }.sorted()
        let functions = changed.filter { $0.hasPrefix("lf.") }.map { name -> String in
            let function = String(name.dropFirst(3))
            if previous.parameters[name] == nil { return "\(function) (added)" }
            if parameters[name] == nil { return "\(function) (removed)" }
            return function
        }
        let others = changed.filter { !$0.hasPrefix("lf.") }
        if !functions.isEmpty { reasons.append("labeling functions changed: " + functions.joined(separator: ", ")) }
        if !others.isEmpty { reasons.append("parameters changed: " + others.joined(separator: ", ")) }
        let fileNames = Set(files.keys).union(previous.files.keys)
        let changedFiles = fileNames.filter { files[$0] != previous.files[$0] }.sorted()
        if !changedFiles.isEmpty { reasons.append("file changed: " + changedFiles.joined(separator: ", ")) }
        return reasons.isEmpty ? "not in the cache" : reasons.joined(separator: "; ")
    }
}
