import Foundation

/// An n-dimensional array read from or written to NumPy's `.npy` format (versions 1, 2 and 3).
///
/// Foundry accepts little-endian, C-ordered arrays of the element types in ``ElementType``;
/// anything else (big-endian data, Fortran order, object arrays, structured dtypes, a payload
/// shorter than the shape says) is rejected with ``FoundryCoreError/invalidNumPy(path:reason:)``.
/// The payload is kept as raw bytes so that a 10⁸-entry `int8` matrix costs 10⁸ bytes.
public struct NumPyArray: Sendable, Equatable {
    /// The element types Foundry reads and writes, with their NumPy `descr` strings.
    public enum ElementType: String, Sendable, CaseIterable {
        case int8 = "|i1", uint8 = "|u1", bool = "|b1"
        case int16 = "<i2", int32 = "<i4", int64 = "<i8"
        case float32 = "<f4", float64 = "<f8"

        /// Bytes per element.
        public var byteWidth: Int {
            switch self {
            case .int8, .uint8, .bool: 1
            case .int16: 2
            case .int32, .float32: 4
            case .int64, .float64: 8
            }
        }

        /// Whether the type holds integers (booleans count as integers 0/1).
        public var isInteger: Bool { self != .float32 && self != .float64 }

        init?(descr: String) {
            let aliases: [String: ElementType] = [
                "|i1": .int8, "<i1": .int8, "i1": .int8, "|u1": .uint8, "<u1": .uint8, "|b1": .bool,
                "<i2": .int16, "<i4": .int32, "<i8": .int64, "<f4": .float32, "<f8": .float64,
            ]
            guard let type = aliases[descr] else { return nil }
            self = type
        }
    }

    /// The element type.
    public let elementType: ElementType
    /// The shape (empty for a scalar).
    public let shape: [Int]
    /// The little-endian, C-ordered payload.
    public let bytes: [UInt8]

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Creates an array from raw little-endian bytes; `bytes.count` must match the shape.
    public init(elementType: ElementType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) * elementType.byteWidth == bytes.count, "payload size does not match the shape")
        self.elementType = elementType
        self.shape = shape
        self.bytes = bytes
    }

    /// Creates an integer array of the given element type from `values` (which must fit the type).
    public init(integers values: [Int], shape: [Int], elementType: ElementType = .int64) {
        precondition(elementType.isInteger, "use init(floats:) or init(doubles:) for floating-point arrays")
        precondition(values.count == shape.reduce(1, *), "value count does not match the shape")
        var out = [UInt8]()
        out.reserveCapacity(values.count * elementType.byteWidth)
        for value in values {
            switch elementType {
            case .int8: out.append(UInt8(bitPattern: Int8(value)))
            case .uint8, .bool: out.append(UInt8(value))
            case .int16: withUnsafeBytes(of: Int16(value).littleEndian) { out.append(contentsOf: $0) }
            case .int32: withUnsafeBytes(of: Int32(value).littleEndian) { out.append(contentsOf: $0) }
            case .int64: withUnsafeBytes(of: Int64(value).littleEndian) { out.append(contentsOf: $0) }
            case .float32, .float64: break
            }
        }
        self.init(elementType: elementType, shape: shape, bytes: out)
    }

    /// Creates a `float32` array.
    public init(floats values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "value count does not match the shape")
        var out = [UInt8]()
        out.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        self.init(elementType: .float32, shape: shape, bytes: out)
    }

    /// Creates a `float64` array.
    public init(doubles values: [Double], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "value count does not match the shape")
        var out = [UInt8]()
        out.reserveCapacity(values.count * 8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        self.init(elementType: .float64, shape: shape, bytes: out)
    }

    /// The element at flat index `index` as an integer (floating-point values are truncated).
    @inline(__always)
    public func integer(at index: Int) -> Int {
        bytes.withUnsafeBytes { raw in Self.loadInteger(raw, index, elementType) }
    }

    /// Calls `body` with a function that reads the integer at a flat index, without copying the payload.
    public func withIntegerReader<R>(_ body: ((Int) -> Int) throws -> R) rethrows -> R {
        precondition(elementType.isInteger, "not an integer array")
        return try bytes.withUnsafeBytes { raw in
            let type = elementType
            return try body { Self.loadInteger(raw, $0, type) }
        }
    }

    /// All elements as `Int` (integer arrays only).
    public func integers() -> [Int] { withIntegerReader { read in (0..<count).map(read) } }

    /// All elements as `Double`.
    public func doubles() -> [Double] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { i -> Double in
                switch elementType {
                case .float32:
                    Double(
                        Float(
                            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    )
                case .float64:
                    Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                default: Double(Self.loadInteger(raw, i, elementType))
                }
            }
        }
    }

    /// All elements as `Float`.
    public func floats() -> [Float] { doubles().map(Float.init) }

    @inline(__always)
    private static func loadInteger(_ raw: UnsafeRawBufferPointer, _ i: Int, _ type: ElementType) -> Int {
        switch type {
        case .int8: Int(Int8(bitPattern: raw[i]))
        case .uint8, .bool: Int(raw[i])
        case .int16: Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        case .int32: Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .int64: Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .float32:
            Int(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))
        case .float64:
            Int(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        }
    }
}

