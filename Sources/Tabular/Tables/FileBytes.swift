import Foundation

/// Reading whole files with errors that name the path.
public enum FileBytes {
    /// The bytes of the file at `url`.
    ///
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` for a missing file, a directory or a read error.
    public static func read(_ url: URL) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TabularError.fileUnreadable(path: url.path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw TabularError.fileUnreadable(path: url.path, reason: "is a directory, expected a file")
        }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw TabularError.fileUnreadable(
                path: url.path, reason: "cannot read file (\(error.localizedDescription))")
        }
    }
}

/// Strict UTF-8 validation that reports the line of the first bad byte.
public enum UTF8Validation {
    /// Throws ``TabularError/invalidUTF8(path:line:)`` unless `bytes` is well-formed UTF-8
    /// (no overlong forms, surrogates or code points above U+10FFFF).
    public static func validate(_ bytes: [UInt8], source: String) throws {
        if let offset = firstInvalidOffset(bytes) {
            let line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw TabularError.invalidUTF8(path: source, line: line)
        }
    }

    /// Checks that `bytes` are text: no NUL byte (which no text format uses, and which marks a binary file or a
    /// broken export), and well-formed UTF-8.
    ///
    /// - Throws: ``TabularError/malformedRow(path:line:reason:)`` naming the line of the first NUL byte, and
    ///   ``TabularError/invalidUTF8(path:line:)``.
    /// - Complexity: O(n), the NUL search at `memchr` speed.
    public static func validateText(_ bytes: [UInt8], source: String) throws {
        if let offset = firstNULOffset(bytes) {
            let lineStart = bytes[..<offset].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw TabularError.malformedRow(
                path: source, line: line,
                reason: "a NUL byte at byte \(offset - lineStart + 1) of the line; is this a binary file?")
        }
        try validate(bytes, source: source)
    }

    /// The offset of the first NUL (0x00) byte, or nil.
    public static func firstNULOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress, let found = memchr(base, 0, buffer.count) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The offset of the first byte that starts an invalid sequence, or nil.
    public static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
    }

    /// The offset (from the buffer's start) of the first byte that starts an invalid sequence, or nil.
    public static func firstInvalidOffset(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        let count = buffer.count
        var i = 0
        while i < count {
            // ASCII fast path, eight bytes at a time.
            while i + 8 <= count {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < count else { break }
            let lead = buffer[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            func continuation(_ k: Int) -> Bool { i + k < count && buffer[i + k] & 0xC0 == 0x80 }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) else { return i }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return i }
                let second = buffer[i + 1]
                if lead == 0xE0 && second < 0xA0 { return i }  // overlong
                if lead == 0xED && second > 0x9F { return i }  // surrogate
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return i }
                let second = buffer[i + 1]
                if lead == 0xF0 && second < 0x90 { return i }  // overlong
                if lead == 0xF4 && second > 0x8F { return i }  // above U+10FFFF
                i += 4
            default:
                return i
            }
        }
        return nil
    }
}
