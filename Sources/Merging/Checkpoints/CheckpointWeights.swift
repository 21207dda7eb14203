import Foundation

/// The weights of a Hugging Face checkpoint folder, read one tensor at a time: `model.safetensors`, or the shards that
/// `model.safetensors.index.json` lists in its `weight_map` (as `save_pretrained` writes checkpoints above its shard
/// size).
///
/// Tensors are addressed by name whatever shard holds them, so a sharded checkpoint merges with a single-file one. The
/// index is checked when the folder is opened: shard names must be plain file names inside the folder, every shard
/// must exist and be a well-formed safetensors file, and every tensor the index places in a shard must be in it.
public final class CheckpointWeights {
    /// The index file name of a sharded checkpoint.
    public static let indexFileName = "model.safetensors.index.json"
    /// The weights file name of a single-file checkpoint.
    public static let singleFileName = "model.safetensors"

    /// The checkpoint folder.
    public let folder: URL
    /// The weight files (one, or the shards in the order of their names), each with its file name.
    public let files: [(name: String, stream: SafeTensorsStream)]
    /// Whether the weights come from an index of shards.
    public let isSharded: Bool
    /// Every tensor, shard by shard and in data order within a shard.
    public let entries: [SafeTensorsStream.Entry]
    private let location: [String: Int]

    /// Where messages point: the single weights file, or the index of a sharded checkpoint.
    public var path: String {
        folder.appendingPathComponent(isSharded ? Self.indexFileName : Self.singleFileName).path
    }

    /// Opens a checkpoint folder.
    ///
    /// - Throws: ``MergingError/missingFile(path:reason:)`` for a folder with neither weights file, or a shard the
    ///   index names that is absent; ``MergingError/invalidFile(path:tensor:reason:)`` for a malformed index (not a
    ///   JSON object with a `weight_map` of names to shard file names, a shard name that is not a plain file name, a
    ///   tensor the index places in a shard that lacks it, or a tensor in two shards) or a malformed or truncated shard.
    public init(folder: URL) throws {
        self.folder = folder
        let manager = FileManager.default
        let single = folder.appendingPathComponent(Self.singleFileName)
        let index = folder.appendingPathComponent(Self.indexFileName)
        if manager.fileExists(atPath: single.path) {
            let stream = try SafeTensorsStream(url: single)
            files = [(Self.singleFileName, stream)]
            isSharded = false
            entries = stream.entries
            location = Dictionary(stream.entries.map { ($0.name, 0) }, uniquingKeysWith: { first, _ in first })
            return
        }
        guard manager.fileExists(atPath: index.path) else {
            throw MergingError.missingFile(
                path: single.path,
                reason: "a checkpoint folder needs model.safetensors or a sharded model.safetensors.index.json")
        }
        let data: Data
        do { data = try Data(contentsOf: index) } catch {
            throw MergingError.io(path: index.path, reason: error.localizedDescription)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let map = object["weight_map"] as? [String: Any]
        else {
            throw MergingError.invalidFile(
                path: index.path, tensor: nil, reason: "expected a JSON object with a weight_map")
        }
        var placement: [String: String] = [:]
        for (tensor, value) in map {
            guard let file = value as? String else {
                throw MergingError.invalidFile(
                    path: index.path, tensor: tensor, reason: "its weight_map entry is not a file name")
            }
            guard !file.isEmpty, !file.contains("/"), !file.contains("\\"), file != ".", file != "..",
                file.hasSuffix(".safetensors")
            else {
                throw MergingError.invalidFile(
                    path: index.path, tensor: tensor,
                    reason: "shard \"\(file)\" is not a .safetensors file name inside the checkpoint folder")
            }
            placement[tensor] = file
        }
        guard !placement.isEmpty else {
            throw MergingError.invalidFile(path: index.path, tensor: nil, reason: "the weight_map lists no tensor")
        }
        var opened: [(name: String, stream: SafeTensorsStream)] = []
        for name in Set(placement.values).sorted() {
            let url = folder.appendingPathComponent(name)
            guard manager.fileExists(atPath: url.path) else {
                throw MergingError.missingFile(path: url.path, reason: "a shard named in \(index.path)")
            }
            opened.append((name, try SafeTensorsStream(url: url)))
        }
        var location: [String: Int] = [:]
        var entries: [SafeTensorsStream.Entry] = []
        for (position, file) in opened.enumerated() {
            for entry in file.stream.entries {
                if let earlier = location[entry.name] {
                    throw MergingError.invalidFile(
                        path: file.stream.path, tensor: entry.name,
                        reason: "also in \(opened[earlier].stream.path); a tensor belongs to one shard")
                }
                location[entry.name] = position
                entries.append(entry)
            }
        }
        for (tensor, file) in placement.sorted(by: { $0.key < $1.key }) {
            guard let position = location[tensor], opened[position].name == file else {
                throw MergingError.invalidFile(
                    path: folder.appendingPathComponent(file).path, tensor: tensor,
                    reason: "absent, though \(Self.indexFileName) places it in this shard")
            }
        }
        files = opened
        isSharded = true
        self.entries = entries
        self.location = location
    }

    /// A tensor's entry (nil when absent).
    public func entry(_ name: String) -> SafeTensorsStream.Entry? { stream(of: name)?.entry(name) }

    /// The file holding a tensor (nil when absent).
    public func stream(of name: String) -> SafeTensorsStream? { location[name].map { files[$0].stream } }

    /// The name of the file holding a tensor (nil when absent).
    public func fileName(of name: String) -> String? { location[name].map { files[$0].name } }

    /// A floating-point tensor's values as Float32 (see ``SafeTensorsStream/floats(_:)``).
    /// - Throws: ``MergingError/invalidFile(path:tensor:reason:)`` for an absent tensor, another dtype or a failed read.
    public func floats(_ name: String) throws -> [Float] {
        guard let stream = stream(of: name) else {
            throw MergingError.invalidFile(path: path, tensor: name, reason: "absent")
        }
        return try stream.floats(name)
    }

    /// A tensor's raw bytes.
    /// - Throws: ``MergingError/invalidFile(path:tensor:reason:)`` for an absent tensor or a failed read.
    public func bytes(_ name: String) throws -> [UInt8] {
        guard let stream = stream(of: name) else {
            throw MergingError.invalidFile(path: path, tensor: name, reason: "absent")
        }
        return try stream.bytes(name)
    }

    /// The path to name in a message about `tensor`: its shard's file, else the checkpoint's ``path``.
    public func path(of tensor: String) -> String { stream(of: tensor)?.path ?? path }
}
