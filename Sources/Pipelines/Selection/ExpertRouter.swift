import Foundation
import FoundryCore

/// A text paired with the candidate (expert) that should handle texts like it.
public struct RoutingExemplar: Sendable, Equatable, Codable {
    /// The exemplar text.
    public var text: String
    /// The name of the candidate that should handle it.
    public var candidate: String

    /// Creates an exemplar.
    public init(text: String, candidate: String) {
        self.text = text
        self.candidate = candidate
    }
}

/// Routes each input to one of several experts (adapters) by a classifier on the base encoder's embeddings: a
/// composition of experts in which the gate is trained on exemplars of which expert suits which inputs (per-task
/// exemplars, or the rows on which each expert was right).
///
/// The gate is an ``EmbeddingClassifier`` over the candidates (multinomial logistic regression on L2-normalised
/// sentence embeddings), so routing is deterministic and costs one embedding per input plus a `d × candidates`
/// product.
public struct ExpertRouter: Sendable, Equatable, Codable {
    /// The candidates' names, in the order the gate's classes use.
    public let candidates: [String]
    /// The gate.
    public let classifier: EmbeddingClassifier
    /// The gate's default fit: balanced class weights (tasks rarely bring equal numbers of exemplars) and a moderate
    /// penalty.
    public static let defaultConfiguration = EmbeddingClassifier.Configuration(l2: 1e-3, classWeighting: .balanced)

    /// Exemplars the gate was trained on, per candidate.
    public let exemplarCounts: [Int]

    /// Creates a router from a fitted gate.
    public init(candidates: [String], classifier: EmbeddingClassifier, exemplarCounts: [Int]) {
        precondition(candidates.count == classifier.classes, "one gate class per candidate")
        self.candidates = candidates
        self.classifier = classifier
        self.exemplarCounts = exemplarCounts
    }

    /// Trains the gate on exemplar texts, each naming the candidate that should handle it.
    ///
    /// - Parameters:
    ///   - exemplars: texts with candidate names; every name must be one of `candidates`.
    ///   - candidates: the candidates' names (at least two, distinct).
    ///   - embed: the base encoder's normalised embeddings of texts (one vector per text, in order).
    ///   - configuration: the gate's fit.
    /// - Returns: the router.
    /// - Throws: ``PipelinesError/selectionFailed(reason:)`` naming an exemplar whose candidate is unknown (and the
    ///   valid names), or for fewer than two candidates or no exemplars; the embedder's errors.
    /// - Complexity: one embedding per exemplar plus the gate's fit.
    public static func train(
        exemplars: [RoutingExemplar], candidates: [String], embed: ([String]) throws -> [[Float]],
        configuration: EmbeddingClassifier.Configuration = ExpertRouter.defaultConfiguration
    ) throws -> ExpertRouter {
        try checkNames(candidates)
        guard !exemplars.isEmpty else { throw PipelinesError.selectionFailed(reason: "no routing exemplars") }
        var index: [String: Int] = [:]
        for (position, name) in candidates.enumerated() { index[name] = position }
        let labels = try exemplars.enumerated().map { row, exemplar -> Int in
            guard let position = index[exemplar.candidate] else {
                throw PipelinesError.selectionFailed(
                    reason: "routing exemplar \(row): candidate '\(exemplar.candidate)' is not one of "
                        + candidates.joined(separator: ", "))
            }
            return position
        }
        let embeddings = try embed(exemplars.map(\.text))
        return try train(embeddings: embeddings, labels: labels, candidates: candidates, configuration: configuration)
    }

    /// Trains the gate on embeddings labeled with candidate indices.
    ///
    /// - Throws: as ``train(exemplars:candidates:embed:configuration:)``, and the classifier's errors for bad vectors.
    public static func train(
        embeddings: [[Float]], labels: [Int], candidates: [String],
        configuration: EmbeddingClassifier.Configuration = ExpertRouter.defaultConfiguration
    ) throws -> ExpertRouter {
        try checkNames(candidates)
        guard !embeddings.isEmpty else { throw PipelinesError.selectionFailed(reason: "no routing exemplars") }
        let classifier = try EmbeddingClassifier.fit(
            embeddings: embeddings, labels: labels, classes: candidates.count, configuration: configuration)
        var counts = [Int](repeating: 0, count: candidates.count)
        for label in labels { counts[label] += 1 }
        return ExpertRouter(candidates: candidates, classifier: classifier, exemplarCounts: counts)
    }

