import Foundation

/// Pages through suggested constraints, asking accept / reject / edit for each; reads answers from any line source
/// (standard input in the CLI, a scripted list in tests), like ``ReviewSession`` does for repairs.
///
/// Each prompt shows the constraint as spec text, the rule and its reason with the profile figures. Answers: `y`
/// accept, `n` reject, `e` edit (then a line of `key=value` pairs, see ``Constraint/editing(_:)``; a mistake is
/// explained and asked again, an empty line cancels the edit), `s` skip (decide later), `A`/`R` accept/reject
/// everything remaining, `q` quit. Anything else repeats the question; end of input stops.
public struct SuggestionReview {
    /// The suggestions under review.
    public let suggestions: [SuggestedConstraint]
    /// The decisions so far (updated by ``run(readLine:write:)``).
    public private(set) var decisions: SuggestionDecisions

    /// Creates a session over the suggestions without a standing decision.
    public init(suggestions: [SuggestedConstraint], decisions: SuggestionDecisions) {
        self.suggestions = suggestions
        self.decisions = decisions
    }

    /// Runs the review.
    ///
    /// - Parameters:
    ///   - readLine: returns the next answer line, or `nil` at end of input.
    ///   - write: receives prompts and summaries.
    /// - Returns: the number of decisions made.
    @discardableResult
    public mutating func run(readLine: () -> String?, write: (String) -> Void) -> Int {
        let pending = decisions.pending(in: suggestions)
        write("\(pending.count) suggested constraints to review.\n")
        var made = 0
        var index = 0
        questions: while index < pending.count {
            let suggestion = pending[index]
            write(prompt(suggestion, position: index + 1, of: pending.count))
            guard let line = readLine() else { write("\n(end of input)\n"); break }
            switch line.trimmingCharacters(in: .whitespaces) {
            case "y", "yes": decisions.decide(suggestion, .accept); made += 1; index += 1
            case "n", "no": decisions.decide(suggestion, .reject); made += 1; index += 1
            case "s", "skip": index += 1
            case "e", "edit":
                let keys = suggestion.constraint.editableKeys.joined(separator: ", ")
                while true {
                    write("  edit (key=value …; keys: \(keys); empty line: back): ")
                    guard let edit = readLine() else { write("\n(end of input)\n"); break questions }
                    if edit.trimmingCharacters(in: .whitespaces).isEmpty { break }
                    do {
                        let edited = try suggestion.constraint.editing(edit)
                        decisions.decide(suggestion, .edit, edited: edited)
                        write("  now: " + Self.oneLine(ConstraintSpecWriter.item(edited)) + "\n")
                        made += 1
                        index += 1
                        break
                    } catch {
                        write("  \(error)\n")
                    }
                }
            case "A":
                for rest in pending[index...] { decisions.decide(rest, .accept); made += 1 }
                index = pending.count
            case "R":
                for rest in pending[index...] { decisions.decide(rest, .reject); made += 1 }
                index = pending.count
            case "q", "quit": index = pending.count
            default: write("  please answer y, n, e, s, A, R or q\n")
            }
        }
        write("\(made) decisions recorded, \(decisions.pending(in: suggestions).count) suggestions still pending.\n")
        return made
    }

    /// The prompt of one suggestion.
    func prompt(_ suggestion: SuggestedConstraint, position: Int, of count: Int) -> String {
        let figures = suggestion.figures.map { "\($0.name) \(String(format: "%g", $0.value))" }
        return "[\(position)/\(count)] \(suggestion.id) — \(suggestion.rule.rawValue)\n"
            + "  \(Self.oneLine(ConstraintSpecWriter.item(suggestion.constraint)))\n"
            + "  reason: \(suggestion.reason)\n"
            + (figures.isEmpty ? "" : "  figures: \(figures.joined(separator: ", "))\n")
            + "  accept? [y]es [n]o [e]dit [s]kip, [A]/[R] all remaining, [q]uit: "
    }

    /// A spec item on one line: `kind: length, column: "text", min: 5, max: 1580`.
    static func oneLine(_ item: String) -> String {
        item.split(separator: "\n").map { $0.drop { $0 == " " || $0 == "-" } }.joined(separator: ", ")
    }
}
