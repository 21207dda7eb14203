import Adapters
import Foundation
import FoundryCore
import Tensors

/// Gram matrices of the inputs of every linear layer of a full checkpoint's encoder, for RegMean merges of full
/// checkpoints (Jin et al. 2023): per layer G = XᵀX / n over the token states entering it when the checkpoint's own
/// encoder runs on a sample of its task's texts. Saved beside the checkpoint as `gram.safetensors`, keyed by the
/// layer's weight name without `.weight` (`encoder.layer.0.attention.self.query`), so merging needs no data.
public enum CheckpointGram {
    /// The file name beside a checkpoint.
    public static let fileName = "gram.safetensors"

    /// The Gram matrices of the query, key, value, attention-output, intermediate and output layers of every encoder
    /// layer.
    ///
    /// - Parameters:
    ///   - encoder: the checkpoint's encoder with its tokenizer (and maximum length).
    ///   - texts: the task's texts.
    ///   - samples: how many texts to use (a seeded sample; all when there are fewer).
    ///   - seed: the sample's seed.
    /// - Returns: the matrices and the number of texts they were computed on.
    /// - Throws: ``MergingError/invalidParameter(name:reason:)`` for no texts or `samples` < 1.
    /// - Complexity: one forward pass per sampled text plus O(tokens · width²) per layer through BLAS.
    public static func compute(encoder: SentenceEncoder, texts: [String], samples: Int, seed: UInt64) throws
        -> (grams: [String: Tensor], rows: Int)
    {
        guard !texts.isEmpty else { throw MergingError.invalidParameter(name: "texts", reason: "no texts to run") }
        guard samples > 0 else {
            throw MergingError.invalidParameter(name: "samples", reason: "must be positive, got \(samples)")
        }
        var generator = SeededGenerator(seed: seed ^ 0x6EA3)
        let rows = Array(texts.indices.shuffled(using: &generator).prefix(samples))
        let sequences = encoder.tokenize(rows.map { texts[$0] })
        // A zero update on every linear layer: the forward pass is the checkpoint's own, and records each layer's input.
        let probe: LoRAAdapter
        do {
            probe = try LoRAAdapter(
                model: encoder.model, configuration: .init(rank: 1, alpha: 1, targets: LoRATarget.allCases))
        } catch let error as AdaptersError {
            throw MergingError.invalidParameter(name: "model", reason: error.description)
        }
        return (LayerInputGram.compute(adapter: probe, model: encoder.model, sequences: sequences), rows.count)
    }

    /// Writes `grams` to `url` (atomically), recording the number of texts in the metadata.
    /// - Throws: ``MergingError/io(path:reason:)`` when the file cannot be written.
    public static func save(_ grams: [String: Tensor], rows: Int, to url: URL) throws {
        var file = SafeTensors(tensors: grams)
        file.metadata["foundry.gram_samples"] = String(rows)
        do { try AtomicFile.write(file.serialized(), to: url) } catch {
            throw MergingError.io(path: url.path, reason: "\(error)")
        }
    }

    /// The Gram keys a weight tensor may be saved under: its name without `.weight`, and also without a leading
    /// `bert.`; none for a tensor that is not a weight.
    static func keys(of tensor: String) -> [String] {
        guard tensor.hasSuffix(".weight") else { return [] }
        let stem = String(tensor.dropLast(".weight".count))
        return stem.hasPrefix("bert.") ? [stem, String(stem.dropFirst("bert.".count))] : [stem]
    }
}
