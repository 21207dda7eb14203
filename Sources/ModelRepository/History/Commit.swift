import Foundation

/// What produced a commit: the dataset versions, label-model file and training configuration (`foundry train` and
/// `foundry merge` fill these in when they commit).
public struct Provenance: Codable, Sendable, Equatable {
    /// The command or library call that made the commit (`foundry train`, `foundry merge`, `foundry model merge`).
    public var source: String?
    /// Dataset-store versions (`dataset@version`) or WRENCH folders the model was trained or evaluated on.
    public var datasets: [String]
    /// The label-model file that produced the training labels (its path and SHA-256), when one did.
    public var labelModel: String?
    /// The training or merge configuration as flat key → value pairs.
    public var configuration: [String: String]

    /// Creates a provenance record.
    public init(
        source: String? = nil, datasets: [String] = [], labelModel: String? = nil, configuration: [String: String] = [:]
    ) {
        self.source = source
        self.datasets = datasets
        self.labelModel = labelModel
        self.configuration = configuration
    }
}

/// A commit: a tree, its parents, who made it and why, when, its metrics and its provenance.
///
/// Stored as an object whose address is the SHA-256 of its JSON, so a commit's address covers its whole history.
public struct Commit: Codable, Sendable, Equatable {
    /// The tree's address.
    public var tree: String
    /// Parent commits (none for a root commit, two for a merge).
    public var parents: [String]
    /// The author: a store principal when one is configured, else a name.
    public var author: String
    /// The message.
    public var message: String
    /// When it was made (ISO 8601, UTC).
    public var time: String
    /// Named metrics (accuracy on a task, loss).
    public var metrics: [String: Double]
    /// What produced it.
    public var provenance: Provenance
    /// For an adapter: the commit holding the full base model it adapts.
    public var base: String?

    /// Creates a commit record.
    public init(
        tree: String, parents: [String], author: String, message: String, time: String,
        metrics: [String: Double] = [:], provenance: Provenance = Provenance(), base: String? = nil
    ) {
        self.tree = tree
        self.parents = parents
        self.author = author
        self.message = message
        self.time = time
        self.metrics = metrics
        self.provenance = provenance
        self.base = base
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

/// A commit with its address.
public struct CommitRecord: Codable, Sendable, Equatable {
    /// The address.
    public var id: String
    /// The commit.
    public var commit: Commit

    /// Pairs a commit with its address.
    public init(id: String, commit: Commit) {
        self.id = id
        self.commit = commit
    }
}
