import Foundation
import FoundryCore
import Tabular

// MARK: - Builders over any example type

extension LabelingFunction {
    /// Votes `label` when the text contains any of `keywords`, ignoring case; abstains otherwise.
    ///
    /// - Parameters:
    ///   - name: the function's name.
    ///   - text: the text to search; its ``Preprocessor/lowercased()`` step is shared with other keyword functions.
    ///   - keywords: substrings, any of which triggers the vote (matched case-insensitively).
    ///   - label: the class index voted.
    /// - Complexity: O(text length × keywords) per example, with `memchr`-accelerated search.
    public static func keyword(name: String, text: Preprocessor<Example, String>, keywords: [String], label: Int)
        -> LabelingFunction
    {
        precondition(label >= 0, "label must be a class index")
        let set = SubstringSet(keywords.map { TextMatching.lowercased($0) })
        let vote = Vote.class(label)
        let lowered = text.lowercased()
        return LabelingFunction(name: name) { block in
            let column = block.textColumn(lowered)
            return { index in set.matches(try column.bytes(index)) ? vote : .abstain }
        }
    }

    /// Votes `label` when `pattern` occurs in the text; abstains otherwise.
    ///
    /// - Parameters:
    ///   - pattern: an ICU regular expression (see ``TextPattern``), searched anywhere in the text.
    ///   - ignoringCase: case-insensitive matching (default true).
    /// - Throws: ``LabelingError/invalidValue(field:value:reason:)`` when the pattern does not compile.
    public static func regex(
        name: String, text: Preprocessor<Example, String>, pattern: String, label: Int, ignoringCase: Bool = true
    ) throws -> LabelingFunction {
        precondition(label >= 0, "label must be a class index")
        let compiled = try TextPattern(pattern, ignoresCase: ignoringCase)
        let vote = Vote.class(label)
        return LabelingFunction(name: name) { block in
            let column = block.textColumn(text)
            return { index in compiled.matches(try column.bytes(index)) ? vote : .abstain }
        }
    }

    /// Votes `label` when any of the text's word tokens is in `words` (compared lowercased); abstains otherwise.
    ///
    /// - Parameters:
    ///   - tokens: the token preprocessor (usually `text.tokens()`), shared with other lexicon functions.
    ///   - words: the lexicon.
    public static func lexicon(name: String, tokens: Preprocessor<Example, [String]>, words: Set<String>, label: Int)
        -> LabelingFunction
    {
        precondition(label >= 0, "label must be a class index")
        let lexicon = Set(words.map { TextMatching.lowercased($0) })
        let vote = Vote.class(label)
        return LabelingFunction(name: name, using: tokens) { tokens in
            tokens.contains { lexicon.contains($0) } ? vote : .abstain
        }
    }

    /// Votes `label` when a numeric value passes `comparison`; abstains otherwise (and when the value is missing).
    ///
    /// - Parameters:
    ///   - value: the number (for example `field("age").number()` or `text.whitespaceTokenCount()`).
    ///   - comparison: the test, such as `.lessThan(5)`.
    public static func threshold(
        name: String, value: Preprocessor<Example, Double>, _ comparison: ThresholdComparison, label: Int
    ) -> LabelingFunction {
        precondition(label >= 0, "label must be a class index")
        let vote = Vote.class(label)
        return LabelingFunction(name: name, using: value) { number in comparison.holds(for: number) ? vote : .abstain }
    }

    /// Like ``threshold(name:value:_:label:)`` for an optional value; a missing value abstains.
    public static func threshold(
        name: String, value: Preprocessor<Example, Double?>, _ comparison: ThresholdComparison, label: Int
    ) -> LabelingFunction {
        precondition(label >= 0, "label must be a class index")
        let vote = Vote.class(label)
        return LabelingFunction(name: name, using: value) { number in
            guard let number else { return .abstain }
            return comparison.holds(for: number) ? vote : .abstain
        }
    }
}

// MARK: - Convenience for plain strings and records

extension LabelingFunction where Example == String {
    /// Keyword function over plain-string examples; see ``keyword(name:text:keywords:label:)``.
    public static func keyword(name: String, keywords: [String], label: Int) -> LabelingFunction {
        keyword(name: name, text: Preprocessors.text, keywords: keywords, label: label)
    }

    /// Regex function over plain-string examples; see ``regex(name:text:pattern:label:ignoringCase:)``.
    public static func regex(name: String, pattern: String, label: Int, ignoringCase: Bool = true) throws
        -> LabelingFunction
    {
        try regex(name: name, text: Preprocessors.text, pattern: pattern, label: label, ignoringCase: ignoringCase)
    }

    /// Lexicon function over plain-string examples; see ``lexicon(name:tokens:words:label:)``.
    public static func lexicon(name: String, words: Set<String>, label: Int) -> LabelingFunction {
        lexicon(name: name, tokens: Preprocessors.text.tokens(), words: words, label: label)
    }
}

extension LabelingFunction where Example == Record {
    /// Keyword function over a record field; see ``keyword(name:text:keywords:label:)``.
    public static func keyword(name: String, field: String, keywords: [String], label: Int) -> LabelingFunction {
        keyword(name: name, text: Preprocessors.field(field), keywords: keywords, label: label)
    }

    /// Regex function over a record field; see ``regex(name:text:pattern:label:ignoringCase:)``.
    public static func regex(name: String, field: String, pattern: String, label: Int, ignoringCase: Bool = true) throws
        -> LabelingFunction
    {
        try regex(
            name: name, text: Preprocessors.field(field), pattern: pattern, label: label, ignoringCase: ignoringCase)
    }

    /// Lexicon function over a record field's word tokens; see ``lexicon(name:tokens:words:label:)``.
    public static func lexicon(name: String, field: String, words: Set<String>, label: Int) -> LabelingFunction {
        lexicon(name: name, tokens: Preprocessors.field(field).tokens(), words: words, label: label)
    }

    /// Threshold function over a numeric record field (an empty cell abstains; non-numeric text is a fault).
    public static func threshold(name: String, field: String, _ comparison: ThresholdComparison, label: Int)
        -> LabelingFunction
    {
        threshold(name: name, value: Preprocessors.field(field).number(), comparison, label: label)
    }
}
