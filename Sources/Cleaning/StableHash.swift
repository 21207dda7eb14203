/// A fixed, platform-independent 128-bit hash (two FNV-1a 64-bit lanes with different offsets) for ids and
/// fingerprints that must be identical across runs and machines (Swift's `Hasher` is seeded per process).
struct StableHash {
    private var lane0: UInt64 = 0xcbf2_9ce4_8422_2325
    private var lane1: UInt64 = 0x6c62_272e_07bb_0142
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    init() {}

    mutating func combine(bytes: UnsafeRawBufferPointer) {
        var a = lane0, b = lane1
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* Self.prime
            b = (b ^ UInt64(byte ^ 0x5A)) &* Self.prime
        }
        lane0 = a
        lane1 = b
    }

    mutating func combine(_ text: String) {
        var copy = text
        combine(length: copy.utf8.count)
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    mutating func combine(_ cell: String?) {
        if let cell { combine(byte: 1); combine(cell) } else { combine(byte: 0) }
    }

    mutating func combine(length: Int) {
        withUnsafeBytes(of: UInt64(length).littleEndian) { combine(bytes: $0) }
    }

    mutating func combine(byte: UInt8) {
        withUnsafeBytes(of: byte) { combine(bytes: $0) }
    }

    /// 32 lowercase hex digits.
    var hex: String {
        func pad(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return pad(lane0) + pad(lane1)
    }
}

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
