extension SpecNode {
    // MARK: Scalars

    /// The value as text: a scalar as written (numbers and booleans too, so `label: 0` reads `"0"`).
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for null, a list or a mapping.
    public func string() throws -> String {
        guard kind == .scalar, let text = scalarText else { throw error("expected a text value, found \(found)") }
        return text
    }

    /// The value as text that is not empty.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for an empty text, null, a list or a mapping.
    public func nonEmptyString() throws -> String {
        let text = try string()
        guard !text.isEmpty else { throw error("expected a non-empty text value") }
        return text
    }

    /// The value as a whole number (decimal digits with an optional sign, as Swift's `Int(_:)` reads them).
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for anything else.
    public func int() throws -> Int {
        guard kind == .scalar, let text = scalarText, let value = Int(text) else {
            throw error("expected a whole number, found \(found)")
        }
        return value
    }

    /// The value as a finite number.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for anything that is not a finite number.
    public func double() throws -> Double {
        guard kind == .scalar, let text = scalarText, let value = Double(text), value.isFinite else {
            throw error("expected a number, found \(found)")
        }
        return value
    }

    /// The value as a boolean: `true`/`false`, or YAML 1.1's `yes`/`no`/`on`/`off`, in any letter case.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for anything else.
    public func bool() throws -> Bool {
        switch kind == .scalar ? scalarText?.lowercased() : nil {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found \(found)")
        }
    }

    /// The value as one of `choices` (exact text).
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` listing the valid values (and the closest one,
    ///   when a value looks like a typo).
    public func choice(of choices: [String]) throws -> String {
        let text = try string()
        guard choices.contains(text) else {
            throw error(
                "unknown value '\(text)'; valid values: \(choices.joined(separator: ", "))"
                    + SpecSuggestion.didYouMean(text, among: choices))
        }
        return text
    }

    /// The value as a case of a string enumeration, matched on the raw values.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` listing the valid values.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type = Choice.self) throws -> Choice
    where Choice.RawValue == String {
        let text = try choice(of: Choice.allCases.map(\.rawValue))
        guard let value = Choice(rawValue: text) else { throw error("unknown value '\(text)'") }
        return value
    }

    // MARK: Lists

    /// The items of a list, each with its key path (`…[0]`, `…[1]`, …).
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` when the value is not a list.
    public func list() throws -> [SpecNode] {
        guard case let .list(items) = tree.content else { throw error("expected a list, found \(found)") }
        return items.enumerated().map { child($1, index: $0) }
    }

    /// A list of text values.
    ///
    /// - Parameter acceptingSingleValue: also accept one text value where a list is expected (read as a one-item
    ///   list, so `columns: id` means `columns: [id]`).
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for a value that is not a list, or an item that
    ///   is not text.
    public func strings(acceptingSingleValue: Bool = false) throws -> [String] {
        if acceptingSingleValue, kind == .scalar { return [try string()] }
        guard case .list = tree.content else {
            throw error("expected a list of text values, found \(found)")
        }
        return try list().map { try $0.string() }
    }

    // MARK: Mappings

    /// The value of `key` in this mapping, or nil when the key is absent or this value is not a mapping.
    public subscript(key: String) -> SpecNode? {
        guard case let .map(entries) = tree.content, let entry = entries.first(where: { $0.key == key }) else {
            return nil
        }
        return child(entry.value, key: key)
    }

    /// The value of `key` in this mapping, or nil when the key is absent.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` when this value is not a mapping.
    public func optional(_ key: String) throws -> SpecNode? {
        try requireMap()
        return self[key]
    }

    /// The value of `key` in this mapping.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` when this value is not a mapping, or names the
    ///   missing key at the mapping's line.
    public func required(_ key: String) throws -> SpecNode {
        guard let value = try optional(key) else { throw error(key: key, "missing key '\(key)'") }
        return value
    }

    /// The keys of this mapping, in file order (empty for other values).
    public var keys: [String] {
        guard case let .map(entries) = tree.content else { return [] }
        return entries.map(\.key)
    }

    /// The entries of this mapping in file order, each value with its key path.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` when this value is not a mapping.
    public func entries() throws -> [(key: String, value: SpecNode)] {
        guard case let .map(entries) = tree.content else { throw error("expected a mapping, found \(found)") }
        return entries.map { (key: $0.key, value: child($0.value, key: $0.key)) }
    }

    /// Checks that this value is a mapping.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` when it is not.
    public func requireMap() throws {
        guard case .map = tree.content else { throw error("expected a mapping, found \(found)") }
    }

    /// Checks that every key of this mapping is one of `validKeys`.
    ///
    /// - Parameter validKeys: the keys this mapping may have, in the order the error lists them.
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` at the line of the first unknown key:
    ///   "unknown key 'lable'; valid keys: name, kind, label, …; did you mean 'label'?".
    public func checkKeys(_ validKeys: [String]) throws {
        guard case let .map(entries) = tree.content else { throw error("expected a mapping, found \(found)") }
        let valid = Set(validKeys)
        for entry in entries where !valid.contains(entry.key) {
            throw TabularError.invalidSpec(
                path: source, line: entry.line, key: SpecKeyPath.appending(key: entry.key, to: keyPath),
                reason: (subject.map { "\($0): " } ?? "")
                    + "unknown key '\(entry.key)'; valid keys: \(validKeys.joined(separator: ", "))"
                    + SpecSuggestion.didYouMean(entry.key, among: validKeys))
        }
    }

    /// Where the key `key` of this mapping is written (the key's line and column, its value's key path), or nil
    /// when the key is absent.
    public func location(ofKey key: String) -> SpecLocation? {
        guard case let .map(entries) = tree.content, let entry = entries.first(where: { $0.key == key }) else {
            return nil
        }
        return SpecLocation(
            source: source, line: entry.line, column: entry.column,
            keyPath: SpecKeyPath.appending(key: key, to: keyPath))
    }
}
