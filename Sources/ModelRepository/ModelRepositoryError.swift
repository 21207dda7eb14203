import Foundation

/// Errors raised by the model repository; each names the repository, ref, object, file or tensor concerned.
public enum ModelRepositoryError: Error, Equatable, CustomStringConvertible {
    /// A file or folder could not be read or written.
    case io(path: String, reason: String)
    /// The folder is not a model repository (no `repository.sqlite`), or is one already (on `init`).
    case notARepository(path: String)
    /// A repository already exists at the path.
    case alreadyExists(path: String)
    /// A ref, commit or object name does not resolve.
    case unknownRef(String)
    /// A stored object is missing or its bytes do not hash to its name (corruption).
    case corruptObject(id: String, reason: String)
    /// An input model folder or file cannot be committed (what was expected is in the reason).
    case invalidInput(path: String, reason: String)
    /// A branch or tag exists already, or a branch moved while this process was committing to it.
    case refConflict(ref: String, reason: String)
    /// Two commits cannot be merged (different architectures or shapes, unresolved conflicting files).
    case mergeConflict(reason: String)
    /// The check suite rejected a commit or merge; the branch did not move.
    case checkFailed(report: String)
    /// The check suite file is invalid or names something that does not exist.
    case invalidCheckSuite(path: String, reason: String)
    /// A bundle is truncated, edited or does not fit the repository.
    case invalidBundle(path: String, reason: String)
    /// The metadata database failed.
    case storage(String)

    /// A one-line message naming what is concerned and what was expected.
    public var description: String {
        switch self {
        case let .io(path, reason): "cannot access \(path): \(reason)"
        case let .notARepository(path):
            "\(path) is not a model repository (no repository.sqlite; create one with `foundry model init`)"
        case let .alreadyExists(path): "\(path) already holds a model repository"
        case let .unknownRef(name): "unknown ref, commit or object \"\(name)\""
        case let .corruptObject(id, reason): "object \(id) is corrupt: \(reason)"
        case let .invalidInput(path, reason): "cannot commit \(path): \(reason)"
        case let .refConflict(ref, reason): "ref \(ref): \(reason)"
        case let .mergeConflict(reason): "cannot merge: \(reason)"
        case let .checkFailed(report): "the check suite rejected the change; the branch did not move:\n\(report)"
        case let .invalidCheckSuite(path, reason): "invalid check suite \(path): \(reason)"
        case let .invalidBundle(path, reason): "invalid bundle \(path): \(reason)"
        case let .storage(reason): "repository database error: \(reason)"
        }
    }
}
