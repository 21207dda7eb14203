import Foundation
import Tabular

/// Identifies a preprocessor so that labeling functions using "the same" preprocessor share its output.
///
/// Built-in preprocessors are identified by what they compute (`field("CONTENT")` then `lowercased`),
/// so two labeling functions built separately still share one computation; user-defined ones by instance.
public struct PreprocessorKey: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case builtin(String)
        case instance(InstanceIdentity, String)
    }

    /// A unique identity for a user-defined preprocessor, compared by reference.
    struct InstanceIdentity: Hashable, Sendable {
        final class Token: Sendable {}
        let token = Token()
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.token === rhs.token }
        func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(token)) }
    }

    let path: [Component]

    func appending(_ component: Component) -> PreprocessorKey { PreprocessorKey(path: path + [component]) }

    /// The preprocessor chain, for example `field(CONTENT) → lowercased`.
    public var description: String {
        path.map {
            switch $0 {
            case let .builtin(name): return name
            case let .instance(_, name): return name
            }
        }.joined(separator: " → ")
    }
}

/// A per-example computation (lowercasing, tokenization, parsing a field…) whose result several
/// labeling functions read.
///
/// ``LFApplier`` computes each preprocessor at most once per example and shares the result among
/// the labeling functions that use it. Chain preprocessors with ``map(name:_:)`` or the built-in
/// steps (``lowercased()``, ``tokens()``, ``whitespaceTokenCount()``, ``number()``).
public struct Preprocessor<Example, Output>: Sendable {
    /// A readable name (shown in fault reports).
    public var name: String { key.description }
    /// The identity used to share results between labeling functions.
    public let key: PreprocessorKey
    let transform: @Sendable (Example) throws -> Output
    let computeColumn: @Sendable (ExampleBlock<Example>) -> PreprocessedColumn<Output>
    /// For text preprocessors: builds the block's UTF-8 arena directly (nil: from the `String` outputs).
    let computeTextColumn: (@Sendable (ExampleBlock<Example>) -> TextColumn)?

    init(
        key: PreprocessorKey, transform: @escaping @Sendable (Example) throws -> Output,
        computeColumn: (@Sendable (ExampleBlock<Example>) -> PreprocessedColumn<Output>)? = nil,
        computeTextColumn: (@Sendable (ExampleBlock<Example>) -> TextColumn)? = nil
    ) {
        self.key = key
        self.transform = transform
        self.computeColumn = computeColumn ?? { block in PreprocessedColumn(block: block, transform) }
        self.computeTextColumn = computeTextColumn
    }

    /// A user-defined preprocessor, computed once per example and shared by every labeling function given this value.
    ///
    /// - Parameters:
    ///   - name: a readable name.
    ///   - transform: the computation; when it throws, the labeling functions using it fault on that example.
    public init(name: String, _ transform: @escaping @Sendable (Example) throws -> Output) {
        self.init(
            key: PreprocessorKey(path: [.instance(PreprocessorKey.InstanceIdentity(), name)]), transform: transform)
    }

    /// The preprocessor's output for a single example (no caching).
    public func callAsFunction(_ example: Example) throws -> Output { try transform(example) }

    /// A preprocessor that applies `transform` to this one's output; the intermediate output is shared too.
    ///
    /// - Parameters:
    ///   - name: a readable name for the step.
    ///   - transform: the step.
    public func map<Next>(name: String, _ transform: @escaping @Sendable (Output) throws -> Next) -> Preprocessor<
        Example, Next
    > {
        chained(.instance(PreprocessorKey.InstanceIdentity(), name), transform)
    }

    /// A built-in chained step identified by `component`.
    func chained<Next>(
        _ component: PreprocessorKey.Component, _ step: @escaping @Sendable (Output) throws -> Next
    ) -> Preprocessor<Example, Next> {
        let parent = self
        return Preprocessor<Example, Next>(
            key: key.appending(component),
            transform: { try step(try parent.transform($0)) },
            computeColumn: { block in
                let source = block.column(parent)
                return PreprocessedColumn(count: block.count) { index in try step(try source.value(index)) }
            })
    }
}

