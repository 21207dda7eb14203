import LabelModels

extension RunContext {
    /// The `class_balance` of the LF spec a `label_model` step's `lfs` setting refers to: that of its input `apply`
    /// step (nil for another setting, for votes from a WRENCH or crowd folder, or a spec without one).
    func lfClassBalance(_ step: LabelModelStep) -> [Double]? {
        guard step.classBalance == .lfs else { return nil }
        return labelingFunctions[step.input]?.classBalance
    }

    /// The class balance the label model is fitted with.
    func resolvedClassBalance(_ step: LabelModelStep) -> ClassBalance {
        switch step.classBalance {
        case .lfs: lfClassBalance(step).map { .given($0) } ?? .uniform
        case .uniform: .uniform
        case .estimated: .estimated
        case .given(let shares): .given(shares)
        }
    }
}
