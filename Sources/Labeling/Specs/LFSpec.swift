import Foundation
import Tabular

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
///   - {name: near_spam, kind: similarity, centroid: [0.12, -0.03, …], min_cosine: 0.42, label: SPAM}
/// ```
///
/// Keys: `name`, `kind` (keyword / regex / lexicon / threshold / similarity), `label` (a class name or index),
/// optional `field` (the text column; defaults to the one given when compiling) and `description`. Kind-specific:
/// `keywords` (any-of substrings, case-insensitive); `pattern` and `ignore_case` (default true);
/// `words` (matched against lowercased word tokens); for thresholds exactly one of `less_than`,
/// `at_most`, `greater_than`, `at_least`, and `measure`: `value` (the field parsed as a number,
/// the default) or `word_count` (whitespace-separated tokens, Python `len(text.split())`); for similarity `centroid`
/// (the vector the text's embedding is compared with), `min_cosine` and optionally `encoder` (the encoder folder,
/// relative to the spec file) — compiling one needs an ``EmbeddingLookup``.
/// The reference page `docs/reference/lf-spec.md` lists every key with its type and default.
public struct LabelingFunctionSpec: Sendable, Equatable {
    /// The kinds of declarative labeling functions.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case keyword, regex, lexicon, threshold, similarity
    }

    /// What a threshold compares.
    public enum Measure: String, Sendable, CaseIterable, Codable {
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
    /// `similarity`: the vector each text's embedding is compared with (usually L2-normalised).
    public var centroid: [Float] = []
    /// `similarity`: the smallest cosine between a text's embedding and ``centroid`` that votes.
    public var minCosine: Double?
    /// `similarity`: the encoder folder the centroid was computed with (as written, relative to the spec file).
    public var encoder: String?
    /// Where the function was declared in its spec file (nil when built in code); errors from
    /// ``LFSpec/compile(classNames:defaultField:columns:embeddings:)`` point there. Not part of equality.
    public var location: SpecLocation?
    /// Where each key was written, for errors about a key's value (empty when built in code).
    var keyLocations: [String: SpecLocation] = [:]

    /// Creates a spec.
    public init(name: String, kind: Kind, field: String? = nil, label: String) {
        self.name = name
        self.kind = kind
        self.field = field
        self.label = label
    }

    /// Specs are equal when they declare the same function, wherever they were written.
    public static func == (lhs: LabelingFunctionSpec, rhs: LabelingFunctionSpec) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.field == rhs.field && lhs.label == rhs.label
            && lhs.keywords == rhs.keywords && lhs.pattern == rhs.pattern && lhs.ignoreCase == rhs.ignoreCase
            && lhs.words == rhs.words && lhs.comparison == rhs.comparison && lhs.measure == rhs.measure
            && lhs.centroid == rhs.centroid && lhs.minCosine == rhs.minCosine && lhs.encoder == rhs.encoder
    }
}

/// A spec file: optional class names, an optional class balance and a list of ``LabelingFunctionSpec``s.
///
/// The top level is either a mapping with `labeling_functions` (or `lfs`), optional `classes` and optional
/// `class_balance` (one positive share per class, in class order, summing to 1: the class prior the functions were
/// written for, for example the one ``LFSynthesizer`` estimates from its exemplars and pool; a label model may be fitted
/// with it), or directly the list of functions. Files are read by Tabular's ``SpecDocument`` (YAML, or strict JSON for
/// `.json`) under its ``SpecLimits``; every error is a ``TabularError/invalidSpec(path:line:key:reason:)`` naming
/// the file, the line, the key path (`labeling_functions[2].label`) and the labeling function.
public struct LFSpec: Sendable, Equatable {
    /// Where the spec came from (for error messages).
    public let source: String
    /// Class names declared in the file, if any.
    public let classNames: [String]?
    /// The labeling functions in file order.
    public let labelingFunctions: [LabelingFunctionSpec]
    /// The class prior declared in the file (`class_balance`), one share per class in class order, if any.
    public let classBalance: [Double]?

