import Foundation
import Labeling

/// A labeling function proposed by ``LFSynthesizer``, with the figures it was chosen by.
public struct LFCandidate: Sendable, Equatable {
    /// The family a candidate comes from.
    public enum Family: String, Sendable, Equatable, Codable, CaseIterable {
        /// A word or a two-word phrase, ranked by class-conditional lift on the exemplars.
        case keyword
        /// A regular expression of the fixed shape catalogue (``ShapePattern/catalogue``).
        case shape
        /// Cosine to a class's exemplar centroid, with a threshold tuned on the exemplars.
        case similarity
        /// The few-shot classifier's vote where its prior-adjusted probability is high (two classes), written as a
        /// `similarity` function on the classifier's weight direction.
        case classifier
    }

    /// The function, as it is written to the LF spec.
    public var spec: LabelingFunctionSpec
    /// Where it comes from.
    public var family: Family
    /// The class index it votes for.
    public var classIndex: Int
    /// Smoothed precision on the exemplars it fires on (leave-one-out for similarity functions), under the pool's
    /// estimated class prior when the synthesis is prior-aware: see ``LFSynthesizer``.
    public var precision: Double
    /// The fraction of the pool it votes on.
    public var coverage: Double
    /// The fraction of its pool votes that fall on rows already covered by the functions chosen before it (for a
    /// candidate not chosen: by every chosen function).
    public var overlap: Double
    /// Smoothed precision divided by the class's prior share (1 = no better than the prior).
    public var lift: Double
    /// The exemplars it fires on, and how many of them are of its class.
    public var exemplarHits: Int
    /// Of ``exemplarHits``, those of its class.
    public var exemplarHitsOfClass: Int
    /// The selection score: an F-measure of precision and coverage, discounted by overlap.
    public var score: Double
    /// Whether it is in the written spec (chosen by the greedy selection, or by a review decision).
    public var accepted: Bool
    /// A few pool texts it votes on (for review).
    public var examples: [String]

    /// The function's name.
    public var name: String { spec.name }

    /// A one-line description of the rule: `words [subscribe]`, `pattern /https?:/`, `cosine ≥ 0.42 to the SPAM
    /// centroid`.
    public var rule: String {
        switch spec.kind {
        case .keyword: return "contains " + spec.keywords.map { "\"\($0)\"" }.joined(separator: " or ")
        case .lexicon: return "word " + spec.words.map { "\"\($0)\"" }.joined(separator: " or ")
        case .regex: return "matches /\(spec.pattern ?? "")/" + (spec.ignoreCase ? "i" : "")
        case .similarity:
            return "cosine ≥ \(spec.minCosine.map { String(format: "%.4f", $0) } ?? "?") to the \(spec.label) centroid"
        case .threshold: return "threshold"
        }
    }
}

extension LFCandidate: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, family, label, rule, classIndex, precision, coverage, overlap, lift, exemplarHits
        case exemplarHitsOfClass, score, accepted, examples
    }

    /// Encodes the figures and the rule (the spec itself is the YAML file's business).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(family, forKey: .family)
        try container.encode(spec.label, forKey: .label)
        try container.encode(rule, forKey: .rule)
        try container.encode(classIndex, forKey: .classIndex)
        try container.encode(precision, forKey: .precision)
        try container.encode(coverage, forKey: .coverage)
        try container.encode(overlap, forKey: .overlap)
        try container.encode(lift, forKey: .lift)
        try container.encode(exemplarHits, forKey: .exemplarHits)
        try container.encode(exemplarHitsOfClass, forKey: .exemplarHitsOfClass)
        try container.encode(score, forKey: .score)
        try container.encode(accepted, forKey: .accepted)
        try container.encode(examples, forKey: .examples)
    }
}