/// Built-in preprocessors that start a chain.
public enum Preprocessors {
    /// The example itself, when examples are plain strings.
    public static let text = Preprocessor<String, String>(
        key: PreprocessorKey(path: [.builtin("text")]), transform: { $0 },
        computeTextColumn: { block in TextColumn.from(strings: block.count) { block[$0] } })

    /// The text of the field called `name` of each ``Record``.
    ///
    /// Throws ``TabularError/unknownColumn(path:column:available:)`` (a fault for the LFs using it) when a record has no such field.
    public static func field(_ name: String) -> Preprocessor<Record, String> {
        Preprocessor<Record, String>(
            key: PreprocessorKey(path: [.builtin("field(\(name))")]),
            transform: { try $0.value(name) },
            computeColumn: { block in
                // Resolve the field's position once per schema instead of once per record.
                var cachedSchema: RecordSchema?
                var cachedIndex: Int?
                return PreprocessedColumn(count: block.count) { index in
                    let record = block[index]
                    if record.schema !== cachedSchema {
                        cachedSchema = record.schema
                        cachedIndex = record.schema.index(of: name)
                    }
                    guard let position = cachedIndex else { return try record.value(name) }
                    return record.values[position]
                }
            })
    }
}

extension Preprocessor where Output == String {
    /// The text lowercased with Unicode's full lowercase mapping (like Python's `str.lower`; ASCII fast path).
    public func lowercased() -> Preprocessor<Example, String> {
        let parent = self
        let base = chained(.builtin("lowercased")) { TextMatching.lowercased($0) }
        // Lowercasing runs once per row, into the block's byte arena; `String` outputs are decoded from it on demand.
        let makeArena: @Sendable (ExampleBlock<Example>) -> TextColumn = { block in
            TextColumn.mapping(block.textColumn(parent), TextMatching.appendLowercased)
        }
        let key = base.key
        return Preprocessor(
            key: key, transform: base.transform,
            computeColumn: { block in
                let arena = block.textColumn(key: key, make: makeArena)
                return PreprocessedColumn(count: block.count) { String(decoding: try arena.bytes($0), as: UTF8.self) }
            },
            computeTextColumn: makeArena)
    }

    /// The lowercased words of the text: maximal runs of letters, digits and `_` (apostrophes inside words are kept).
    public func tokens() -> Preprocessor<Example, [String]> {
        chained(.builtin("tokens")) { TextMatching.wordTokens($0) }
    }

    /// The number of whitespace-separated tokens, with Python's `len(text.split())` semantics (Unicode whitespace).
    public func whitespaceTokenCount() -> Preprocessor<Example, Double> {
        countingTokens(.builtin("whitespaceTokenCount"), limit: .max)
    }

    /// ``whitespaceTokenCount()`` that stops counting at `cap` (it returns `min(count, cap)`): exact for
    /// thresholds up to `cap`, and much cheaper on long texts (`len(text.split()) < 5` needs `cappedAt: 5`).
    public func whitespaceTokenCount(cappedAt cap: Int) -> Preprocessor<Example, Double> {
        precondition(cap >= 1, "the cap must be at least 1")
        return countingTokens(.builtin("whitespaceTokenCount(cap \(cap))"), limit: cap)
    }

    private func countingTokens(_ component: PreprocessorKey.Component, limit: Int) -> Preprocessor<Example, Double> {
        let parent = self
        let base = chained(component) { Double(TextMatching.whitespaceTokenCount($0, limit: limit)) }
        return Preprocessor<Example, Double>(
            key: base.key, transform: base.transform,
            computeColumn: { block in
                let text = block.textColumn(parent)
                return PreprocessedColumn(count: block.count) { index in
                    Double(TextMatching.whitespaceTokenCount(try text.bytes(index), limit: limit))
                }
            })
    }

    /// The text parsed as a number (surrounding whitespace allowed); `nil` for an empty cell.
    ///
    /// Throws ``LabelingError/invalidValue(field:value:reason:)`` (a fault) for text that is not a number.
    public func number() -> Preprocessor<Example, Double?> {
        let fieldName = key.description
        return chained(.builtin("number")) { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            guard let value = Double(trimmed) else {
                throw LabelingError.invalidValue(field: fieldName, value: text, reason: "is not a number")
            }
            return value
        }
    }
}
