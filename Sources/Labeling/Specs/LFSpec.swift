import Foundation
import Tabular
import Yams

/// A declarative labeling function, as written in a YAML or JSON spec file.
///
/// ```yaml
/// classes: [HAM, SPAM]
/// labeling_functions:
///   - {name: keyword_subscribe, kind: keyword, keywords: [subscribe, "sub 4 sub"], label: SPAM}
///   - {name: regex_check_out, kind: regex, pattern: "check.*out", label: SPAM}
///   - {name: lexicon_praise, kind: lexicon, words: [love, great, beautiful], label: HAM}
///   - {name: short_comment, kind: threshold, measure: word_count, less_than: 5, label: HAM}
///   - {name: low_score, kind: threshold, field: score, at_most: 0.2, label: HAM}
/// ```
///
/// Keys: `name`, `kind` (keyword / regex / lexicon / threshold), `label` (a class name or index),
/// optional `field` (the text column; defaults to the one given when compiling). Kind-specific:
/// `keywords` (any-of substrings, case-insensitive); `pattern` and `ignore_case` (default true);
/// `words` (matched against lowercased word tokens); for thresholds exactly one of `less_than`,
/// `at_most`, `greater_than`, `at_least`, and `measure`: `value` (the field parsed as a number,
/// the default) or `word_count` (whitespace-separated tokens, Python `len(text.split())`).
public struct LabelingFunctionSpec: Sendable, Equatable {
    /// The kinds of declarative labeling functions.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case keyword, regex, lexicon, threshold
    }

    /// What a threshold compares.
    public enum Measure: String, Sendable, Codable {
        /// The field parsed as a number (an empty cell abstains).
        case value
        /// The number of whitespace-separated tokens of the field.
        case wordCount = "word_count"
    }

    /// The function's name.
    public var name: String
    /// Its kind.
    public var kind: Kind
    /// The column it reads; nil means the default text field.
    public var field: String?
    /// The class it votes for (a class name, or an index written as a number).
    public var label: String
    /// `keyword`: the substrings.
    public var keywords: [String] = []
    /// `regex`: the pattern.
    public var pattern: String?
    /// `regex`: case-insensitive matching.
    public var ignoreCase: Bool = true
    /// `lexicon`: the words.
    public var words: [String] = []
    /// `threshold`: the test.
    public var comparison: ThresholdComparison?
    /// `threshold`: what is compared.
    public var measure: Measure = .value

    /// Creates a spec.
    public init(name: String, kind: Kind, field: String? = nil, label: String) {
        self.name = name
        self.kind = kind
        self.field = field
        self.label = label
    }
}

/// A spec file: optional class names and a list of ``LabelingFunctionSpec``s.
///
/// The top level is either a mapping with `labeling_functions` (or `lfs`) and optional `classes`,
/// or directly the list of functions. Every error names the file, the labeling function and the key.
public struct LFSpec: Sendable, Equatable {
    /// Where the spec came from (for error messages).
    public let source: String
    /// Class names declared in the file, if any.
    public let classNames: [String]?
    /// The labeling functions in file order.
    public let labelingFunctions: [LabelingFunctionSpec]

    /// Creates a spec in code.
    public init(source: String = "<memory>", classNames: [String]? = nil, labelingFunctions: [LabelingFunctionSpec]) {
        self.source = source
        self.classNames = classNames
        self.labelingFunctions = labelingFunctions
    }

