import Foundation
import Testing

@testable import Pipelines

@Suite("Pipeline graph")
struct GraphTests {
    func spec(_ steps: [(String, StepAction)]) -> PipelineSpec {
        PipelineSpec(name: "p", classes: ["a", "b"], steps: steps.map { PipelineStep(name: $0.0, action: $0.1) })
    }

    let data = StepAction.data(DataStep(format: .csv, paths: ["x.csv"], textField: "t"))

    @Test("every step comes after its inputs, whatever the declaration order")
    func order() throws {
        let spec = spec([
            ("labels", .labelModel(LabelModelStep(input: "votes"))),
            ("votes", .apply(ApplyStep(input: "clean", labelingFunctions: .file("l.yaml")))),
            ("other", .apply(ApplyStep(input: "data", labelingFunctions: .file("l.yaml")))),
            ("clean", .clean(CleanStep(input: "data", constraints: .file("c.yaml")))),
            ("data", data),
        ])
        let graph = try PipelineGraph(spec)
        #expect(graph.order == ["data", "other", "clean", "votes", "labels"])
        #expect(graph.closure(of: "votes", in: spec) == ["data", "clean", "votes"])
        #expect(Set(graph.readers["data"] ?? []) == ["other", "clean"])
    }

    @Test("a cycle is reported along the data flow, from its first declared step")
    func cycle() throws {
        let spec = spec([
            ("data", data),
            ("reads_cycle", .apply(ApplyStep(input: "b", labelingFunctions: .file("l.yaml")))),
            ("b", .clean(CleanStep(input: "a", constraints: .file("c.yaml")))),
            ("a", .clean(CleanStep(input: "b", constraints: .file("c.yaml")))),
        ])
        #expect(throws: PipelinesError.cycle(steps: ["b", "a"])) { try PipelineGraph(spec) }
        let selfLoop = self.spec([("a", .clean(CleanStep(input: "a", constraints: .file("c.yaml"))))])
        #expect(throws: PipelinesError.cycle(steps: ["a"])) { try PipelineGraph(selfLoop) }
    }

    @Test("each kind's input and output types")
    func types() {
        #expect(StepAction.apply(ApplyStep(input: "d", labelingFunctions: .file("l"))).outputTypes == [.votes, .table])
        #expect(
            StepAction.data(DataStep(format: .crowd, paths: ["a.csv"], textField: "t")).outputTypes == [.votes, .table])
        #expect(data.outputTypes == [.table])
        #expect(StepAction.train(TrainStep(input: "l", model: "m")).inputTypes == [.softLabels])
        #expect(StepAction.register(RegisterStep(input: "t", repository: "r")).outputTypes == [.commit, .adapter])
        #expect(
            StepAction.select(SelectStep(inputs: ["a", "b"], evaluation: "d")).inputTypes == [
                .adapter, .adapter, .table,
            ])
    }
}
