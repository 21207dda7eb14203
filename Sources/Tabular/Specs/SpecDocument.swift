import Foundation

/// A parsed YAML or JSON spec file (labeling functions, constraints, pipelines): a tree of ``SpecNode``s that know
/// their file, line, column and key path, with the limits of ``SpecLimits`` enforced while reading.
///
/// Every spec kind reads its file through this type, so every spec kind gets the same syntax errors, the same limits
/// and the same error locations:
///
/// ```swift
/// let document = try SpecDocument.load(url)            // `.json`: strict JSON; otherwise YAML (which includes JSON)
/// let root = document.root
/// try root.checkKeys(["classes", "labeling_functions"])
/// for item in try root.required("labeling_functions").list() {
///     let name = try item.required("name").string()   // errors: "lfs.yaml:7: labeling_functions[2].name: …"
/// }
/// ```
///
/// YAML is read with libyaml's event parser (through Yams): anchors and aliases are resolved while reading, and an
/// alias counts every node it repeats against ``SpecLimits/maximumNodes`` before anything is built, so a file whose
/// aliases expand exponentially ("billion laughs") is rejected after reading its own bytes once. Repeated content is
/// shared, never copied. A YAML stream must hold exactly one document; mapping keys must be text and unique.
public struct SpecDocument: Sendable {
    /// The file path (or a label such as `"<memory>"`) named in errors.
    public let source: String
    /// How the text was read.
    public let format: SpecFormat
    /// The top-level value.
    public let root: SpecNode

    /// Reads a spec file, choosing the format from its extension (see ``SpecFormat/init(path:)``).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - limits: the size, depth and node-count limits (by default ``SpecLimits/standard``).
    /// - Returns: the document; errors thrown later by its nodes name `url.path`.
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` for a missing or unreadable file,
    ///   ``TabularError/invalidUTF8(path:line:)``, and ``TabularError/invalidSpec(path:line:key:reason:)`` for a
    ///   file over ``SpecLimits/maximumBytes``, a syntax error or a limit exceeded while reading.
    /// - Complexity: O(file size + nodes read).
    public static func load(_ url: URL, limits: SpecLimits = .standard) throws -> SpecDocument {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue
        if let size, size > limits.maximumBytes {
            throw TabularError.invalidSpec(
                path: url.path, line: nil, key: nil, reason: limits.sizeExceeded(size))
        }
        let bytes = try FileBytes.read(url)
        return try SpecDocument(parsing: bytes, format: SpecFormat(path: url), source: url.path, limits: limits)
    }

    /// Parses spec text held in memory.
    ///
    /// - Parameters:
    ///   - text: the YAML or JSON text.
    ///   - format: `.json` for strict JSON, `.yaml` for YAML (which includes JSON).
    ///   - source: the file path or label named in errors.
    ///   - limits: the size, depth and node-count limits.
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for a syntax error or an exceeded limit.
    public init(
        parsing text: String, format: SpecFormat, source: String = "<memory>", limits: SpecLimits = .standard
    ) throws {
        try self.init(parsing: Array(text.utf8), format: format, source: source, limits: limits)
    }

    /// Parses spec bytes (UTF-8) held in memory; see ``init(parsing:format:source:limits:)-(String,_,_,_)``.
    ///
    /// - Throws: ``TabularError/invalidUTF8(path:line:)`` for bytes that are not UTF-8, and
    ///   ``TabularError/invalidSpec(path:line:key:reason:)`` for a syntax error or an exceeded limit.
    public init(
        parsing bytes: [UInt8], format: SpecFormat, source: String = "<memory>", limits: SpecLimits = .standard
    ) throws {
        guard bytes.count <= limits.maximumBytes else {
            throw TabularError.invalidSpec(path: source, line: nil, key: nil, reason: limits.sizeExceeded(bytes.count))
        }
        try UTF8Validation.validate(bytes, source: source)
        var budget = SpecBudget(limits: limits, source: source)
        let tree: SpecTreeNode
        switch format {
        case .yaml: tree = try YAMLSpecReader.read(bytes, budget: &budget)
        case .json: tree = try JSONSpecReader.read(bytes, budget: &budget)
        }
        self.source = source
        self.format = format
        self.root = SpecNode(tree: tree, source: source, keyPath: "", subject: nil)
    }
}

/// The text formats of spec files.
public enum SpecFormat: String, Sendable, CaseIterable {
    /// YAML 1.1 as libyaml reads it; JSON documents are YAML too.
    case yaml
    /// Strict JSON (RFC 8259).
    case json

    /// The format a path's extension names: `.json` is strict JSON, anything else (`.yaml`, `.yml`, …) is YAML.
    public init(path: URL) {
        self = path.pathExtension.lowercased() == "json" ? .json : .yaml
    }
}
