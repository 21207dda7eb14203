import Foundation

/// BERT's basic tokenization (Hugging Face `BertNormalizer` + `BertPreTokenizer`) on Unicode scalars.
enum BasicTokenizer {
    /// Normalizes `scalars` and splits them into words and single punctuation marks.
    static func words(_ scalars: ArraySlice<Unicode.Scalar>, lowercase: Bool, splitChinese: Bool) -> [[Unicode.Scalar]]
    {
        // Clean text and isolate CJK ideographs.
        var cleaned = String.UnicodeScalarView()
        for scalar in scalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if splitChinese && isChineseCharacter(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var normalized: [Unicode.Scalar] = []
        if lowercase {
            // Strip accents (NFD, drop nonspacing marks), then lower-case, as the Rust BertNormalizer does.
            let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
            for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
                if scalar.value < 0x80 {
                    let value = scalar.value
                    normalized.append((0x41...0x5A).contains(value) ? Unicode.Scalar(value + 32) ?? scalar : scalar)
                } else if scalar.properties.changesWhenLowercased {
                    normalized.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                } else {
                    normalized.append(scalar)
                }
            }
        } else {
            normalized = Array(cleaned)
        }
        // Split on whitespace, isolate punctuation.
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in normalized {
            if isWhitespace(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Tab, newline and carriage return count as whitespace; otherwise the Unicode White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": true
        default: scalar.value > 0x7F && scalar.properties.isWhitespace
        }
    }

    /// Control, format, surrogate, private-use and unassigned scalars, except tab, newline and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            if scalar.value >= 0x20 && scalar.value < 0x7F { return false }
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    /// ASCII non-alphanumeric printable characters and every Unicode punctuation (P*) scalar.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
        {
            return true
        }
        if value < 0x80 { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks that BERT splits into single characters.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }
}
