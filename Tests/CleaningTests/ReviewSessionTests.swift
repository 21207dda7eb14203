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

/// What review prompts show: the row (0-based) and its content, and for a duplicate the row it repeats.
struct ReviewPromptTests {
    /// The prompt lines for the proposals of `constraints` over `table`, by proposal.
    private func prompts(_ table: CleaningTable, _ constraints: ConstraintSet, withTable: Bool = true) throws
        -> [[String]]
    {
        let plan = try RepairPlanner.plan(for: table, constraints: constraints)
        let session = ReviewSession(
            plan: plan, decisions: ReviewDecisions(fingerprint: plan.fingerprint), table: withTable ? table : nil)
        return plan.changes.map(session.details(of:))
    }

    @Test func aDroppedDuplicateShowsItsTextAndTheRowItRepeats() throws {
        let lines = try prompts(RepairPlanTests.table, ConstraintSet { Unique("text").repair(.keepFirst) })
        #expect(
            lines == [
                [
                    "drop row 2 (0-based): a duplicate of row 0",
                    "  row 2  text: \"hello  there \"",
                    "         id: \"3\" · label: \"ham\" · age: null",
                    "  row 0  text: \"hello  there \"  ← the row it repeats",
                ],
                [
                    "drop row 4 (0-based): a duplicate of row 3",
                    "  row 4  text: \"fine\"",
                    "         id: \"5\" · label: \"ham\" · age: \"40\"",
                    "  row 3  text: \"fine\"  ← the row it repeats",
                ],
            ])
    }

    @Test func aNearDuplicateShowsTheSimilarityAndWhereTheLongTextsDiffer() throws {
        let shared = String(repeating: "free entry to win a cup final ticket ", count: 4)  // 148 characters
        let table = CleaningTable(
            columnNames: ["id", "text"],
            rows: [
                ["a", shared + "text WIN to 80086 now"], ["b", "unrelated"], ["c", shared + "text WIN to 80087 now"],
            ])
        let constraints = ConstraintSet {
            NearDuplicates("text", configuration: .init(threshold: 0.5)).repair(.keepFirst)
        }
        let lines = try #require(try prompts(table, constraints).first)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("drop row 2 (0-based): a near-duplicate of row 0 (estimated Jaccard 0."))
        // Both texts are shown from shortly before their first difference ("80086" / "80087"), clipped to 100.
        #expect(lines[1].hasPrefix("  row 2  text: \"…") && lines[1].contains("80087 now\""))
        #expect(lines[2] == "         id: \"c\"")
        #expect(lines[3].hasPrefix("  row 0  text: \"…") && lines[3].hasSuffix("80086 now\"  ← the row it repeats"))
    }

    @Test func aRowDroppedByAConstraintShowsTheReasonAndItsClippedText() throws {
        let long = String(repeating: "x", count: 150)
        let table = CleaningTable(columnNames: ["id", "text"], rows: [["1", "ok"], ["2", long]])
        let lines = try prompts(table, ConstraintSet { Length("text", maximum: 100).repair(.dropRow) })
        #expect(
            lines == [
                [
                    "drop row 1 (0-based)",
                    "  reason: length 150 is outside 0…100",
                    "  row 1  text: \"" + String(repeating: "x", count: 99) + "…\"",
                    "         id: \"2\"",
                ]
            ])
    }

    @Test func aValueChangeShowsBeforeAfterAndTheRestOfTheRow() throws {
        let lines = try prompts(
            RepairPlanTests.table,
            ConstraintSet { AllowedValues("label", ["ham", "spam"]).repair(.standardize([.trim, .lowercase])) })
        #expect(
            lines == [
                [
                    "row 1 (0-based): set label \" SPAM\" → \"spam\"",
                    "  reason: ' SPAM' is not an allowed value",
                    "  row 1  id: \"2\" · text: \"mail me at a@b.co\" · age: \"x\"",
                ]
            ])
    }

    @Test func rowsAreFoundByRowIDAfterRowsWereDropped() throws {
        var table = RepairPlanTests.table
        table.keepRows([1, 2, 3, 4])  // row ids 1…4 at positions 0…3
        let lines = try prompts(table, ConstraintSet { Unique("text").repair(.keepFirst) })
        #expect(lines.map(\.first) == ["drop row 4 (0-based): a duplicate of row 3"])
        #expect(lines.first?[1] == "  row 4  text: \"fine\"")
        #expect(lines.first?[3] == "  row 3  text: \"fine\"  ← the row it repeats")
    }

    @Test func withoutTheTableThePromptStillNamesBothRows() throws {
        let lines = try prompts(
            RepairPlanTests.table, ConstraintSet { Unique("text").repair(.keepFirst) }, withTable: false)
        #expect(
            lines == [["drop row 2 (0-based): a duplicate of row 0"], ["drop row 4 (0-based): a duplicate of row 3"]])
    }

    @Test func theRunPromptCarriesTheDetails() throws {
        let plan = try RepairPlanner.plan(
            for: RepairPlanTests.table, constraints: ConstraintSet { Unique("text").repair(.keepFirst) })
        var session = ReviewSession(
            plan: plan, decisions: ReviewDecisions(fingerprint: plan.fingerprint), table: RepairPlanTests.table)
        var answers = ["y", "n"][...]
        var output = ""
        session.run(readLine: { answers.popFirst() }, write: { output += $0 })
        #expect(
            output.contains(
                "[1/2] unique(text) — drop row 2 (0-based): a duplicate of row 0\n  row 2  text: \"hello  there \"\n"))
        #expect(output.contains("  row 3  text: \"fine\"  ← the row it repeats\n  accept?"))
    }
}
