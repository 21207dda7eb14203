import FoundryCore

extension CleaningTable {
    /// A fingerprint of the column names and every cell (not of the source path), 32 hex digits.
    ///
    /// Decisions files are bound to it: they re-apply only to the same data.
    /// - Complexity: O(total text size).
    public var fingerprint: String {
        var hash = StableHash()
        hash.combine(length: columnNames.count)
        for name in columnNames { hash.combine(name) }
        hash.combine(length: rowCount)
        for column in columns { for cell in column { hash.combine(cell) } }
        return hash.hex
    }
}
