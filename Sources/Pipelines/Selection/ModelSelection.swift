import Adapters
import Foundation
import FoundryCore
import ModelRepository
import Tensors

/// A trained adapter to choose among: a folder as `foundry train` writes it (PEFT files with the head, and
/// `training.json`).
public struct SelectionCandidate: Sendable, Equatable, Codable {
    /// The name reports use (by default the folder's name).
    public var name: String
    /// The adapter folder.
    public var adapterDirectory: URL

    /// Creates a candidate.
    public init(name: String, adapterDirectory: URL) {
        self.name = name
        self.adapterDirectory = adapterDirectory
    }

    /// A candidate named after its folder.
    public init(adapterDirectory: URL) {
        self.init(name: adapterDirectory.standardizedFileURL.lastPathComponent, adapterDirectory: adapterDirectory)
    }
}

extension SelectionCandidate {
    /// A committed adapter of a model repository, checked out (the commit's files, a PEFT folder with whatever
    /// records were committed beside it) into `checkoutDirectory/<name>`.
    ///
    /// - Parameters:
    ///   - ref: a branch, tag or commit address of the repository.
    ///   - name: the candidate's name (default: the ref).
    ///   - repository: the repository folder.
    ///   - checkoutDirectory: an existing folder for the checkouts (the caller removes it when done).
    /// - Returns: the candidate, pointing at the checked-out folder.
    /// - Throws: ``PipelinesError/selectionFailed(reason:)`` naming the ref when the repository cannot be opened, the
    ///   ref is unknown, or the commit is not an adapter.
    public static func committed(
        ref: String, name: String? = nil, repository: URL, checkoutDirectory: URL
    ) throws -> SelectionCandidate {
        let label = name ?? ref
        let safe = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let folder = checkoutDirectory.appendingPathComponent(
            "\(safe)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        do {
            let opened = try ModelRepository(root: repository)
            _ = try opened.checkout(ref, to: folder, format: .files)
        } catch {
            throw PipelinesError.selectionFailed(
                reason:
                    "candidate '\(label)': cannot check out '\(ref)' of the model repository \(repository.path): \(error)"
            )
        }
        return SelectionCandidate(name: label, adapterDirectory: folder)
    }
}

/// A candidate loaded over the shared base encoder.
public struct LoadedCandidate: Sendable {
    /// The candidate.
    public let candidate: SelectionCandidate
    /// Its LoRA factors and classification head.
    public let adapter: LoRAAdapter
    /// Its class names when its folder records them (`labels.json`, or `class_names` in `training.json`).
    public let classNames: [String]?
}

/// How the router of a selection is trained.
public enum RouterTraining: Sendable, Equatable {
    /// Exemplar texts, each naming the candidate that should handle it (for example a few texts per task).
    case exemplars([RoutingExemplar])
    /// The evaluation rows themselves, each labeled with the candidate that handles it best
    /// (``ExpertRouter/expertLabels(probabilities:gold:)``), cross-fitted: the rows are split into `folds` seeded
    /// folds and each fold is routed by a gate trained on the others, so no row is routed by a gate that saw it.
    case crossFitted(folds: Int, seed: UInt64)
}

/// One candidate's scores on the evaluation rows.
public struct CandidateEvaluation: Sendable, Equatable, Codable {
    /// The candidate's name.
    public var name: String
    /// Its folder.
    public var directory: String
    /// The metric's value and the scores next to it.
    public var scores: MetricScores
    /// The class names its folder records, if any.
    public var classNames: [String]?
}

/// How routing did on the evaluation rows.
public struct RoutingEvaluation: Sendable, Equatable, Codable {
    /// `exemplars` or `cross_fitted`.
    public var training: String
    /// Exemplars (or labeled evaluation rows) the gate learned from, per candidate.
    public var exemplars: [String: Int]
    /// The routed predictions' scores.
    public var scores: MetricScores
    /// Rows routed to each candidate.
    public var routed: [String: Int]
    /// The fraction of rows routed to the candidate the evaluation set names for them (when it names one).
    public var routingAccuracy: Double?
    /// The metric if every row went to a candidate that is right on it whenever one is (an upper bound of routing).
    public var oracleScore: Double
    /// The best single candidate and its score, for comparison.
    public var bestSingle: String
    /// The best single candidate's metric.
    public var bestSingleScore: Double
}

