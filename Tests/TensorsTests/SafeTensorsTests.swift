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

    @Test func decodesFloat64AndHalfSpecialValues() throws {
        // F64 −0.25; F16 +∞ = 0x7C00, 65504 (largest) = 0x7BFF, NaN = 0x7E00, −0 = 0x8000.
        var data: [UInt8] = []
        withUnsafeBytes(of: (-0.25).bitPattern.littleEndian) { data.append(contentsOf: $0) }
        data += [0x00, 0x7C, 0xFF, 0x7B, 0x00, 0x7E, 0x00, 0x80]
        let header =
            #"{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]}}"#
        let read = try SafeTensors(data: file(header: header, data: data))
        #expect(read.tensors["d"]?.scalars == [-0.25])
        let half = try #require(read.tensors["h"])
        #expect(half.shape == [2, 2])
        #expect(half.scalars[0] == .infinity && half.scalars[1] == 65504 && half.scalars[2].isNaN)
        #expect(half.scalars[3] == 0 && half.scalars[3].sign == .minus)
    }

    @Test func roundTripsNamesAndMetadataThatNeedEscaping() throws {
        let name = "layer \"0\"\\weight\u{1}é"
        var original = SafeTensors(tensors: [
            name: Tensor(shape: [2], scalars: [1, 2]), "empty": Tensor(shape: [0, 3]),
        ])
        original.metadata["note"] = "tab\tquote\"newline\n"
        let read = try SafeTensors(data: original.serialized())
        #expect(read.tensors == original.tensors)
        #expect(read.metadata == original.metadata)
    }

    @Test func emptyTensorsMayShareAnOffsetWithTheirNeighbours() throws {
        let header =
            #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"f":{"dtype":"F32","shape":[2,0],"data_offsets":[4,4]}}"#
        let read = try SafeTensors(data: file(header: header, data: [0, 0, 0x80, 0x3F]))
        #expect(read.tensors["x"]?.scalars == [1])
        #expect(read.tensors["e"]?.shape == [0] && read.tensors["f"]?.shape == [2, 0])
    }

    @Test func rejectsMalformedEntriesAndShapesTooLargeToAddress() {
        func reason(_ header: String, bytes: Int = 8) -> String? {
            do {
                _ = try SafeTensors(data: file(header: header, data: Array(repeating: 0, count: bytes)), path: "t")
                return nil
            } catch let TensorsError.invalidSafeTensors(path, reason) {
                #expect(path == "t")
                return reason
            } catch {
                return "\(error)"
            }
        }
        // Each dimension is below the parser's 1e15 bound, but the product overflows Int: an error, not a trap.
        #expect(
            reason(#"{"x":{"dtype":"F32","shape":[100000000000000,100000000000000],"data_offsets":[0,8]}}"#)?
                .contains("too large") == true)
        #expect(
            reason(#"{"x":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}"#)?.contains(
                "invalid shape")
                == true)
        #expect(
            reason(#"{"x":{"dtype":"F64","shape":[900000000000000,10000],"data_offsets":[0,8]}}"#)?.contains(
                "too large")
                == true)
        #expect(reason(#"{"x":{"shape":[1],"data_offsets":[0,4]}}"#)?.contains("has no dtype") == true)
        #expect(reason(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#)?.contains("two data_offsets") == true)
        #expect(reason(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#)?.contains("outside") == true)
        #expect(reason(#"{"x":[1,2]}"#)?.contains("not an object") == true)
        #expect(reason(#"{"__metadata__":{"format":3}}"#)?.contains("not a string") == true)
        #expect(reason(#"{"__metadata__":"pt"}"#)?.contains("__metadata__ is not an object") == true)
        #expect(reason(#"{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#)?.contains("invalid shape") == true)
    }

    @Test func writingIntoAMissingFolderIsAnIOError() {
        let temporary = TemporaryDirectory()
        let url = temporary.url.appendingPathComponent("missing/x.safetensors")
        let error = #expect(throws: TensorsError.self) {
            try SafeTensors(tensors: ["a": Tensor(shape: [1], scalars: [1])]).write(to: url)
        }
        guard case let .io(path, _) = error else {
            Issue.record("expected an I/O error, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: TensorsError.self) {
            try SafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
        }
    }
}
