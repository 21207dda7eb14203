/// One value of a spec document as read, before anyone navigates to it. Lists and mappings hold their children in
/// arrays, so the content an alias repeats is shared, not copied; the key path of a value depends on where it is
/// reached from and lives in the ``SpecNode`` view instead.
struct SpecTreeNode: Sendable {
    /// What a value holds.
    enum Content: Sendable {
        /// A scalar's text; `plain` is true for an unquoted, untagged YAML scalar or a JSON number, literal or null,
        /// whose text may stand for null.
        case scalar(text: String, plain: Bool)
        /// A list.
        case list([SpecTreeNode])
        /// A mapping, its keys unique and in file order.
        case map([SpecTreeEntry])
    }

    /// The 1-based line where the value starts.
    let line: Int
    /// The 1-based column where the value starts.
    let column: Int
    /// The value.
    let content: Content
}

/// One key of a mapping and its value.
struct SpecTreeEntry: Sendable {
    /// The key's text.
    let key: String
    /// The 1-based line of the key.
    let line: Int
    /// The 1-based column of the key.
    let column: Int
    /// The value.
    let value: SpecTreeNode
}

/// Key paths as people write them: `labeling_functions[2].label`, `constraints[0]["odd key"]`.
enum SpecKeyPath {
    /// `path` followed by the mapping key `key`.
    static func appending(key: String, to path: String) -> String {
        let simple =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
            }
        if simple { return path.isEmpty ? key : path + "." + key }
        return path + "[" + JSONText.quoted(key) + "]"
    }

    /// `path` followed by the list position `index` (0-based).
    static func appending(index: Int, to path: String) -> String { path + "[\(index)]" }
}

/// Counts values as a document is read and enforces ``SpecLimits``; readers push and pop the path they are at so
/// that a limit error names the key where it was crossed.
struct SpecBudget {
    let limits: SpecLimits
    let source: String
    /// Values counted so far, aliases expanded.
    private(set) var nodes = 0
    /// Lists and mappings open around the reader's position.
    private var depth = 0
    private var path: [PathStep] = []

    enum PathStep {
        case key(String)
        case index(Int)
    }

    init(limits: SpecLimits, source: String) {
        self.limits = limits
        self.source = source
    }

    /// The key path of the reader's position.
    var keyPath: String {
        path.reduce("") { result, step in
            switch step {
            case let .key(key): SpecKeyPath.appending(key: key, to: result)
            case let .index(index): SpecKeyPath.appending(index: index, to: result)
            }
        }
    }

    mutating func push(_ step: PathStep) { path.append(step) }
    mutating func pop() { path.removeLast() }

    /// Counts `count` more values: one for a scalar or collection, an anchored value's expanded size for an alias.
    mutating func count(_ count: Int, line: Int, alias: String? = nil) throws {
        nodes += count
        guard nodes <= limits.maximumNodes else {
            let cause =
                alias.map {
                    "the alias '*\($0)' repeats \(count) values, which makes the document larger than "
                        + "\(limits.maximumNodes) values once aliases are expanded"
                } ?? "the document has more than \(limits.maximumNodes) values"
            throw error(line: line, cause + " (the limit for spec files)")
        }
    }

    /// Enters a list or mapping that starts on `line`.
    mutating func enter(line: Int) throws {
        try checkFits(height: 1, line: line)
        depth += 1
    }

    /// Leaves the innermost list or mapping.
    mutating func leave() { depth -= 1 }

    /// Checks that a value nesting `height` lists and mappings (an alias's anchored value) fits where the reader is.
    func checkFits(height: Int, line: Int) throws {
        guard depth + height <= limits.maximumDepth else {
            throw error(
                line: line,
                "lists and mappings are nested more than \(limits.maximumDepth) deep (the limit for spec files)")
        }
    }

    /// A spec error at `line` and the reader's key path.
    func error(line: Int?, _ reason: String) -> TabularError {
        let keyPath = self.keyPath
        return .invalidSpec(path: source, line: line, key: keyPath.isEmpty ? nil : keyPath, reason: reason)
    }
}
