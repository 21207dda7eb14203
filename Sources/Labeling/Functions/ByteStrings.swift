/// Immutable byte strings in one allocation (no reference counting when read).
final class ByteStrings: @unchecked Sendable {
    // Invariant: `bytes` and `offsets` are written only in init and freed in deinit; reads are thread-safe.
    let bytes: UnsafeMutablePointer<UInt8>
    private let offsets: UnsafeMutablePointer<Int>
    /// Number of strings.
    let count: Int

    init(_ strings: [[UInt8]]) {
        count = strings.count
        let total = strings.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(1, total))
        offsets = .allocate(capacity: strings.count + 1)
        var position = 0
        offsets[0] = 0
        for (index, string) in strings.enumerated() {
            for byte in string {
                bytes[position] = byte
                position += 1
            }
            offsets[index + 1] = position
        }
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
    }

    /// The start and length of string `index`.
    @inline(__always)
    subscript(index: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(bytes + offsets[index]), offsets[index + 1] - offsets[index])
    }
}
