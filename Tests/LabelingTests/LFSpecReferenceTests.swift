import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

/// Keeps `docs/reference/lf-spec.md` honest: every `yaml` and `json` example on the page parses with the real reader.
struct LFSpecReferenceTests {
    @Test func everyExampleOnTheReferencePageParses() throws {
        let page = TestData.packageFile("docs/reference/lf-spec.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let yaml = MarkdownCodeBlocks.blocks("yaml", in: text)
        let json = MarkdownCodeBlocks.blocks("json", in: text)
        #expect(yaml.count >= 2 && json.count >= 1)
        for (line, code) in yaml {
            let spec = try LFSpec.parse(code, format: .yaml, source: "lf-spec.md:\(line)")
            #expect(!spec.labelingFunctions.isEmpty)
            // The page's similarity examples use 4-number centroids.
            _ = try spec.compile(
                classNames: spec.classNames ?? ["HAM", "SPAM"], defaultField: "text",
                embeddings: EmbeddingLookup(dimension: 4, vectors: [:]))
        }
        for (line, code) in json {
            let spec = try LFSpec.parse(code, format: .json, source: "lf-spec.md:\(line)")
            _ = try spec.compile(defaultField: "text")
        }
        // The complete example uses every kind and every key of the page's tables.
        let complete = try LFSpec.parse(try #require(yaml.first).code, format: .yaml)
        #expect(Set(complete.labelingFunctions.map(\.kind)) == Set(LabelingFunctionSpec.Kind.allCases))
        for key in LFSpec.commonKeys + LFSpec.kindKeys.values.flatMap({ $0 }) {
            #expect(text.contains("`\(key)`"), "the page does not describe `\(key)`")
        }
    }
}
