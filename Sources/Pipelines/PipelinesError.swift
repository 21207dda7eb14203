/// Everything that can go wrong in a pipeline, each case naming the file, line, key or step concerned.
public enum PipelinesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The spec is not valid: `path` and `line` locate the key; `reason` says what was expected (and the valid choices).
    case invalidSpec(path: String, line: Int?, key: String, reason: String)
    /// The steps' inputs form a cycle (the steps in order around it).
    case cycle(steps: [String])
    /// A step's input produces a different type of artifact than the step reads.
    case inputTypeMismatch(step: String, input: String, expected: String, found: String)
    /// A file a step needs does not exist or cannot be read.
    case missingFile(step: String, key: String, path: String)
    /// A step failed while running.
    case stepFailed(step: String, reason: String)
    /// The run was cancelled during this step; the cache holds every step finished before it.
    case cancelled(step: String)
    /// A cache entry could not be read back (it is ignored and recomputed).
    case cacheCorrupted(path: String, reason: String)
    /// Input data is not what was expected (file, row and field when known).
    case invalidData(source: String, row: Int?, field: String?, reason: String)
    /// Labeling-function or constraint synthesis could not proceed.
    case synthesisFailed(reason: String)
    /// Model selection or routing could not proceed.
    case selectionFailed(reason: String)
    /// The run report could not be built.
    case reportFailed(reason: String)

    /// A one-line explanation for people.
    public var description: String {
        switch self {
        case .invalidSpec(let path, let line, let key, let reason):
            return "\(path)\(line.map { ":\($0)" } ?? ""): \(key): \(reason)"
        case .cycle(let steps):
            return "the steps' inputs form a cycle: \((steps + steps.prefix(1)).joined(separator: " → "))"
        case .inputTypeMismatch(let step, let input, let expected, let found):
            return "step '\(step)' reads \(expected), but its input '\(input)' produces \(found)"
        case .missingFile(let step, let key, let path):
            return "step '\(step)': \(key): no readable file at \(path)"
        case .stepFailed(let step, let reason):
            return "step '\(step)' failed: \(reason)"
        case .cancelled(let step):
            return "cancelled during step '\(step)'; finished steps stay cached"
        case .cacheCorrupted(let path, let reason):
            return "cache entry \(path) is unreadable (\(reason)); it will be recomputed"
        case .invalidData(let source, let row, let field, let reason):
            let place = [row.map { "row \($0)" }, field.map { "field '\($0)'" }].compactMap { $0 }.joined(
                separator: ", ")
            return "\(source)\(place.isEmpty ? "" : " (\(place))"): \(reason)"
        case .synthesisFailed(let reason):
            return "synthesis: \(reason)"
        case .selectionFailed(let reason):
            return "selection: \(reason)"
        case .reportFailed(let reason):
            return "report: \(reason)"
        }
    }
}