/// The outcome of a selection: every candidate's score, the chosen one and, when asked, routing.
public struct SelectionResult: Sendable, Equatable, Codable {
    /// The metric candidates are ranked by.
    public var metric: SelectionMetric
    /// Evaluation rows (those with known gold labels are scored).
    public var rows: Int
    /// The evaluation set's class names.
    public var classes: [String]
    /// One entry per candidate, in the order given.
    public var candidates: [CandidateEvaluation]
    /// The best candidate by the metric (ties go to the earlier candidate).
    public var chosen: String
    /// The chosen candidate's metric.
    public var chosenScore: Double
    /// Routing's outcome, when routing was asked for.
    public var routing: RoutingEvaluation?
    /// The router, when routing was asked for (trained on the exemplars, or on every labeled evaluation row after
    /// cross-fitting), to route new inputs with; not part of the JSON form (``ExpertRouter/write(to:)`` saves it).
    public var router: ExpertRouter?

    private enum CodingKeys: String, CodingKey {
        case metric, rows, classes, candidates, chosen, chosenScore, routing
    }

    /// The run report's section for this selection.
    public var section: SelectionSection {
        SelectionSection(
            mode: routing == nil ? SelectStep.Mode.best.rawValue : SelectStep.Mode.route.rawValue,
            metric: metric.rawValue,
            scores: Dictionary(uniqueKeysWithValues: candidates.map { ($0.name, $0.scores.score) }),
            chosen: routing == nil ? chosen : nil, routedScore: routing?.scores.score)
    }
}

/// Picks the best of several adapters trained on one base encoder by a validation metric, or routes each input to one
/// of them (``ExpertRouter``).
///
/// The base encoder is loaded once; every candidate is a LoRA adapter with its head over it. Candidates are scored on
/// the same evaluation rows; the best has the highest metric, ties going to the earlier candidate in the list.
public enum ModelSelection {
    /// Loads candidate adapters over a base model and checks them against the evaluation set's classes.
    ///
    /// - Parameters:
    ///   - candidates: the adapter folders (distinct names).
    ///   - model: the base encoder the adapters were trained on.
    ///   - classes: the evaluation set's class names.
    /// - Returns: the loaded candidates, in order.
    /// - Throws: ``PipelinesError/selectionFailed(reason:)`` naming the candidate whose folder cannot be read, whose
    ///   head has a different number of classes, or whose recorded class names differ from `classes` (compared
    ///   without regard to case); and for no candidates or repeated names.
    public static func load(
        _ candidates: [SelectionCandidate], model: BertModel, classes: [String]
    ) throws -> [LoadedCandidate] {
        guard !candidates.isEmpty else { throw PipelinesError.selectionFailed(reason: "no candidates to select from") }
        var seen: Set<String> = []
        for candidate in candidates where !seen.insert(candidate.name).inserted {
            throw PipelinesError.selectionFailed(reason: "two candidates are named '\(candidate.name)'")
        }
        return try candidates.map { candidate in
            let path = candidate.adapterDirectory.path
            let adapter: LoRAAdapter
            do {
                adapter = try LoRAAdapter(peftDirectory: candidate.adapterDirectory, model: model)
            } catch {
                throw PipelinesError.selectionFailed(
                    reason: "candidate '\(candidate.name)' (\(path)) cannot be loaded: \(error)")
            }
            let count = adapter.head.classCount
            guard count == classes.count else {
                throw PipelinesError.selectionFailed(
                    reason: "candidate '\(candidate.name)' (\(path)) has a head of \(count) classes; the evaluation "
                        + "set has \(classes.count): \(classes.joined(separator: ", "))")
            }
            let names = try recordedClassNames(in: candidate.adapterDirectory, candidate: candidate.name)
            if let names, names.map({ $0.lowercased() }) != classes.map({ $0.lowercased() }) {
                throw PipelinesError.selectionFailed(
                    reason: "candidate '\(candidate.name)' (\(path)) predicts the classes "
                        + "\(names.joined(separator: ", ")); the evaluation set's are \(classes.joined(separator: ", "))"
                )
            }
            return LoadedCandidate(candidate: candidate, adapter: adapter, classNames: names)
        }
    }

    /// Class probabilities of every text under every candidate (`candidates × texts × classes`).
    ///
    /// - Complexity: one forward pass of the encoder per text and candidate.
    public static func probabilities(
        of candidates: [LoadedCandidate], encoder: SentenceEncoder, texts: [String]
    ) -> [[[Double]]] {
        let tokens = encoder.tokenize(texts)
        return candidates.map { loaded in
            let predictor = LoRAPredictor(model: encoder.model, adapter: loaded.adapter)
            let values = predictor.predictProbabilities(tokens)
            let k = loaded.adapter.head.classCount
            return (0..<texts.count).map { row in (0..<k).map { Double(values.scalars[row * k + $0]) } }
        }
    }

