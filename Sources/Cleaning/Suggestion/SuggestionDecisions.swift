import Foundation
import FoundryCore

/// Accept / reject / edit decisions on suggested constraints, saved as JSON and re-applied on the next run.
///
/// Decisions are keyed by the suggestion's constraint name (``SuggestedConstraint/id``, e.g. `length(text)`), so they
/// carry over when the data changes: a rejection stays a rejection and an edit replaces the suggestion with the
/// edited constraint. An acceptance holds for the constraint as it was suggested; when a new profile suggests a
/// different constraint under the same name (other bounds), the suggestion is pending again. Each decision keeps
/// the spec text of the suggestion it was made on (and of the edit), so the file reads without Foundry.
public struct SuggestionDecisions: Sendable, Equatable, Codable {
    /// A decision on one suggestion.
    public enum Decision: String, Sendable, Equatable, Codable {
        /// Write the suggested constraint.
        case accept
        /// Leave it out, now and on later runs.
        case reject
        /// Write the edited constraint instead.
        case edit
    }

    /// One decision.
    public struct Entry: Sendable, Equatable, Codable {
        /// The suggestion's id (its constraint name).
        public var id: String
        /// The decision.
        public var decision: Decision
        /// The spec text (a `constraints` list item) of the suggestion decided on.
        public var suggested: String
        /// The spec text of the edited constraint (for `edit`).
        public var edited: String?
    }

    /// The ``CleaningTable/fingerprint`` of the table the suggestions were last made from (informative: decisions
    /// re-apply to other data by name).
    public var fingerprint: String
    /// The decisions, sorted by id.
    public var entries: [Entry]
    /// The ids suggested by the last recorded run.
    public var suggestions: [String]

    /// Creates empty decisions.
    public init(fingerprint: String) {
        self.fingerprint = fingerprint
        entries = []
        suggestions = []
    }

    /// The decision on `id`, if any.
    public func entry(_ id: String) -> Entry? { entries.first { $0.id == id } }

    /// Records a decision on `suggestion` (`edited` is the constraint to write for `.edit`).
    public mutating func decide(_ suggestion: SuggestedConstraint, _ decision: Decision, edited: Constraint? = nil) {
        precondition((decision == .edit) == (edited != nil), "an edit and only an edit carries an edited constraint")
        let entry = Entry(
            id: suggestion.id, decision: decision, suggested: ConstraintSpecWriter.item(suggestion.constraint),
            edited: edited.map(ConstraintSpecWriter.item))
        entries.removeAll { $0.id == suggestion.id }
        entries.append(entry)
        entries.sort { $0.id < $1.id }
    }

    /// The suggestions without a standing decision: never decided, or accepted as a different constraint.
    public func pending(in suggestions: [SuggestedConstraint]) -> [SuggestedConstraint] {
        suggestions.filter { suggestion in
            guard let entry = entry(suggestion.id) else { return true }
            return entry.decision == .accept && entry.suggested != ConstraintSpecWriter.item(suggestion.constraint)
        }
    }

    /// How `suggestions` differ from the last recorded run's.
    public func diff(_ suggestions: [SuggestedConstraint]) -> (new: [String], gone: [String], kept: [String]) {
        let current = suggestions.map(\.id)
        let previous = Set(self.suggestions)
        return (
            current.filter { !previous.contains($0) }, self.suggestions.filter { !current.contains($0) }.sorted(),
            current.filter { previous.contains($0) }
        )
    }

    /// Remembers `suggestions` as the last run's (for the next ``diff(_:)``).
    public mutating func record(_ suggestions: [SuggestedConstraint], fingerprint: String) {
        self.suggestions = suggestions.map(\.id)
        self.fingerprint = fingerprint
    }

    /// What to write: each suggestion unless rejected, edited ones replaced by their edit, with the decision taken.
    ///
    /// - Parameters:
    ///   - suggestions: the current suggestions.
    ///   - source: the decisions file, named in errors.
    /// - Returns: the suggestions to write (edited ones carry the edited constraint), and the decision of each
    ///   (`nil` when undecided, which writes the suggestion).
    /// - Throws: ``CleaningError/invalidDecisions(path:reason:)`` when an edit's spec text does not read back.
    public func resolve(_ suggestions: [SuggestedConstraint], source: String = "<decisions>") throws -> [(
        SuggestedConstraint, Decision?
    )] {
        let pendingIDs = Set(pending(in: suggestions).map(\.id))
        var out: [(SuggestedConstraint, Decision?)] = []
        for suggestion in suggestions {
            guard let entry = entry(suggestion.id), !pendingIDs.contains(suggestion.id) else {
                out.append((suggestion, nil))
                continue
            }
            switch entry.decision {
            case .reject: continue
            case .accept: out.append((suggestion, .accept))
            case .edit:
                let text = "constraints:\n" + (entry.edited ?? "")
                let set: ConstraintSet
                do { set = try ConstraintSpec.parse(text, source: "<decision \(entry.id)>") } catch {
                    throw CleaningError.invalidDecisions(
                        path: source, reason: "the edit of '\(entry.id)' does not read back: \(error)")
                }
                guard let constraint = set.constraints.first, set.constraints.count == 1 else {
                    throw CleaningError.invalidDecisions(
                        path: source, reason: "the edit of '\(entry.id)' is not one constraint")
                }
                var edited = suggestion
                edited.constraint = constraint
                edited.reason += " [edited in review]"
                out.append((edited, .edit))
            }
        }
        return out
    }

    /// Loads decisions.
    ///
    /// - Throws: ``CleaningError/invalidDecisions(path:reason:)`` for an unreadable or malformed file.
    public static func load(_ url: URL) throws -> SuggestionDecisions {
        let data = try DecisionsFile.read(url)
        do { return try JSONDecoder().decode(SuggestionDecisions.self, from: data) } catch {
            throw CleaningError.invalidDecisions(
                path: url.path, reason: "not a decisions file of `foundry synthesize constraints` (\(error))")
        }
    }

    /// Writes the decisions as indented JSON (``FoundryJSON``), all or nothing (``AtomicFile``).
    ///
    /// - Throws: ``CleaningError/invalidDecisions(path:reason:)`` when the file cannot be written.
    public func save(to url: URL) throws { try DecisionsFile.save(self, to: url) }
}