    /// Reads a `.yaml`/`.yml` or `.json` spec file (other extensions are read as YAML, which includes JSON).
    ///
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)``, ``TabularError/invalidUTF8(path:line:)``,
    ///   ``LabelingError/invalidSpec(path:lf:field:reason:)``.
    public static func load(_ url: URL) throws -> LFSpec {
        let bytes = try FileBytes.read(url)
        try UTF8Validation.validate(bytes, source: url.path)
        let text = String(decoding: bytes, as: UTF8.self)
        let format: Format = url.pathExtension.lowercased() == "json" ? .json : .yaml
        return try parse(text, format: format, source: url.path)
    }

    /// Spec text formats.
    public enum Format: Sendable { case yaml, json }

    /// Parses spec text.
    ///
    /// - Throws: ``LabelingError/invalidSpec(path:lf:field:reason:)`` naming the labeling function and key.
    public static func parse(_ text: String, format: Format, source: String = "<memory>") throws -> LFSpec {
        let root: SpecNode
        switch format {
        case .json:
            do {
                root = SpecNode(try JSONValue.parse(Array(text.utf8)))
            } catch let error as JSONSyntaxError {
                let line = 1 + text.utf8.prefix(error.offset).filter { $0 == 0x0A }.count
                throw LabelingError.invalidSpec(
                    path: source, lf: nil, field: nil, reason: "invalid JSON on line \(line): \(error.message)")
            }
        case .yaml:
            do {
                guard let node = try Yams.compose(yaml: text) else {
                    throw LabelingError.invalidSpec(path: source, lf: nil, field: nil, reason: "the file is empty")
                }
                root = SpecNode(node)
            } catch let error as LabelingError {
                throw error
            } catch {
                throw LabelingError.invalidSpec(path: source, lf: nil, field: nil, reason: "invalid YAML: \(error)")
            }
        }
        return try decode(root, source: source)
    }

    private static func decode(_ root: SpecNode, source: String) throws -> LFSpec {
        func fail(_ lf: String?, _ field: String?, _ reason: String) -> LabelingError {
            .invalidSpec(path: source, lf: lf, field: field, reason: reason)
        }
        var classNames: [String]?
        let list: [SpecNode]
        switch root {
        case let .sequence(items, _):
            list = items
        case let .mapping(pairs, _):
            let known: Set<String> = ["classes", "labeling_functions", "lfs"]
            if let unknown = pairs.first(where: { !known.contains($0.key) }) {
                throw fail(nil, unknown.key, "unknown top-level key (expected classes, labeling_functions)")
            }
            if let classes = root["classes"] {
                classNames = try classes.stringList(orThrow: fail(nil, "classes", "expected a list of class names"))
                guard let names = classNames, names.count >= 2, Set(names).count == names.count else {
                    throw fail(nil, "classes", "expected at least two distinct class names")
                }
            }
            guard let functions = root["labeling_functions"] ?? root["lfs"], case let .sequence(items, _) = functions
            else {
                throw fail(nil, "labeling_functions", "expected a list of labeling functions")
            }
            list = items
        case .scalar:
            throw fail(nil, nil, "expected a list of labeling functions or a mapping with 'labeling_functions'")
        }
        var specs: [LabelingFunctionSpec] = []
        var seen = Set<String>()
        for (position, node) in list.enumerated() {
            let spec = try decodeFunction(node, position: position, fail: fail)
            guard seen.insert(spec.name).inserted else { throw fail(spec.name, "name", "the name is used twice") }
            specs.append(spec)
        }
        guard !specs.isEmpty else { throw fail(nil, "labeling_functions", "the list is empty") }
        return LFSpec(source: source, classNames: classNames, labelingFunctions: specs)
    }

    private static func decodeFunction(
        _ node: SpecNode, position: Int, fail: (String?, String?, String) -> LabelingError
    ) throws -> LabelingFunctionSpec {
        let placeholder = "#\(position + 1)" + (node.line.map { " (line \($0))" } ?? "")
        guard case let .mapping(pairs, _) = node else {
            throw fail(placeholder, nil, "expected a mapping of keys to values")
        }
        guard let nameNode = node["name"] else { throw fail(placeholder, "name", "missing") }
        guard let name = nameNode.scalarText, !name.isEmpty else {
            throw fail(placeholder, "name", "expected a non-empty string")
        }
        func text(_ key: String) throws -> String? {
            guard let value = node[key] else { return nil }
            guard let string = value.scalarText else { throw fail(name, key, "expected a string") }
            return string
        }
        guard let kindText = try text("kind") else {
            throw fail(name, "kind", "missing (one of keyword, regex, lexicon, threshold)")
        }
        guard let kind = LabelingFunctionSpec.Kind(rawValue: kindText) else {
            throw fail(name, "kind", "unknown kind '\(kindText)' (expected keyword, regex, lexicon or threshold)")
        }
        guard let label = try text("label") else {
            throw fail(name, "label", "missing (the class this function votes for)")
        }
        var spec = LabelingFunctionSpec(name: name, kind: kind, field: try text("field"), label: label)
        var allowed: Set<String> = ["name", "kind", "field", "label", "description"]
        switch kind {
        case .keyword:
            allowed.insert("keywords")
            guard let list = node["keywords"] else { throw fail(name, "keywords", "missing (a list of substrings)") }
            spec.keywords = try list.stringList(orThrow: fail(name, "keywords", "expected a list of strings"))
            guard !spec.keywords.isEmpty, !spec.keywords.contains("") else {
                throw fail(name, "keywords", "expected non-empty strings")
            }
        case .regex:
            allowed.formUnion(["pattern", "ignore_case"])
            guard let pattern = try text("pattern"), !pattern.isEmpty else {
                throw fail(name, "pattern", "missing (a regular expression)")
            }
            spec.pattern = pattern
            if let flag = node["ignore_case"] {
                guard let value = flag.boolValue else { throw fail(name, "ignore_case", "expected true or false") }
                spec.ignoreCase = value
            }
            do {
                _ = try TextPattern(pattern, ignoresCase: spec.ignoreCase)
            } catch {
                throw fail(name, "pattern", "'\(pattern)' is not a valid regular expression")
            }
        case .lexicon:
            allowed.insert("words")
            guard let list = node["words"] else { throw fail(name, "words", "missing (a list of words)") }
            spec.words = try list.stringList(orThrow: fail(name, "words", "expected a list of strings"))
            guard !spec.words.isEmpty else { throw fail(name, "words", "expected at least one word") }
        case .threshold:
            let tests: [(String, (Double) -> ThresholdComparison)] = [
                ("less_than", ThresholdComparison.lessThan), ("at_most", ThresholdComparison.atMost),
                ("greater_than", ThresholdComparison.greaterThan), ("at_least", ThresholdComparison.atLeast),
            ]
            allowed.formUnion(tests.map(\.0) + ["measure"])
            let present = tests.filter { node[$0.0] != nil }
            guard present.count == 1, let (key, make) = present.first else {
                throw fail(
                    name, present.count > 1 ? present[1].0 : "less_than",
                    "expected exactly one of less_than, at_most, greater_than, at_least")
            }
            guard let bound = node[key]?.scalarText.flatMap(Double.init), bound.isFinite else {
                throw fail(name, key, "expected a number")
            }
            spec.comparison = make(bound)
            if let measure = try text("measure") {
                guard let value = LabelingFunctionSpec.Measure(rawValue: measure) else {
                    throw fail(name, "measure", "unknown measure '\(measure)' (expected value or word_count)")
                }
                spec.measure = value
            }
        }
        if let unknown = pairs.first(where: { !allowed.contains($0.key) }) {
            throw fail(name, unknown.key, "unknown key for a \(kind.rawValue) function")
        }
        return spec
    }

    // MARK: Compiling

    /// Compiles the specs into labeling functions over the rows of a table.
    ///
    /// - Parameters:
    ///   - classNames: the classes; labels are resolved against them (exact name, then case-insensitive, then index).
    ///     Defaults to the file's `classes`.
    ///   - defaultField: the column used by functions without `field`.
    ///   - columns: when given (the table's columns), every field is checked to exist.
    /// - Returns: the functions, in file order.
    /// - Throws: ``LabelingError/invalidSpec(path:lf:field:reason:)`` for an unknown class, a missing field or column.
    public func compile(classNames: [String]? = nil, defaultField: String?, columns: [String]? = nil) throws
        -> [LabelingFunction<Record>]
    {
        guard let classes = classNames ?? self.classNames else {
            throw LabelingError.invalidSpec(
                path: source, lf: nil, field: "classes",
                reason: "no class names: declare 'classes' in the spec or pass them")
        }
        return try labelingFunctions.map { spec in
            func fail(_ field: String, _ reason: String) -> LabelingError {
                .invalidSpec(path: source, lf: spec.name, field: field, reason: reason)
            }
            let label: Int
            if let exact = classes.firstIndex(of: spec.label) {
                label = exact
            } else if let loose = classes.firstIndex(where: { $0.lowercased() == spec.label.lowercased() }) {
                label = loose
            } else if let index = Int(spec.label), index >= 0, index < classes.count {
                label = index
            } else {
                throw fail("label", "unknown class '\(spec.label)' (classes: \(classes.joined(separator: ", ")))")
            }
            guard let field = spec.field ?? defaultField else {
                throw fail("field", "missing, and no default text field was given")
            }
            if let columns, !columns.contains(field) {
                throw fail("field", "no column '\(field)' in the input (columns: \(columns.joined(separator: ", ")))")
            }
            let text = Preprocessors.field(field)
            switch spec.kind {
            case .keyword:
                return .keyword(name: spec.name, text: text, keywords: spec.keywords, label: label)
            case .regex:
                do {
                    return try .regex(
                        name: spec.name, text: text, pattern: spec.pattern ?? "", label: label,
                        ignoringCase: spec.ignoreCase)
                } catch {
                    throw fail("pattern", "'\(spec.pattern ?? "")' is not a valid regular expression")
                }
            case .lexicon:
                return .lexicon(name: spec.name, tokens: text.tokens(), words: Set(spec.words), label: label)
            case .threshold:
                guard let comparison = spec.comparison else { throw fail("less_than", "missing comparison") }
                switch spec.measure {
                case .value:
                    return .threshold(name: spec.name, value: text.number(), comparison, label: label)
                case .wordCount:
                    return .threshold(name: spec.name, value: text.whitespaceTokenCount(), comparison, label: label)
                }
            }
        }
    }
}

