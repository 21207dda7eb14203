import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

struct LFSpecTests {
    static let yaml = """
        classes: [HAM, SPAM]
        labeling_functions:
          - name: keyword_subscribe
            kind: keyword
            keywords: [subscribe, "sub 4 sub", no]
            label: SPAM
          - {name: regex_check_out, kind: regex, pattern: "check.*out", label: spam}
          - {name: lexicon_praise, kind: lexicon, words: [love, great], label: HAM}
          - {name: short_comment, kind: threshold, measure: word_count, less_than: 5, label: 0}
          - {name: high_score, kind: threshold, field: score, at_least: 0.5, label: SPAM}
        """

    @Test func parsesYAMLAndCompilesOverRecords() throws {
        let spec = try LFSpec.parse(Self.yaml, format: .yaml, source: "spec.yaml")
        #expect(spec.classNames == ["HAM", "SPAM"])
        #expect(spec.labelingFunctions.map(\.kind) == [.keyword, .regex, .lexicon, .threshold, .threshold])
        #expect(spec.labelingFunctions[0].keywords == ["subscribe", "sub 4 sub", "no"])  // `no` stays a string
        #expect(spec.labelingFunctions[3].comparison == .lessThan(5))
        #expect(spec.labelingFunctions[3].measure == .wordCount)
        #expect(spec.labelingFunctions[4].location?.line == 10)
        let table = try CSVReader.parse(
            Array(
                "text,score\nPlease SUBSCRIBE now and check it out,0.9\nI love this great song so much,0.1\nno,\n".utf8)
        )
        let lfs = try spec.compile(defaultField: "text", columns: table.columnNames)
        let matrix = try LFApplier(lfs, classNames: ["HAM", "SPAM"]).apply(table.records).labelMatrix
        #expect(matrix.denseVotes() == [1, 1, -1, -1, 1, -1, -1, 0, -1, -1, 1, -1, -1, 0, -1])
    }

    @Test func parsesJSON() throws {
        let json = """
            {"classes": ["HAM", "SPAM"], "labeling_functions": [
              {"name": "kw", "kind": "keyword", "keywords": ["http"], "label": "SPAM", "field": "CONTENT"},
              {"name": "re", "kind": "regex", "pattern": "www\\\\.", "ignore_case": false, "label": "SPAM"}]}
            """
        let spec = try LFSpec.parse(json, format: .json, source: "spec.json")
        #expect(spec.labelingFunctions[0].field == "CONTENT")
        #expect(spec.labelingFunctions[1].pattern == #"www\."#)
        #expect(spec.labelingFunctions[1].ignoreCase == false)
        #expect(spec.labelingFunctions[1].location?.line == 3)
        // The same functions written in YAML are equal specs, wherever they were written.
        let yaml = try LFSpec.parse(
            "classes: [HAM, SPAM]\nlfs:\n  - {name: kw, kind: keyword, keywords: [http], label: SPAM, field: CONTENT}\n"
                + "  - {name: re, kind: regex, pattern: 'www\\.', ignore_case: no, label: SPAM}\n",
            format: .yaml, source: "spec.json")
        #expect(yaml == spec)
    }

