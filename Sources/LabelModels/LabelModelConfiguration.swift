/// A label-model method and the settings a user chooses for it: the typed form of `--method`, `--l2`,
/// `--dependencies`, `--prediction-floor` and `--dev-metric`, validated before any model is built.
///
/// ```swift
/// var configuration = LabelModelConfiguration(method: .moments)
/// configuration.l2 = 0.5
/// configuration.dependencies = [[0, 3]]
/// var model = try configuration.makeModel()
/// try model.fit(matrix)
/// ```
public struct LabelModelConfiguration: Sendable, Equatable, Codable {
    /// The method to fit.
    public var method: LabelModelMethod
    /// Pull toward the initial parameters for ``MomentMatching`` (alone or inside auto); `nil` keeps the default.
    public var l2: Double?
    /// Pairs of LF column indices the moment model treats as dependent (correlated); `nil` = none.
    public var dependencies: [[Int]]?
    /// The smallest vote rate the moment model predicts with (see ``MomentMatching/Configuration/predictionFloor``);
    /// `nil` keeps the default.
    public var predictionFloor: Double?
    /// What ranks auto's candidate models on a dev set; `nil` keeps the default (macro-F1). Auto only.
    public var devMetric: AutoLabelModel.DevSelectionMetric?

    /// Creates a configuration; unset settings keep each model's defaults.
    public init(
        method: LabelModelMethod = .auto, l2: Double? = nil, dependencies: [[Int]]? = nil,
        predictionFloor: Double? = nil, devMetric: AutoLabelModel.DevSelectionMetric? = nil
    ) {
        self.method = method
        self.l2 = l2
        self.dependencies = dependencies
        self.predictionFloor = predictionFloor
        self.devMetric = devMetric
    }

    /// Whether any moment-matching setting is set.
    public var hasMomentSettings: Bool { l2 != nil || dependencies != nil || predictionFloor != nil }

    /// The dev metric auto uses with this configuration (``devMetric`` or auto's default).
    public var effectiveDevMetric: AutoLabelModel.DevSelectionMetric {
        devMetric ?? AutoLabelModel.Configuration().devSelectionMetric
    }

    /// This configuration for another method, keeping only the settings that apply to it (moment settings for
    /// moments and auto, the dev metric for auto): how one set of choices runs across every method in a benchmark.
    public func applied(to method: LabelModelMethod) -> LabelModelConfiguration {
        LabelModelConfiguration(
            method: method, l2: method.usesMomentSettings ? l2 : nil,
            dependencies: method.usesMomentSettings ? dependencies : nil,
            predictionFloor: method.usesMomentSettings ? predictionFloor : nil,
            devMetric: method == .auto ? devMetric : nil)
    }

    /// Checks every setting and that it applies to ``method``.
    ///
    /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` naming the setting and what was expected.
    public func validate() throws {
        func fail(_ message: String) -> LabelModelsError { .invalidConfiguration(message) }
        if let l2, !(l2 >= 0 && l2.isFinite) { throw fail("l2 must be a finite number ≥ 0, got \(l2)") }
        if let predictionFloor, !(predictionFloor >= 0 && predictionFloor < 0.5) {
            throw fail("the prediction floor must lie in [0, 0.5), got \(predictionFloor)")
        }
        if let dependencies {
            for pair in dependencies where pair.count != 2 || pair[0] < 0 || pair[1] < 0 || pair[0] == pair[1] {
                throw fail("a dependency is two different LF column indices ≥ 0, got \(pair)")
            }
        }
        if hasMomentSettings, !method.usesMomentSettings {
            throw fail(
                "l2, dependencies and the prediction floor configure moments and auto only, not \(method.rawValue)")
        }
        if devMetric != nil, method != .auto {
            throw fail("a dev metric ranks auto's candidate models; it does not apply to \(method.rawValue)")
        }
    }

    /// The unfitted model this configuration describes.
    ///
    /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` when ``validate()`` fails.
    public func makeModel() throws -> any LabelModel & Codable {
        try validate()
        var moments = MomentMatching.Configuration()
        if let l2 { moments.l2 = l2 }
        if let predictionFloor { moments.predictionFloor = predictionFloor }
        if let dependencies { moments.dependencies = dependencies }
        switch method {
        case .mv: return MajorityVote()
        case .wmv: return WeightedMajorityVote()
        case .ds: return DawidSkene()
        case .moments: return MomentMatching(configuration: moments)
        case .triplet: return Triplet()
        case .auto:
            var auto = AutoLabelModel.Configuration()
            auto.moments = moments
            auto.devSelectionMetric = effectiveDevMetric
            return AutoLabelModel(configuration: auto)
        }
    }
}
