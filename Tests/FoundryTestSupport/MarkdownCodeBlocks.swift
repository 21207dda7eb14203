/// The fenced code blocks of a Markdown page, for tests that keep reference pages honest by running their examples.
public enum MarkdownCodeBlocks {
    /// The blocks whose info string is exactly `language` (```` ```yaml ````), with the 1-based line of each block's
    /// first line of code.
    public static func blocks(_ language: String, in text: String) -> [(line: Int, code: String)] {
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
}
