import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

/// The `label_model` step's `class_balance`: by default the applied LF spec's prior (as synthesis writes it).
@Suite("Label-model step class balance")
struct LabelModelClassBalanceTests {
    /// The fixture's spec line for the label model ends with `}`; this appends a key inside it.
    static func specText(_ balance: String?) -> String {
        let base = ExecutionFixture.spec(method: "ds")
        guard let balance else { return base }
        return base.replacingOccurrences(of: "method: ds}", with: "method: ds, class_balance: \(balance)}")
    }

    @Test("YAML and the DSL agree on every spelling; lfs is the default")
    func spellings() throws {
        func parsed(_ balance: String?) throws -> LabelModelStep.ClassBalanceSetting? {
            guard
                case .labelModel(let step) = try PipelineSpec.parse(Self.specText(balance)).step(named: "labels")?
                    .action
            else { return nil }
            return step.classBalance
        }
        #expect(try parsed(nil) == .lfs)
        #expect(try parsed("uniform") == .uniform && parsed("estimated") == .estimated && parsed("lfs") == .lfs)
        #expect(try parsed("[0.75, 0.25]") == .given([0.75, 0.25]))
        let built = FitLabelModel("labels", input: "votes", method: "ds", classBalance: .given([0.75, 0.25]))
        #expect(
            try PipelineSpec.parse(Self.specText("[0.75, 0.25]")).step(named: "labels")?.action == built.step.action)
        #expect(throws: (any Error).self) { try PipelineSpec.parse(Self.specText("balanced")) }
        for bad in ["[0.5, 0.25, 0.25]", "[0.9, 0.2]", "[1.0, 0.0]"] {
            #expect("\(bad)") {
                try PipelineSpec.parse(Self.specText(bad)).validate(environment: [:])
            } throws: { error in
                guard case .invalidSpec(_, _, let key, _) = error as? PipelinesError else { return false }
                return key.hasSuffix("class_balance")
            }
        }
    }

    @Test("an inline LF spec keeps its class_balance")
    func inlineSpecKeepsTheBalance() throws {
        let text = """
            pipeline: tiny
            classes: [HAM, SPAM]
            steps:
              comments: {kind: data, path: comments.csv, text_field: text, label_field: label}
              votes:
                kind: apply
                input: comments
                lfs:
                  class_balance: [0.8, 0.2]
                  labeling_functions:
                    - {name: subscribe, kind: keyword, keywords: [subscribe], label: SPAM}
            """
        guard case .apply(let apply) = try PipelineSpec.parse(text).step(named: "votes")?.action,
            case .inline(let lfs) = apply.labelingFunctions
        else {
            Issue.record("no inline apply step")
            return
        }
        #expect(lfs.classBalance == [0.8, 0.2])
    }

    @Test("the LF spec's prior reaches the fit; editing only it refits the label model on cached votes")
    func lfSpecPriorIsUsed() throws {
        let directory = TemporaryDirectory()
        let lfs = { (balance: String) in "class_balance: \(balance)\n" + ExecutionFixture.lfs }
        let url = try ExecutionFixture.write(in: directory, spec: Self.specText(nil), lfs: lfs("[0.7, 0.3]"))
        let runDirectory = directory.file("run")
        func run() throws -> RunRecord {
            try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        }
        func summary() throws -> [String: Any] {
            let data = try Data(contentsOf: runDirectory.appendingPathComponent("steps/labels/summary.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        func fittedPrior() throws -> [Double]? {
            let data = try Data(contentsOf: runDirectory.appendingPathComponent("steps/labels/label_model.json"))
            let file = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return (file["model"] as? [String: Any])?["classBalance"] as? [Double]
        }
        _ = try run()
        #expect(try summary()["class_balance"] as? [Double] == [0.7, 0.3])
        #expect(try fittedPrior() == [0.7, 0.3])  // a given prior stays fixed through EM
        try directory.write("lfs.yaml", lfs("[0.6, 0.4]"))
        let second = try run()
        // The votes' key does not include the prior: the whole apply step is a cache hit.
        #expect(second.steps.map(\.status) == [.cached, .cached, .ran])
        #expect(second.steps[2].reason.contains("lfs_class_balance"))
        #expect(try summary()["class_balance"] as? [Double] == [0.6, 0.4])
        // `class_balance: uniform` on the step ignores the spec's prior.
        try directory.write("pipeline.yaml", Self.specText("uniform"))
        _ = try run()
        #expect(try summary()["class_balance"] == nil)
        #expect(try fittedPrior() != [0.6, 0.4])
    }
}
