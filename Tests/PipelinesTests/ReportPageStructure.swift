import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// What an XML parser sees in a rendered report page (or one SVG): whether it is well-formed, its headings, plots,
/// references and the text outside code blocks.
struct ReportPageStructure {
    /// Nil when the markup is well-formed; otherwise the parser's complaint with its line.
    var parseError: String?
    /// The text of every `<h2>`, in order.
    var headings: [String] = []
    /// Number of `<svg>` elements.
    var svgCount = 0
    /// Every element name seen.
    var elements: Set<String> = []
    /// Every `id` attribute.
    var ids: Set<String> = []
    /// Every `href`, `src`, `xlink:href`, `action` or `srcset` attribute value.
    var references: [String] = []
    /// Every attribute value.
    var attributeValues: [String] = []
    /// Text outside `<pre>` and `<code>`.
    var proseText = ""
    /// The content of `<style>`.
    var styleText = ""
    /// Number of `<tr>` in `<tbody>` per table, in order.
    var tableBodyRows: [Int] = []

    init(_ markup: String) {
        let delegate = Collector()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = delegate
        if !parser.parse() {
            parseError =
                "line \(parser.lineNumber), column \(parser.columnNumber): "
                + (parser.parserError.map { "\($0)" } ?? "unknown error")
        }
        headings = delegate.headings
        svgCount = delegate.svgCount
        elements = delegate.elements
        ids = delegate.ids
        references = delegate.references
        attributeValues = delegate.attributeValues
        proseText = delegate.proseText
        styleText = delegate.styleText
        tableBodyRows = delegate.tableBodyRows
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var headings: [String] = []
        var svgCount = 0
        var elements: Set<String> = []
        var ids: Set<String> = []
        var references: [String] = []
        var attributeValues: [String] = []
        var proseText = ""
        var styleText = ""
        var tableBodyRows: [Int] = []
        private var stack: [String] = []
        private var heading: String?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let name = elementName.lowercased()
            stack.append(name)
            elements.insert(name)
            if name == "svg" { svgCount += 1 }
            if name == "h2" { heading = "" }
            if name == "tbody" { tableBodyRows.append(0) }
            if name == "tr" && stack.contains("tbody"), !tableBodyRows.isEmpty {
                tableBodyRows[tableBodyRows.count - 1] += 1
            }
            for (key, value) in attributes {
                attributeValues.append(value)
                if key == "id" { ids.insert(value) }
                if ["href", "src", "xlink:href", "action", "srcset"].contains(key.lowercased()) {
                    references.append(value)
                }
            }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            if elementName.lowercased() == "h2", let heading {
                headings.append(heading.trimmingCharacters(in: .whitespacesAndNewlines))
                self.heading = nil
            }
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if heading != nil { heading? += string }
            if stack.last == "style" {
                styleText += string
            } else if !stack.contains("pre") && !stack.contains("code") {
                proseText += string
            }
        }
    }
}
