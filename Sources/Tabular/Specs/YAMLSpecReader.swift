import Foundation
// libyaml, as vendored by Yams (its `CYaml` target). Yams' own `compose` hides the event stream and builds its tree
// first, hashing every mapping key (an aliased key is hashed at its full expanded size), so it cannot stop an
// alias bomb before the damage; reading the events here lets every alias be charged its expanded size up front.
internal import CYaml

/// Reads one YAML document into a ``SpecTreeNode`` tree from libyaml's event stream, enforcing the
/// ``SpecBudget`` as events arrive.
///
/// An alias is charged the expanded size and nesting height of the value its anchor names before the value is
/// reused (shared, not copied), so an exponential alias expansion fails at the first alias that crosses
/// ``SpecLimits/maximumNodes``, after O(file size) work. Mapping keys must be text (a scalar, or an alias of one)
/// and unique. A stream with no document, or more than one, is an error.
enum YAMLSpecReader {
    /// Parses `bytes` (valid UTF-8) as one YAML document.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for a syntax error, an empty stream, several
    ///   documents, a non-text or repeated mapping key, an unknown alias, or an exceeded limit.
    static func read(_ bytes: [UInt8], budget: inout SpecBudget) throws -> SpecTreeNode {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        // libyaml keeps a pointer to the parser inside the parser, so it lives at a fixed address.
        guard yaml_parser_initialize(parser) == 1 else {
            throw budget.error(line: nil, "cannot start the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(parser) }
        return try bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var composer = Composer(parser: parser, bytes: buffer, budget: budget)
            let root = try composer.document()
            budget = composer.budget
            return root
        }
    }
}

/// A YAML event with the parts a spec needs, copied out of libyaml's event (which is freed at once).
private struct YAMLEvent {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(anchor: String)
        case scalar(text: String, plain: Bool, anchor: String?)
        case sequenceStart(anchor: String?)
        case sequenceEnd
        case mappingStart(anchor: String?)
        case mappingEnd
    }

    let kind: Kind
    /// 1-based line and column where the event starts.
    let line: Int
    let column: Int
}

/// A composed value with what an alias of it costs.
private struct Composed {
    let node: SpecTreeNode
    /// Values it holds once aliases inside it are expanded (itself included).
    let size: Int
    /// Lists and mappings nested in it, itself included (0 for a scalar).
    let height: Int
}

private struct Composer {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let bytes: UnsafeBufferPointer<UInt8>
    var budget: SpecBudget
    /// The values of the anchors defined so far; a later anchor of the same name replaces an earlier one.
    var anchors: [String: Composed] = [:]

    init(parser: UnsafeMutablePointer<yaml_parser_t>, bytes: UnsafeBufferPointer<UInt8>, budget: SpecBudget) {
        self.parser = parser
        self.bytes = bytes
        self.budget = budget
    }

    mutating func document() throws -> SpecTreeNode {
        _ = try next()  // stream start
        let start = try next()
        if case .streamEnd = start.kind { throw budget.error(line: nil, "the file is empty") }
        let root = try node(try next())
        _ = try next()  // document end
        let after = try next()
        if case .documentStart = after.kind {
            throw budget.error(
                line: after.line, "a second YAML document starts here; a spec file holds exactly one document")
        }
        return root.node
    }

