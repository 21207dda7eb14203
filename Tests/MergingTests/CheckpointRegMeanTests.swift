import Foundation
import FoundryTestSupport
import Merging
import Tensors
import Testing

/// RegMean on full checkpoints: linear layers solve with the Gram files beside each checkpoint, the rest is averaged.
@Suite("RegMean on full checkpoints")
struct CheckpointRegMeanTests {
    static let query = "encoder.layer.0.attention.self.query"

    /// A checkpoint folder with a 2 × 3 query weight, its bias and a layer norm; and, when given, its Gram file.
    static func checkpoint(
        _ folder: TemporaryDirectory, _ name: String, weight: [Float], bias: [Float], gram: [Float]?
    ) throws -> URL {
        let url = folder.file(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try SafeTensors(tensors: [
            "\(query).weight": Tensor(shape: [2, 3], scalars: weight),
            "\(query).bias": Tensor(shape: [2], scalars: bias),
            "embeddings.LayerNorm.weight": Tensor(shape: [3], scalars: weight.prefix(3).map { $0 * 2 }),
        ]).write(to: url.appendingPathComponent("model.safetensors"))
        if let gram {
            try SafeTensors(tensors: [query: Tensor(shape: [3, 3], scalars: gram)]).write(
                to: url.appendingPathComponent("gram.safetensors"))
        }
        return url
    }

    @Test("diagonal Gram matrices weight each input column by its share of the summed Gram; other tensors are averaged")
    func diagonalGramsHaveAClosedForm() throws {
        let folder = TemporaryDirectory()
        let w1: [Float] = [1, 2, 3, 4, 5, 6], w2: [Float] = [-3, 0, 1, 8, 1, -2]
        // G₁ = diag(3, 1, 1), G₂ = diag(1, 1, 3): column 0 takes (3w₁ + w₂)/4, column 1 (w₁ + w₂)/2, column 2 (w₁ + 3w₂)/4.
        let a = try Self.checkpoint(folder, "a", weight: w1, bias: [1, 1], gram: [3, 0, 0, 0, 1, 0, 0, 0, 1])
        let b = try Self.checkpoint(folder, "b", weight: w2, bias: [3, -1], gram: [1, 0, 0, 0, 1, 0, 0, 0, 3])
        let output = folder.file("merged")
        let report = try CheckpointMerge.merge(
            models: [a, b], base: nil, output: output, configuration: .init(method: .regmean))
        #expect(report.mergedTensors == 3)
        let merged = try SafeTensors(contentsOf: output.appendingPathComponent("model.safetensors")).tensors
        let expected: [Float] = [
            (3 * 1 - 3) / 4, (2 + 0) / 2, (3 + 3 * 1) / 4, (3 * 4 + 8) / 4, (5 + 1) / 2, (6 - 6) / 4,
        ]
        let weight = try #require(merged["\(Self.query).weight"]).scalars
        #expect(approximatelyEqual(weight, expected, tolerance: 1e-6), "\(weight)")
        #expect(merged["\(Self.query).bias"]?.scalars == [2, 0])
        #expect(merged["embeddings.LayerNorm.weight"]?.scalars == [-2, 2, 4])
    }

    @Test("full Gram matrices: the merged weight solves W′ΣG̃ᵢ = ΣWᵢG̃ᵢ, with the off-diagonal entries scaled by α")
    func fullGramsSolveTheNormalEquations() throws {
        let folder = TemporaryDirectory()
        let w1: [Float] = [0.5, -1, 2, 1, 0, -0.5], w2: [Float] = [1, 1, -1, 0.25, 2, 0]
        let g1: [Float] = [2, 0.5, 0.1, 0.5, 1, 0.2, 0.1, 0.2, 1.5]
        let g2: [Float] = [1, -0.3, 0, -0.3, 2, 0.4, 0, 0.4, 1]
        let a = try Self.checkpoint(folder, "a", weight: w1, bias: [0, 0], gram: g1)
        let b = try Self.checkpoint(folder, "b", weight: w2, bias: [0, 0], gram: g2)
        for alpha: Float in [1, 0.5] {
            var configuration = CheckpointMerge.Configuration(method: .regmean)
            configuration.regmeanAlpha = alpha
            configuration.weights = [0.25, 0.75]
            let output = folder.file("merged-\(alpha)")
            _ = try CheckpointMerge.merge(models: [a, b], base: nil, output: output, configuration: configuration)
            let merged = try #require(
                try SafeTensors(contentsOf: output.appendingPathComponent("model.safetensors"))
                    .tensors["\(Self.query).weight"]
            ).scalars
            func scaled(_ g: [Float]) -> [Double] {
                (0..<9).map { $0 % 4 == 0 ? Double(g[$0]) : Double(alpha) * Double(g[$0]) }
            }
            let s1 = scaled(g1), s2 = scaled(g2)
            for row in 0..<2 {
                for column in 0..<3 {
                    var left = 0.0, right = 0.0
                    for k in 0..<3 {
                        left += Double(merged[row * 3 + k]) * (0.25 * s1[k * 3 + column] + 0.75 * s2[k * 3 + column])
                        right +=
                            0.25 * Double(w1[row * 3 + k]) * s1[k * 3 + column] + 0.75 * Double(w2[row * 3 + k])
                            * s2[k * 3 + column]
                    }
                    #expect(abs(left - right) < 1e-5, "row \(row), column \(column), α \(alpha)")
                }
            }
        }
    }

    @Test("a missing or misshapen Gram file names the file; nothing is written at the output")
    func badGramFiles() throws {
        let folder = TemporaryDirectory()
        let good = try Self.checkpoint(
            folder, "good", weight: [1, 2, 3, 4, 5, 6], bias: [0, 0],
            gram: [
                1, 0, 0, 0, 1, 0, 0, 0, 1,
            ])
        let none = try Self.checkpoint(folder, "none", weight: [1, 2, 3, 4, 5, 6], bias: [0, 0], gram: nil)
        let output = folder.file("merged")
        #expect(
            throws: MergingError.missingFile(
                path: none.appendingPathComponent("gram.safetensors").path,
                reason: "the regmean method needs each checkpoint's Gram matrices (foundry merge gram --model DIR)")
        ) {
            try CheckpointMerge.merge(
                models: [good, none], base: nil, output: output, configuration: .init(method: .regmean))
        }
        let wide = try Self.checkpoint(folder, "wide", weight: [1, 2, 3, 4, 5, 6], bias: [0, 0], gram: nil)
        try SafeTensors(tensors: [Self.query: Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])]).write(
            to: wide.appendingPathComponent("gram.safetensors"))
        #expect {
            try CheckpointMerge.merge(
                models: [good, wide], base: nil, output: output, configuration: .init(method: .regmean))
        } throws: { error in
            guard case let MergingError.incompatible(path, tensor, reason) = error else { return false }
            return path.hasSuffix("wide/gram.safetensors") && tensor == Self.query && reason.contains("expected [3, 3]")
        }
        var zero = CheckpointMerge.Configuration(method: .regmean)
        zero.weights = [1, -1]
        #expect(throws: MergingError.self) {
            try CheckpointMerge.merge(models: [good, good], base: nil, output: output, configuration: zero)
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
