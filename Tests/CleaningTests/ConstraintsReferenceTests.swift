import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Cleaning

/// Keeps `docs/reference/constraints.md` honest: every `yaml` and `json` example on the page parses and checks with the
/// real reader.
struct ConstraintsReferenceTests {
    /// The fenced code blocks of a Markdown page whose info string is `language`, with the line each starts on.
    static func codeBlocks(_ language: String, in text: String) -> [(line: Int, code: String)] {
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
            } else if line == "```" + language {
                current = (index + 2, [])
            }
        }
        return blocks
    }

    @Test func everyExampleOnTheReferencePageParses() throws {
        let page = TestData.packageFile("docs/reference/constraints.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let yaml = Self.codeBlocks("yaml", in: text)
        let json = Self.codeBlocks("json", in: text)
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