extension NumPyArray {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads a `.npy` file.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the file cannot be read, and
    ///   ``FoundryCoreError/invalidNumPy(path:reason:)`` naming the problem when its contents are not accepted.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FoundryCoreError.fileUnreadable(
                path: url.path, reason: "cannot read file (\(error.localizedDescription))")
        }
        try self.init(npyData: data, path: url.path)
    }

    /// Parses the bytes of a `.npy` file; `path` is only used in error messages.
    public init(npyData data: Data, path: String = "<memory>") throws {
        func fail(_ reason: String) -> FoundryCoreError { .invalidNumPy(path: path, reason: reason) }
        guard data.count >= 10, Array(data.prefix(6)) == Self.magic else {
            throw fail("missing the \\x93NUMPY magic string")
        }
        let base = data.startIndex
        let major = data[base + 6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[base + 8]) | Int(data[base + 9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw fail("file ends inside the header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(data[base + 8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported format version \(major)")
        }
        guard data.count >= headerStart + headerLength else { throw fail("file ends inside the header") }
        guard
            let header = String(data: data[(base + headerStart)..<(base + headerStart + headerLength)], encoding: .utf8)
        else { throw fail("header is not text") }
        let descr = try Self.headerValue("descr", in: header, path: path)
        let order = try Self.headerValue("fortran_order", in: header, path: path)
        let shapeText = try Self.headerValue("shape", in: header, path: path)
        let descrName = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard let type = ElementType(descr: descrName) else {
            throw fail(
                "element type '\(descrName)' is not accepted (expected little-endian int8/int16/int32/int64, uint8, bool, float32 or float64)"
            )
        }
        guard order == "False" else { throw fail("Fortran-ordered arrays are not accepted; save with C order") }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed), dimension >= 0 else {
                throw fail("shape '\(shapeText)' is not a tuple of sizes")
            }
            shape.append(dimension)
        }
        let payloadStart = headerStart + headerLength
        let (expected, overflow) = shape.reduce(1, *).multipliedReportingOverflow(by: type.byteWidth)
        guard !overflow else { throw fail("shape \(shape) is too large") }
        let available = data.count - payloadStart
        guard available >= expected else {
            throw fail(
                "payload has \(available) bytes but shape \(shape) of \(descrName) needs \(expected) (truncated file?)")
        }
        self.elementType = type
        self.shape = shape
        self.bytes = [UInt8](data[(base + payloadStart)..<(base + payloadStart + expected)])
    }

    private static func headerValue(_ key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
            throw FoundryCoreError.invalidNumPy(path: path, reason: "header has no '\(key)' entry")
        }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else {
                throw FoundryCoreError.invalidNumPy(path: path, reason: "header's '\(key)' tuple is not closed")
            }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// The bytes of a version-1.0 `.npy` file holding this array.
    public func npyData() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(elementType.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(Self.magic)
        data.append(contentsOf: [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: bytes)
        return data
    }

    /// Writes the array to `url` atomically (a temporary file renamed into place).
    public func write(to url: URL) throws { try AtomicFile.write(npyData(), to: url) }
}
