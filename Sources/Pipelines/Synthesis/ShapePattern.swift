import Foundation

/// A named regular expression for a shape of text (a link, a long number, shouting…), one of the fixed catalogue
/// ``catalogue`` that ``LFSynthesizer`` proposes `regex` labeling functions from.
///
/// The catalogue is fixed and documented so that a proposed function is readable: its name says which shape it
/// matches, and its pattern is the one below.
///
/// | name | matches | case |
/// |---|---|---|
/// | `url` | `http://`, `https://`, `www.`, or a word followed by a common top-level domain (`example.com`, `bit.ly/x`) | ignored |
/// | `email` | an e-mail address (`name@host.tld`) | ignored |
/// | `long_digits` | a run of 5 or more digits (codes, numbers to text) | — |
/// | `phone` | a phone-number shape: 10 or more digits, optionally starting with `+`, grouped by spaces or dashes | — |
/// | `money` | a currency sign before a number (`£100`, `$ 5`, `€3`), or a number before a currency word (`150p`, `5 pounds`, `10 usd`) | ignored |
/// | `percent` | a number with a percent sign (`50%`) | — |
/// | `all_caps_word` | a word of 4 or more capitals (`FREE`, `URGENT`) | respected |
/// | `exclamation_run` | two or more `!` in a row | — |
/// | `repeated_letter` | a letter repeated 4 or more times (`sooooo`) | ignored |
/// | `digit_letter_mix` | a token mixing digits and letters (`2nite`, `txt80488`, `4u`) | ignored |
public struct ShapePattern: Sendable, Equatable, Codable {
    /// The shape's name (used in the proposed function's name).
    public var name: String
    /// The ICU regular expression, searched anywhere in the text.
    public var pattern: String
    /// Case-insensitive matching.
    public var ignoreCase: Bool
    /// What it matches, for people.
    public var meaning: String

    /// Creates a shape.
    public init(name: String, pattern: String, ignoreCase: Bool, meaning: String) {
        self.name = name
        self.pattern = pattern
        self.ignoreCase = ignoreCase
        self.meaning = meaning
    }

    /// The fixed catalogue, in proposal order.
    public static let catalogue: [ShapePattern] = [
        ShapePattern(
            name: "url", pattern: #"https?://|www\.|\b[a-z0-9-]+\.(com|net|org|ly|co|uk|info|biz|tv|me)\b"#,
            ignoreCase: true, meaning: "a link"),
        ShapePattern(
            name: "email", pattern: #"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"#, ignoreCase: true,
            meaning: "an e-mail address"),
        ShapePattern(name: "long_digits", pattern: #"\d{5,}"#, ignoreCase: false, meaning: "5 or more digits in a row"),
        ShapePattern(
            name: "phone", pattern: #"\+?\d(?:[ -]?\d){9,}"#, ignoreCase: false,
            meaning: "a phone number (10+ digits, spaces or dashes between)"),
        ShapePattern(
            name: "money", pattern: #"[$£€]\s?\d|\d\s?(?:p\b|pence\b|pounds?\b|dollars?\b|usd\b|gbp\b|eur\b)"#,
            ignoreCase: true, meaning: "an amount of money"),
        ShapePattern(name: "percent", pattern: #"\d\s?%"#, ignoreCase: false, meaning: "a percentage"),
        ShapePattern(
            name: "all_caps_word", pattern: #"\b[A-Z]{4,}\b"#, ignoreCase: false, meaning: "a word of 4+ capitals"),
        ShapePattern(name: "exclamation_run", pattern: #"!{2,}"#, ignoreCase: false, meaning: "two or more '!'"),
        ShapePattern(
            name: "repeated_letter", pattern: #"([a-z])\1{3,}"#, ignoreCase: true,
            meaning: "a letter repeated 4+ times"),
        ShapePattern(
            name: "digit_letter_mix", pattern: #"\b(?:[a-z]+\d+|\d+[a-z]+)[a-z0-9]*\b"#, ignoreCase: true,
            meaning: "a token mixing digits and letters"),
    ]
}
