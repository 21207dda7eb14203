import Foundation

/// A block of consecutive examples and the preprocessor outputs computed for them so far.
///
/// ``LFApplier`` evaluates labeling functions block by block; each block is used by one thread only.
public final class ExampleBlock<Example> {
    private let examples: [Example]
    /// The position of the block's first example in the full input.
    public let startIndex: Int
    /// Number of examples in the block.
    public let count: Int
    private var columns: [PreprocessorKey: AnyObject] = [:]

    init(examples: [Example], range: Range<Int>) {
        self.examples = examples
        startIndex = range.lowerBound
        count = range.count
    }

    /// The example at `index` (0-based within the block).
    public subscript(index: Int) -> Example { examples[startIndex + index] }

    private var textColumns: [PreprocessorKey: TextColumn] = [:]

    /// The UTF-8 arena of a text preprocessor's outputs for this block, computed on first use.
    func textColumn(_ preprocessor: Preprocessor<Example, String>) -> TextColumn {
        textColumn(key: preprocessor.key) { block in
            if let compute = preprocessor.computeTextColumn { return compute(block) }
            let strings = block.column(preprocessor)
            return TextColumn.from(strings: block.count) { try strings.value($0) }
        }
    }

    /// The UTF-8 arena cached under `key`, made by `make` on first use.
    func textColumn(key: PreprocessorKey, make: (ExampleBlock<Example>) -> TextColumn) -> TextColumn {
        if let cached = textColumns[key] { return cached }
        let column = make(self)
        textColumns[key] = column
        return column
    }

    /// The outputs of `preprocessor` for this block, computed on first use.
    func column<Output>(_ preprocessor: Preprocessor<Example, Output>) -> PreprocessedColumn<Output> {
        if let cached = columns[preprocessor.key] as? PreprocessedColumn<Output> { return cached }
        let column = preprocessor.computeColumn(self)
        columns[preprocessor.key] = column
        return column
    }
}

/// One preprocessor's outputs for one block; an output that failed keeps its error.
final class PreprocessedColumn<Output> {
    private var values: [Output?]
    private var errors: [Int: any Error] = [:]

    init(count: Int, _ compute: (Int) throws -> Output) {
        values = []
        values.reserveCapacity(count)
        for index in 0..<count {
            do {
                values.append(try compute(index))
            } catch {
                values.append(nil)
                errors[index] = error
            }
        }
    }

    convenience init<Example>(block: ExampleBlock<Example>, _ transform: (Example) throws -> Output) {
        self.init(count: block.count) { try transform(block[$0]) }
    }

    /// The output for example `index` of the block, or the error its computation threw.
    @inline(__always)
    func value(_ index: Int) throws -> Output {
        if let value = values[index] { return value }
        throw errors[index] ?? LabelingError.invalidValue(field: "preprocessor", value: "", reason: "has no output")
    }
}
