import Crypto
import Foundation

/// What a stored object holds.
public enum ObjectKind: String, Codable, Sendable {
    /// A tensor: dtype, shape and little-endian bytes.
    case tensor
    /// A file's bytes (a config file, a vocabulary, a safetensors header).
    case blob
    /// A commit's file list.
    case tree
    /// A commit.
    case commit
}

/// How a tensor object's bytes are stored.
public enum TensorEncoding: String, Codable, Sendable, CaseIterable {
    /// All of the tensor's bytes.
    case dense
    /// The indices and new values of the entries that differ from another tensor of the same dtype and shape (the
    /// parent commit's), which the object names as its base.
    case sparse
    /// A LoRA update kept as its factors: the weight is the base model's plus scaling·B·A, computed only when a
    /// full model is materialized (an adapter commit's view; never a stored object of its own).
    case lowRank = "low_rank"
}

/// The content address of objects: SHA-256 over a type prefix and the content.
///
/// A tensor's address is the SHA-256 of `tensor DTYPE d0,d1,…\0` followed by its bytes, so the same values with another
/// dtype or shape are a different object, and an identical tensor is stored once across commits, branches and models.
/// Blobs, trees and commits hash `KIND BYTECOUNT\0` followed by their bytes (git's convention).
public enum ObjectAddress {
    /// The address of a tensor.
    public static func tensor(dtype: String, shape: [Int], bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(tensorPrefix(dtype: dtype, shape: shape).utf8) + [0])
        hasher.update(bufferPointer: bytes)
        return hex(hasher.finalize())
    }

    /// The address of a tensor held in `bytes`.
    public static func tensor(dtype: String, shape: [Int], data: Data) -> String {
        data.withUnsafeBytes { tensor(dtype: dtype, shape: shape, bytes: $0) }
    }

    /// The address of a blob, tree or commit.
    public static func object(_ kind: ObjectKind, data: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(kind.rawValue) \(data.count)".utf8) + [0])
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    static func tensorPrefix(dtype: String, shape: [Int]) -> String {
        "tensor \(dtype) \(shape.map(String.init).joined(separator: ","))"
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` looks like an address (64 lowercase hex digits).
    public static func isAddress(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// The byte width of a safetensors dtype, nil for an unknown one.
func dtypeWidth(_ dtype: String) -> Int? {
    switch dtype {
    case "F64", "I64", "U64": 8
    case "F32", "I32", "U32": 4
    case "F16", "BF16", "I16", "U16": 2
    case "I8", "U8", "BOOL": 1
    default: nil
    }
}