    mutating func node(_ event: YAMLEvent) throws -> Composed {
        switch event.kind {
        case let .alias(anchor):
            guard let value = anchors[anchor] else {
                throw budget.error(line: event.line, "the alias '*\(anchor)' names no anchor defined before it")
            }
            try budget.checkFits(height: value.height, line: event.line)
            try budget.count(value.size, line: event.line, alias: anchor)
            return value
        case let .scalar(text, plain, anchor):
            try budget.count(1, line: event.line)
            let composed = Composed(
                node: SpecTreeNode(line: event.line, column: event.column, content: .scalar(text: text, plain: plain)),
                size: 1, height: 0)
            if let anchor { anchors[anchor] = composed }
            return composed
        case let .sequenceStart(anchor):
            let first = budget.nodes
            try budget.count(1, line: event.line)
            try budget.enter(line: event.line)
            var items: [SpecTreeNode] = []
            var height = 0
            while true {
                let next = try self.next()
                if case .sequenceEnd = next.kind { break }
                budget.push(.index(items.count))
                let item = try node(next)
                budget.pop()
                items.append(item.node)
                height = max(height, item.height)
            }
            budget.leave()
            let composed = Composed(
                node: SpecTreeNode(line: event.line, column: event.column, content: .list(items)),
                size: budget.nodes - first, height: height + 1)
            if let anchor { anchors[anchor] = composed }
            return composed
        case let .mappingStart(anchor):
            let first = budget.nodes
            try budget.count(1, line: event.line)
            try budget.enter(line: event.line)
            var entries: [SpecTreeEntry] = []
            var keyLines: [String: Int] = [:]
            var height = 0
            while true {
                let keyEvent = try next()
                if case .mappingEnd = keyEvent.kind { break }
                let key = try self.key(keyEvent)
                if let earlier = keyLines[key] {
                    budget.push(.key(key))
                    defer { budget.pop() }
                    throw budget.error(
                        line: keyEvent.line, "the key '\(key)' appears twice in one mapping (first on line \(earlier))")
                }
                keyLines[key] = keyEvent.line
                budget.push(.key(key))
                let value = try node(try next())
                budget.pop()
                entries.append(SpecTreeEntry(key: key, line: keyEvent.line, column: keyEvent.column, value: value.node))
                height = max(height, value.height)
            }
            budget.leave()
            let composed = Composed(
                node: SpecTreeNode(line: event.line, column: event.column, content: .map(entries)),
                size: budget.nodes - first, height: height + 1)
            if let anchor { anchors[anchor] = composed }
            return composed
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw budget.error(line: event.line, "invalid YAML: unexpected structure")
        }
    }

    /// A mapping key: a scalar, or an alias of a scalar.
    mutating func key(_ event: YAMLEvent) throws -> String {
        switch event.kind {
        case let .scalar(text, plain, anchor):
            try budget.count(1, line: event.line)
            if let anchor {
                anchors[anchor] = Composed(
                    node: SpecTreeNode(
                        line: event.line, column: event.column, content: .scalar(text: text, plain: plain)),
                    size: 1, height: 0)
            }
            return text
        case let .alias(anchor):
            guard let value = anchors[anchor] else {
                throw budget.error(line: event.line, "the alias '*\(anchor)' names no anchor defined before it")
            }
            guard case let .scalar(text, _) = value.node.content else {
                throw budget.error(line: event.line, "a mapping key must be text; the alias '*\(anchor)' is not")
            }
            try budget.count(1, line: event.line)
            return text
        case .sequenceStart:
            throw budget.error(line: event.line, "a mapping key must be text, found a list")
        default:
            throw budget.error(line: event.line, "a mapping key must be text, found a mapping")
        }
    }

    /// The next event, copied out of libyaml.
    mutating func next() throws -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        let line = Int(event.start_mark.line) + 1
        let column = Int(event.start_mark.column) + 1
        func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
        let kind: YAMLEvent.Kind
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_ALIAS_EVENT: kind = .alias(anchor: text(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                }
                ?? ""
            kind = .scalar(
                text: value, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil,
                anchor: text(scalar.anchor))
        case YAML_SEQUENCE_START_EVENT: kind = .sequenceStart(anchor: text(event.data.sequence_start.anchor))
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT: kind = .mappingStart(anchor: text(event.data.mapping_start.anchor))
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        default: throw budget.error(line: line, "invalid YAML: unexpected event")
        }
        return YAMLEvent(kind: kind, line: line, column: column)
    }

    /// libyaml's error as a spec error with its line.
    func syntaxError() -> TabularError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown error"
        let line: Int
        var reason = "invalid YAML: \(problem)"
        if state.error == YAML_READER_ERROR {
            // The reader reports a byte offset (a control character, a byte-order problem), not a mark.
            let offset = min(Int(state.problem_offset), bytes.count)
            line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            if state.problem_value >= 0 { reason += String(format: " (character U+%04X)", state.problem_value) }
        } else {
            line = Int(state.problem_mark.line) + 1
            if let context = state.context.map({ String(cString: $0) }) {
                reason += " (\(context) on line \(Int(state.context_mark.line) + 1))"
            }
        }
        return budget.error(line: line, reason)
    }
}
