import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

/// Delimited files that are not RFC 4180 with a header, such as the raw UCI SMS collection (`label<TAB>text`, quotes
/// inside messages): `columns` names the columns of a file without a header row, `quoting: false` keeps quotes.
@Suite("Pipeline data without a header row or quoting")
struct ExecutionHeaderlessTests {
    static let messages = "ham\tsee you at \"the\" usual place\nspam\tWIN a \"free\" prize now\nham\tok\n"

    static func spec(columns: String) -> String {
        """
        pipeline: headerless
        classes: [ham, spam]
        steps:
          messages: {kind: data, format: tsv, path: sms.tsv, columns: \(columns), quoting: false, text_field: text, label_field: label}
        """
    }

    @Test("every line is a row, quotes stay in the text, the gold labels come from the named column")
    func readsHeaderless() throws {
        let directory = TemporaryDirectory()
        try directory.write("sms.tsv", Self.messages)
        let url = try directory.write("pipeline.yaml", Self.spec(columns: "[label, text]") + "\n")
        let spec = try PipelineSpec.load(url)
        guard case .data(let data) = spec.steps[0].action else {
            Issue.record("not a data step")
            return
        }
        #expect(data.columns == ["label", "text"] && data.quoting == false)
        let runDirectory = directory.file("run")
        _ = try PipelineRunner(spec: spec, runDirectory: runDirectory).run()
        let table = try TableArtifact.read(from: runDirectory.appendingPathComponent("steps/messages"))
        #expect(try table.texts() == ["see you at \"the\" usual place", "WIN a \"free\" prize now", "ok"])
        #expect(table.gold == [0, 1, 0])
    }

    @Test("columns that do not match the file's rows are an error naming the file")
    func wrongColumnCount() throws {
        let directory = TemporaryDirectory()
        try directory.write("sms.tsv", Self.messages)
        let url = try directory.write("pipeline.yaml", Self.spec(columns: "[label, text, extra]") + "\n")
        do {
            _ = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: directory.file("run")).run()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("sms.tsv") && "\(error)".contains("3 columns"), "\(error)")
        }
    }

    @Test("duplicate column names are a spec error at the key")
    func duplicateColumns() throws {
        let directory = TemporaryDirectory()
        try directory.write("sms.tsv", Self.messages)
        let url = try directory.write("pipeline.yaml", Self.spec(columns: "[text, text]") + "\n")
        #expect(throws: PipelinesError.self) { try PipelineSpec.load(url) }
    }
}
