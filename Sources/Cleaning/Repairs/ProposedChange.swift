/// One proposed change to one row.
///
/// Rows are named by their row id: the 0-based position of the row in the input (the first data row is row 0).
public struct ProposedChange: Sendable, Equatable, Codable, Identifiable {
    /// A stable id: a hash of the constraint's kind and repair, the row id, the row's content and the action.
    /// The same data and constraint give the same id on every run, so decisions re-apply. The context fields
    /// (``columns``, ``duplicateOf``, ``similarity``) are not part of it.
    public var id: String
    /// The name of the constraint proposing it.
    public var constraint: String
    /// The row id (0-based position in the input).
    public var row: Int
    /// What would change.
    public var action: Action
    /// Why (the constraint's failure reason).
    public var reason: String
    /// The columns the constraint reads, in the order it names them: what a review shows of the row. Empty for a
    /// proposal decoded from a plan written before the field existed.
    public var columns: [String]
    /// For a duplicate (`unique`, `near_duplicates`): the row id of the earlier row this one repeats.
    public var duplicateOf: Int?
    /// For a near-duplicate: the Jaccard similarity to ``duplicateOf`` estimated by MinHash; `nil` otherwise.
    public var similarity: Double?

    /// Creates a proposal.
    ///
    /// - Parameters:
    ///   - id: the stable id (see ``id``).
    ///   - constraint: the proposing constraint's name.
    ///   - row: the row id (0-based position in the input).
    ///   - action: what would change.
    ///   - reason: the constraint's failure reason.
    ///   - columns: the columns the constraint reads.
    ///   - duplicateOf: the row id of the earlier row a duplicate repeats.
    ///   - similarity: the estimated similarity of a near-duplicate to `duplicateOf`.
    public init(
        id: String, constraint: String, row: Int, action: Action, reason: String, columns: [String] = [],
        duplicateOf: Int? = nil, similarity: Double? = nil
    ) {
        self.id = id
        self.constraint = constraint
        self.row = row
        self.action = action
        self.reason = reason
        self.columns = columns
        self.duplicateOf = duplicateOf
        self.similarity = similarity
    }

    /// Decodes a proposal; `columns` may be absent (plans written before it existed).
    ///
    /// - Throws: `DecodingError` when a required field is missing or has the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        constraint = try container.decode(String.self, forKey: .constraint)
        row = try container.decode(Int.self, forKey: .row)
        action = try container.decode(Action.self, forKey: .action)
        reason = try container.decode(String.self, forKey: .reason)
        columns = try container.decodeIfPresent([String].self, forKey: .columns) ?? []
        duplicateOf = try container.decodeIfPresent(Int.self, forKey: .duplicateOf)
        similarity = try container.decodeIfPresent(Double.self, forKey: .similarity)
    }

    /// A change to a row.
    ///
    /// Its encoding goes into ``ProposedChange/id``: changing the cases or their labels changes every id.
    public enum Action: Sendable, Equatable, Codable {
        /// Remove the row.
        case dropRow
        /// Replace a cell's value (`nil` is null).
        case setCell(column: String, from: String?, to: String?)
    }

    /// A one-line description such as `row 17: set text from "a " to "a"` (the row id, 0-based).
    public var summary: String {
        switch action {
        case .dropRow: return "row \(row): drop row"
        case let .setCell(column, from, to):
            func show(_ value: String?) -> String { value.map { "\"\(ValidationReport.clip($0))\"" } ?? "null" }
            return "row \(row): set \(column) from \(show(from)) to \(show(to))"
        }
    }
}
