import Foundation
import FoundryCore
import FoundryTestSupport
import Tensors
import Testing

@testable import Pipelines

@Suite("Embedding classifier")
struct SelectionEmbeddingClassifierTests {
    /// Three Gaussian clusters in four dimensions (numpy `RandomState(7)`, rounded to 3 decimals), from the script
    /// below; the expected probabilities are scikit-learn 1.9.1's:
    ///
    /// ```python
    /// rng = np.random.RandomState(7); n, d, k = 15, 4, 3
    /// centers = np.array([[1.5,0,0,0.5],[0,1.5,0,-0.5],[0,0,1.5,0.5]])
    /// y = np.array([i % k for i in range(n)])
    /// X = np.round(centers[y] + rng.normal(scale=0.9, size=(n, d)), 3)
    /// m = LogisticRegression(C=0.5, solver='lbfgs', tol=1e-12, max_iter=10000).fit(X, y)
    /// Xt = np.round(rng.normal(size=(4, d)), 3); m.predict_proba(Xt)
    /// ```
    static let features: [[Float]] = [
        [3.021, -0.419, 0.03, 0.867], [-0.71, 1.502, -0.001, -2.079], [0.916, 0.54, 0.937, 0.346],
        [1.955, -0.235, -0.218, -0.808], [0.499, 1.611, 0.247, -1.874], [1.486, 0.139, 1.152, 2.326],
        [1.459, -1.306, -0.365, -1.559], [0.944, 1.125, -0.668, 0.465], [-1.486, 0.482, -0.358, -0.096],
        [0.416, 1.316, 1.59, 0.204], [0.757, 1.338, 0.511, -1.178], [-1.538, -1.623, 1.845, 2.523],
        [1.742, -0.472, 1.721, 0.714], [0.091, 1.727, -0.119, -0.779], [-1.291, 0.451, 1.415, 1.574],
    ]
    static let labels = (0..<15).map { $0 % 3 }
    static let queries: [[Float]] = [
        [-0.369, -1.906, -0.1, 1.7], [-0.383, -0.89, -1.194, -1.05], [-0.3, -1.18, 1.498, -0.283],
        [0.109, 1.438, 1.503, -0.213],
    ]
    static let sklearnProbabilities: [[Double]] = [
        [0.1214823528, 0.0093733962, 0.869144251], [0.3104798086, 0.3379384821, 0.3515817093],
        [0.4570649548, 0.0455531884, 0.4973818568], [0.2482258667, 0.4195790548, 0.3321950785],
    ]
    static let sklearnCoefficients: [[Double]] = [
        [0.5385454171083613, -0.46630844847197717, 0.28899633190224544, -0.19262925114910656],
        [-0.014747647618739184, 0.7096236439131002, -0.3817392604485019, -0.45094222515710786],
        [-0.5237977694896221, -0.24331519544112312, 0.09274292854625645, 0.6435714763062145],
    ]

    /// scikit-learn's `C = 0.5` on 15 rows is `l2 = 1 / (C · n)`.
    static let referenceConfiguration = EmbeddingClassifier.Configuration(
        l2: 1 / (0.5 * 15), normalize: false, tolerance: 1e-10)

    @Test("the fit matches scikit-learn's multinomial LogisticRegression on a fixed data set")
    func matchesScikitLearn() throws {
        let classifier = try EmbeddingClassifier.fit(
            embeddings: Self.features, labels: Self.labels, classes: 3, configuration: Self.referenceConfiguration)
        #expect(classifier.converged)
        let probabilities = try classifier.predictProbabilities(Self.queries)
        for (row, expected) in zip(probabilities, Self.sklearnProbabilities) {
            #expect(approximatelyEqual(row, expected, tolerance: 1e-6), "\(row) vs \(expected)")
        }
        for c in 0..<3 {
            let column = (0..<4).map { classifier.weights[$0 * 3 + c] }
            #expect(approximatelyEqual(column, Self.sklearnCoefficients[c], tolerance: 1e-5))
        }
        #expect(try classifier.predict(Self.queries) == [2, 2, 2, 1])
    }

