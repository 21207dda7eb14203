import FoundryCore

extension CleaningTable {
    /// A seeded random sample of `count` rows drawn without replacement, kept in input order with their row ids.
    ///
    /// The same table, count and seed always give the same rows.
    /// - Parameters:
    ///   - count: rows to draw, at least 1 and at most ``rowCount``.
    ///   - seed: the seed of the draw.
    /// - Returns: a table with the drawn rows.
    /// - Throws: ``CleaningError/invalidInput(path:line:reason:)`` naming the table when `count` is below 1 or
    ///   larger than the table.
    /// - Complexity: O(rowCount + count · columns).
    public func sample(rows count: Int, seed: UInt64) throws -> CleaningTable {
        guard count >= 1 else {
            throw CleaningError.invalidInput(
                path: source, line: nil, reason: "a sample needs at least 1 row, \(count) were asked for")
        }
        guard count <= rowCount else {
            throw CleaningError.invalidInput(
                path: source, line: nil,
                reason: "a sample of \(count) rows was asked for, but the table has only \(rowCount) rows")
        }
        var positions = Array(0..<rowCount)
        var generator = SeededGenerator(seed: seed)
        // Partial Fisher–Yates: the first `count` positions become a uniform sample.
        for index in 0..<count {
            let other = index + Int(generator.next() % UInt64(rowCount - index))
            positions.swapAt(index, other)
        }
        var copy = self
        copy.keepRows(positions[..<count].sorted())
        return copy
    }
}
