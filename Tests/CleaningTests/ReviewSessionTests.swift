import Testing
@testable import Cleaning

struct ReviewSessionTests {
    private func plan() throws -> RepairPlan {
        try RepairPlanner.plan(for: RepairPlanTests.table, constraints: RepairPlanTests.constraints)
    }

    private func review(_ answers: [String], decisions: ReviewDecisions? = nil) throws -> (ReviewDecisions, String) {
        let plan = try plan()
        var session = ReviewSession(plan: plan, decisions: decisions ?? ReviewDecisions(fingerprint: plan.fingerprint))
        var input = answers[...]
        var output = ""
        session.run(readLine: { input.popFirst() }, write: { output += $0 })
        return (session.decisions, output)
    }

    @Test func scriptedAnswersDecideOneByOne() throws {
        let plan = try plan()
        let (decisions, output) = try review(["y", "maybe", "n", "s", "y"])
        #expect(decisions.decisions[plan.changes[0].id] == .accept)
        #expect(decisions.decisions[plan.changes[1].id] == .reject)
        #expect(decisions.decisions[plan.changes[2].id] == nil)
        #expect(decisions.decisions[plan.changes[3].id] == .accept)
        #expect(output.contains("[1/7]") && output.contains("please answer") && output.contains("(end of input)"))
        #expect(output.contains("3 decisions recorded, 4 changes still pending."))
    }

    @Test func perConstraintAndAllAnswers() throws {
        let plan = try plan()
        let (byConstraint, _) = try review(["n", "n", "n", "n", "Y", "q"])
        #expect(byConstraint.decisions[plan.changes[5].id] == .accept)  // rest of unique(text)
        #expect(byConstraint.decisions[plan.changes[6].id] == nil)
        let (all, _) = try review(["y", "R"])
        #expect(all.decisions.values.filter { $0 == .reject }.count == 6)
    }

    @Test func decidedChangesAreNotAskedAgain() throws {
        let (first, _) = try review(["y", "n"])
        let (second, output) = try review(["A"], decisions: first)
        #expect(output.hasPrefix("5 proposed changes to review."))
        #expect(second.decisions.count == 7)
    }
}
