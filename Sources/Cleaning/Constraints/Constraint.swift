/// One statement about what clean data looks like, with its severity, tolerance and optional repair.
///
/// Constraints are plain values: the ``ConstraintSet`` result builder and a YAML/JSON spec
/// (``ConstraintSpec``) build equal values. They are checked for consistency (a valid regex, `mostly` in 0…1,
/// …) by ``validateDefinition(source:)`` before evaluation.
public struct Constraint: Sendable, Equatable, Hashable, Codable {
    /// A name unique within its set, used in reports, plans and decisions (defaults to a description of the kind).
    public var name: String
    /// What is checked.
    public var kind: ConstraintKind
    /// How serious a failure is.
    public var severity: Severity
    /// The fraction of evaluated rows (0…1) that must pass; `nil` means all of them.
    public var mostly: Double?
    /// What to propose for failing rows, if anything.
    public var repair: Repair?

    /// Creates a constraint.
    ///
    /// - Parameters:
    ///   - kind: what is checked.
    ///   - name: a name for reports; by default ``ConstraintKind/defaultName``.
    ///   - severity: `.error` by default.
    ///   - mostly: the passing fraction required (0…1), or `nil` for all rows.
    ///   - repair: the repair to propose for failing rows.
    public init(
        _ kind: ConstraintKind, name: String? = nil, severity: Severity = .error, mostly: Double? = nil,
        repair: Repair? = nil
    ) {
        self.kind = kind
        self.name = name ?? kind.defaultName
        self.severity = severity
        self.mostly = mostly
        self.repair = repair
    }

    /// How serious a failing constraint is (AWS Deequ's check levels).
    public enum Severity: String, Sendable, Codable, Hashable, CaseIterable {
        /// The data should not be used as is.
        case error
        /// Worth a look; does not fail the validation.
        case warning
    }
}

extension Constraint {
    /// Returns a copy with a different severity.
    public func severity(_ severity: Severity) -> Constraint { var copy = self; copy.severity = severity; return copy }
    /// Returns a copy that passes when at least `fraction` (0…1) of the evaluated rows pass.
    public func mostly(_ fraction: Double) -> Constraint { var copy = self; copy.mostly = fraction; return copy }
    /// Returns a copy that proposes `repair` for failing rows.
    public func repair(_ repair: Repair) -> Constraint { var copy = self; copy.repair = repair; return copy }
    /// Returns a copy with another name.
    public func named(_ name: String) -> Constraint { var copy = self; copy.name = name; return copy }
}
