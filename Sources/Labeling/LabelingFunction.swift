import Foundation

/// A labeling function: a named rule that votes a class for an example, or abstains.
///
/// Write one from a closure, or with the builders for the common kinds (``keyword(name:text:keywords:label:)``,
/// ``regex(name:text:pattern:label:ignoringCase:)``, ``lexicon(name:tokens:words:label:)``,
/// ``threshold(name:value:_:label:)``), or declare them in a YAML/JSON spec (``LabelingFunctionSpec``).
/// Labeling functions that read a ``Preprocessor`` share its output: ``LFApplier`` computes each
/// preprocessor once per example. Examples are typically `String`s or ``Record``s (rows of a
/// ``TextTable``); both have convenience builders.
///
/// A labeling function that throws on an example is a *fault*: ``LFApplier`` records it and counts
/// the vote as abstain (or stops, under fail-fast).
public struct LabelingFunction<Example>: Sendable {
    /// The name, unique within an applier (it names the label-matrix column).
    public let name: String
    /// Binds the function to a block of examples; the returned evaluator takes an index within the block.
    let bind: @Sendable (ExampleBlock<Example>) -> (Int) throws -> Vote

    init(name: String, bind: @escaping @Sendable (ExampleBlock<Example>) -> (Int) throws -> Vote) {
        self.name = name
        self.bind = bind
    }

    /// A labeling function from a closure over the example.
    ///
    /// - Parameters:
    ///   - name: the function's name.
    ///   - body: returns a ``Vote`` (a class or ``Vote/abstain``); may throw.
    public init(name: String, _ body: @escaping @Sendable (Example) throws -> Vote) {
        self.init(name: name) { block in { index in try body(block[index]) } }
    }

    /// A labeling function over a preprocessor's output, shared with other functions using the same preprocessor.
    ///
    /// - Parameters:
    ///   - name: the function's name.
    ///   - preprocessor: computed once per example.
    ///   - body: votes from the preprocessed value.
    public init<Value>(name: String, using preprocessor: Preprocessor<Example, Value>, _ body: @escaping @Sendable (Value) throws -> Vote) {
        self.init(name: name) { block in
            let column = block.column(preprocessor)
            return { index in try body(try column.value(index)) }
        }
    }

    /// A labeling function over the example and two preprocessors' outputs.
    public init<First, Second>(
        name: String, using first: Preprocessor<Example, First>, _ second: Preprocessor<Example, Second>,
        _ body: @escaping @Sendable (Example, First, Second) throws -> Vote
    ) {
        self.init(name: name) { block in
            let a = block.column(first), b = block.column(second)
            return { index in try body(block[index], try a.value(index), try b.value(index)) }
        }
    }

    /// Evaluates the function on one example (preprocessors are computed just for it).
    ///
    /// - Throws: whatever the function or its preprocessors throw.
    public func callAsFunction(_ example: Example) throws -> Vote {
        let block = ExampleBlock(examples: [example], range: 0..<1)
        return try bind(block)(0)
    }

    /// The same function under another name.
    public func renamed(_ newName: String) -> LabelingFunction {
        LabelingFunction(name: newName, bind: bind)
    }
}

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
    public static func keyword(name: String, text: Preprocessor<Example, String>, keywords: [String], label: Int) -> LabelingFunction {
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
    public static func lexicon(name: String, tokens: Preprocessor<Example, [String]>, words: Set<String>, label: Int) -> LabelingFunction {
        precondition(label >= 0, "label must be a class index")
        let lexicon = Set(words.map { TextMatching.lowercased($0) })
        let vote = Vote.class(label)
        return LabelingFunction(name: name, using: tokens) { tokens in tokens.contains { lexicon.contains($0) } ? vote : .abstain }
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

/// The test of a threshold labeling function.
public enum ThresholdComparison: Sendable, Equatable, Codable {
    /// value < bound
    case lessThan(Double)
    /// value ≤ bound
    case atMost(Double)
    /// value > bound
    case greaterThan(Double)
    /// value ≥ bound
    case atLeast(Double)

    /// Whether `value` passes the test (NaN never does).
    public func holds(for value: Double) -> Bool {
        switch self {
        case let .lessThan(bound): return value < bound
        case let .atMost(bound): return value <= bound
        case let .greaterThan(bound): return value > bound
        case let .atLeast(bound): return value >= bound
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
    public static func regex(name: String, pattern: String, label: Int, ignoringCase: Bool = true) throws -> LabelingFunction {
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
    public static func regex(name: String, field: String, pattern: String, label: Int, ignoringCase: Bool = true) throws -> LabelingFunction {
        try regex(name: name, text: Preprocessors.field(field), pattern: pattern, label: label, ignoringCase: ignoringCase)
    }

    /// Lexicon function over a record field's word tokens; see ``lexicon(name:tokens:words:label:)``.
    public static func lexicon(name: String, field: String, words: Set<String>, label: Int) -> LabelingFunction {
        lexicon(name: name, tokens: Preprocessors.field(field).tokens(), words: words, label: label)
    }

    /// Threshold function over a numeric record field (an empty cell abstains; non-numeric text is a fault).
    public static func threshold(name: String, field: String, _ comparison: ThresholdComparison, label: Int) -> LabelingFunction {
        threshold(name: name, value: Preprocessors.field(field).number(), comparison, label: label)
    }
}
