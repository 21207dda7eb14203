/// The label models this library fits, by their short names (as model files and reports spell them).
public enum LabelModelMethod: String, CaseIterable, Codable, Sendable {
    /// ``MajorityVote``.
    case mv
    /// ``WeightedMajorityVote``.
    case wmv
    /// ``DawidSkene``.
    case ds
    /// ``MomentMatching`` (Ratner et al. 2019).
    case moments
    /// ``Triplet`` (Fu et al. 2020).
    case triplet
    /// ``AutoLabelModel``, the default.
    case auto

    /// The method named `name` (`mv`, `wmv`, `ds`, `moments`, `triplet` or `auto`).
    ///
    /// - Throws: ``LabelModelsError/unknownMethod(_:)`` for any other name, listing the valid ones.
    public init(name: String) throws {
        guard let method = LabelModelMethod(rawValue: name) else { throw LabelModelsError.unknownMethod(name) }
        self = method
    }

    /// Whether the method learns from a dev set in ``FitOptions`` (auto ranks its candidates there; wmv learns its
    /// weights there); the others ignore one.
    public var usesDevSet: Bool { self == .auto || self == .wmv }

    /// Whether the moment-matching settings of ``LabelModelConfiguration`` (l2, dependencies, prediction floor) apply.
    public var usesMomentSettings: Bool { self == .moments || self == .auto }

    /// The model type this method fits.
    public var modelType: any (LabelModel & Codable).Type {
        switch self {
        case .mv: MajorityVote.self
        case .wmv: WeightedMajorityVote.self
        case .ds: DawidSkene.self
        case .moments: MomentMatching.self
        case .triplet: Triplet.self
        case .auto: AutoLabelModel.self
        }
    }
}
