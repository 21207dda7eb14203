/// A fixed, platform-independent 128-bit hash (two FNV-1a 64-bit lanes with different offsets) for ids and
/// fingerprints that must be identical across runs and machines (Swift's `Hasher` is seeded per process).
///
/// Not cryptographic: use ``Digest`` where an adversary chooses the input. Cleaning's proposal ids and data
/// fingerprints use it, and decision files written earlier keep matching because its output never changes.
public struct StableHash: Sendable {
    private var lane0: UInt64 = 0xcbf2_9ce4_8422_2325
    private var lane1: UInt64 = 0x6c62_272e_07bb_0142
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// An empty hash.
    public init() {}

    /// Mixes in raw bytes.
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var a = lane0, b = lane1
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* Self.prime
            b = (b ^ UInt64(byte ^ 0x5A)) &* Self.prime
        }
        lane0 = a
        lane1 = b
    }

    /// Mixes in a string, prefixed by its UTF-8 length.
    public mutating func combine(_ text: String) {
        var copy = text
        combine(length: copy.utf8.count)
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Mixes in an optional string (a presence byte, then the string).
    public mutating func combine(_ cell: String?) {
        if let cell { combine(byte: 1); combine(cell) } else { combine(byte: 0) }
    }

    /// Mixes in a length as 8 little-endian bytes.
    public mutating func combine(length: Int) {
        withUnsafeBytes(of: UInt64(length).littleEndian) { combine(bytes: $0) }
    }

    /// Mixes in one byte.
    public mutating func combine(byte: UInt8) {
        withUnsafeBytes(of: byte) { combine(bytes: $0) }
    }

    /// 32 lowercase hex digits.
    public var hex: String {
        func pad(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return pad(lane0) + pad(lane1)
    }
}
