import Foundation
import GRDB

/// Writes the objects of one change (a commit, a merge, received objects) and remembers them, so that the final
/// transaction lists them all at once.
final class ObjectWriter {
    struct Row {
        var id: String
        var kind: ObjectKind
        var encoding: TensorEncoding?
        var base: String?
        var depth: Int
        var size: Int
        var stored: Int
    }

    let repository: ModelRepository
    /// Sparse objects are written when they take at most this fraction of the dense bytes.
    let sparseLimit: Double
    /// Longest chain of sparse bases.
    let maximumDepth = 16
    var rows: [String: Row] = [:]
    private var known: [String: Int] = [:]
    /// Counters for the result.
    private(set) var encodings: [String: Int] = [:]
    var bytesWritten = 0

    init(repository: ModelRepository, sparseLimit: Double = 0.5) {
        self.repository = repository
        self.sparseLimit = sparseLimit
    }

    /// The depth of a listed or pending object (nil when unknown).
    func depth(of id: String) throws -> Int? {
        if let row = rows[id] { return row.depth }
        if let depth = known[id] { return depth }
        let depth = try repository.read { db in
            try Int.fetchOne(db, sql: "SELECT depth FROM objects WHERE id = ?", arguments: [id])
        }
        if let depth { known[id] = depth }
        return depth
    }

    /// Writes a blob, tree or commit.
    @discardableResult
    func write(_ kind: ObjectKind, _ data: Data) throws -> String {
        let id = ObjectAddress.object(kind, data: data)
        if try depth(of: id) != nil { return id }
        let file = try ObjectHeader(kind: kind).fileBytes(payload: data)
        try repository.objects.write(id, bytes: file)
        rows[id] = Row(id: id, kind: kind, encoding: nil, base: nil, depth: 0, size: data.count, stored: file.count)
        bytesWritten += file.count
        return id
    }

    /// Writes a tensor, sparse against `parent` (same dtype and shape) when few entries changed, else dense.
    /// - Returns: the address and the encoding chosen (nil when the tensor was stored already).
    @discardableResult
    func writeTensor(dtype: String, shape: [Int], bytes: Data, parent: String?) throws -> (String, TensorEncoding?) {
        let id = ObjectAddress.tensor(dtype: dtype, shape: shape, data: bytes)
        if try depth(of: id) != nil {
            encodings["reused", default: 0] += 1
            return (id, nil)
        }
        let width = dtypeWidth(dtype) ?? 1
        if let parent, let parentDepth = try depth(of: parent), parentDepth < maximumDepth,
            let base = try? repository.objects.tensor(parent), base.dtype == dtype, base.shape == shape,
            base.bytes.count == bytes.count
        {
            let changed = Self.changedEntries(base.bytes, bytes, width: width)
            if Double(changed.count * (4 + width)) <= sparseLimit * Double(bytes.count), changed.count < Int(UInt32.max)
            {
                var payload = Data(capacity: changed.count * (4 + width))
                for index in changed {
                    withUnsafeBytes(of: UInt32(index).littleEndian) { payload.append(contentsOf: $0) }
                }
                let start = bytes.startIndex
                for index in changed { payload.append(bytes[(start + index * width)..<(start + (index + 1) * width)]) }
                let header = ObjectHeader(
                    kind: .tensor, encoding: .sparse, dtype: dtype, shape: shape, base: parent, count: changed.count)
                let file = try header.fileBytes(payload: payload)
                try repository.objects.write(id, bytes: file)
                rows[id] = Row(
                    id: id, kind: .tensor, encoding: .sparse, base: parent, depth: parentDepth + 1, size: bytes.count,
                    stored: file.count)
                bytesWritten += file.count
                encodings[TensorEncoding.sparse.rawValue, default: 0] += 1
                return (id, .sparse)
            }
        }
        let header = ObjectHeader(kind: .tensor, encoding: .dense, dtype: dtype, shape: shape)
        let file = try header.fileBytes(payload: bytes)
        try repository.objects.write(id, bytes: file)
        rows[id] = Row(
            id: id, kind: .tensor, encoding: .dense, base: nil, depth: 0, size: bytes.count, stored: file.count)
        bytesWritten += file.count
        encodings[TensorEncoding.dense.rawValue, default: 0] += 1
        return (id, .dense)
    }

    /// The indices of the entries whose bytes differ.
    static func changedEntries(_ a: Data, _ b: Data, width: Int) -> [Int] {
        var out: [Int] = []
        a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                let count = left.count / width
                if width == 4 {
                    for i in 0..<count
                    where left.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        != right.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                    {
                        out.append(i)
                    }
                } else {
                    for i in 0..<count {
                        for k in 0..<width where left[i * width + k] != right[i * width + k] {
                            out.append(i)
                            break
                        }
                    }
                }
            }
        }
        return out
    }

    /// Lists the written objects in the metadata database (inside the caller's transaction), after checking that
    /// each file exists.
    func list(in db: Database) throws {
        for row in rows.values {
            guard repository.objects.contains(row.id) else {
                throw ModelRepositoryError.corruptObject(id: row.id, reason: "its file vanished before it was listed")
            }
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO objects (id, kind, encoding, base, depth, size, stored)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    row.id, row.kind.rawValue, row.encoding?.rawValue, row.base, row.depth, row.size, row.stored,
                ])
        }
    }
}

extension ObjectWriter {
    /// Remembers an object received whole (its file is written already).
    func add(_ row: Row) {
        rows[row.id] = row
        bytesWritten += row.stored
    }
}
