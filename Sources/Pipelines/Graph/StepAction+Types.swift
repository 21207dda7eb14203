extension StepAction {
    /// The artifact types the step's output provides (a step reading one of them may follow it).
    ///
    /// An `apply` step's votes carry the table they were computed on, so a `label_model` step reads votes and the
    /// table; a `wrench` or `crowd` data step produces votes and its table; `register` passes its adapter on, so
    /// `deploy` may read either.
    public var outputTypes: [ArtifactType] {
        switch self {
        case .data(let step): step.format == .wrench || step.format == .crowd ? [.votes, .table] : [.table]
        case .clean: [.table]
        case .apply: [.votes, .table]
        case .labelModel: [.softLabels, .table]
        case .train, .merge, .select: [.adapter]
        case .register: [.commit, .adapter]
        case .deploy: [.endpoint]
        }
    }

    /// The type of artifact the step reads from each input, in the order of ``inputs``.
    public var inputTypes: [ArtifactType] {
        switch self {
        case .data: []
        case .clean, .apply: [.table]
        case .labelModel: [.votes]
        case .train: [.softLabels]
        case .merge(let step): Array(repeating: .adapter, count: step.inputs.count)
        case .select(let step): Array(repeating: .adapter, count: step.inputs.count) + [.table]
        case .register, .deploy: [.adapter]
        }
    }

    /// The spec key that names each input, in the order of ``inputs`` (for error locations).
    var inputKeys: [String] {
        switch self {
        case .data: []
        case .merge(let step): Array(repeating: "inputs", count: step.inputs.count)
        case .select(let step): Array(repeating: "inputs", count: step.inputs.count) + ["evaluation"]
        default: ["input"]
        }
    }
}
