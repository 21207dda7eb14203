import Foundation
import FoundryCore
import LabelModels
import Labeling

extension TrainingCorpus {
    /// A fitted label model and the corpus it labelled.
    public struct Labelled: Sendable {
        /// The corpus: training texts with the label model's soft labels.
        public var corpus: TrainingCorpus
        /// The fitted label model (to save with the soft labels).
        public var labelModel: any LabelModel & Codable
    }

    /// Weak labels → label model → soft labels: fits a label model on a label matrix and labels the texts it covers.
    ///
    /// By default only the *covered* rows — those at least one labeling function voted on — are kept for training,
    /// as in WRENCH's protocol for end models. The label model is fitted on every row either way. An uncovered row
    /// carries no evidence: the label model gives it its class prior (uniform unless configured), so training on it
    /// teaches the adapter to hedge on exactly the texts the labeling functions miss. On WRENCH's sms, where 59.5 % of
    /// the training rows are uncovered, an adapter trained on every row scored 0.714 test accuracy (spam F1 0.47),
    /// below always answering ham (0.866).
    ///
    /// - Parameters:
    ///   - name: the corpus's name for reports.
    ///   - texts: one text per row of `matrix`.
    ///   - matrix: the weak labels.
    ///   - labelModel: which model, configured.
    ///   - seed: the fit's seed.
    ///   - coveredOnly: train only on rows at least one labeling function voted on (the default); `false` keeps every
    ///     row, the uncovered ones with the label model's prior as their soft label.
    ///   - validation: gold-labelled texts to stop early on.
    ///   - test: gold-labelled texts with their label matrix, to score the adapter and the label model on.
    /// - Throws: ``FlowsError/mismatch(_:)`` when texts and rows differ; ``FlowsError/noTrainingRows(_:)`` when
    ///   `coveredOnly` and no labeling function voted on any row; the label model's errors.
    public static func weaklyLabelled(
        name: String, texts: [String], matrix: LabelMatrix, labelModel: LabelModelConfiguration, seed: UInt64,
        coveredOnly: Bool = true, validation: LabeledTexts? = nil,
        test: (texts: LabeledTexts, matrix: LabelMatrix)? = nil
    ) throws -> Labelled {
        guard texts.count == matrix.rowCount else {
            throw FlowsError.mismatch("\(name): \(texts.count) texts but the label matrix has \(matrix.rowCount) rows")
        }
        var model = try labelModel.makeModel()
        try model.fit(matrix, options: FitOptions(seed: seed))
        let soft = try model.predictSoftLabels(matrix)
        var summary = LabelModelSummary(
            method: labelModel.method.rawValue, choice: (model as? AutoLabelModel)?.choice?.rawValue)
        if let test {
            let probabilities = try model.predictProbabilities(test.matrix)
            let predicted = type(of: model).hardLabels(probabilities, tieBreak: .rowHash, prior: model.classBalance)
            let score = ClassificationScore(
                gold: test.texts.labels, predicted: predicted.map(\.rawValue), cardinality: matrix.cardinality)
            summary.testAccuracy = score.accuracy
            summary.testF1 = score.f1
        }
        var corpus = try TrainingCorpus(
            name: name, texts: texts, softLabels: soft, validation: validation, test: test?.texts,
            labelModel: summary)
        if coveredOnly {
            var covered = [Bool](repeating: false, count: matrix.rowCount)
            matrix.forEachVote { row, _, _ in covered[row] = true }
            let rows = covered.indices.filter { covered[$0] }
            guard !rows.isEmpty else {
                throw FlowsError.noTrainingRows(
                    "\(name): no labeling function voted on any of its \(matrix.rowCount) rows, so no row is covered")
            }
            corpus = try corpus.keepingRows(rows)
            corpus.uncoveredRowsLeftOut = matrix.rowCount - rows.count
        }
        return Labelled(corpus: corpus, labelModel: model)
    }

    /// A WRENCH folder's weak labels → label model → soft labels on its train split; the valid split's gold labels
    /// stop training early and the test split scores the adapter and the label model (the flow of `foundry train
    /// --wrench`). Only covered training rows are kept unless `coveredOnly` is `false` (see
    /// ``weaklyLabelled(name:texts:matrix:labelModel:seed:coveredOnly:validation:test:)``).
    ///
    /// - Throws: ``TabularError``/``LabelingError`` naming the file of a missing or malformed split; the label
    ///   model's errors.
    public static func wrench(
        folder: URL, labelModel: LabelModelConfiguration, seed: UInt64, coveredOnly: Bool = true
    ) throws -> Labelled {
        let dataset = try WrenchDataset(directory: folder)
        let train = try dataset.split(.train).requiringExamples()
        let valid = try dataset.split(.valid).requiringExamples()
        let test = try dataset.split(.test).requiringExamples()
        return try weaklyLabelled(
            name: folder.lastPathComponent, texts: train.texts, matrix: train.labelMatrix, labelModel: labelModel,
            seed: seed, coveredOnly: coveredOnly,
            validation: try LabeledTexts(texts: valid.texts, labels: valid.goldLabels),
            test: (try LabeledTexts(texts: test.texts, labels: test.goldLabels), test.labelMatrix))
    }
}
