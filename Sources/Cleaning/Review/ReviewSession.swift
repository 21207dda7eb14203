import Foundation

/// Pages through pending proposals, asking accept/reject for each; reads answers from any line source
/// (standard input in the CLI, a scripted list in tests).
///
/// Answers: `y` accept, `n` reject, `s` skip (decide later), `Y`/`N` accept/reject the rest of this constraint,
/// `A`/`R` accept/reject everything remaining, `q` quit. Anything else repeats the question; end of input stops.
public struct ReviewSession {
    /// The plan under review.
    public let plan: RepairPlan
    /// The decisions so far (updated by ``run(readLine:write:)``).
    public private(set) var decisions: ReviewDecisions

    /// Creates a session over the pending changes of `plan`.
    public init(plan: RepairPlan, decisions: ReviewDecisions) {
        self.plan = plan
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
        let pending = decisions.pending(in: plan)
        let before = decisions.decisions.count
        write("\(pending.count) proposed changes to review.\n")
        var index = 0
        while index < pending.count {
            let change = pending[index]
            if decisions.decisions[change.id] != nil { index += 1; continue }
            write(
                "[\(index + 1)/\(pending.count)] \(change.constraint) — \(change.summary)\n  reason: \(change.reason)\n"
                    + "  accept? [y]es [n]o [s]kip, [Y]/[N] rest of constraint, [A]/[R] all remaining, [q]uit: ")
            guard let line = readLine() else { write("\n(end of input)\n"); break }
            switch line.trimmingCharacters(in: .whitespaces) {
            case "y", "yes": decisions.decide(change.id, .accept); index += 1
            case "n", "no": decisions.decide(change.id, .reject); index += 1
            case "s", "skip": index += 1
            case "Y": decisions.decide(constraint: change.constraint, in: plan, .accept); index += 1
            case "N": decisions.decide(constraint: change.constraint, in: plan, .reject); index += 1
            case "A": decisions.decideAll(in: plan, .accept); index = pending.count
            case "R": decisions.decideAll(in: plan, .reject); index = pending.count
            case "q", "quit": index = pending.count
            default: write("  please answer y, n, s, Y, N, A, R or q\n")
            }
        }
        let made = decisions.decisions.count - before
        write("\(made) decisions recorded, \(decisions.pending(in: plan).count) changes still pending.\n")
        return made
    }
}
