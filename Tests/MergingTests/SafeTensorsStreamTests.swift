import Foundation
import FoundryTestSupport
import Merging
import Testing

@Suite("Streamed safetensors reads")
struct SafeTensorsStreamTests {
    /// A safetensors file with one F32 tensor whose header says `shape` and whose data is `bytes` long.
    static func file(shape: [Int], bytes: Int, in folder: TemporaryDirectory) throws -> URL {
        let header =
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[0,\(bytes)]}}"
        var data = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: (0..<bytes).map { UInt8($0 % 251) })
        let url = folder.file("t.safetensors")
        try data.write(to: url)
        return url
    }

    @Test("a tensor reads back its values")
    func readsValues() throws {
        let folder = TemporaryDirectory()
        let stream = try SafeTensorsStream(url: try Self.file(shape: [2], bytes: 8, in: folder))
        let values = try stream.floats("w")
        let expected = [UInt8]([0, 1, 2, 3, 4, 5, 6, 7]).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test("data_offsets that disagree with the shape are refused when the file is opened, naming the tensor")
    func shapeAndByteCountMustAgree() throws {
        let folder = TemporaryDirectory()
        for (shape, bytes) in [([1], 5), ([2], 4), ([3], 12 + 4)] {
            let url = try Self.file(shape: shape, bytes: bytes, in: folder)
            #expect {
                _ = try SafeTensorsStream(url: url)
            } throws: { error in
                "\(error)".contains("(tensor w)") && "\(error)".contains("data_offsets give \(bytes)")
            }
        }
    }
}
