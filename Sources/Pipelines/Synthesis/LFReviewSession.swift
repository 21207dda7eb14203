import Foundation

/// Pages through synthesized labeling functions, asking accept / reject / edit threshold for each; reads answers from
/// any line source (standard input in the CLI, a scripted list in tests), like the cleaning review.
///
/// Each prompt shows the candidate's family, rule, class, precision on the exemplars, coverage of the pool, overlap
/// with the functions chosen before it, whether the synthesizer chose it, and a few pool texts it votes on.
///
/// Answers: `y` accept, `n` reject, `e` edit the threshold (similarity functions: a new `min_cosine`, then the
/// candidate is accepted with it), `s` skip (keep the synthesizer's choice, ask again next time), `A` accept the
/// synthesizer's choices for the rest, `q` quit. Anything else repeats the question; end of input stops.
public struct LFReviewSession {
    /// The candidates under review (with decisions applied as they are made).
    public private(set) var candidates: [LFCandidate]
    /// The decisions so far.
    public private(set) var decisions: LFReviewDecisions
    /// Recomputes a candidate's pool coverage after its threshold changed (nil: coverage is shown as before).
    let rescore: ((LFCandidate) throws -> LFCandidate)?

    /// Creates a session.
    ///
    /// - Parameters:
    ///   - candidates: the proposals; those with a decision in `decisions` are not asked again.
    ///   - decisions: earlier decisions.
    ///   - rescore: recomputes coverage (and examples) of an edited candidate.
    public init(
        candidates: [LFCandidate], decisions: LFReviewDecisions,
        rescore: ((LFCandidate) throws -> LFCandidate)? = nil
    ) {
        self.candidates = decisions.applied(to: candidates)
        self.decisions = decisions
        self.rescore = rescore
    }

    /// Runs the review.
    ///
    /// - Parameters:
    ///   - readLine: the next answer line, or nil at end of input.
    ///   - write: receives prompts and summaries.
    /// - Returns: the number of decisions made.
    @discardableResult
    public mutating func run(readLine: () -> String?, write: (String) -> Void) -> Int {
        let pending = candidates.indices.filter { decisions.decisions[candidates[$0].name] == nil }
        write("\(pending.count) proposed labeling functions to review.\n")
        var made = 0
        var position = 0
        answering: while position < pending.count {
            let index = pending[position]
            write(
                "[\(position + 1)/\(pending.count)] " + Self.describe(candidates[index]).joined(separator: "\n") + "\n"
                    + "  keep it? [y]es [n]o [e]dit threshold [s]kip, [A]ccept the proposed choice for the rest, "
                    + "[q]uit: ")
            guard let line = readLine() else {
                write("\n(end of input)\n")
                break
            }
            switch line.trimmingCharacters(in: .whitespaces) {
            case "y", "yes":
                decide(index, accept: true)
                made += 1
                position += 1
            case "n", "no":
                decide(index, accept: false)
                made += 1
                position += 1
            case "e", "edit":
                guard candidates[index].spec.kind == .similarity else {
                    write("  only similarity functions have a threshold to edit; answer y or n\n")
                    continue
                }
                write("  new min_cosine (between -1 and 1): ")
                guard let text = readLine() else {
                    write("\n(end of input)\n")
                    break answering
                }
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value >= -1, value <= 1 else {
                    write("  '\(text)' is not a number between -1 and 1\n")
                    continue
                }
                candidates[index].spec.minCosine = value
                if let rescore {
                    do { candidates[index] = try rescore(candidates[index]) } catch {
                        write("  could not recompute the coverage: \(error)\n")
                    }
                }
                decide(index, accept: true, minCosine: value)
                write("  now: " + Self.describe(candidates[index])[0] + "\n")
                made += 1
                position += 1
            case "s", "skip":
                position += 1
            case "A":
                for rest in pending[position...] { decide(rest, accept: candidates[rest].accepted) }
                made += pending.count - position
                position = pending.count
            case "q", "quit":
                break answering
            default:
                write("  please answer y, n, e, s, A or q\n")
            }
        }
        let kept = candidates.filter(\.accepted).count
        write("\(made) decisions recorded; \(kept) labeling functions kept.\n")
        return made
    }

    private mutating func decide(_ index: Int, accept: Bool, minCosine: Double? = nil) {
        candidates[index].accepted = accept
        decisions.decide(candidates[index].name, .init(accept: accept, minCosine: minCosine))
    }

    /// What a prompt shows of a candidate: a headline, the figures, and up to three pool texts it votes on.
    public static func describe(_ candidate: LFCandidate) -> [String] {
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        var lines = [
            "\(candidate.name) (\(candidate.family.rawValue)) votes \(candidate.spec.label) when it \(candidate.rule)",
            "  precision \(String(format: "%.2f", candidate.precision)) on the exemplars "
                + "(\(candidate.exemplarHitsOfClass) of \(candidate.exemplarHits) hits of its class), "
                + "lift \(String(format: "%.2f", candidate.lift)), coverage \(percent(candidate.coverage)) of the pool, "
                + "overlap \(percent(candidate.overlap)); proposed: \(candidate.accepted ? "keep" : "leave out")",
        ]
        for example in candidate.examples.prefix(3) {
            let flat = example.replacingOccurrences(of: "\n", with: " ⏎ ")
            lines.append("    e.g. \"" + (flat.count > 100 ? String(flat.prefix(99)) + "…" : flat) + "\"")
        }
        return lines
    }
}
