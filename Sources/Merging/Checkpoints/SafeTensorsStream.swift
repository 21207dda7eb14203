import Foundation

/// A `.safetensors` file read one tensor at a time (`pread` at the tensor's offsets), so that merging full
/// checkpoints holds one tensor per input in memory, never a whole model.
///
/// The header is checked when the file is opened: every tensor's byte range must lie inside the file (a truncated
/// file is reported with the first tensor it cuts), and its size must match its shape and dtype.
public final class SafeTensorsStream {
    /// One tensor's entry in the header.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name.
        public var name: String
        /// The safetensors dtype (`F32`, `I64`, …).
        public var dtype: String
        /// The shape.
        public var shape: [Int]
        /// Byte offset of the data from the start of the file.
        public var offset: Int
        /// Byte count.
        public var byteCount: Int
    }

    /// The file's path, for messages.
    public let path: String
    /// The tensors in data order.
    public let entries: [Entry]
    /// The `__metadata__` map.
    public let metadata: [String: String]
    private let entryIndex: [String: Int]
    private let descriptor: Int32

    /// Opens a file and reads its header.
    /// - Throws: ``MergingError/io(path:reason:)`` when it cannot be opened; ``MergingError/invalidFile(path:tensor:reason:)``
    ///   for a malformed header or a file cut short (naming the first tensor whose data is missing).
    public init(url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw MergingError.io(path: url.path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        fstat(fd, &status)
        let fileSize = Int(status.st_size)
        func fail(_ tensor: String?, _ reason: String) -> MergingError {
            close(fd)
            return .invalidFile(path: url.path, tensor: tensor, reason: reason)
        }
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        guard fileSize >= 8, pread(fd, &lengthBytes, 8, 0) == 8 else {
            throw fail(nil, "file is \(fileSize) bytes, shorter than the 8-byte header length")
        }
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(lengthBytes[i]) << (8 * i) }
        guard headerLength >= 2, headerLength <= fileSize - 8, headerLength < 100_000_000 else {
            throw fail(nil, "header length \(headerLength) does not fit the \(fileSize)-byte file (truncated file?)")
        }
        var headerBytes = [UInt8](repeating: 0, count: headerLength)
        guard pread(fd, &headerBytes, headerLength, 8) == headerLength,
            let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any]
        else { throw fail(nil, "header is not a JSON object") }
        let dataStart = 8 + headerLength
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (key, entry) in value as? [String: Any] ?? [:] { metadata[key] = entry as? String }
                continue
            }
            guard let object = value as? [String: Any], let dtype = object["dtype"] as? String,
                let shape = (object["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                let offsets = (object["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], shape.allSatisfy({ $0 >= 0 })
            else { throw fail(name, "needs a dtype, a shape and two data_offsets") }
            let width: Int
            switch dtype {
            case "F64", "I64", "U64": width = 8
            case "F32", "I32", "U32": width = 4
            case "F16", "BF16", "I16", "U16": width = 2
            case "I8", "U8", "BOOL": width = 1
            default: throw fail(name, "unsupported dtype \(dtype)")
            }
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product < Int(Int32.max) * 64 else { throw fail(name, "shape \(shape) is too large") }
                count = product
            }
            guard count * width == offsets[1] - offsets[0] else {
                throw fail(
                    name,
                    "shape \(shape) of \(dtype) needs \(count * width) bytes, data_offsets give \(offsets[1] - offsets[0])"
                )
            }
            entries.append(
                Entry(
                    name: name, dtype: dtype, shape: shape, offset: dataStart + offsets[0],
                    byteCount: offsets[1] - offsets[0]))
        }
        entries.sort { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for entry in entries where entry.offset + entry.byteCount > fileSize {
            throw fail(
                entry.name,
                "its data ends at byte \(entry.offset + entry.byteCount) but the file has \(fileSize) bytes (truncated file)"
            )
        }
        path = url.path
        descriptor = fd
        self.entries = entries
        self.metadata = metadata
        entryIndex = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    deinit { close(descriptor) }

    /// The entry of a tensor (nil when absent).
    public func entry(_ name: String) -> Entry? { entryIndex[name].map { entries[$0] } }

    /// A tensor's raw bytes.
    /// - Throws: ``MergingError/invalidFile(path:tensor:reason:)`` for an unknown name or a failed read.
    public func bytes(_ name: String) throws -> [UInt8] {
        guard let entry = entry(name) else {
            throw MergingError.invalidFile(path: path, tensor: name, reason: "absent")
        }
        var out = [UInt8](repeating: 0, count: entry.byteCount)
        try out.withUnsafeMutableBytes { try read(entry, name: name, into: $0) }
        return out
    }

    /// Reads `entry`'s bytes into `buffer` (at least `entry.byteCount` bytes), resuming short reads.
    private func read(_ entry: Entry, name: String, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < entry.byteCount {
            let read = pread(
                descriptor, buffer.baseAddress.map { $0 + done }, entry.byteCount - done, off_t(entry.offset + done))
            guard read > 0 else {
                throw MergingError.invalidFile(
                    path: path, tensor: name, reason: "cannot read its data (truncated file?)")
            }
            done += read
        }
    }

    /// The floating-point dtypes a tensor can be read from (as Float32) and written back to.
    public static let floatingPointDTypes: Set<String> = ["F32", "F16", "BF16", "F64"]

    /// A floating-point tensor's values as Float32 (F16, BF16 and F64 are converted; F64 rounds to nearest).
    /// - Throws: ``MergingError/invalidFile(path:tensor:reason:)`` for a non-floating-point dtype or a failed read.
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = entry(name) else {
            throw MergingError.invalidFile(path: path, tensor: name, reason: "absent")
        }
        switch entry.dtype {
        case "F32":
            var out = [Float](repeating: 0, count: entry.byteCount / 4)
            try out.withUnsafeMutableBytes { try read(entry, name: name, into: $0) }
            return out
        case "F16", "BF16":
            var halves = [UInt16](repeating: 0, count: entry.byteCount / 2)
            try halves.withUnsafeMutableBytes { try read(entry, name: name, into: $0) }
            return entry.dtype == "F16"
                ? halves.map { Float(Float16(bitPattern: UInt16(littleEndian: $0))) }
                : halves.map { BFloat16.float(UInt16(littleEndian: $0)) }
        case "F64":
            var doubles = [Double](repeating: 0, count: entry.byteCount / 8)
            try doubles.withUnsafeMutableBytes { try read(entry, name: name, into: $0) }
            return doubles.map { Float($0) }
        default:
            throw MergingError.invalidFile(
                path: path, tensor: name,
                reason: "dtype \(entry.dtype); merging reads floating-point tensors (F32, F16, BF16, F64)")
        }
    }
}