/// A YAML or JSON node with ordered mapping keys and scalar text, with its line when known.
indirect enum SpecNode {
    case scalar(String, line: Int?)
    case sequence([SpecNode], line: Int?)
    case mapping([(key: String, value: SpecNode)], line: Int?)

    init(_ node: Node) {
        switch node {
        case let .scalar(scalar): self = .scalar(scalar.string, line: scalar.mark?.line)
        case let .sequence(sequence): self = .sequence(sequence.map(SpecNode.init), line: sequence.mark?.line)
        case let .mapping(mapping):
            self = .mapping(
                mapping.map { (key: $0.key.string ?? "\($0.key)", value: SpecNode($0.value)) }, line: mapping.mark?.line
            )
        case let .alias(alias): self = .scalar("*\(alias.anchor)", line: alias.mark?.line)
        }
    }

    init(_ value: JSONValue) {
        switch value {
        case let .array(items): self = .sequence(items.map(SpecNode.init), line: nil)
        case let .object(members): self = .mapping(members.map { (key: $0.key, value: SpecNode($0.value)) }, line: nil)
        default: self = .scalar(value.tableText, line: nil)
        }
    }

    var line: Int? {
        switch self {
        case let .scalar(_, line), let .sequence(_, line), let .mapping(_, line): return line
        }
    }

    subscript(key: String) -> SpecNode? {
        guard case let .mapping(pairs, _) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    var scalarText: String? {
        guard case let .scalar(text, _) = self else { return nil }
        return text
    }

    var boolValue: Bool? {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    func stringList(orThrow error: @autoclosure () -> LabelingError) throws -> [String] {
        guard case let .sequence(items, _) = self else { throw error() }
        return try items.map { item in
            guard let text = item.scalarText else { throw error() }
            return text
        }
    }
}
