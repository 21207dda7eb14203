/// Text made safe for a terminal: names and data printed by the store's commands and errors never carry a line break,
/// an escape sequence or a bidirectional override that could forge or hide output.
public enum DisplayText {
    /// `text` with every control character (C0, DEL, C1), line or paragraph separator and bidirectional control
    /// written as a visible escape (`\n`, `\t`, `\u{1B}`, …) and backslashes doubled, so that the result reads back
    /// unambiguously.
    ///
    /// - Complexity: O(length).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if needsEscape(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Whether a scalar is escaped by ``escaped(_:)`` (a backslash only when something else is escaped too).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar)
    }

    /// Control characters as names may not contain them: C0, DEL, C1, line and paragraph separators, and the
    /// bidirectional and zero-width format controls that reorder or hide text.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF: return true
        default: return false
        }
    }
}
