/// What changed between two plans over the same data: proposal ids that are new, gone, or unchanged.
public struct PlanDiff: Sendable, Equatable {
    /// Proposed now, not last time.
    public var new: [String]
    /// Proposed last time, not now.
    public var gone: [String]
    /// Proposed both times.
    public var unchanged: [String]
}
