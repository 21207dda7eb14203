import Foundation

/// A minimal SVG writer for the run report's plots: rectangles, lines, polylines, circles and text, with every string
/// escaped and every number written finite.
///
/// The canvas draws no JavaScript, loads no font or image and references nothing by URL or id, so a page may hold many
/// canvases and still read offline. Text longer than its room is truncated with an ellipsis and the full string is kept
/// in a `<title>` child (the browser's tooltip).
public struct SVGCanvas: Sendable {
    /// Horizontal alignment of a text's anchor point.
    public enum Anchor: String, Sendable {
        /// The text starts at the point.
        case start
        /// The text is centred on the point.
        case middle
        /// The text ends at the point.
        case end
    }

    /// Width in user units (pixels at 100 % zoom).
    public let width: Double
    /// Height in user units.
    public let height: Double
    /// The plot's accessible name (`aria-label`) and tooltip.
    public let title: String
    private var elements: [String] = []

    /// Creates an empty canvas.
    ///
    /// - Parameters:
    ///   - width: width in pixels.
    ///   - height: height in pixels.
    ///   - title: what the plot shows, for screen readers.
    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// Draws a rectangle; a negative or non-finite size draws nothing.
    ///
    /// - Parameters:
    ///   - tooltip: text shown when the pointer rests on the rectangle.
    public mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
        tooltip: String? = nil
    ) {
        guard width.isFinite, height.isFinite, width >= 0, height >= 0 else { return }
        var attributes = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)),
            ("height", Self.number(height)), ("fill", fill),
        ]
        if let stroke { attributes.append(("stroke", stroke)) }
        append("rect", attributes, tooltip: tooltip)
    }

    /// Draws a straight line.
    ///
    /// - Parameter dashed: draws the line in dashes (for reference lines such as a reliability diagram's diagonal).
    public mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false
    ) {
        var attributes = [
            ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
            ("stroke", stroke), ("stroke-width", Self.number(width)),
        ]
        if dashed { attributes.append(("stroke-dasharray", "5 4")) }
        append("line", attributes)
    }

    /// Draws an open polyline through `points`; fewer than two points draw nothing.
    public mutating func polyline(points: [(x: Double, y: Double)], stroke: String, width: Double = 2) {
        guard points.count >= 2 else { return }
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        append(
            "polyline",
            [
                ("points", list), ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)),
                ("stroke-linejoin", "round"),
            ])
    }

    /// Draws a filled circle (a marker on a line chart).
    public mutating func circle(x: Double, y: Double, radius: Double, fill: String, tooltip: String? = nil) {
        append(
            "circle", [("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill)],
            tooltip: tooltip)
    }

    /// Writes text.
    ///
    /// - Parameters:
    ///   - text: any string; it is escaped.
    ///   - maxWidth: room in pixels; longer text is cut with "…" and the whole string goes in a `<title>`.
    ///   - rotation: degrees to turn the text about its anchor (negative turns it counter-clockwise: -90 for a
    ///     vertical axis title).
    public mutating func text(
        _ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12, fill: String = "#222",
        bold: Bool = false, maxWidth: Double? = nil, rotation: Double = 0
    ) {
        var shown = text
        var tooltip: String?
        if let maxWidth {
            let fitted = Self.truncate(text, width: maxWidth, size: size)
            if fitted != text {
                shown = fitted
                tooltip = text
            }
        }
        var attributes = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)), ("fill", fill),
        ]
        if anchor != .start { attributes.append(("text-anchor", anchor.rawValue)) }
        if bold { attributes.append(("font-weight", "600")) }
        if rotation != 0 {
            attributes.append(("transform", "rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))"))
        }
        var body = Self.escape(shown)
        if let tooltip { body = "<title>\(Self.escape(tooltip))</title>" + body }
        elements.append("<text\(Self.attributeText(attributes))>\(body)</text>")
    }

    /// The canvas as one `<svg>` element (no XML prolog, no namespace URL: it is meant to sit inline in HTML).
    public var svg: String {
        let header =
            "<svg class=\"plot\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" width=\"\(Self.number(width))\""
            + " height=\"\(Self.number(height))\" role=\"img\" aria-label=\"\(Self.escape(title))\">"
        return header + "<title>\(Self.escape(title))</title>" + elements.joined() + "</svg>"
    }

    private mutating func append(_ name: String, _ attributes: [(String, String)], tooltip: String? = nil) {
        if let tooltip {
            elements.append(
                "<\(name)\(Self.attributeText(attributes))><title>\(Self.escape(tooltip))</title></\(name)>")
        } else {
            elements.append("<\(name)\(Self.attributeText(attributes))/>")
        }
    }

    private static func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// `text` escaped for XML and HTML text or attribute values: `&`, `<`, `>`, quotes, and characters XML 1.0 does
    /// not allow (control characters other than tab and newlines, U+FFFE, U+FFFF) replaced by U+FFFD.
    public static func escape(_ text: String) -> String {
        // Most text (labels, numbers, class names) is printable ASCII with nothing to replace: returned as it is.
        let plain = text.utf8.allSatisfy { byte in
            byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<")
                && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
        }
        if plain { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate or size as SVG text: at most two decimals, no trailing zeros; non-finite values are written 0 so a
    /// NaN never reaches the file.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = FixedDecimal.string(rounded, digits: 2)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// The estimated width in pixels of `text` at `size` (0.6 em per character, a fair mean for sans-serif fonts).
    public static func estimatedWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

    /// `text` cut to fit `width` pixels at `size`, ending in "…" when cut.
    public static func truncate(_ text: String, width: Double, size: Double) -> String {
        guard estimatedWidth(text, size: size) > width else { return text }
        let room = max(1, Int(width / (size * 0.6)) - 1)
        return String(text.prefix(room)) + "…"
    }
}
