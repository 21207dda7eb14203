import Adapters
import Foundation
import FoundryCore
import FoundryTestSupport
import Tensors

/// Locations of the shared reference data and the encoder, and small readers for them.
enum ReferenceData {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `../shared/reference` (next to `FOUNDRY_DATA` when set).
    static var reference: URL {
        if let value = ProcessInfo.processInfo.environment["FOUNDRY_DATA"], !value.isEmpty {
            return URL(fileURLWithPath: value, relativeTo: packageRoot).standardizedFileURL
                .deletingLastPathComponent().appendingPathComponent("reference")
        }
        return packageRoot.appendingPathComponent("../shared/reference").standardizedFileURL
    }

    static var merging: URL { reference.appendingPathComponent("merging") }

    /// The encoder (`FOUNDRY_MODEL`, else `.models/all-MiniLM-L6-v2`), as the shared test support finds it.
    static var model: URL { TestData.model ?? packageRoot.appendingPathComponent(".models/all-MiniLM-L6-v2") }

    static var hasModel: Bool { TestData.model != nil }
    static var hasMerging: Bool {
        FileManager.default.fileExists(atPath: merging.appendingPathComponent("README.md").path)
    }

    static func json(_ url: URL) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let dictionary = object as? [String: Any] else { throw CocoaError(.fileReadCorruptFile) }
        return dictionary
    }

    static func npy(_ url: URL) throws -> [Float] { try NumPyArray(contentsOf: url).floats() }

    /// The entries of an uncompressed `.npz` (ZIP with stored members), by member name.
    static func npz(_ url: URL) throws -> [String: NumPyArray] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var out: [String: NumPyArray] = [:]
        var position = 0
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        while position + 30 <= bytes.count, u32(position) == 0x0403_4b50 {
            let method = u16(position + 8)
            var size = u32(position + 18)
            let nameLength = u16(position + 26), extraLength = u16(position + 28)
            let name = String(decoding: bytes[(position + 30)..<(position + 30 + nameLength)], as: UTF8.self)
            let start = position + 30 + nameLength + extraLength
            if size == 0xFFFF_FFFF {  // ZIP64 sizes live in the extra field
                size = u32(position + 30 + nameLength + 4 + 8)
            }
            guard method == 0 else { throw CocoaError(.fileReadCorruptFile) }
            out[name] = try NumPyArray(npyData: Data(bytes[start..<(start + size)]))
            position = start + size
        }
        return out
    }

    /// Unpacks `np.packbits` bits (big-endian bit order).
    static func unpackBits(_ packed: NumPyArray, count: Int) -> [Bool] {
        let bytes = packed.integers()
        var out = [Bool](repeating: false, count: count)
        for i in 0..<count {
            let byte: Int = bytes[i / 8]
            let shift: Int = 7 - i % 8
            out[i] = (byte >> shift) & 1 == 1
        }
        return out
    }

    /// The largest absolute difference.
    static func maxDifference(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        var worst = 0.0
        for i in a.indices { worst = max(worst, abs(Double(a[i]) - Double(b[i]))) }
        return worst
    }
}

/// The encoder, loaded once.
enum SharedEncoder {
    static let model: BertModel? = try? BertModel(directory: ReferenceData.model)
}
