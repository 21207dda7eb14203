/// One value of a ``SpecDocument`` — a scalar, a list or a mapping — that knows where it is: the file, the 1-based
/// line and column where it starts, and its key path from the top (`labeling_functions[2].label`).
///
/// Navigation (``subscript(_:)``, ``required(_:)``, ``list()``, ``entries()``) returns child nodes with extended key
/// paths; the typed accessors in `SpecNode+Accessors.swift` read values and throw
/// ``TabularError/invalidSpec(path:line:key:reason:)`` naming the file, line and key path, and saying what was
/// expected. A node can carry a *subject* (``describing(_:)``), such as `labeling function 'short_comment'`, that
/// every error thrown from it or its children names, so a spec kind can say which item of a list is wrong.
public struct SpecNode: Sendable {
    /// The shapes a value can have.
    public enum Kind: String, Sendable {
        /// An empty value, `~` or `null` (unquoted), or JSON `null`.
        case null
        /// Text, a number or a boolean, kept as written.
        case scalar
        /// A list.
        case list
        /// A mapping of text keys to values.
        case map

        /// How errors name the kind: "null", "a text value", "a list", "a mapping".
        public var phrase: String {
            switch self {
            case .null: "null"
            case .scalar: "a text value"
            case .list: "a list"
            case .map: "a mapping"
            }
        }
    }

    let tree: SpecTreeNode
    /// The file path (or label) of the document.
    public let source: String
    /// The key path from the top-level value, such as `labeling_functions[2].label`; empty for the top level.
    public let keyPath: String
    /// What errors from this node and its children are about (for example `labeling function 'short'`), if set.
    public let subject: String?

    init(tree: SpecTreeNode, source: String, keyPath: String, subject: String?) {
        self.tree = tree
        self.source = source
        self.keyPath = keyPath
        self.subject = subject
    }

    /// The 1-based line where the value starts (for a value an alias repeats, the line of the anchored value).
    public var line: Int { tree.line }

    /// The 1-based column where the value starts.
    public var column: Int { tree.column }

    /// Where the value is: file, line, column and key path.
    public var location: SpecLocation {
        SpecLocation(source: source, line: line, column: column, keyPath: keyPath)
    }

    /// The shape of the value.
    public var kind: Kind {
        switch tree.content {
        case let .scalar(text, plain): plain && SpecNode.nullWords.contains(text) ? .null : .scalar
        case .list: .list
        case .map: .map
        }
    }

    /// Unquoted texts that stand for null, as in YAML's core schema.
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// Whether the value is null.
    public var isNull: Bool { kind == .null }

    /// The text of a scalar or null value as written (after unquoting), or nil for a list or mapping.
    public var scalarText: String? {
        guard case let .scalar(text, _) = tree.content else { return nil }
        return text
    }

    /// The same value with a subject that every error from it and its children names.
    ///
    /// - Parameter subject: what the value is, for example `labeling function 'short_comment'`.
    public func describing(_ subject: String) -> SpecNode {
        SpecNode(tree: tree, source: source, keyPath: keyPath, subject: subject)
    }

    /// An error about this value: file, line, key path, the subject if any, and `reason`.
    ///
    /// - Parameter reason: what is wrong and what was expected.
    public func error(_ reason: String) -> TabularError {
        .invalidSpec(
            path: source, line: line, key: keyPath.isEmpty ? nil : keyPath,
            reason: subject.map { "\($0): \(reason)" } ?? reason)
    }

    /// An error about the key `key` of this mapping: at the key's line when the key is present, else (a missing
    /// key) at the mapping's line; the key path ends with `key`.
    ///
    /// - Parameters:
    ///   - key: the key concerned.
    ///   - reason: what is wrong and what was expected.
    public func error(key: String, _ reason: String) -> TabularError {
        .invalidSpec(
            path: source, line: location(ofKey: key)?.line ?? line, key: SpecKeyPath.appending(key: key, to: keyPath),
            reason: subject.map { "\($0): \(reason)" } ?? reason)
    }

    /// How errors show this value when it is not what was expected: its text, or its kind.
    var found: String {
        switch kind {
        case .scalar:
            let text = scalarText ?? ""
            return "'" + (text.count > 60 ? String(text.prefix(60)) + "…" : text) + "'"
        case .null, .list, .map: return kind.phrase
        }
    }

    func child(_ tree: SpecTreeNode, key: String) -> SpecNode {
        SpecNode(tree: tree, source: source, keyPath: SpecKeyPath.appending(key: key, to: keyPath), subject: subject)
    }

    func child(_ tree: SpecTreeNode, index: Int) -> SpecNode {
        SpecNode(
            tree: tree, source: source, keyPath: SpecKeyPath.appending(index: index, to: keyPath), subject: subject)
    }
}

/// Where a value of a spec file is: the file, 1-based line and column, and key path.
public struct SpecLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path or label.
    public let source: String
    /// The 1-based line.
    public let line: Int
    /// The 1-based column.
    public let column: Int
    /// The key path, such as `labeling_functions[2].label` (empty for the top level).
    public let keyPath: String

    /// Creates a location.
    public init(source: String, line: Int, column: Int, keyPath: String) {
        self.source = source
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    /// `file:line:column: key.path`.
    public var description: String {
        "\(source):\(line):\(column)" + (keyPath.isEmpty ? "" : ": \(keyPath)")
    }

    /// An error at this location: file, line, key path and `reason`.
    public func error(_ reason: String) -> TabularError {
        .invalidSpec(path: source, line: line, key: keyPath.isEmpty ? nil : keyPath, reason: reason)
    }
}
