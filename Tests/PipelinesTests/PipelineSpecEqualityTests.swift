import Foundation
import Labeling
import Testing

@testable import Pipelines

@Suite("Pipeline spec values")
struct PipelineSpecEqualityTests {
    @Test("where a spec was read from is not part of its equality")
    func sourceIsNotPartOfEquality() {
        let steps = [
            PipelineStep(
                name: "comments", action: .data(DataStep(format: .csv, paths: ["a.csv"], textField: "CONTENT"))),
            PipelineStep(
                name: "votes",
                action: .apply(ApplyStep(input: "comments", labelingFunctions: .file("lfs.yaml")))),
        ]
        let fromFile = PipelineSpec(name: "spam", classes: ["HAM", "SPAM"], steps: steps, source: "spam.yaml")
        let fromSwift = PipelineSpec(name: "spam", classes: ["HAM", "SPAM"], steps: steps)
        #expect(fromFile == fromSwift)
        #expect(fromFile.step(named: "votes")?.action.inputs == ["comments"])
        var edited = fromSwift
        edited.steps[1].action = .apply(ApplyStep(input: "comments", labelingFunctions: .file("other.yaml")))
        #expect(edited != fromFile)
    }
}
