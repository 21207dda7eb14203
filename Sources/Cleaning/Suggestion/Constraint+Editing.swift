import Foundation

extension Constraint {
    /// The keys ``editing(_:)`` accepts for this constraint: its kind's thresholds, then `mostly` and `severity`.
    public var editableKeys: [String] {
        let kindKeys: [String]
        switch kind {
        case .range, .length, .rowCount: kindKeys = ["min", "max"]
        case .allowedValues: kindKeys = ["values"]
        case .matches: kindKeys = ["pattern"]
        case .validText: kindKeys = ["c1_controls"]
        case .nearDuplicates: kindKeys = ["threshold"]
        case .labeledFraction: kindKeys = ["min"]
        default: kindKeys = []
        }
        return kindKeys + ["mostly", "severity"]
    }

    /// A copy with thresholds changed by an edit line such as `min=5 max=2000`, `mostly=0.99`, `max=` (removes the
    /// bound), `severity=warning`, `values=ham,spam` or `pattern=[0-9]{5}` (`values` and `pattern` take the rest of
    /// the line).
    ///
    /// - Parameter line: `key=value` pairs separated by spaces; keys from ``editableKeys``.
    /// - Returns: the edited constraint, checked with ``validateDefinition(source:)``.
    /// - Throws: ``CleaningError/invalidSpec(source:constraint:field:reason:)`` naming the key and what was expected.
    public func editing(_ line: String) throws -> Constraint {
        func fail(_ field: String?, _ reason: String) -> CleaningError {
            .invalidSpec(source: "<edit>", constraint: name, field: field, reason: reason)
        }
        var pairs: [(String, String)] = []
        var rest = Substring(line.trimmingCharacters(in: .whitespaces))
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else {
                throw fail(nil, "expected key=value, found '\(rest)'; keys: \(editableKeys.joined(separator: ", "))")
            }
            let key = String(rest[..<equals]).trimmingCharacters(in: .whitespaces)
            let afterEquals = rest[rest.index(after: equals)...]
            if key == "values" || key == "pattern" {
                pairs.append((key, String(afterEquals)))
                rest = ""
            } else {
                let end = afterEquals.firstIndex(where: \.isWhitespace) ?? afterEquals.endIndex
                pairs.append((key, String(afterEquals[..<end])))
                rest = afterEquals[end...].drop(while: \.isWhitespace)
            }
        }
        guard !pairs.isEmpty else {
            throw fail(nil, "nothing to change; keys: \(editableKeys.joined(separator: ", "))")
        }
        var edited = self
        for (key, value) in pairs {
            guard editableKeys.contains(key) else {
                throw fail(
                    key,
                    "cannot edit '\(key)' of a \(kind.keyword) constraint; keys: \(editableKeys.joined(separator: ", "))"
                )
            }
            func number() throws -> Double? {
                if value.isEmpty { return nil }
                guard let number = Double(value), number.isFinite else {
                    throw fail(key, "expected a number, found '\(value)'")
                }
                return number
            }
            func whole() throws -> Int? {
                if value.isEmpty { return nil }
                guard let number = Int(value) else { throw fail(key, "expected a whole number, found '\(value)'") }
                return number
            }
            switch (key, edited.kind) {
            case ("mostly", _): edited.mostly = try number()
            case ("severity", _):
                guard let severity = Severity(rawValue: value) else {
                    throw fail(key, "expected error or warning, found '\(value)'")
                }
                edited.severity = severity
            case let ("min", .range(column, _, maximum)):
                edited.kind = .range(column: column, minimum: try number(), maximum: maximum)
            case let ("max", .range(column, minimum, _)):
                edited.kind = .range(column: column, minimum: minimum, maximum: try number())
            case let ("min", .length(column, _, maximum)):
                edited.kind = .length(column: column, minimum: try whole(), maximum: maximum)
            case let ("max", .length(column, minimum, _)):
                edited.kind = .length(column: column, minimum: minimum, maximum: try whole())
            case let ("min", .rowCount(_, maximum)): edited.kind = .rowCount(minimum: try whole(), maximum: maximum)
            case let ("max", .rowCount(minimum, _)): edited.kind = .rowCount(minimum: minimum, maximum: try whole())
            case let ("min", .labeledFraction(column, _, unlabeled)):
                guard let minimum = try number() else { throw fail(key, "needs a value") }
                edited.kind = .labeledFraction(column: column, minimum: minimum, unlabeled: unlabeled)
            case let ("values", .allowedValues(column, _)):
                let values = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                edited.kind = .allowedValues(column: column, values: values)
            case let ("pattern", .matches(column, _)):
                edited.kind = .matches(column: column, pattern: value.trimmingCharacters(in: .whitespaces))
            case let ("c1_controls", .validText(column, _)):
                switch value.lowercased() {
                case "true", "yes": edited.kind = .validText(column: column, rejectC1Controls: true)
                case "false", "no": edited.kind = .validText(column: column, rejectC1Controls: false)
                default: throw fail(key, "expected true or false, found '\(value)'")
                }
            case let ("threshold", .nearDuplicates(column, configuration)):
                var changed = configuration
                guard let threshold = try number() else { throw fail(key, "needs a value") }
                changed.threshold = threshold
                edited.kind = .nearDuplicates(column: column, configuration: changed)
            default:
                throw fail(key, "cannot edit '\(key)' of a \(kind.keyword) constraint")
            }
        }
        try edited.validateDefinition(source: "<edit>")
        return edited
    }
}
