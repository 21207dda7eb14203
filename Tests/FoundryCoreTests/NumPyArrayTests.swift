import Foundation
import FoundryTestSupport
import Testing

@testable import FoundryCore

@Suite struct NumPyArrayTests {
    @Test(arguments: [NumPyArray.ElementType.int8, .int16, .int32, .int64])
    func integerRoundTrip(type: NumPyArray.ElementType) throws {
        let values = [-1, 0, 1, 2, 5, -1]
        let array = NumPyArray(integers: values, shape: [2, 3], elementType: type)
        let directory = TemporaryDirectory()
        let url = directory.file("a.npy")
        try array.write(to: url)
        let read = try NumPyArray(contentsOf: url)
        #expect(read == array)
        #expect(read.integers() == values)
        #expect(read.shape == [2, 3])
    }

    @Test func floatRoundTripAndHeaderAlignment() throws {
        let array = NumPyArray(floats: [0.5, -1.25, 3], shape: [3])
        let data = array.npyData()
        #expect((data.count - 3 * 4) % 64 == 0)  // header padded to a multiple of 64 bytes
        let read = try NumPyArray(npyData: data)
        #expect(read.floats() == [0.5, -1.25, 3])
        #expect(NumPyArray(doubles: [1.5], shape: [1]).doubles() == [1.5])
    }

    /// Bytes NumPy 2.x writes for `np.save(f, np.array([[1, -1]], dtype=np.int8))`.
    @Test func readsWhatNumPyWrites() throws {
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        var header = "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2), }"
        header += String(repeating: " ", count: 128 - 10 - header.utf8.count - 1) + "\n"
        bytes += [UInt8(header.utf8.count), 0] + Array(header.utf8) + [1, 0xFF]
        let array = try NumPyArray(npyData: Data(bytes))
        #expect(array.integers() == [1, -1])
        #expect(array.elementType == .int8)
    }

    func npy(descr: String, fortran: String = "False", shape: String = "(2,)", payload: [UInt8]) -> Data {
        let header = "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }\n"
        return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + payload)
    }

    @Test func rejectsWhatFoundryDoesNotAccept() {
        #expect(throws: FoundryCoreError.self) { try NumPyArray(npyData: Data("not numpy".utf8)) }
        #expect(throws: FoundryCoreError.self) {
            try NumPyArray(npyData: npy(descr: ">i4", payload: [0, 0, 0, 1, 0, 0, 0, 2]))
        }
        #expect(throws: FoundryCoreError.self) {
            try NumPyArray(npyData: npy(descr: "<i4", fortran: "True", payload: [UInt8](repeating: 0, count: 8)))
        }
        #expect(throws: FoundryCoreError.self) { try NumPyArray(npyData: npy(descr: "|O", payload: [])) }
        // A truncated payload.
        #expect(throws: FoundryCoreError.self) { try NumPyArray(npyData: npy(descr: "<i8", payload: [1, 2, 3])) }
        #expect(throws: FoundryCoreError.self) {
            try NumPyArray(contentsOf: URL(fileURLWithPath: "/nonexistent/x.npy"))
        }
    }

    @Test func errorsNameTheFileAndTheProblem() {
        do {
            _ = try NumPyArray(npyData: npy(descr: "<i8", payload: [1, 2, 3]), path: "votes.npy")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("votes.npy"))
            #expect("\(error)".contains("truncated"))
        }
    }
}