    /// Creates a spec in code.
    ///
    /// - Parameters:
    ///   - source: where the spec came from (for error messages).
    ///   - classNames: the class names, if declared.
    ///   - labelingFunctions: the functions.
    ///   - classBalance: the class prior, one positive share per class summing to 1 (checked when read from a file,
    ///     not here).
    public init(
        source: String = "<memory>", classNames: [String]? = nil, labelingFunctions: [LabelingFunctionSpec],
        classBalance: [Double]? = nil
    ) {
        self.source = source
        self.classNames = classNames
        self.labelingFunctions = labelingFunctions
        self.classBalance = classBalance
    }

    /// Spec text formats: `.json` is strict JSON, `.yaml` is YAML (which includes JSON).
    public typealias Format = SpecFormat

    /// The keys of the top-level mapping.
    public static let topLevelKeys = ["classes", "class_balance", "labeling_functions", "lfs"]
    /// The keys every labeling function takes.
    public static let commonKeys = ["name", "kind", "label", "field", "description"]
    /// The keys of each kind, beside ``commonKeys``.
    public static let kindKeys: [LabelingFunctionSpec.Kind: [String]] = [
        .keyword: ["keywords"], .regex: ["pattern", "ignore_case"], .lexicon: ["words"],
        .threshold: ["less_than", "at_most", "greater_than", "at_least", "measure"],
        .similarity: ["centroid", "min_cosine", "encoder"],
    ]