    /// The candidate index each embedding is routed to.
    ///
    /// - Throws: the classifier's errors for vectors of the wrong width or with non-finite values.
    public func route(embeddings: [[Float]]) throws -> [Int] {
        try classifier.predict(embeddings)
    }

    /// The candidate index each text is routed to.
    ///
    /// - Parameters:
    ///   - texts: the inputs.
    ///   - embed: the same embedder the router was trained with.
    public func route(_ texts: [String], embed: ([String]) throws -> [[Float]]) throws -> [Int] {
        try route(embeddings: try embed(texts))
    }

    /// Which expert suits each row, read from the experts' predictions: among the candidates that predict the gold
    /// class, the one most confident in it; when none is right, the one giving the gold class the highest
    /// probability. Rows with unknown gold (negative) get nil.
    ///
    /// - Parameters:
    ///   - probabilities: per candidate, one row of class probabilities per input.
    ///   - gold: one class per input (negative = unknown).
    /// - Returns: one candidate index (or nil) per input; ties go to the earlier candidate.
    public static func expertLabels(probabilities: [[[Double]]], gold: [Int]) -> [Int?] {
        gold.indices.map { row in
            let label = gold[row]
            guard label >= 0 else { return nil }
            var best: Int?
            var bestRight = false
            var bestProbability = -Double.infinity
            for (candidate, rows) in probabilities.enumerated() {
                let values = rows[row]
                guard label < values.count else { continue }
                let right = EmbeddingClassifier.argmax(values) == label
                let probability = values[label]
                if best == nil || (right && !bestRight) || (right == bestRight && probability > bestProbability) {
                    best = candidate
                    bestRight = right
                    bestProbability = probability
                }
            }
            return best
        }
    }

    private static func checkNames(_ candidates: [String]) throws {
        guard candidates.count >= 2 else {
            throw PipelinesError.selectionFailed(
                reason: "routing needs at least two candidates, not \(candidates.count)")
        }
        guard Set(candidates).count == candidates.count else {
            throw PipelinesError.selectionFailed(
                reason: "candidate names repeat: \(candidates.joined(separator: ", "))")
        }
    }
}

extension ExpertRouter {
    /// Writes the router (candidates, gate parameters, exemplar counts) as JSON, atomically.
    ///
    /// - Throws: ``FoundryCoreError`` when the file cannot be written (nothing is left behind).
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(try FoundryJSON.string(self, pretty: true).utf8), to: url)
    }

    /// Reads a router written by ``write(to:)``.
    ///
    /// - Throws: ``PipelinesError/invalidData(source:row:field:reason:)`` naming the file when it cannot be read, is
    ///   not a router, or its parts do not fit together.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelinesError.invalidData(
                source: url.path, row: nil, field: nil, reason: "cannot be read: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let router: ExpertRouter
        do { router = try decoder.decode(ExpertRouter.self, from: data) } catch {
            throw PipelinesError.invalidData(
                source: url.path, row: nil, field: nil, reason: "not a router written by Foundry: \(error)")
        }
        let gate = router.classifier
        guard router.candidates.count == gate.classes, gate.weights.count == gate.dimension * gate.classes,
            gate.intercepts.count == gate.classes, router.exemplarCounts.count == gate.classes,
            gate.weights.allSatisfy(\.isFinite), gate.intercepts.allSatisfy(\.isFinite)
        else {
            throw PipelinesError.invalidData(
                source: url.path, row: nil, field: "classifier",
                reason: "the gate's weights do not fit its \(router.candidates.count) candidates or are not finite")
        }
        self = router
    }
}
