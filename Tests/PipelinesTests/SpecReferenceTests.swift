import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

/// Keeps `docs/reference/pipeline-spec.md` honest: every `yaml` example on the page parses with the real reader, and
/// the page describes every key the reader accepts.
@Suite("Pipeline spec reference page")
struct SpecReferenceTests {
    @Test("every example parses, and every key is described")
    func examplesParse() throws {
        let text = try String(contentsOf: TestData.packageFile("docs/reference/pipeline-spec.md"), encoding: .utf8)
        let blocks = MarkdownCodeBlocks.blocks("yaml", in: text)
        #expect(blocks.count >= 4)
        for (line, code) in blocks {
            let spec = try PipelineSpec.parse(code, source: "pipeline-spec.md:\(line)")
            #expect(!spec.steps.isEmpty)
        }
        let complete = try PipelineSpec.parse(try #require(blocks.first).code)
        #expect(complete.steps.count == 7)
        let keys =
            PipelineSpec.topLevelKeys + PipelineSpec.commonStepKeys + PipelineSpec.stepKeys.values.flatMap { $0 }
            + PipelineSpec.splitKeys + PipelineSpec.crowdKeys
        for key in Set(keys) { #expect(text.contains("`\(key)`"), "the page does not describe `\(key)`") }
        for kind in StepKind.allCases { #expect(text.contains("### `\(kind.rawValue)`"), "no section for \(kind)") }
    }
}