/// bfloat16 ⇄ Float32 (the upper 16 bits of a Float32; rounding to nearest even, as PyTorch converts).
enum BFloat16 {
    /// The Float32 a bfloat16 bit pattern stands for (exact).
    static func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// The bfloat16 nearest to `value` (ties to even; NaN stays a quiet NaN, overflow becomes ±infinity).
    static func bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x0040) }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}

/// Writes a `.safetensors` file tensor by tensor: the header (every name, dtype and shape) first, then each tensor's
/// bytes in the same order.
final class SafeTensorsStreamWriter {
    private let handle: FileHandle
    private let path: String
    private let order: [SafeTensorsStream.Entry]
    private var next = 0

    /// Creates the file and writes the header for `entries` (offsets are recomputed in the given order).
    init(url: URL, entries: [SafeTensorsStream.Entry], metadata: [String: String]) throws {
        path = url.path
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: url.path)
        else { throw MergingError.io(path: url.path, reason: "cannot create the file") }
        self.handle = handle
        order = entries
        func quoted(_ text: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let inner = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0] ?? ""))" }
            parts.append("\"__metadata__\":{\(inner.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            parts.append(
                "\(quoted(entry.name)):{\"dtype\":\"\(entry.dtype)\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + entry.byteCount)]}"
            )
            offset += entry.byteCount
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var prefix = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(contentsOf: header)
        try write(prefix)
    }

    private func write(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw MergingError.io(path: path, reason: error.localizedDescription)
        }
    }

    /// Appends the next tensor's values, converted from Float32 to the tensor's dtype (F32, F16, BF16 or F64; F16 and
    /// BF16 round to nearest even).
    func append(_ values: [Float]) throws {
        precondition(next < order.count, "tensor out of order")
        let dtype = order[next].dtype
        let width = ["F16": 2, "BF16": 2, "F64": 8][dtype] ?? 4
        precondition(order[next].byteCount == values.count * width, "tensor out of order")
        next += 1
        switch dtype {
        case "F16": try values.map { Float16($0).bitPattern.littleEndian }.withUnsafeBytes { try write(Data($0)) }
        case "BF16": try values.map { BFloat16.bits($0).littleEndian }.withUnsafeBytes { try write(Data($0)) }
        case "F64": try values.map { Double($0) }.withUnsafeBytes { try write(Data($0)) }
        default: try values.withUnsafeBytes { try write(Data($0)) }
        }
    }

    /// Appends the next tensor's raw bytes.
    func append(bytes: [UInt8]) throws {
        precondition(next < order.count && order[next].byteCount == bytes.count, "tensor out of order")
        next += 1
        try write(Data(bytes))
    }

    /// Flushes and closes the file.
    func finish() throws {
        precondition(next == order.count, "not every tensor was written")
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw MergingError.io(path: path, reason: error.localizedDescription)
        }
    }
}
