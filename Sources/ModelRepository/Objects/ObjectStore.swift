import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The object files of a repository: `objects/ab/cdef…` named by address, each written to a temporary file, flushed
/// to disk (`fsync`) and renamed into place, so that an object is visible only once it is complete. An object is part of
/// the repository once the metadata database lists it; files that are not listed (left by an interrupted commit) are
/// removed by `gc`.
public struct ObjectStore: Sendable {
    /// The `objects` folder.
    public let root: URL

    /// The store under `root`.
    public init(root: URL) { self.root = root }

    /// The file of an object.
    public func url(_ id: String) -> URL {
        root.appendingPathComponent(String(id.prefix(2))).appendingPathComponent(String(id.dropFirst(2)))
    }

    /// Whether an object's file exists.
    public func contains(_ id: String) -> Bool { FileManager.default.fileExists(atPath: url(id).path) }

    /// Writes an object file durably unless it exists already.
    /// - Throws: ``ModelRepositoryError/io(path:reason:)`` when it cannot be written.
    public func write(_ id: String, bytes: Data) throws {
        let destination = url(id)
        if FileManager.default.fileExists(atPath: destination.path) { return }
        let folder = destination.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelRepositoryError.io(path: folder.path, reason: error.localizedDescription)
        }
        try DurableFile.write(bytes, to: destination)
    }

    /// An object file's raw bytes (memory-mapped).
    /// - Throws: ``ModelRepositoryError/corruptObject(id:reason:)`` when the file is missing.
    public func rawBytes(_ id: String) throws -> Data {
        do {
            return try Data(contentsOf: url(id), options: .alwaysMapped)
        } catch {
            throw ModelRepositoryError.corruptObject(
                id: id, reason: "its file \(url(id).path) is missing or unreadable")
        }
    }

    /// A blob's, tree's or commit's bytes, checked against the address.
    /// - Throws: ``ModelRepositoryError/corruptObject(id:reason:)`` when it is missing, of another kind or does not hash
    ///   to `id`.
    public func bytes(_ id: String, kind: ObjectKind) throws -> Data {
        try Self.bytes(id, kind: kind, file: try rawBytes(id))
    }

    /// Verifies a blob's, tree's or commit's object file and returns its content.
    static func bytes(_ id: String, kind: ObjectKind, file data: Data) throws -> Data {
        let (header, payload) = try ObjectHeader.parse(data, id: id)
        guard header.kind == kind else {
            throw ModelRepositoryError.corruptObject(
                id: id, reason: "expected a \(kind.rawValue), found a \(header.kind)")
        }
        let content = Data(data[payload])
        guard ObjectAddress.object(kind, data: content) == id else {
            throw ModelRepositoryError.corruptObject(id: id, reason: "its bytes do not hash to its address")
        }
        return content
    }

    /// A tensor's dtype, shape and bytes, reconstructed from its encoding and checked against the address.
    /// - Throws: ``ModelRepositoryError/corruptObject(id:reason:)`` when it (or its sparse base) is missing, malformed or
    ///   does not hash to its address.
    public func tensor(_ id: String) throws -> StoredTensor {
        var visited = 0
        return try Self.tensor(id, depth: &visited, lookup: rawBytes)
    }

    /// A tensor whose sparse base may be one of `resolved` (tensors already read and checked by the caller).
    func tensor(_ id: String, resolved: [String: StoredTensor]) throws -> StoredTensor {
        var visited = 0
        return try Self.tensor(id, depth: &visited, lookup: rawBytes, resolved: resolved)
    }

    /// Decodes and verifies a tensor whose object files come from `lookup` (the store, or objects received in memory).
    static func tensor(
        _ id: String, depth: inout Int, lookup: (String) throws -> Data, resolved: [String: StoredTensor] = [:]
    ) throws -> StoredTensor {
        func fail(_ reason: String) -> ModelRepositoryError { .corruptObject(id: id, reason: reason) }
        depth += 1
        guard depth <= 64 else { throw fail("its chain of sparse bases is longer than 64 (a cycle?)") }
        let data = try lookup(id)
        let (header, payload) = try ObjectHeader.parse(data, id: id)
        guard header.kind == .tensor, let dtype = header.dtype, let shape = header.shape,
            let width = dtypeWidth(dtype), shape.allSatisfy({ $0 >= 0 })
        else { throw fail("its header does not describe a tensor with a known dtype and a shape") }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product < 1 << 40 else { throw fail("its shape \(shape) is too large") }
            count = product
        }
        let byteCount = count * width
        var bytes: Data
        switch header.encoding ?? .dense {
        case .dense:
            guard payload.count == byteCount else {
                throw fail("a dense \(dtype) \(shape) tensor needs \(byteCount) bytes, the file holds \(payload.count)")
            }
            bytes = data[payload]
        case .sparse:
            guard let baseID = header.base, let entries = header.count, entries >= 0,
                payload.count == entries * (4 + width)
            else { throw fail("its sparse payload does not match its header") }
            let base = try resolved[baseID] ?? tensor(baseID, depth: &depth, lookup: lookup, resolved: resolved)
            guard base.dtype == dtype, base.shape == shape else {
                throw fail("its sparse base \(baseID) is a \(base.dtype) \(base.shape) tensor, not \(dtype) \(shape)")
            }
            var out = [UInt8](base.bytes)
            let indices = [UInt8](data[payload.lowerBound..<(payload.lowerBound + 4 * entries)])
            let values = [UInt8](data[(payload.lowerBound + 4 * entries)..<payload.upperBound])
            let failed = indices.withUnsafeBytes { (indexRaw: UnsafeRawBufferPointer) -> Bool in
                values.withUnsafeBytes { (valueRaw: UnsafeRawBufferPointer) -> Bool in
                    out.withUnsafeMutableBytes { (target: UnsafeMutableRawBufferPointer) -> Bool in
                        for k in 0..<entries {
                            let index = Int(
                                UInt32(littleEndian: indexRaw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                            guard index < count else { return true }
                            for b in 0..<width { target[index * width + b] = valueRaw[k * width + b] }
                        }
                        return false
                    }
                }
            }
            bytes = Data(out)
            if failed { throw fail("a sparse index lies outside the tensor") }
        case .lowRank:
            throw fail("low-rank updates are kept as the adapter's factor tensors, never as an object")
        }
        guard ObjectAddress.tensor(dtype: dtype, shape: shape, data: bytes) == id else {
            throw fail("its reconstructed bytes do not hash to its address")
        }
        return StoredTensor(dtype: dtype, shape: shape, bytes: bytes, header: header)
    }

    /// The header of an object (not verified).
    public func header(_ id: String) throws -> ObjectHeader {
        try ObjectHeader.parse(try rawBytes(id), id: id).header
    }
}

/// A tensor read from the store.
public struct StoredTensor: Sendable {
    /// The safetensors dtype.
    public var dtype: String
    /// The shape.
    public var shape: [Int]
    /// The little-endian bytes.
    public var bytes: Data
    /// The object's header (its encoding).
    public var header: ObjectHeader

    /// The values of an F32 tensor, nil for another dtype.
    public var floats: [Float]? {
        guard dtype == "F32" else { return nil }
        var out = [Float](repeating: 0, count: bytes.count / 4)
        _ = out.withUnsafeMutableBytes { bytes.copyBytes(to: $0) }
        return out
    }
}

/// Writes files durably: a temporary file beside the destination, `fsync`, `rename`, then `fsync` of the folder.
enum DurableFile {
    static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".tmp-\(url.lastPathComponent)-\(UUID().uuidString)")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw ModelRepositoryError.io(path: temporary.path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let written = Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                if written <= 0 {
                    failure = String(cString: strerror(errno))
                    return
                }
                done += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw ModelRepositoryError.io(path: url.path, reason: failure)
        }
        syncFolder(folder)
    }

    static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