    @Test("at the fitted parameters the gradient (computed here by plain loops) vanishes")
    func gradientVanishesAtOptimum() throws {
        for weighting in EmbeddingClassifier.ClassWeighting.allCases {
            // Unbalanced labels so that the two weightings differ.
            let labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
            let configuration = EmbeddingClassifier.Configuration(
                l2: 0.05, normalize: true, classWeighting: weighting, tolerance: 1e-10)
            let classifier = try EmbeddingClassifier.fit(
                embeddings: Self.features, labels: labels, classes: 3, configuration: configuration)
            let x = Self.features.map { row -> [Double] in
                let norm = row.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                return row.map { Double($0) / norm }
            }
            var counts = [0.0, 0.0, 0.0]
            for label in labels { counts[label] += 1 }
            let rowWeight = labels.map { weighting == .balanced ? 1 / counts[$0] : 1 }
            let totalWeight = rowWeight.reduce(0, +)
            var gradientW = [[Double]](repeating: [0, 0, 0], count: 4)
            var gradientB = [0.0, 0.0, 0.0]
            let probabilities = try classifier.predictProbabilities(Self.features)
            for i in x.indices {
                for c in 0..<3 {
                    let r = rowWeight[i] / totalWeight * (probabilities[i][c] - (labels[i] == c ? 1 : 0))
                    gradientB[c] += r
                    for j in 0..<4 { gradientW[j][c] += x[i][j] * r }
                }
            }
            for j in 0..<4 {
                for c in 0..<3 {
                    let g = gradientW[j][c] + 0.05 * classifier.weights[j * 3 + c]
                    #expect(abs(g) < 1e-8, "∂W[\(j),\(c)] = \(g) (\(weighting))")
                }
            }
            for c in 0..<3 { #expect(abs(gradientB[c]) < 1e-8, "∂b[\(c)] = \(gradientB[c])") }
            for row in probabilities { #expect(abs(row.reduce(0, +) - 1) < 1e-12) }
        }
    }

    @Test("a separable toy set is classified perfectly, and the fit is bit-reproducible from arrays and tensors")
    func separableAndReproducible() throws {
        var generator = SeededGenerator(seed: 11)
        var rows: [[Float]] = []
        var labels: [Int] = []
        for i in 0..<60 {
            let label = i % 3
            var row = (0..<8).map { _ in Float(generator.nextGaussian() * 0.2) }
            row[label] += 3
            rows.append(row)
            labels.append(label)
        }
        let first = try EmbeddingClassifier.fit(embeddings: rows, labels: labels, classes: 3)
        let second = try EmbeddingClassifier.fit(embeddings: rows, labels: labels, classes: 3)
        let tensor = Tensor(shape: [60, 8], scalars: rows.flatMap { $0 })
        let third = try EmbeddingClassifier.fit(embeddings: tensor, labels: labels, classes: 3)
        #expect(first == second)
        #expect(first.weights == third.weights && first.intercepts == third.intercepts)
        #expect(try first.predict(rows) == labels)
        #expect(try first.predict(tensor) == labels)
        let probabilities = try first.predictProbabilities(rows)
        for (row, label) in zip(probabilities, labels) { #expect(row[label] > 0.5) }
    }

    @Test("the parameters survive a JSON round trip")
    func codable() throws {
        let classifier = try EmbeddingClassifier.fit(
            embeddings: Self.features, labels: Self.labels, classes: 3, configuration: Self.referenceConfiguration)
        let data = try FoundryJSON.encoder().encode(classifier)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let decoded = try decoder.decode(EmbeddingClassifier.self, from: data)
        #expect(decoded.weights == classifier.weights)
        #expect(try decoded.predictProbabilities(Self.queries) == classifier.predictProbabilities(Self.queries))
    }

    @Test("bad inputs throw errors naming the row and what was expected")
    func badInputs() throws {
        #expect(throws: PipelinesError.self) {
            try EmbeddingClassifier.fit(embeddings: [[Float]](), labels: [], classes: 2)
        }
        do {
            _ = try EmbeddingClassifier.fit(embeddings: [[1, 0], [0, 1, 2]], labels: [0, 1], classes: 2)
            Issue.record("a ragged row must throw")
        } catch let error as PipelinesError {
            #expect(
                error
                    == .invalidData(
                        source: "embeddings", row: 1, field: nil, reason: "a vector of 3 values where 2 were expected"))
        }
        do {
            _ = try EmbeddingClassifier.fit(embeddings: [[1, 0], [0, .nan]], labels: [0, 1], classes: 2)
            Issue.record("NaN must throw")
        } catch let error as PipelinesError {
            #expect(error.description.contains("row 1"))
        }
        do {
            _ = try EmbeddingClassifier.fit(embeddings: [[1, 0], [0, 1]], labels: [0, 2], classes: 2)
            Issue.record("a label out of range must throw")
        } catch let error as PipelinesError {
            #expect(error == .invalidData(source: "labels", row: 1, field: nil, reason: "class 2 is outside 0..<2"))
        }
        #expect(throws: PipelinesError.self) {
            try EmbeddingClassifier.fit(embeddings: [[1, 0], [0, 1]], labels: [0], classes: 2)
        }
        #expect(throws: PipelinesError.self) {
            try EmbeddingClassifier.fit(embeddings: [[1, 0], [0, 1]], labels: [0, 0], classes: 1)
        }
        #expect(throws: PipelinesError.self) {
            try EmbeddingClassifier.fit(
                embeddings: [[1, 0], [0, 1]], labels: [0, 1], classes: 2, configuration: .init(l2: 0))
        }
        let classifier = try EmbeddingClassifier.fit(embeddings: [[1, 0], [0, 1]], labels: [0, 1], classes: 2)
        #expect(throws: PipelinesError.self) { try classifier.predict([[1, 0, 0]]) }
        #expect(throws: PipelinesError.self) { try classifier.predict(Tensor(shape: [1, 3])) }
    }
}
