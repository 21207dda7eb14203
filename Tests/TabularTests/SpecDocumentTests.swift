import Foundation
import FoundryTestSupport
import Testing

@testable import Tabular

/// YAML text whose aliases expand to 9^`levels` scalars ("billion laughs" for 9 levels), the anchors listed under
/// `key`, the last one referenced by `use`.
func aliasBomb(levels: Int = 9) -> String {
    var lines = ["anchors:", "  - &l0 [" + Array(repeating: "lol", count: 9).joined(separator: ", ") + "]"]
    for level in 1..<levels {
        lines.append("  - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]")
    }
    lines.append("use: *l\(levels - 1)")
    return lines.joined(separator: "\n") + "\n"
}

struct SpecDocumentTests {
    static let yaml = """
        # a comment
        classes: [HAM, SPAM]
        labeling_functions:
          - name: first
            kind: keyword
            keywords: [a, "b"]
          - name: second
            label: SPAM
            threshold: 0.5
            flag: yes
            count: 12
            empty:
            nothing: ~
            quoted_null: "null"
        """

    @Test func nodesKnowTheirLineColumnAndKeyPath() throws {
        let document = try SpecDocument(parsing: Self.yaml, format: .yaml, source: "s.yaml")
        let root = document.root
        #expect(root.kind == .map && root.keyPath == "" && root.line == 2)
        #expect(root.keys == ["classes", "labeling_functions"])
        let functions = try root.required("labeling_functions").list()
        #expect(functions.count == 2)
        let label = try functions[1].required("label")
        #expect(label.keyPath == "labeling_functions[1].label")
        #expect(label.line == 8 && label.column == 12)
        #expect(try label.string() == "SPAM")
        let keywords = try functions[0].required("keywords")
        #expect(try keywords.strings() == ["a", "b"])
        #expect(try keywords.list()[1].keyPath == "labeling_functions[0].keywords[1]")
        #expect(try keywords.list()[1].column == 19)
        #expect(
            functions[1].location(ofKey: "flag")
                == SpecLocation(
                    source: "s.yaml", line: 10, column: 5, keyPath: "labeling_functions[1].flag"))
        #expect(try root.required("classes").strings() == ["HAM", "SPAM"])
    }

    @Test func typedAccessorsReadScalars() throws {
        let item = try SpecDocument(parsing: Self.yaml, format: .yaml).root.required("labeling_functions").list()[1]
        #expect(try item.required("threshold").double() == 0.5)
        #expect(try item.required("flag").bool() == true)
        #expect(try item.required("count").int() == 12)
        #expect(try item.required("count").string() == "12")
        #expect(try item.required("empty").isNull && item["nothing"]?.isNull == true)
        #expect(item["quoted_null"]?.isNull == false)
        #expect(try item.required("quoted_null").string() == "null")
        #expect(try item.optional("absent") == nil)
        #expect(try item.required("label").choice(of: ["HAM", "SPAM"]) == "SPAM")
    }

    @Test func wrongTypeNamesTheFileLineAndKey() {
        let text = "limits:\n  rows: many\n  share: [1, 2]\n  flag: maybe\n  kind: regx\n  name:\n"
        func check(_ key: String, line: Int, reason: String, _ read: (SpecNode) throws -> Void) {
            #expect(throws: TabularError.invalidSpec(path: "t.yaml", line: line, key: "limits.\(key)", reason: reason))
            {
                let limits = try SpecDocument(parsing: text, format: .yaml, source: "t.yaml").root.required("limits")
                try read(try limits.required(key))
            }
        }
        check("rows", line: 2, reason: "expected a whole number, found 'many'") { _ = try $0.int() }
        check("share", line: 3, reason: "expected a number, found a list") { _ = try $0.double() }
        check("share", line: 3, reason: "expected a text value, found a list") { _ = try $0.string() }
        check("flag", line: 4, reason: "expected true or false, found 'maybe'") { _ = try $0.bool() }
        check("rows", line: 2, reason: "expected a list, found 'many'") { _ = try $0.list() }
        check("rows", line: 2, reason: "expected a mapping, found 'many'") { _ = try $0.entries() }
        check("name", line: 6, reason: "expected a text value, found null") { _ = try $0.string() }
        check(
            "kind", line: 5,
            reason: "unknown value 'regx'; valid values: keyword, regex, lexicon; did you mean 'regex'?"
        ) { _ = try $0.choice(of: ["keyword", "regex", "lexicon"]) }
    }

    @Test func unknownKeyListsValidKeysAndSuggestsTheClosest() {
        let text = "items:\n  - name: a\n    lable: SPAM\n"
        #expect(
            throws: TabularError.invalidSpec(
                path: "k.yaml", line: 3, key: "items[0].lable",
                reason: "item 'a': unknown key 'lable'; valid keys: name, kind, label; did you mean 'label'?")
        ) {
            let item = try SpecDocument(parsing: text, format: .yaml, source: "k.yaml").root.required("items").list()[0]
            try item.describing("item 'a'").checkKeys(["name", "kind", "label"])
        }
        #expect(
            throws: TabularError.invalidSpec(
                path: "k.yaml", line: 2, key: "items[0].kind", reason: "missing key 'kind'")
        ) {
            let item = try SpecDocument(parsing: text, format: .yaml, source: "k.yaml").root.required("items").list()[0]
            _ = try item.required("kind")
        }
        #expect(SpecSuggestion.closest(to: "colum", among: ["column", "columns"]) == "column")
        #expect(SpecSuggestion.closest(to: "zzz", among: ["min", "max"]) == nil)
        #expect(SpecSuggestion.editDistance(Array("lable"), Array("label")) == 1)
        #expect(SpecSuggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
    }

    @Test func smallAliasesAreExpandedAndKeepTheirUsePath() throws {
        let text = "defaults: &d {field: text, label: SPAM}\nfunctions:\n  - *d\n  - *d\n"
        let root = try SpecDocument(parsing: text, format: .yaml, source: "a.yaml").root
        let second = try root.required("functions").list()[1]
        #expect(try second.required("label").string() == "SPAM")
        #expect(try second.required("label").keyPath == "functions[1].label")
        #expect(try second.required("label").line == 1)  // the text is where the anchor is
    }

    @Test func billionLaughsFailsAtTheFirstAliasOverTheLimit() {
        // 9^9 ≈ 387 million scalars once expanded; rejected at the line of the sixth anchor, where the count first
        // passes 100,000.
        #expect(
            throws: TabularError.invalidSpec(
                path: "bomb.yaml", line: 7, key: "anchors[5][0]",
                reason:
                    "the alias '*l4' repeats 66430 values, which makes the document larger than 100000 values once "
                    + "aliases are expanded (the limit for spec files)")
        ) {
            try SpecDocument(parsing: aliasBomb(), format: .yaml, source: "bomb.yaml")
        }
    }

    @Test func collectionsAsMappingKeysAreRejected() {
        // An aliased list used as a key would otherwise be hashed at its expanded size.
        let text = "a: &a [x, y]\nb:\n  ? *a\n  : 1\n"
        #expect(
            throws: TabularError.invalidSpec(
                path: "k.yaml", line: 3, key: "b", reason: "a mapping key must be text; the alias '*a' is not")
        ) {
            try SpecDocument(parsing: text, format: .yaml, source: "k.yaml")
        }
        #expect(throws: TabularError.self) { try SpecDocument(parsing: "? [a, b]\n: 1\n", format: .yaml) }
    }

    @Test func tooDeepNestingIsRejected() {
        let deepYAML = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(
            throws: TabularError.invalidSpec(
                path: "d.yaml", line: 1, key: "[0]" + String(repeating: "[0]", count: 63),
                reason: "lists and mappings are nested more than 64 deep (the limit for spec files)")
        ) {
            try SpecDocument(parsing: deepYAML, format: .yaml, source: "d.yaml")
        }
        var block = ""
        for depth in 0..<70 { block += String(repeating: "  ", count: depth) + "k\(depth):\n" }
        #expect {
            try SpecDocument(parsing: block + String(repeating: "  ", count: 70) + "x\n", format: .yaml)
        } throws: { error in
            guard case let .invalidSpec(_, line, _, reason) = error as? TabularError else { return false }
            return line == 65 && reason.contains("nested more than 64 deep")
        }
        #expect {
            try SpecDocument(parsing: deepYAML, format: .json, source: "d.json")
        } throws: { error in
            guard case let .invalidSpec(path, line, _, reason) = error as? TabularError else { return false }
            return path == "d.json" && line == 1 && reason.contains("nested more than 64 deep")
        }
        // An alias brings its anchor's nesting along.
        let nested =
            "a: &a " + String(repeating: "[", count: 62) + String(repeating: "]", count: 62) + "\nb: [[[*a]]]\n"
        #expect {
            try SpecDocument(parsing: nested, format: .yaml, source: "n.yaml")
        } throws: { error in
            guard case let .invalidSpec(_, line, key, reason) = error as? TabularError else { return false }
            return line == 2 && key == "b[0][0][0]" && reason.contains("nested more than")
        }
        #expect(throws: Never.self) {
            try SpecDocument(parsing: nested, format: .yaml, limits: SpecLimits(maximumDepth: 66))
        }
    }

    @Test func oversizedDocumentsAreRejectedBeforeParsing() throws {
        let folder = TemporaryDirectory()
        let big = try folder.write("big.yaml", bytes: Array(repeating: UInt8(ascii: "#"), count: (4 << 20) + 1))
        #expect(
            throws: TabularError.invalidSpec(
                path: big.path, line: nil, key: nil,
                reason: "the file has 4194305 bytes, more than the 4194304 a spec may have")
        ) {
            try SpecDocument.load(big)
        }
        let small = SpecLimits(maximumBytes: 10)
        #expect(
            throws: TabularError.invalidSpec(
                path: "m", line: nil, key: nil, reason: "the file has 11 bytes, more than the 10 a spec may have")
        ) {
            try SpecDocument(parsing: "a: 12345678", format: .yaml, source: "m", limits: small)
        }
    }

    @Test func nodeCountIsLimitedWithoutAliasesToo() {
        let list = "[" + (0..<50).map(String.init).joined(separator: ", ") + "]"
        #expect {
            try SpecDocument(parsing: list, format: .json, source: "n.json", limits: SpecLimits(maximumNodes: 20))
        } throws: { error in
            guard case let .invalidSpec(_, _, key, reason) = error as? TabularError else { return false }
            return key == "[19]" && reason == "the document has more than 20 values (the limit for spec files)"
        }
    }

    @Test func syntaxAndStructureErrorsNameTheLine() {
        func expectError(_ text: String, _ format: SpecFormat, line: Int?, _ fragment: String) {
            #expect {
                try SpecDocument(parsing: text, format: format, source: "e")
            } throws: { error in
                guard case let .invalidSpec(path, errorLine, _, reason) = error as? TabularError else { return false }
                return path == "e" && errorLine == line && reason.contains(fragment)
            }
        }
        expectError("a: 1\nb: [1, 2\nc: 3\n", .yaml, line: 3, "invalid YAML")
        expectError("a: 1\na: 2\n", .yaml, line: 2, "the key 'a' appears twice in one mapping (first on line 1)")
        expectError("a: *nowhere\n", .yaml, line: 1, "the alias '*nowhere' names no anchor defined before it")
        expectError("a: 1\n---\nb: 2\n", .yaml, line: 2, "a second YAML document")
        expectError("# only a comment\n", .yaml, line: nil, "the file is empty")
        expectError("", .json, line: nil, "the file is empty")
        expectError("a: 1\nb: \"x\u{0}y\"\n", .yaml, line: 2, "invalid YAML")
        expectError("{\n  \"a\": 1,\n  \"a\": 2\n}", .json, line: 3, "the key 'a' appears twice in one object")
        expectError("{\n  \"a\": [1, 2,]\n}", .json, line: 2, "invalid JSON at column 14")
        expectError("{\"a\": 1} x", .json, line: 1, "unexpected text after the JSON value")
        expectError("a: 1", .json, line: 1, "invalid JSON")
    }

    @Test func jsonValuesKeepTheirLinesAndTypes() throws {
        let text =
            "{\n  \"name\": \"kw\",\n  \"n\": 3,\n  \"ok\": true,\n  \"none\": null,\n  \"list\": [\"x\", 2.5]\n}\n"
        let root = try SpecDocument(parsing: text, format: .json, source: "j.json").root
        #expect(root.keys == ["name", "n", "ok", "none", "list"])
        #expect(try root.required("n").int() == 3 && root.required("n").line == 3)
        #expect(try root.required("ok").bool() && root.required("none").isNull)
        #expect(try root.required("list").list()[1].double() == 2.5)
        #expect(try root.required("list").list()[1].keyPath == "list[1]")
        #expect(try root.required("name").column == 11)
        let document = try SpecDocument(parsing: text, format: .yaml, source: "j.json")
        #expect(try document.root.required("n").int() == 3)  // JSON is YAML too
    }

    @Test func formatFollowsTheExtension() {
        #expect(SpecFormat(path: URL(fileURLWithPath: "a.json")) == .json)
        #expect(SpecFormat(path: URL(fileURLWithPath: "a.JSON")) == .json)
        #expect(SpecFormat(path: URL(fileURLWithPath: "a.yml")) == .yaml)
        #expect(SpecFormat(path: URL(fileURLWithPath: "a.spec")) == .yaml)
    }

    @Test func loadNamesMissingFilesAndInvalidUTF8() throws {
        let folder = TemporaryDirectory()
        #expect(throws: TabularError.fileUnreadable(path: folder.file("no.yaml").path, reason: "no such file")) {
            try SpecDocument.load(folder.file("no.yaml"))
        }
        let bad = try folder.write("bad.yaml", bytes: Array("a: 1\nb: ".utf8) + [0xFF, 0x0A])
        #expect(throws: TabularError.invalidUTF8(path: bad.path, line: 2)) { try SpecDocument.load(bad) }
    }
}
