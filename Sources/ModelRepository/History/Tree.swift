import Foundation

/// The files of a commit: config files as blobs, safetensors files as their verbatim header plus one tensor object per
/// tensor in data order, so that a checkout writes back the same bytes that were committed.
public struct Tree: Codable, Sendable, Equatable {
    /// How a file is stored.
    public enum FileKind: String, Codable, Sendable {
        /// The file's bytes are one blob.
        case blob
        /// A safetensors file: its header blob and its tensors.
        case safetensors
    }

    /// One tensor of a safetensors file.
    public struct TensorEntry: Codable, Sendable, Equatable {
        /// The tensor's name in the file.
        public var name: String
        /// The tensor object's address.
        public var object: String
        /// The safetensors dtype.
        public var dtype: String
        /// The shape.
        public var shape: [Int]

        /// The number of bytes of the tensor.
        public var byteCount: Int { shape.reduce(1, *) * (dtypeWidth(dtype) ?? 0) }
    }

    /// One file.
    public struct File: Codable, Sendable, Equatable {
        /// The path relative to the model folder (`/`-separated).
        public var path: String
        /// How it is stored.
        public var kind: FileKind
        /// The blob with the file's bytes, or a safetensors file's header (length field, JSON and padding).
        public var object: String
        /// The file's size in bytes.
        public var size: Int
        /// A safetensors file's tensors in data order.
        public var tensors: [TensorEntry]?
    }

    /// The files, sorted by path.
    public var files: [File]

    /// Creates a tree (files are sorted by path).
    public init(files: [File]) { self.files = files.sorted { $0.path < $1.path } }

    /// The file at `path`.
    public func file(_ path: String) -> File? { files.first { $0.path == path } }

    /// Whether the tree is a PEFT adapter (holds `adapter_config.json` and `adapter_model.safetensors`).
    public var isAdapter: Bool { file("adapter_config.json") != nil && file("adapter_model.safetensors") != nil }

    /// Every tensor, keyed `file:tensor`.
    public var tensorsByKey: [String: TensorEntry] {
        var out: [String: TensorEntry] = [:]
        for file in files { for tensor in file.tensors ?? [] { out["\(file.path):\(tensor.name)"] = tensor } }
        return out
    }

    /// The addresses of every object the tree reaches.
    public var objectIDs: [String] {
        files.flatMap { [$0.object] + ($0.tensors ?? []).map(\.object) }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
