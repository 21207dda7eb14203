extension PipelineSpec {
    /// Settings that shrink or reshape a run without editing the spec: a test runs an example on 200 rows and one
    /// epoch, a benchmark on the full data. Each nil field leaves the spec's value alone.
    public struct Overrides: Sendable, Equatable {
        /// Rows read per file by every data step.
        public var limit: Int?
        /// Epochs of every training step.
        public var epochs: Int?
        /// Tokens per text of every training step.
        public var maxLength: Int?
        /// Examples per step of every training step.
        public var batchSize: Int?
        /// The port of every deployment step (0 = any free port, for tests).
        public var port: Int?

        /// Creates overrides.
        public init(
            limit: Int? = nil, epochs: Int? = nil, maxLength: Int? = nil, batchSize: Int? = nil, port: Int? = nil
        ) {
            self.limit = limit
            self.epochs = epochs
            self.maxLength = maxLength
            self.batchSize = batchSize
            self.port = port
        }
    }

    /// The same pipeline with the overrides applied to every step they concern.
    ///
    /// ```swift
    /// let small = try PipelineSpec.load(url).overriding(.init(limit: 200, epochs: 1, maxLength: 32))
    /// ```
    public func overriding(_ overrides: Overrides) -> PipelineSpec {
        var copy = self
        copy.steps = steps.map { step in
            var step = step
            switch step.action {
            case .data(var data):
                if let limit = overrides.limit { data.limit = limit }
                step.action = .data(data)
            case .train(var train):
                if let epochs = overrides.epochs { train.epochs = epochs }
                if let maxLength = overrides.maxLength { train.maxLength = maxLength }
                if let batchSize = overrides.batchSize { train.batchSize = batchSize }
                step.action = .train(train)
            case .deploy(var deploy):
                if let port = overrides.port { deploy.port = port }
                step.action = .deploy(deploy)
            case .clean, .apply, .labelModel, .merge, .select, .register:
                break
            }
            return step
        }
        return copy
    }

    /// The same pipeline with every step of one kind changed by `edit` (for example a longer training run).
    ///
    /// - Parameters:
    ///   - kind: the steps to change.
    ///   - edit: changes one step's action; the step's name and location are kept.
    public func updatingSteps(of kind: StepKind, _ edit: (inout StepAction) -> Void) -> PipelineSpec {
        var copy = self
        for index in copy.steps.indices where copy.steps[index].action.kind == kind {
            edit(&copy.steps[index].action)
        }
        return copy
    }
}
