import Foundation
import FoundryTestSupport
import Testing

@testable import Tensors

@Suite struct SafeTensorsTests {
    private func file(header: String, data: [UInt8]) -> Data {
        var out = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: data)
        return out
    }

    @Test func roundTripsFloat32TensorsAndMetadataThroughAFile() throws {
        let temporary = TemporaryDirectory()
        let directory = temporary.url
        let original = SafeTensors(tensors: [
            "b.weight": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-30, -7]),
            "a": Tensor(shape: [1], scalars: [42]),
        ])
        let url = directory.appendingPathComponent("x.safetensors")
        try original.write(to: url)
        let read = try SafeTensors(contentsOf: url)
        #expect(read.tensors == original.tensors)
        #expect(read.metadata == ["format": "pt"])
        let bytes = try Data(contentsOf: url)
        let headerLength = Int(bytes[0]) + Int(bytes[1]) << 8
        #expect((8 + headerLength) % 8 == 0)
    }

    @Test func decodesHalfAndBFloat16AndSkipsIntegers() throws {
        // F16 1.0 = 0x3C00, -2.0 = 0xC000, 2^-24 (smallest subnormal) = 0x0001; BF16 1.5 = 0x3FC0; I64 7.
        let header =
            #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]},"i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}"#
        let data: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xC0, 0x3F, 7, 0, 0, 0, 0, 0, 0, 0]
        let read = try SafeTensors(data: file(header: header, data: data))
        #expect(read.tensors["h"]?.scalars == [1, -2, 0x1p-24])
        #expect(read.tensors["b"]?.scalars == [1.5])
        #expect(read.skippedTensorNames == ["i"])
    }

    @Test func rejectsUnknownDtypesTruncationAndBadOffsets() {
        func reason(_ data: Data) -> String? {
            do {
                _ = try SafeTensors(data: data, path: "t")
                return nil
            } catch let TensorsError.invalidSafeTensors(_, reason) {
                return reason
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(Data([1, 2, 3]))?.contains("shorter than the 8-byte") == true)
        #expect(reason(file(header: "{}", data: []).prefix(9))?.contains("exceeds") == true)
        #expect(reason(file(header: "[1]", data: []))?.contains("not a JSON object") == true)
        #expect(reason(file(header: "{oops", data: []))?.contains("not valid JSON") == true)
        #expect(
            reason(
                file(
                    header: #"{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#,
                    data: Array(repeating: 0, count: 8)))?.contains("unsupported dtype C64") == true)
        #expect(
            reason(
                file(
                    header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                    data: Array(repeating: 0, count: 8)))?.contains("outside") == true)
        #expect(
            reason(
                file(
                    header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                    data: Array(repeating: 0, count: 8)))?.contains("needs 12 bytes") == true)
        #expect(
            reason(
                file(
                    header:
                        #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: Array(repeating: 0, count: 8)))?.contains("overlap") == true)
        #expect(
            reason(
                file(
                    header: #"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
                    data: Array(repeating: 0, count: 4)))?.contains("invalid shape") == true)
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: TensorsError.self) {
            try SafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
        }
    }
}
