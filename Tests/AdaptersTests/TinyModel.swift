import Adapters
import Foundation

/// A tiny randomly initialised encoder with all-MiniLM-L6-v2's architecture (fast tests).
enum TinyModel {
    static let configuration = BertConfiguration(
        vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32, maxPositions: 24,
        typeVocabularySize: 2, layerNormEpsilon: 1e-12)

    static let model = BertModel(randomWithConfiguration: configuration, seed: 7)

    /// Deterministic token sequences of the given lengths, `[CLS]`=2 … `[SEP]`=3 style.
    static func sequences(_ lengths: [Int], seed: Int = 0) -> [[Int32]] {
        lengths.enumerated().map { index, length in
            (0..<length).map { position in
                if position == 0 { return 2 }
                if position == length - 1 { return 3 }
                return Int32(5 + (position * 7 + index * 13 + seed * 3) % 35)
            }
        }
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

func floats(_ value: Any?) -> [Float] {
    (value as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } ?? []
}
