import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

/// Keeps `docs/reference/pipeline-spec.md` honest: every `yaml` example on the page parses with the real reader, and
/// the page describes every key the reader accepts.
@Suite("Pipeline spec reference page")
struct SpecReferenceTests {
    /// The fenced `yaml` blocks of a Markdown page, with the line each starts on.
    static func yamlBlocks(in text: String) -> [(line: Int, code: String)] {
        var blocks: [(line: Int, code: String)] = []
        var current: (line: Int, lines: [String])?
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if var block = current {
                if line.hasPrefix("```") {
                    blocks.append((block.line, block.lines.joined(separator: "\n")))
                    current = nil
                } else {
                    block.lines.append(line)
                    current = block
                }
            } else if line == "```yaml" {
                current = (index + 2, [])
            }
        }
        return blocks
    }

    @Test("every example parses, and every key is described")
    func examplesParse() throws {
        let text = try String(contentsOf: TestData.packageFile("docs/reference/pipeline-spec.md"), encoding: .utf8)
        let blocks = Self.yamlBlocks(in: text)
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
