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
    }

    @Test func loadsFilesByExtension() throws {
        let folder = TemporaryDirectory()
        let yamlURL = try folder.write("lfs.yaml", Self.yaml)
        #expect(try LFSpec.load(yamlURL).labelingFunctions.count == 5)
        #expect(throws: TabularError.fileUnreadable(path: folder.file("none.yaml").path, reason: "no such file")) {
            try LFSpec.load(folder.file("none.yaml"))
        }
    }

    static func expectSpecError(
        _ text: String, format: LFSpec.Format = .yaml, lf: String?, field: String?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(sourceLocation: sourceLocation) {
            try LFSpec.parse(text, format: format, source: "bad.yaml")
        } throws: { error in
            guard case let .invalidSpec(path, errorLF, errorField, _) = error as? LabelingError else { return false }
            return path == "bad.yaml" && errorLF == lf && errorField == field
        }
    }

    @Test func decodingErrorsNameTheFileTheFunctionAndTheField() {
        Self.expectSpecError("- {name: a, kind: keyword, label: SPAM}", lf: "a", field: "keywords")
        Self.expectSpecError("- {name: a, kind: keyword, keywords: subscribe, label: SPAM}", lf: "a", field: "keywords")
        Self.expectSpecError("- {name: a, kind: magic, label: SPAM}", lf: "a", field: "kind")
        Self.expectSpecError("- {name: a, kind: regex, pattern: '(', label: SPAM}", lf: "a", field: "pattern")
        Self.expectSpecError("- {name: a, kind: threshold, less_than: x, label: SPAM}", lf: "a", field: "less_than")
        Self.expectSpecError(
            "- {name: a, kind: threshold, less_than: 1, at_least: 2, label: SPAM}", lf: "a", field: "at_least")
        Self.expectSpecError(
            "- {name: a, kind: keyword, keywords: [x], label: SPAM, colour: red}", lf: "a", field: "colour")
        Self.expectSpecError("- {name: a, kind: keyword, keywords: [x]}", lf: "a", field: "label")
        Self.expectSpecError("- {kind: keyword, keywords: [x], label: SPAM}", lf: "#1 (line 1)", field: "name")
        Self.expectSpecError(
            "- {name: a, kind: keyword, keywords: [x], label: S}\n- {name: a, kind: keyword, keywords: [y], label: S}",
            lf: "a", field: "name")
        Self.expectSpecError("classes: [A, A]\nlabeling_functions: []", lf: nil, field: "classes")
        Self.expectSpecError(
            "[{\"name\": \"a\", \"kind\": \"lexicon\", \"words\": \"x\", \"label\": \"A\"}]", format: .json, lf: "a",
            field: "words")
        Self.expectSpecError("{\"name\": ", format: .json, lf: nil, field: nil)
        Self.expectSpecError("key: [unclosed", lf: nil, field: nil)
    }

    @Test func compileErrorsNameTheFunctionAndTheField() throws {
        let spec = try LFSpec.parse(Self.yaml, format: .yaml, source: "spec.yaml")
        #expect(
            throws: LabelingError.invalidSpec(
                path: "spec.yaml", lf: "high_score", field: "field",
                reason: "no column 'score' in the input (columns: text)")
        ) {
            try spec.compile(defaultField: "text", columns: ["text"])
        }
        #expect {
            try spec.compile(classNames: ["A", "B"], defaultField: "text")
        } throws: { error in
            guard case let .invalidSpec(_, lf, field, _) = error as? LabelingError else { return false }
            return lf == "keyword_subscribe" && field == "label"
        }
        let noClasses = try LFSpec.parse("- {name: a, kind: keyword, keywords: [x], label: A}", format: .yaml)
        #expect(throws: LabelingError.self) { try noClasses.compile(defaultField: "text") }
        #expect(throws: LabelingError.self) { try noClasses.compile(classNames: ["A", "B"], defaultField: nil) }
    }
}
