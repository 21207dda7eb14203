/// An ordered list of ``Constraint``s, written with the ``ConstraintBuilder`` result builder or loaded from a spec.
///
/// ```swift
/// let constraints = ConstraintSet {
///     NotNull("text")
///     Unique("id")
///     AllowedValues("label", ["ham", "spam"]).severity(.warning).mostly(0.99)
///     NoPII("text", kinds: [.email, .phone]).repair(.redactPII(.redact))
/// }
/// ```
public struct ConstraintSet: Sendable, Equatable, Codable {
    /// The constraints, in evaluation order.
    public var constraints: [Constraint]

    /// Creates a set from a list.
    public init(_ constraints: [Constraint]) { self.constraints = constraints }

    /// Creates a set with the result builder.
    public init(@ConstraintBuilder _ build: () -> [Constraint]) { self.constraints = build() }

    /// Checks every constraint's definition: names unique, `mostly` and fractions within 0…1, bounds ordered,
    /// regular expressions valid, repairs applicable to their kind.
    ///
    /// - Parameter source: the spec file (or a label) named in errors.
    /// - Throws: ``CleaningError/invalidSpec(source:constraint:field:reason:)`` naming constraint and field.
    public func validateDefinitions(source: String = "<constraints>") throws {
        var names = Set<String>()
        for constraint in constraints {
            guard names.insert(constraint.name).inserted else {
                throw CleaningError.invalidSpec(
                    source: source, constraint: constraint.name, field: "name",
                    reason: "two constraints have this name; give one a different `name`")
            }
            try constraint.validateDefinition(source: source)
        }
    }

    /// Checks that every column the constraints read exists in `columnNames`.
    ///
    /// - Throws: ``CleaningError/unknownColumn(source:constraint:field:column:available:)`` naming the spec, the
    ///   constraint and the field.
    public func checkColumns(_ columnNames: [String], source: String = "<constraints>") throws {
        let available = Set(columnNames)
        for constraint in constraints {
            for (field, column) in constraint.kind.referencedColumns where !available.contains(column) {
                throw CleaningError.unknownColumn(
                    source: source, constraint: constraint.name, field: field,
                    column: column, available: columnNames)
            }
        }
    }
}

/// The result builder behind ``ConstraintSet/init(_:)-(()->[Constraint])``: each statement is a ``ConstraintComponent``.
@resultBuilder
public enum ConstraintBuilder {
    /// One constraint.
    public static func buildExpression(_ component: some ConstraintComponent) -> [Constraint] { [component.constraint] }
    /// Several constraints built elsewhere.
    public static func buildExpression(_ constraints: [Constraint]) -> [Constraint] { constraints }
    /// Concatenates statements.
    public static func buildBlock(_ parts: [Constraint]...) -> [Constraint] { parts.flatMap { $0 } }
    /// `if` without `else`.
    public static func buildOptional(_ part: [Constraint]?) -> [Constraint] { part ?? [] }
    /// `if`/`else`, first branch.
    public static func buildEither(first part: [Constraint]) -> [Constraint] { part }
    /// `if`/`else`, second branch.
    public static func buildEither(second part: [Constraint]) -> [Constraint] { part }
    /// `for` loops.
    public static func buildArray(_ parts: [[Constraint]]) -> [Constraint] { parts.flatMap { $0 } }
}

/// Anything that stands for one ``Constraint`` in a ``ConstraintSet`` builder block.
public protocol ConstraintComponent: Sendable {
    /// The constraint value.
    var constraint: Constraint { get }
}

extension Constraint: ConstraintComponent {
    /// The constraint itself.
    public var constraint: Constraint { self }
}

extension ConstraintComponent {
    /// The constraint with another severity.
    public func severity(_ severity: Constraint.Severity) -> Constraint { constraint.severity(severity) }
    /// The constraint passing when at least `fraction` (0…1) of evaluated rows pass.
    public func mostly(_ fraction: Double) -> Constraint { constraint.mostly(fraction) }
    /// The constraint proposing `repair` for failing rows.
    public func repair(_ repair: Repair) -> Constraint { constraint.repair(repair) }
    /// The constraint with another name.
    public func named(_ name: String) -> Constraint { constraint.named(name) }
}