    @Test func loadsFilesByExtension() throws {
        let folder = TemporaryDirectory()
        let yamlURL = try folder.write("lfs.yaml", Self.yaml)
        #expect(try LFSpec.load(yamlURL).labelingFunctions.count == 5)
        #expect(throws: TabularError.fileUnreadable(path: folder.file("none.yaml").path, reason: "no such file")) {
            try LFSpec.load(folder.file("none.yaml"))
        }
        // `.json` is strict JSON: YAML in a .json file is an error, not silently accepted.
        let jsonURL = try folder.write("lfs.json", Self.yaml)
        #expect {
            try LFSpec.load(jsonURL)
        } throws: { error in
            guard case let .invalidSpec(path, line, _, reason) = error as? TabularError else { return false }
            return path == jsonURL.path && line == 1 && reason.hasPrefix("invalid JSON")
        }
    }

    static func expectSpecError(
        _ text: String, format: LFSpec.Format = .yaml, line: Int?, key: String?, reason: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            throws: TabularError.invalidSpec(path: "bad.yaml", line: line, key: key, reason: reason),
            sourceLocation: sourceLocation
        ) {
            try LFSpec.parse(text, format: format, source: "bad.yaml")
        }
    }

    @Test func classBalanceIsReadCheckedAndWrittenBack() throws {
        let text = """
            classes: [HAM, SPAM]
            class_balance: [0.8125, 0.1875]
            labeling_functions:
              - {name: a, kind: keyword, keywords: [win], label: SPAM}
            """
        let spec = try LFSpec.parse(text, format: .yaml, source: "lfs.yaml")
        #expect(spec.classBalance == [0.8125, 0.1875])
        let written = LFSpecWriter.yaml(spec)
        #expect(written.contains("class_balance: [0.8125, 0.1875]"))
        let back = try LFSpec.parse(written, format: .yaml)
        #expect(back.classBalance == spec.classBalance && back.labelingFunctions == spec.labelingFunctions)
        // Without the key there is none, and nothing is written.
        let plain = try LFSpec.parse("- {name: a, kind: keyword, keywords: [x], label: A}", format: .yaml)
        #expect(plain.classBalance == nil && !LFSpecWriter.yaml(plain).contains("class_balance"))
    }

    @Test func badClassBalancesNameTheLineAndKey() {
        let functions = "labeling_functions:\n  - {name: a, kind: keyword, keywords: [x], label: A}"
        let cases: [(text: String, line: Int, key: String, reason: String)] = [
            (
                "classes: [A, B]\nclass_balance: [0.2, 0.3, 0.5]\n", 2, "class_balance",
                "expected 2 shares (one per class), found 3"
            ),
            ("class_balance: [0.7, 0.7]\n", 1, "class_balance", "the shares must sum to 1, found 1.4"),
            ("class_balance: [1, 0]\n", 1, "class_balance", "every share must be a positive number, found [1.0, 0.0]"),
            ("class_balance: [1]\n", 1, "class_balance", "expected one share per class (at least two)"),
            ("class_balance: [a, b]\n", 1, "class_balance[0]", "expected a number, found 'a'"),
        ]
        for bad in cases {
            Self.expectSpecError(bad.text + functions, line: bad.line, key: bad.key, reason: bad.reason)
        }
    }

    @Test func decodingErrorsNameTheFileLineKeyAndFunction() {
        Self.expectSpecError(
            "- {name: a, kind: keyword, label: SPAM}", line: 1, key: "[0].keywords",
            reason: "labeling function 'a': missing key 'keywords'")
        Self.expectSpecError(
            "- {name: a, kind: keyword, keywords: subscribe, label: SPAM}", line: 1, key: "[0].keywords",
            reason: "labeling function 'a': expected a list of text values, found 'subscribe'")
        Self.expectSpecError(
            "- {name: a, kind: magic, label: SPAM}", line: 1, key: "[0].kind",
            reason:
                "labeling function 'a': unknown value 'magic'; valid values: keyword, regex, lexicon, threshold, "
                + "similarity")
        Self.expectSpecError(
            "- {name: a, kind: regex, pattern: '(', label: SPAM}", line: 1, key: "[0].pattern",
            reason: "labeling function 'a': '(' is not a valid regular expression")
        Self.expectSpecError(
            "- {name: a, kind: threshold, less_than: x, label: SPAM}", line: 1, key: "[0].less_than",
            reason: "labeling function 'a': expected a number, found 'x'")
        Self.expectSpecError(
            "- {name: a, kind: threshold, less_than: 1, at_least: 2, label: SPAM}", line: 1, key: "[0].at_least",
            reason:
                "labeling function 'a': expected exactly one of less_than, at_most, greater_than, at_least, found "
                + "less_than and at_least")
        Self.expectSpecError(
            "- {name: a, kind: keyword, keywords: [x]}", line: 1, key: "[0].label",
            reason: "labeling function 'a': missing key 'label'")
        Self.expectSpecError(
            "- {kind: keyword, keywords: [x], label: SPAM}", line: 1, key: "[0].name", reason: "missing key 'name'")
        Self.expectSpecError(
            "- {name: a, kind: keyword, keywords: [x], label: S}\n- {name: a, kind: keyword, keywords: [y], label: S}",
            line: 2, key: "[1].name",
            reason: "the name 'a' is already used by the labeling function on line 1")
        Self.expectSpecError(
            "classes: [A, A]\nlabeling_functions: []", line: 1, key: "classes",
            reason: "expected at least two distinct class names")
        Self.expectSpecError(
            "classes: [A, B]\nlabeling_functions: []", line: 2, key: "labeling_functions",
            reason: "the list of labeling functions is empty")
        Self.expectSpecError(
            "[{\"name\": \"a\", \"kind\": \"lexicon\", \"words\": \"x\", \"label\": \"A\"}]", format: .json, line: 1,
            key: "[0].words", reason: "labeling function 'a': expected a list of text values, found 'x'")
        Self.expectSpecError(
            "{\"name\": ", format: .json, line: 1, key: "name",
            reason: "invalid JSON at column 10: unexpected end of input, expected a value")
        Self.expectSpecError(
            "- {name: a, kind: regex, pattern: x, label: A, ignore_case: sometimes}", line: 1,
            key: "[0].ignore_case", reason: "labeling function 'a': expected true or false, found 'sometimes'")
        Self.expectSpecError(
            "- {name: a, kind: threshold, at_most: 3, measure: words, label: A}", line: 1, key: "[0].measure",
            reason: "labeling function 'a': unknown value 'words'; valid values: value, word_count")
        Self.expectSpecError(
            "42", line: 1, key: nil,
            reason: "expected a list of labeling functions or a mapping with 'labeling_functions', found a text value")
        #expect(throws: TabularError.self) { try LFSpec.parse("key: [unclosed", format: .yaml) }
    }

    @Test func unknownKeySuggestsTheValidOne() {
        let text = """
            classes: [HAM, SPAM]
            labeling_functions:
              - name: kw
                kind: keyword
                keywords: [x]
                lable: SPAM
            """
        Self.expectSpecError(
            text, line: 6, key: "labeling_functions[0].lable",
            reason:
                "labeling function 'kw': unknown key 'lable'; valid keys: name, kind, label, field, description, "
                + "keywords; did you mean 'label'?")
        Self.expectSpecError(
            "clases: [A, B]\nlfs: []\n", line: 1, key: "clases",
            reason:
                "unknown key 'clases'; valid keys: classes, class_balance, labeling_functions, lfs; did you mean 'classes'?"
        )
    }

    @Test func wrongTypeIsReportedAtItsLine() {
        let text = """
            classes: [HAM, SPAM]
            labeling_functions:
              - name: kw
                kind: keyword
                keywords: [x]
                label: SPAM
              - name: short
                kind: threshold
                less_than: {words: 5}
                label: HAM
            """
        Self.expectSpecError(
            text, line: 9, key: "labeling_functions[1].less_than",
            reason: "labeling function 'short': expected a number, found a mapping")
    }

    @Test func billionLaughsFailsFastWithTheFileAndReason() throws {
        var lines = [
            "classes: [HAM, SPAM]", "labeling_functions:", "  - name: bomb", "    kind: keyword", "    label: SPAM",
            "    description:", "      - &l0 [" + Array(repeating: "lol", count: 9).joined(separator: ", ") + "]",
        ]
        for level in 1..<9 {
            lines.append(
                "      - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        lines.append("    keywords: *l8")
        let folder = TemporaryDirectory()
        let url = try folder.write("bomb.yaml", lines.joined(separator: "\n"))
        #expect {
            try LFSpec.load(url)
        } throws: { error in
            guard case let .invalidSpec(path, line, key, reason) = error as? TabularError else { return false }
            return path == url.path && line == 12 && key == "labeling_functions[0].description[5][0]"
                && reason.contains("once aliases are expanded")
        }
    }

    @Test func compileErrorsNameTheLineKeyAndFunction() throws {
        let spec = try LFSpec.parse(Self.yaml, format: .yaml, source: "spec.yaml")
        #expect(
            throws: TabularError.invalidSpec(
                path: "spec.yaml", line: 10, key: "labeling_functions[4].field",
                reason: "labeling function 'high_score': no column 'score' in the input (columns: text)")
        ) {
            try spec.compile(defaultField: "text", columns: ["text"])
        }
        #expect(
            throws: TabularError.invalidSpec(
                path: "spec.yaml", line: 6, key: "labeling_functions[0].label",
                reason: "labeling function 'keyword_subscribe': unknown class 'SPAM' (classes: A, B)")
        ) {
            try spec.compile(classNames: ["A", "B"], defaultField: "text")
        }
        let noClasses = try LFSpec.parse("- {name: a, kind: keyword, keywords: [x], label: A}", format: .yaml)
        #expect(
            throws: TabularError.invalidSpec(
                path: "<memory>", line: nil, key: "classes",
                reason: "no class names: declare 'classes' in the spec or pass them")
        ) {
            try noClasses.compile(defaultField: "text")
        }
        #expect(
            throws: TabularError.invalidSpec(
                path: "<memory>", line: 1, key: "[0].field",
                reason: "labeling function 'a': missing, and no default text field was given")
        ) {
            try noClasses.compile(classNames: ["A", "B"], defaultField: nil)
        }
        // Specs built in code have no lines; errors still name the function and key.
        let built = LFSpec(labelingFunctions: [LabelingFunctionSpec(name: "b", kind: .keyword, label: "Z")])
        #expect(
            throws: TabularError.invalidSpec(
                path: "<memory>", line: nil, key: "labeling_functions[0].label",
                reason: "labeling function 'b': unknown class 'Z' (classes: A, B)")
        ) {
            try built.compile(classNames: ["A", "B"], defaultField: "text")
        }
    }

    @Test func theSampleSpecParsesAndCompiles() throws {
        let spec = try LFSpec.load(TestData.packageFile("Datasets/samples/youtube_spam_lfs.yaml"))
        #expect(spec.labelingFunctions.count == 10)
        let table = try CSVReader.read(TestData.packageFile("Datasets/samples/youtube_spam_sample.csv"))
        #expect(try spec.compile(defaultField: "CONTENT", columns: table.columnNames).count == 10)
    }
}
