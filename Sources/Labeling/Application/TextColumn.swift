/// The UTF-8 bytes of one text preprocessor's outputs for a block, in one contiguous arena.
///
/// Keyword, regex and token-count functions read their text from here: a pointer and a length per
/// row, so evaluating them touches no reference counts and allocates nothing per row.
final class TextColumn {
    /// Number of rows.
    let count: Int
    private var arena: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var used = 0
    private let starts: UnsafeMutablePointer<Int>
    private var rowsAppended = 0
    private var errors: [Int: any Error] = [:]
    private var hasErrors = false

    init(count: Int, estimatedBytes: Int) {
        self.count = count
        capacity = max(64, estimatedBytes)
        arena = .allocate(capacity: capacity)
        starts = .allocate(capacity: count + 1)
        starts[0] = 0
    }

    deinit {
        arena.deallocate()
        starts.deallocate()
    }

    /// Makes room for `extra` more bytes and returns where they go; call ``commit(_:)`` after writing.
    @inline(__always)
    func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if used + extra > capacity {
            let newCapacity = max(capacity * 2, used + extra)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: arena, count: used)
            arena.deallocate()
            arena = grown
            capacity = newCapacity
        }
        return arena + used
    }

    /// Ends the current row after `length` bytes were written at ``reserve(_:)``'s pointer.
    @inline(__always)
    func commit(_ length: Int) {
        used += length
        rowsAppended += 1
        starts[rowsAppended] = used
    }

    /// Appends a row's bytes.
    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        let destination = reserve(bytes.count)
        if let source = bytes.baseAddress { destination.update(from: source, count: bytes.count) }
        commit(bytes.count)
    }

    /// Appends a row whose computation failed.
    func appendFailure(_ error: any Error) {
        errors[rowsAppended] = error
        hasErrors = true
        commit(0)
    }

    /// The bytes of row `index`, valid while the column lives; throws the row's error if it failed.
    @inline(__always)
    func bytes(_ index: Int) throws -> UnsafeBufferPointer<UInt8> {
        if hasErrors, let error = errors[index] { throw error }
        let start = starts[index]
        return UnsafeBufferPointer(start: arena + start, count: starts[index + 1] - start)
    }

    /// The bytes of row `index`, or nil when it failed (with the error).
    @inline(__always)
    func result(_ index: Int) -> Result<UnsafeBufferPointer<UInt8>, any Error> {
        Result { try bytes(index) }
    }

    /// A column holding the UTF-8 of `count` strings.
    static func from(strings count: Int, _ string: (Int) throws -> String) -> TextColumn {
        let column = TextColumn(count: count, estimatedBytes: count * 128)
        for index in 0..<count {
            do {
                var text = try string(index)
                text.withUTF8 { column.append($0) }
            } catch {
                column.appendFailure(error)
            }
        }
        return column
    }

    /// A column whose rows are `transform` applied to another column's rows (errors carry over).
    static func mapping(_ source: TextColumn, _ transform: (UnsafeBufferPointer<UInt8>, TextColumn) -> Void)
        -> TextColumn
    {
        let column = TextColumn(count: source.count, estimatedBytes: source.used + 64)
        for index in 0..<source.count {
            switch source.result(index) {
            case let .success(bytes): transform(bytes, column)
            case let .failure(error): column.appendFailure(error)
            }
        }
        return column
    }
}
