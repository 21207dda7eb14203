import Foundation
import FoundryCore

/// What an adapter learns from: texts with soft labels from a label model, and optionally gold-labelled texts to stop
/// early on (validation) and to score the result (test).
public struct TrainingCorpus: Sendable {
    /// Texts with gold class indices (`-1` = unknown; such rows are left out of scores).
    public struct LabeledTexts: Sendable, Equatable {
        /// The texts.
        public var texts: [String]
        /// One class index per text, or `-1`.
        public var labels: [Int]

        /// Creates labelled texts.
        ///
        /// - Throws: ``FlowsError/mismatch(_:)`` when the counts differ.
        public init(texts: [String], labels: [Int]) throws {
            guard texts.count == labels.count else {
                throw FlowsError.mismatch("\(texts.count) texts but \(labels.count) gold labels")
            }
            self.texts = texts
            self.labels = labels
        }

        /// The rows whose label is known.
        public var known: LabeledTexts {
            let rows = labels.indices.filter { labels[$0] >= 0 }
            return LabeledTexts(unchecked: rows.map { texts[$0] }, rows.map { labels[$0] })
        }

        private init(unchecked texts: [String], _ labels: [Int]) {
            self.texts = texts
            self.labels = labels
        }
    }

    /// The label model that produced the soft labels, and how it scored on the test rows (when there are any).
    public struct LabelModelSummary: Sendable, Equatable, Codable {
        /// The method (`auto`, `mv`, …).
        public var method: String
        /// What `auto` chose, when it was auto.
        public var choice: String?
        /// Test accuracy of its hard labels (ties broken as snorkel and WRENCH break them).
        public var testAccuracy: Double?
        /// Test F1 of class 1 (binary tasks).
        public var testF1: Double?

        /// Creates a summary.
        public init(method: String, choice: String? = nil, testAccuracy: Double? = nil, testF1: Double? = nil) {
            self.method = method
            self.choice = choice
            self.testAccuracy = testAccuracy
            self.testF1 = testF1
        }
    }

    /// A name for reports (the dataset or file).
    public var name: String
    /// The training texts.
    public var texts: [String]
    /// One row of class probabilities per training text.
    public var softLabels: SoftLabels
    /// Gold-labelled texts for early stopping, if any.
    public var validation: LabeledTexts?
    /// Gold-labelled texts to score the adapter on, if any.
    public var test: LabeledTexts?
    /// The label model behind the soft labels, if known.
    public var labelModel: LabelModelSummary?
    /// Training rows left out because no labeling function voted on them (0 when every row was kept).
    public var uncoveredRowsLeftOut = 0

    /// Creates a corpus.
    ///
    /// - Throws: ``FlowsError/mismatch(_:)`` when texts and soft-label rows differ in number;
    ///   ``FlowsError/noTrainingRows(_:)`` when there are none.
    public init(
        name: String, texts: [String], softLabels: SoftLabels, validation: LabeledTexts? = nil,
        test: LabeledTexts? = nil, labelModel: LabelModelSummary? = nil
    ) throws {
        guard texts.count == softLabels.rowCount else {
            throw FlowsError.mismatch("\(name): \(texts.count) texts but \(softLabels.rowCount) rows of soft labels")
        }
        guard !texts.isEmpty else { throw FlowsError.noTrainingRows("\(name) has no rows") }
        for (what, set) in [("validation", validation), ("test", test)] {
            guard let set else { continue }
            if let bad = set.labels.first(where: { $0 >= softLabels.classCount }) {
                throw FlowsError.mismatch(
                    "\(name): \(what) label \(bad) is not one of the \(softLabels.classCount) classes")
            }
        }
        self.name = name
        self.texts = texts
        self.softLabels = softLabels
        self.validation = validation
        self.test = test
        self.labelModel = labelModel
    }

    /// The corpus with other test texts (the label model's test score is dropped: it was measured on other rows).
    ///
    /// - Throws: ``FlowsError/mismatch(_:)`` for a test label outside the classes.
    public func withTest(_ test: LabeledTexts?) throws -> TrainingCorpus {
        guard let test else { return self }
        var summary = labelModel
        summary?.testAccuracy = nil
        summary?.testF1 = nil
        var corpus = try TrainingCorpus(
            name: name, texts: texts, softLabels: softLabels, validation: validation, test: test, labelModel: summary)
        corpus.uncoveredRowsLeftOut = uncoveredRowsLeftOut
        return corpus
    }

    /// The corpus restricted to the given training rows (validation and test unchanged).
    ///
    /// - Throws: ``FlowsError/noTrainingRows(_:)`` when `rows` is empty.
    public func keepingRows(_ rows: [Int]) throws -> TrainingCorpus {
        guard !rows.isEmpty else { throw FlowsError.noTrainingRows("\(name): every row was left out") }
        var corpus = try TrainingCorpus(
            name: name, texts: rows.map { texts[$0] }, softLabels: softLabels.rows(rows), validation: validation,
            test: test, labelModel: labelModel)
        corpus.uncoveredRowsLeftOut = uncoveredRowsLeftOut
        return corpus
    }
}