    /// Reads a `.yaml`/`.yml` or `.json` spec file (other extensions are read as YAML, which includes JSON).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - limits: the size, nesting and node-count limits the file is read under.
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)``, ``TabularError/invalidUTF8(path:line:)``,
    ///   ``TabularError/invalidSpec(path:line:key:reason:)`` naming the line, key and labeling function.
    public static func load(_ url: URL, limits: SpecLimits = .standard) throws -> LFSpec {
        try decode(try SpecDocument.load(url, limits: limits).root)
    }

    /// Parses spec text.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` naming the line, key and labeling function.
    public static func parse(
        _ text: String, format: Format, source: String = "<memory>", limits: SpecLimits = .standard
    ) throws -> LFSpec {
        try decode(try SpecDocument(parsing: text, format: format, source: source, limits: limits).root)
    }

    /// Reads the labeling functions of a parsed document (for example a section of a larger spec).
    ///
    /// - Parameter root: a list of functions, or a mapping with `labeling_functions` (or `lfs`) and `classes`.
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` naming the line, key and labeling function.
    public static func decode(_ root: SpecNode) throws -> LFSpec {
        var classNames: [String]?
        var classBalance: [Double]?
        let list: SpecNode
        switch root.kind {
        case .list:
            list = root
        case .map:
            try root.checkKeys(topLevelKeys)
            if let classes = root["classes"] {
                let names = try classes.strings()
                guard names.count >= 2, Set(names).count == names.count else {
                    throw classes.error("expected at least two distinct class names")
                }
                classNames = names
            }
            if let balance = root["class_balance"] {
                classBalance = try decodeClassBalance(balance, classCount: classNames?.count)
            }
            if root["labeling_functions"] != nil, let lfs = root["lfs"] {
                throw lfs.error("give the functions under 'labeling_functions' or 'lfs', not both")
            }
            guard let functions = root["labeling_functions"] ?? root["lfs"] else {
                throw root.error(key: "labeling_functions", "missing key 'labeling_functions' (the list of functions)")
            }
            list = functions
        case .null, .scalar:
            throw root.error(
                "expected a list of labeling functions or a mapping with 'labeling_functions', found \(root.kind.phrase)"
            )
        }
        let items = try list.list()
        guard !items.isEmpty else { throw list.error("the list of labeling functions is empty") }
        var specs: [LabelingFunctionSpec] = []
        var firstLines: [String: Int] = [:]
        for item in items {
            let spec = try decodeFunction(item)
            if let earlier = firstLines[spec.name] {
                throw item.error(
                    key: "name", "the name '\(spec.name)' is already used by the labeling function on line \(earlier)")
            }
            firstLines[spec.name] = item.line
            specs.append(spec)
        }
        return LFSpec(
            source: root.source, classNames: classNames, labelingFunctions: specs, classBalance: classBalance)
    }

    /// Reads `class_balance`: a list of positive finite shares summing to 1 (within 10⁻⁶), one per class when the
    /// classes are declared.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` at the key's line.
    static func decodeClassBalance(_ node: SpecNode, classCount: Int?) throws -> [Double] {
        let shares = try node.list().map { try $0.double() }
        guard shares.count >= 2 else { throw node.error("expected one share per class (at least two)") }
        if let classCount, shares.count != classCount {
            throw node.error("expected \(classCount) shares (one per class), found \(shares.count)")
        }
        guard shares.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw node.error("every share must be a positive number, found \(shares)")
        }
        let total = shares.reduce(0, +)
        guard abs(total - 1) <= 1e-6 else { throw node.error("the shares must sum to 1, found \(total)") }
        return shares
    }

    /// Reads one labeling function from its mapping.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` naming the function (or its position).
    public static func decodeFunction(_ node: SpecNode) throws -> LabelingFunctionSpec {
        try node.requireMap()
        let name = try node.required("name").nonEmptyString()
        let function = node.describing("labeling function '\(name)'")
        let kindNode = try function.required("kind")
        let kind = try kindNode.choice(LabelingFunctionSpec.Kind.self)
        try function.checkKeys(commonKeys + (kindKeys[kind] ?? []))
        var spec = LabelingFunctionSpec(
            name: name, kind: kind, field: try function.optional("field")?.nonEmptyString(),
            label: try function.required("label").string())
        spec.location = node.location
        for key in function.keys { spec.keyLocations[key] = function.location(ofKey: key) }
        switch kind {
        case .keyword:
            let keywords = try function.required("keywords")
            spec.keywords = try keywords.strings()
            guard !spec.keywords.isEmpty, !spec.keywords.contains("") else {
                throw keywords.error("expected a list of non-empty strings")
            }
        case .regex:
            let pattern = try function.required("pattern")
            spec.pattern = try pattern.nonEmptyString()
            if let flag = try function.optional("ignore_case") { spec.ignoreCase = try flag.bool() }
            do {
                _ = try TextPattern(spec.pattern ?? "", ignoresCase: spec.ignoreCase)
            } catch {
                throw pattern.error("'\(spec.pattern ?? "")' is not a valid regular expression")
            }
        case .lexicon:
            let words = try function.required("words")
            spec.words = try words.strings()
            guard !spec.words.isEmpty else { throw words.error("expected at least one word") }
        case .threshold:
            let tests: [(key: String, make: (Double) -> ThresholdComparison)] = [
                ("less_than", ThresholdComparison.lessThan), ("at_most", ThresholdComparison.atMost),
                ("greater_than", ThresholdComparison.greaterThan), ("at_least", ThresholdComparison.atLeast),
            ]
            let present = tests.filter { function[$0.key] != nil }
            guard present.count == 1, let test = present.first, let bound = function[test.key] else {
                let message = "expected exactly one of less_than, at_most, greater_than, at_least"
                if present.count > 1, let second = function[present[1].key] {
                    throw second.error(message + ", found \(present.map(\.key).joined(separator: " and "))")
                }
                throw function.error(key: "less_than", message)
            }
            spec.comparison = test.make(try bound.double())
            if let measure = try function.optional("measure") {
                spec.measure = try measure.choice(LabelingFunctionSpec.Measure.self)
            }
        case .similarity:
            let centroid = try function.required("centroid")
            let values = try centroid.list().map { try $0.double() }
            guard !values.isEmpty, values.allSatisfy({ Float($0).isFinite }) else {
                throw centroid.error("expected a non-empty list of finite numbers (the centroid's coordinates)")
            }
            guard values.contains(where: { $0 != 0 }) else {
                throw centroid.error("the centroid is all zeros: its cosine with any text is undefined")
            }
            spec.centroid = values.map { Float($0) }
            let bound = try function.required("min_cosine")
            let minCosine = try bound.double()
            guard minCosine >= -1, minCosine <= 1 else {
                throw bound.error("expected a cosine between -1 and 1, found \(minCosine)")
            }
            spec.minCosine = minCosine
            spec.encoder = try function.optional("encoder")?.nonEmptyString()
        }
        return spec
    }

    // MARK: Compiling

    /// The fields whose texts `similarity` functions embed (in first-use order; empty when there are none): the
    /// caller embeds the distinct texts of these columns once and passes the ``EmbeddingLookup`` to
    /// ``compile(classNames:defaultField:columns:embeddings:)``.
    ///
    /// - Parameter defaultField: the column functions without `field` read.
    public func embeddingFields(defaultField: String?) -> [String] {
        var fields: [String] = []
        for spec in labelingFunctions where spec.kind == .similarity {
            if let field = spec.field ?? defaultField, !fields.contains(field) { fields.append(field) }
        }
        return fields
    }

    /// Whether any function is of kind `similarity` (and so compiling needs an ``EmbeddingLookup``).
    public var needsEmbeddings: Bool { labelingFunctions.contains { $0.kind == .similarity } }

    /// Compiles the specs into labeling functions over the rows of a table.
    ///
    /// - Parameters:
    ///   - classNames: the classes; labels are resolved against them (exact name, then case-insensitive, then index).
    ///     Defaults to the file's `classes`.
    ///   - defaultField: the column used by functions without `field`.
    ///   - columns: when given (the table's columns), every field is checked to exist.
    ///   - embeddings: text → vector for the texts of ``embeddingFields(defaultField:)``; required when the spec has
    ///     `similarity` functions.
    /// - Returns: the functions, in file order.
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for an unknown class, a missing field or column,
    ///   at the line of the function's `label` or `field` key; for a similarity function compiled without
    ///   `embeddings`, or whose centroid's length is not the embeddings' dimension.
    public func compile(
        classNames: [String]? = nil, defaultField: String?, columns: [String]? = nil,
        embeddings: EmbeddingLookup? = nil
    ) throws
        -> [LabelingFunction<Record>]
    {
        guard let classes = classNames ?? self.classNames else {
            throw TabularError.invalidSpec(
                path: source, line: nil, key: "classes",
                reason: "no class names: declare 'classes' in the spec or pass them")
        }
        return try labelingFunctions.enumerated().map { position, spec in
            func fail(_ key: String, _ reason: String) -> TabularError {
                let reason = "labeling function '\(spec.name)': \(reason)"
                if let location = spec.keyLocations[key] { return location.error(reason) }
                if let location = spec.location {
                    return .invalidSpec(
                        path: location.source, line: location.line, key: location.keyPath + ".\(key)", reason: reason)
                }
                return .invalidSpec(
                    path: source, line: nil, key: "labeling_functions[\(position)].\(key)", reason: reason)
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
            case .similarity:
                guard let embeddings else {
                    throw fail(
                        "kind",
                        "a similarity function needs text embeddings: give the encoder (--model DIR) or pass an "
                            + "EmbeddingLookup when compiling")
                }
                guard spec.centroid.count == embeddings.dimension else {
                    throw fail(
                        "centroid",
                        "the centroid has \(spec.centroid.count) numbers but the encoder's embeddings have "
                            + "\(embeddings.dimension)")
                }
                guard let minCosine = spec.minCosine else { throw fail("min_cosine", "missing") }
                return .similarity(
                    name: spec.name, text: text, centroid: spec.centroid, minCosine: minCosine,
                    embeddings: embeddings, label: label)
            }
        }
    }
}
