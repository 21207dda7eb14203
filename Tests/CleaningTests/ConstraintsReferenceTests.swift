import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Cleaning

/// Keeps `docs/reference/constraints.md` honest: every `yaml` and `json` example on the page parses and checks with the
/// real reader.
struct ConstraintsReferenceTests {
    @Test func everyExampleOnTheReferencePageParses() throws {
        let page = TestData.packageFile("docs/reference/constraints.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let yaml = MarkdownCodeBlocks.blocks("yaml", in: text)
        let json = MarkdownCodeBlocks.blocks("json", in: text)
        #expect(yaml.count >= 1 && json.count >= 1)
        for (line, code) in yaml {
            #expect(try !ConstraintSpec.parse(code, source: "constraints.md:\(line)").constraints.isEmpty)
        }
        for (line, code) in json {
            #expect(
                try !ConstraintSpec.parse(code, format: .json, source: "constraints.md:\(line)").constraints.isEmpty)
        }
        // The complete example shows every kind, and the page names every key.
        let complete = try ConstraintSpec.parse(try #require(yaml.first).code)
        #expect(Set(complete.constraints.map(\.kind.keyword)) == Set(ConstraintSpec.kindKeys.keys))
        for key in ConstraintSpec.commonKeys + ConstraintSpec.kindKeys.values.flatMap({ $0 }) {
            #expect(text.contains("`\(key)`"), "the page does not describe `\(key)`")
        }
    }
}
