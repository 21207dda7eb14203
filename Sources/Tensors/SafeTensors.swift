import Foundation

/// The contents of a `.safetensors` file: named Float32 tensors plus string metadata.
///
/// Format (Hugging Face safetensors): an 8-byte little-endian header length N, N bytes of JSON
/// mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the
/// data section that follows), and an optional `"__metadata__"` string map.
///
/// Reading accepts F32, F16, BF16 and F64 tensors (converted to Float32). Integer and boolean tensors
/// (such as stored position ids) are not loaded; their names are listed in ``skippedTensorNames``.
/// Any other dtype, a truncated file, overlapping or out-of-range offsets, or a size that does not match
/// the shape throws ``TensorsError/invalidSafeTensors(path:reason:)``. Writing always produces F32.
public struct SafeTensors: Sendable, Equatable {
    /// The floating-point tensors by name.
    public var tensors: [String: Tensor]
    /// The `__metadata__` map (for example `["format": "pt"]`).
    public var metadata: [String: String]
    /// Names of integer or boolean tensors that were present in the file but not loaded.
    public private(set) var skippedTensorNames: [String]

    /// Creates a collection of tensors to write.
    public init(tensors: [String: Tensor], metadata: [String: String] = ["format": "pt"]) {
        self.tensors = tensors
        self.metadata = metadata
        self.skippedTensorNames = []
    }

    /// Reads a `.safetensors` file.
    /// - Parameter url: the file.
    /// - Throws: ``TensorsError/io(path:reason:)`` when the file cannot be read,
    ///   ``TensorsError/invalidSafeTensors(path:reason:)`` when it is malformed.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw TensorsError.io(path: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: url.path)
    }

    /// Parses the bytes of a `.safetensors` file.
    /// - Parameters:
    ///   - data: the whole file.
    ///   - path: the name used in error messages.
    /// - Throws: ``TensorsError/invalidSafeTensors(path:reason:)`` when the bytes are malformed.
    public init(data: Data, path: String = "<memory>") throws {
        func fail(_ reason: String) -> TensorsError { .invalidSafeTensors(path: path, reason: reason) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail(
                "header length \(headerLength) exceeds the \(data.count - 8) bytes after the length field (truncated file?)"
            )
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let headerBytes = data[headerStart..<dataStart]
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataCount = data.count - 8 - Int(headerLength)

        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var skipped: [String] = []
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, entry) in map {
                    guard let text = entry as? String else { throw fail("__metadata__[\(key)] is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("entry \(name) is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw fail("tensor \(name) has no dtype") }
            guard let shapeValues = entry["shape"] as? [Any],
                let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2
            else { throw fail("tensor \(name) needs a shape and two data_offsets") }
            var shape: [Int] = []
            for dimension in shapeValues {
                guard let number = dimension as? NSNumber, number.doubleValue >= 0,
                    number.doubleValue == number.doubleValue.rounded(), number.doubleValue < 1e15
                else { throw fail("tensor \(name) has an invalid shape \(shapeValues)") }
                shape.append(number.intValue)
            }
            var offsets: [Int] = []
            for offset in offsetValues {
                guard let number = offset as? NSNumber, number.doubleValue >= 0,
                    number.doubleValue == number.doubleValue.rounded(), number.doubleValue < 1e15
                else { throw fail("tensor \(name) has invalid data_offsets \(offsetValues)") }
                offsets.append(number.intValue)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end, end <= dataCount else {
                throw fail(
                    "tensor \(name) has data_offsets [\(begin), \(end)] outside the \(dataCount)-byte data section")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail(
                    "tensor \(name) has unsupported dtype \(dtypeName) (expected F32, F16, BF16, F64 or an integer type)"
                )
            }
            // Shapes come from the file: multiply with overflow checks (a huge shape must not trap).
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("tensor \(name) has a shape \(shape) too large to address") }
                count = product
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
            guard !overflow else { throw fail("tensor \(name) has a shape \(shape) too large to address") }
            guard byteCount == end - begin else {
                throw fail(
                    "tensor \(name): shape \(shape) of \(dtypeName) needs \(byteCount) bytes, data_offsets give \(end - begin)"
                )
            }
            ranges.append((begin, end, name))
            guard dtype.isFloatingPoint else {
                skipped.append(name)
                continue
            }
            let base = dataStart + begin
            let scalars = data[base..<(dataStart + end)].withUnsafeBytes { raw in
                dtype.decode(raw, count: count)
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
        }
        // Empty tensors occupy no bytes and may share an offset with their neighbours.
        ranges = ranges.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.0 < previous.1 {
            throw fail("tensors \(previous.2) and \(next.2) overlap in the data section")
        }
        self.tensors = tensors
        self.metadata = metadata
        self.skippedTensorNames = skipped.sorted()
    }

    /// Serializes the tensors as F32 in name order, with an 8-byte-aligned header.
    /// - Returns: the bytes of a `.safetensors` file.
    public func serialized() -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            header += "\"__metadata__\":{" + entries.joined(separator: ",") + "}"
        }
        var offset = 0
        for name in names {
            guard let tensor = tensors[name] else { continue }
            if header.count > 1 { header += "," }
            let bytes = tensor.count * 4
            header +=
                "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
            header += "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            guard let tensor = tensors[name] else { continue }
            tensor.scalars.withUnsafeBufferPointer { buffer in
                // Little-endian hosts only (x86_64, arm64): the in-memory layout is the file layout.
                out.append(contentsOf: UnsafeRawBufferPointer(buffer))
            }
        }
        return out
    }

    /// Writes the tensors to `url` atomically (a temporary file renamed into place).
    /// - Throws: ``TensorsError/io(path:reason:)`` when the file cannot be written.
    public func write(to url: URL) throws {
        do {
            try serialized().write(to: url, options: .atomic)
        } catch {
            throw TensorsError.io(path: url.path, reason: error.localizedDescription)
        }
    }

    private func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Element types of the safetensors format.
enum DType: String {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    var byteWidth: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    var isFloatingPoint: Bool { self == .f32 || self == .f16 || self == .bf16 || self == .f64 }

    /// Decodes `count` little-endian values from unaligned raw bytes.
    func decode(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        switch self {
        case .f32:
            for i in 0..<count {
                out[i] = Float(
                    bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f64:
            for i in 0..<count {
                out[i] = Float(
                    Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .bf16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .f16:
            for i in 0..<count {
                out[i] = DType.halfToFloat(
                    UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .i64, .i32, .i16, .i8, .u8, .bool:
            break
        }
        return out
    }

    /// IEEE 754 binary16 → binary32, including subnormals, infinities and NaN.
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }
}