    /// Scores every candidate on the evaluation rows, chooses the best and, when asked, routes each row to one
    /// candidate.
    ///
    /// - Parameters:
    ///   - candidates: the adapter folders.
    ///   - encoder: the base encoder (tokenizer and model), loaded once.
    ///   - texts: the evaluation texts.
    ///   - gold: each text's class in `0..<classes.count`, or a negative value for unknown (not scored).
    ///   - classes: the evaluation set's class names.
    ///   - metric: what ranks the candidates.
    ///   - routing: how to train a router, or nil for best-of selection only.
    ///   - expectedCandidates: for routing accuracy, the candidate each row should go to (nil entries: no opinion).
    /// - Returns: the scores, the choice and routing's outcome.
    /// - Throws: ``PipelinesError`` naming the candidate, exemplar or row at fault.
    /// - Complexity: one forward pass per text and candidate, plus one per text and exemplar for routing.
    public static func evaluate(
        candidates: [SelectionCandidate], encoder: SentenceEncoder, texts: [String], gold: [Int], classes: [String],
        metric: SelectionMetric = .accuracy, routing: RouterTraining? = nil, expectedCandidates: [String?]? = nil
    ) throws -> SelectionResult {
        guard texts.count == gold.count else {
            throw PipelinesError.invalidData(
                source: "evaluation set", row: nil, field: nil,
                reason: "\(texts.count) texts but \(gold.count) gold labels")
        }
        guard !texts.isEmpty else {
            throw PipelinesError.invalidData(source: "evaluation set", row: nil, field: nil, reason: "no rows")
        }
        for (row, label) in gold.enumerated() where label >= classes.count {
            throw PipelinesError.invalidData(
                source: "evaluation set", row: row, field: nil,
                reason: "gold class \(label) is outside 0..<\(classes.count)")
        }
        if let expectedCandidates, expectedCandidates.count != texts.count {
            throw PipelinesError.invalidData(
                source: "evaluation set", row: nil, field: nil,
                reason: "\(expectedCandidates.count) expected candidates for \(texts.count) rows")
        }
        let loaded = try load(candidates, model: encoder.model, classes: classes)
        let probabilities = probabilities(of: loaded, encoder: encoder, texts: texts)
        let predictions = probabilities.map { $0.map(EmbeddingClassifier.argmax) }
        var evaluations: [CandidateEvaluation] = []
        for (candidate, predicted) in zip(loaded, predictions) {
            evaluations.append(
                CandidateEvaluation(
                    name: candidate.candidate.name, directory: candidate.candidate.adapterDirectory.path,
                    scores: try metric.score(predicted: predicted, gold: gold, classes: classes.count),
                    classNames: candidate.classNames))
        }
        var best = 0
        for index in evaluations.indices.dropFirst()
        where evaluations[index].scores.score > evaluations[best].scores.score {
            best = index
        }
        var result = SelectionResult(
            metric: metric, rows: texts.count, classes: classes, candidates: evaluations,
            chosen: evaluations[best].name, chosenScore: evaluations[best].scores.score)
        if let routing {
            (result.routing, result.router) = try route(
                routing, loaded: loaded, encoder: encoder, texts: texts, gold: gold, classes: classes.count,
                probabilities: probabilities, predictions: predictions, metric: metric,
                expectedCandidates: expectedCandidates, best: evaluations[best])
        }
        return result
    }

    // MARK: - Routing

