import Foundation
import FoundryCore
import Tabular

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
    public init<Value>(
        name: String, using preprocessor: Preprocessor<Example, Value>,
        _ body: @escaping @Sendable (Value) throws -> Vote
    ) {
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
