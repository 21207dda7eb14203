import Foundation
import FoundryTestSupport
import Merging
import Testing

/// Full-checkpoint merges of F16, BF16 and F64 tensors and of sharded checkpoints (`model.safetensors.index.json`).
@Suite("Checkpoint dtypes and shards")
struct CheckpointFormatsTests {
    /// One tensor of a hand-written safetensors file: its raw little-endian bytes.
    struct Raw {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: [UInt8]

        static func f32(_ name: String, _ values: [Float]) -> Raw {
            Raw(name: name, dtype: "F32", shape: [values.count], bytes: values.flatMap { littleEndian($0.bitPattern) })
        }
        static func f16(_ name: String, _ bits: [UInt16]) -> Raw {
            Raw(name: name, dtype: "F16", shape: [bits.count], bytes: bits.flatMap(littleEndian))
        }
        static func bf16(_ name: String, _ bits: [UInt16]) -> Raw {
            Raw(name: name, dtype: "BF16", shape: [bits.count], bytes: bits.flatMap(littleEndian))
        }
        static func f64(_ name: String, _ values: [Double]) -> Raw {
            Raw(name: name, dtype: "F64", shape: [values.count], bytes: values.flatMap { littleEndian($0.bitPattern) })
        }
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// A safetensors file written byte by byte (independent of the code under test).
    static func safetensors(_ tensors: [Raw]) -> Data {
        var entries: [String] = []
        var offset = 0
        for tensor in tensors {
            entries.append(
                "\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}"
            )
            offset += tensor.bytes.count
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(littleEndian(UInt64(header.count)))
        data.append(contentsOf: header)
        for tensor in tensors { data.append(contentsOf: tensor.bytes) }
        return data
    }

    /// A checkpoint folder with one `model.safetensors`.
    static func checkpoint(_ folder: TemporaryDirectory, _ name: String, _ tensors: [Raw]) throws -> URL {
        let url = folder.file(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try safetensors(tensors).write(to: url.appendingPathComponent("model.safetensors"))
        _ = try folder.write("\(name)/config.json", "{}")
        return url
    }

    /// A sharded checkpoint folder: each shard's tensors, and an index naming (`placement`) the file of each tensor.
    static func sharded(
        _ folder: TemporaryDirectory, _ name: String, shards: [String: [Raw]], placement: [String: String]? = nil
    ) throws -> URL {
        let url = folder.file(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var map: [String: String] = [:]
        for (file, tensors) in shards {
            try safetensors(tensors).write(to: url.appendingPathComponent(file))
            for tensor in tensors { map[tensor.name] = file }
        }
        let object: [String: Any] = ["metadata": [String: Int](), "weight_map": placement ?? map]
        let index = try JSONSerialization.data(withJSONObject: object)
        try index.write(to: url.appendingPathComponent("model.safetensors.index.json"))
        _ = try folder.write("\(name)/config.json", "{}")
        return url
    }

    static func rawBits16(_ url: URL, _ name: String) throws -> [UInt16] {
        let bytes = try SafeTensorsStream(url: url).bytes(name)
        return stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }

    @Test("F16 and BF16 tensors merge in Float32 and are written back in their dtype, rounding to nearest even")
    func halfPrecisionRoundsToNearestEven() throws {
        let folder = TemporaryDirectory()
        // F16: 1 = 0x3C00, 1 + 2⁻¹⁰ = 0x3C01, 1 + 2⁻⁹ = 0x3C02. The averages 1 + 2⁻¹¹ and 1 + 3·2⁻¹¹ lie halfway
        // between two F16 values and round to the even one: 0x3C00 and 0x3C02. 2.5 = 0x4100 is exact.
        // BF16: 1 = 0x3F80, 1 + 2⁻⁷ = 0x3F81, 1 + 2⁻⁶ = 0x3F82; the same halfway cases give 0x3F80 and 0x3F82.
        let first = try Self.checkpoint(
            folder, "first", [.f16("h", [0x3C00, 0x3C01, 0x4000]), .bf16("b", [0x3F80, 0x3F81, 0x4000])])
        let second = try Self.checkpoint(
            folder, "second", [.f16("h", [0x3C01, 0x3C02, 0x4200]), .bf16("b", [0x3F81, 0x3F82, 0x4040])])
        let output = folder.file("merged")
        let report = try CheckpointMerge.merge(
            models: [first, second], base: nil, output: output, configuration: .init(method: .linear))
        #expect(report.mergedTensors == 2 && report.copiedTensors == 0)
        let weights = output.appendingPathComponent("model.safetensors")
        let stream = try SafeTensorsStream(url: weights)
        #expect(stream.entry("h")?.dtype == "F16" && stream.entry("b")?.dtype == "BF16")
        #expect(try Self.rawBits16(weights, "h") == [0x3C00, 0x3C02, 0x4100])
        // (2 + 3) / 2 = 2.5 = 0x4020 in BF16.
        #expect(try Self.rawBits16(weights, "b") == [0x3F80, 0x3F82, 0x4020])
        #expect(try stream.floats("h") == [1, 1 + 2 / 1024, 2.5])
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("config.json").path))
    }

    @Test("mixed dtypes: values are read as Float32 and the output takes the base's dtype")
    func mixedDTypesFollowTheBase() throws {
        let folder = TemporaryDirectory()
        let base = try Self.checkpoint(folder, "base", [.f32("w", [1, 2, 3, 4])])
        // BF16 0x3FC0 = 1.5, 0x4000 = 2, 0x4040 = 3, 0x4080 = 4: task vector (0.5, 0, 0, 0).
        let half = try Self.checkpoint(folder, "half", [.bf16("w", [0x3FC0, 0x4000, 0x4040, 0x4080])])
        // F64: task vector (0, 0, -1, 2).
        let double = try Self.checkpoint(folder, "double", [.f64("w", [1, 2, 2, 6])])
        let output = folder.file("merged")
        _ = try CheckpointMerge.merge(
            models: [half, double], base: base, output: output, configuration: .init(method: .taskArithmetic))
        let merged = try SafeTensorsStream(url: output.appendingPathComponent("model.safetensors"))
        #expect(merged.entry("w")?.dtype == "F32")
        #expect(try merged.floats("w") == [1.5, 2, 2, 6])
    }

    @Test("a sharded checkpoint merges like the same tensors in one file, and the output keeps its shards and index")
    func shardedCheckpointsMergeLikeSingleFiles() throws {
        let folder = TemporaryDirectory()
        let a: [Float] = [1, -2, 3, -4, 5, -6], b: [Float] = [0.5, 0.25, -0.125]
        let base = try Self.checkpoint(folder, "base", [.f32("a", a), .f32("b", b)])
        let shardedBase = try Self.sharded(
            folder, "sharded-base",
            shards: [
                "model-00001-of-00002.safetensors": [.f32("a", a)], "model-00002-of-00002.safetensors": [.f32("b", b)],
            ])
        let t1 = try Self.checkpoint(folder, "t1", [.f32("a", a.map { $0 + 1 }), .f32("b", b.map { $0 * 2 })])
        let t2 = try Self.sharded(
            folder, "t2",
            shards: [
                "part-1.safetensors": [.f32("b", b.map { $0 - 1 })],
                "part-2.safetensors": [.f32("a", a.map { -$0 })],
            ])
        for method in [MergeMethod.ties, .dareTies] {
            var configuration = CheckpointMerge.Configuration(method: method)
            configuration.seed = 7
            let single = folder.file("single-\(method.rawValue)")
            let shardedOut = folder.file("sharded-\(method.rawValue)")
            _ = try CheckpointMerge.merge(models: [t1, t2], base: base, output: single, configuration: configuration)
            let report = try CheckpointMerge.merge(
                models: [t1, t2], base: shardedBase, output: shardedOut, configuration: configuration)
            #expect(report.mergedTensors == 2)
            let expected = try SafeTensorsStream(url: single.appendingPathComponent("model.safetensors"))
            let index = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: shardedOut.appendingPathComponent("model.safetensors.index.json")))
                    as? [String: Any])
            #expect(
                index["weight_map"] as? [String: String] == [
                    "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors",
                ])
            #expect((index["metadata"] as? [String: Any])?["total_size"] as? Int == (6 + 3) * 4)
            #expect(
                !FileManager.default.fileExists(atPath: shardedOut.appendingPathComponent("model.safetensors").path))
            let first = try SafeTensorsStream(
                url: shardedOut.appendingPathComponent("model-00001-of-00002.safetensors"))
            let second = try SafeTensorsStream(
                url: shardedOut.appendingPathComponent("model-00002-of-00002.safetensors"))
            #expect(first.entries.map(\.name) == ["a"] && second.entries.map(\.name) == ["b"])
            // DARE's masks are seeded by the tensor's position in the base, the same in both layouts here.
            #expect(try first.floats("a") == expected.floats("a"))
            #expect(try second.floats("b") == expected.floats("b"))
        }
        let conflicts = try ConflictReport.checkpoints(models: [t1, t2], base: shardedBase, top: 0.5)
        #expect(conflicts.tensors.map(\.tensor).sorted() == ["a", "b"])
    }

    @Test("a broken index names the file and tensor; nothing is written at the output")
    func brokenIndexes() throws {
        let folder = TemporaryDirectory()
        let base = try Self.checkpoint(folder, "base", [.f32("a", [1, 2])])
        let output = folder.file("merged")
        func merge(_ model: URL) throws {
            _ = try CheckpointMerge.merge(
                models: [model, model], base: base, output: output, configuration: .init(method: .ties))
        }
        let missing = try Self.sharded(
            folder, "missing", shards: ["one.safetensors": [.f32("a", [1, 2])]],
            placement: ["a": "two.safetensors"])
        #expect(
            throws: MergingError.missingFile(
                path: missing.appendingPathComponent("two.safetensors").path,
                reason: "a shard named in \(missing.appendingPathComponent("model.safetensors.index.json").path)")
        ) { try merge(missing) }
        let escaping = try Self.sharded(
            folder, "escaping", shards: ["one.safetensors": [.f32("a", [1, 2])]],
            placement: ["a": "../base/model.safetensors"])
        #expect {
            try merge(escaping)
        } throws: { error in
            guard case let MergingError.invalidFile(path, tensor, reason) = error else { return false }
            return path.hasSuffix("escaping/model.safetensors.index.json") && tensor == "a"
                && reason.contains("not a .safetensors file name inside the checkpoint folder")
        }
        let misplaced = try Self.sharded(
            folder, "misplaced",
            shards: ["one.safetensors": [.f32("a", [1, 2])], "two.safetensors": [.f32("c", [1])]],
            placement: ["a": "two.safetensors", "c": "two.safetensors"])
        #expect(
            throws: MergingError.invalidFile(
                path: misplaced.appendingPathComponent("two.safetensors").path, tensor: "a",
                reason: "absent, though model.safetensors.index.json places it in this shard")
        ) { try merge(misplaced) }
        let notJSON = folder.file("notjson")
        try FileManager.default.createDirectory(at: notJSON, withIntermediateDirectories: true)
        _ = try folder.write("notjson/model.safetensors.index.json", "[1, 2]")
        #expect(
            throws: MergingError.invalidFile(
                path: notJSON.appendingPathComponent("model.safetensors.index.json").path, tensor: nil,
                reason: "expected a JSON object with a weight_map")
        ) { try merge(notJSON) }
        // A non-floating-point tensor where the base has a float one.
        let integer = try Self.checkpoint(
            folder, "integer", [Raw(name: "a", dtype: "I32", shape: [2], bytes: [1, 0, 0, 0, 2, 0, 0, 0])])
        #expect {
            try merge(integer)
        } throws: { error in
            guard case let MergingError.incompatible(path, tensor, reason) = error else { return false }
            return path.hasSuffix("integer/model.safetensors") && tensor == "a" && reason.contains("dtype I32")
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasPrefix(".") }.isEmpty)
    }
}