    private static func route(
        _ training: RouterTraining, loaded: [LoadedCandidate], encoder: SentenceEncoder, texts: [String], gold: [Int],
        classes: Int, probabilities: [[[Double]]], predictions: [[Int]], metric: SelectionMetric,
        expectedCandidates: [String?]?, best: CandidateEvaluation
    ) throws -> (RoutingEvaluation, ExpertRouter) {
        let names = loaded.map(\.candidate.name)
        // One embedder for the evaluation texts and the exemplars: normalised base embeddings, each text once.
        let embedder = SentenceEmbedder(encoder: encoder)
        let embeddings = try embedder.embed(texts)
        let embed: ([String]) throws -> [[Float]] = { try embedder.embed($0) }
        var routedTo: [Int]
        let router: ExpertRouter
        var exemplarCounts = [Int](repeating: 0, count: names.count)
        let trainingName: String
        switch training {
        case .exemplars(let exemplars):
            router = try ExpertRouter.train(exemplars: exemplars, candidates: names, embed: embed)
            exemplarCounts = router.exemplarCounts
            routedTo = try router.route(embeddings: embeddings)
            trainingName = "exemplars"
        case .crossFitted(let folds, let seed):
            guard folds >= 2 else {
                throw PipelinesError.selectionFailed(
                    reason: "cross-fitted routing needs at least 2 folds, not \(folds)")
            }
            let labels = ExpertRouter.expertLabels(probabilities: probabilities, gold: gold)
            for label in labels.compactMap({ $0 }) { exemplarCounts[label] += 1 }
            routedTo = try crossFittedRoutes(
                embeddings: embeddings, labels: labels, names: names, folds: folds, seed: seed)
            let labeled = labels.indices.filter { labels[$0] != nil }
            router = try ExpertRouter.train(
                embeddings: labeled.map { embeddings[$0] }, labels: labeled.compactMap { labels[$0] }, candidates: names
            )
            trainingName = "cross_fitted"
        }
        let routedPredictions = routedTo.enumerated().map { row, candidate in predictions[candidate][row] }
        let scores = try metric.score(predicted: routedPredictions, gold: gold, classes: classes)
        let oraclePredictions = gold.indices.map { row -> Int in
            if gold[row] >= 0, let right = predictions.firstIndex(where: { $0[row] == gold[row] }) {
                return predictions[right][row]
            }
            return routedPredictions[row]
        }
        let oracle = try metric.score(predicted: oraclePredictions, gold: gold, classes: classes)
        var routedCounts: [String: Int] = [:]
        for name in names { routedCounts[name] = 0 }
        for candidate in routedTo { routedCounts[names[candidate], default: 0] += 1 }
        var routingAccuracy: Double?
        if let expectedCandidates {
            var judged = 0
            var agreeing = 0
            for (row, expected) in expectedCandidates.enumerated() {
                guard let expected else { continue }
                guard names.contains(expected) else {
                    throw PipelinesError.invalidData(
                        source: "evaluation set", row: row, field: "task",
                        reason: "'\(expected)' is not a candidate (expected one of \(names.joined(separator: ", ")))")
                }
                judged += 1
                if names[routedTo[row]] == expected { agreeing += 1 }
            }
            routingAccuracy = judged == 0 ? nil : Double(agreeing) / Double(judged)
        }
        let evaluation = RoutingEvaluation(
            training: trainingName,
            exemplars: Dictionary(uniqueKeysWithValues: zip(names, exemplarCounts)),
            scores: scores, routed: routedCounts, routingAccuracy: routingAccuracy, oracleScore: oracle.score,
            bestSingle: best.name, bestSingleScore: best.scores.score)
        return (evaluation, router)
    }

    /// Routes each row by a gate trained on the other folds' labeled rows (rows are shuffled into folds by `seed`).
    static func crossFittedRoutes(
        embeddings: [[Float]], labels: [Int?], names: [String], folds: Int, seed: UInt64
    ) throws -> [Int] {
        var order = Array(embeddings.indices)
        var generator = SeededGenerator(seed: seed)
        order.shuffle(using: &generator)
        var fold = [Int](repeating: 0, count: embeddings.count)
        for (position, row) in order.enumerated() { fold[row] = position % folds }
        var routes = [Int](repeating: 0, count: embeddings.count)
        for f in 0..<min(folds, embeddings.count) {
            var trainEmbeddings: [[Float]] = []
            var trainLabels: [Int] = []
            for row in embeddings.indices where fold[row] != f {
                if let label = labels[row] {
                    trainEmbeddings.append(embeddings[row])
                    trainLabels.append(label)
                }
            }
            let heldOut = embeddings.indices.filter { fold[$0] == f }
            guard !trainEmbeddings.isEmpty else {
                throw PipelinesError.selectionFailed(
                    reason: "cross-fitted routing: fold \(f) leaves no labeled rows to train the router on")
            }
            let router = try ExpertRouter.train(embeddings: trainEmbeddings, labels: trainLabels, candidates: names)
            let routed = try router.route(embeddings: heldOut.map { embeddings[$0] })
            for (row, candidate) in zip(heldOut, routed) { routes[row] = candidate }
        }
        return routes
    }

    /// Class names recorded in an adapter folder: `labels.json` (an array of names) or `class_names` in
    /// `training.json`; nil when neither records them.
    ///
    /// - Throws: ``PipelinesError/selectionFailed(reason:)`` when `labels.json` exists but is not an array of strings.
    public static func recordedClassNames(in directory: URL, candidate: String) throws -> [String]? {
        let labels = directory.appendingPathComponent("labels.json")
        if FileManager.default.fileExists(atPath: labels.path) {
            guard let data = try? Data(contentsOf: labels),
                let names = try? JSONDecoder().decode([String].self, from: data)
            else {
                throw PipelinesError.selectionFailed(
                    reason: "candidate '\(candidate)': \(labels.path) is not a JSON array of class names")
            }
            return names
        }
        let training = directory.appendingPathComponent("training.json")
        if let data = try? Data(contentsOf: training),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let names = object["class_names"] as? [String]
        {
            return names
        }
        return nil
    }
}
