/// An open-addressing hash index over rows keyed by the UTF-8 bytes of one or more cells, for finding rows that
/// repeat an earlier row (exact duplicates). Faster than `Dictionary<String, Int>` because it hashes raw bytes
/// (no Unicode normalization) and stores only row positions.
///
/// Two cells are equal when their UTF-8 bytes are equal (so "é" precomposed and decomposed differ — as in pandas).
struct DuplicateIndex {
    /// Each slot holds the upper 32 bits of the key's hash and the row position in the lower 32 bits; empty = all ones.
    private var slots: [UInt64]
    private let mask: Int
    private let columns: [[String?]]
    private static let empty = UInt64.max

    /// Creates an index for rows of `columns` (the key cells of each row).
    init(columns: [[String?]], capacity: Int) {
        precondition(capacity < Int(UInt32.max), "at most 2^32 - 1 rows")
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: Self.empty, count: size)
        mask = size - 1
        self.columns = columns
    }

    /// Inserts `row` unless an equal earlier row exists; returns that earlier row.
    mutating func firstOccurrence(of row: Int) -> Int? {
        var hash: UInt64 = 0x243F_6A88_85A3_08D3
        for column in columns { hash = Self.combine(hash, Self.hash(column[row])) }
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        let columns = self.columns, mask = self.mask
        return slots.withUnsafeMutableBufferPointer { table in
            while true {
                let entry = table[slot]
                if entry == Self.empty {
                    table[slot] = tag | UInt64(row)
                    return nil
                }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let other = Int(entry & 0xFFFF_FFFF)
                    if Self.equal(columns, other, row) { return other }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private static func equal(_ columns: [[String?]], _ a: Int, _ b: Int) -> Bool {
        for column in columns where column[a] != column[b] { return false }
        return true
    }

    @inline(__always) static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var h = (a ^ b) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return h
    }

    /// A 64-bit hash of the cell's UTF-8 bytes (null hashes differently from every text).
    static func hash(_ cell: String?) -> UInt64 {
        guard let cell else { return 0x5851_F42D_4C95_7F2D }
        if let value = cell.utf8.withContiguousStorageIfAvailable({ hash(bytes: UnsafeRawBufferPointer($0)) }) {
            return value
        }
        return Array(cell.utf8).withUnsafeBytes { hash(bytes: $0) }
    }

    static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }
}
