import Foundation

/// Little-endian BLOB encodings of numeric arrays (label-matrix CSR arrays, Float32 probabilities).
enum BlobCoding {
    static func encode<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var data = Data(count: values.count * MemoryLayout<T>.size)
        data.withUnsafeMutableBytes { raw in
            for (index, value) in values.enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: index * MemoryLayout<T>.size, as: T.self)
            }
        }
        return data
    }

    static func decode<T: FixedWidthInteger>(_ data: Data, as type: T.Type, count: Int, what: String) throws -> [T] {
        guard data.count == count * MemoryLayout<T>.size else {
            throw DatasetStoreError.storage(
                "\(what): expected \(count * MemoryLayout<T>.size) bytes, found \(data.count)")
        }
        return data.withUnsafeBytes { raw in
            (0..<count).map {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))
            }
        }
    }

    static func encode(_ values: [Float]) -> Data { encode(values.map(\.bitPattern)) }

    static func decode(_ data: Data, floats count: Int, what: String) throws -> [Float] {
        try decode(data, as: UInt32.self, count: count, what: what).map(Float.init(bitPattern:))
    }
}
