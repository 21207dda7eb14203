import Foundation

/// The self-describing header at the start of every object file.
///
/// An object file is `FMOB`, a 4-byte little-endian header length, this header as JSON, then the payload: a blob's,
/// tree's or commit's bytes, a dense tensor's bytes, or a sparse tensor's `count` little-endian `UInt32` indices followed
/// by `count` values of the dtype's width. The file's name is the object's address; reading an object recomputes the
/// address from the decoded content, so a flipped byte anywhere (header or payload) is detected.
public struct ObjectHeader: Codable, Sendable, Equatable {
    /// What the object holds.
    public var kind: ObjectKind
    /// How a tensor is stored (nil for other kinds).
    public var encoding: TensorEncoding?
    /// A tensor's safetensors dtype.
    public var dtype: String?
    /// A tensor's shape.
    public var shape: [Int]?
    /// A sparse tensor's base: the tensor its entries replace.
    public var base: String?
    /// A sparse tensor's number of replaced entries.
    public var count: Int?

    static let magic: [UInt8] = Array("FMOB".utf8)

    /// The header and payload as an object file's bytes.
    func fileBytes(payload: Data) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(self)
        var out = Data(capacity: 8 + json.count + payload.count)
        out.append(contentsOf: Self.magic)
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(payload)
        return out
    }

    /// Splits an object file into its header and the payload's byte range.
    static func parse(_ data: Data, id: String) throws -> (header: ObjectHeader, payload: Range<Int>) {
        func fail(_ reason: String) -> ModelRepositoryError { .corruptObject(id: id, reason: reason) }
        let start = data.startIndex
        guard data.count >= 8, Array(data[start..<(start + 4)]) == magic else {
            throw fail("the file does not start with an object header (truncated or overwritten)")
        }
        var length = 0
        for i in 0..<4 { length |= Int(data[start + 4 + i]) << (8 * i) }
        guard length <= data.count - 8 else { throw fail("its header length \(length) runs past the end of the file") }
        let header: ObjectHeader
        do {
            header = try JSONDecoder().decode(ObjectHeader.self, from: data[(start + 8)..<(start + 8 + length)])
        } catch {
            throw fail("its header is not valid JSON")
        }
        return (header, (start + 8 + length)..<data.endIndex)
    }
}
