import Foundation
import FoundryTestSupport
import Testing

@testable import ModelRepository

/// `checks.yaml`: its metrics, defaults and the errors that name the key.
@Suite struct CheckSuiteTests {
    @Test("a suite reads each task's metric (accuracy by default, f1 or macro_f1), threshold and branch")
    func readsMetrics() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("sms"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("yt"), withIntermediateDirectories: true)
        let url = try directory.write(
            "checks.yaml",
            """
            protected: [main]
            max_regression: 2
            tasks:
              - name: sms
                folder: sms
                metric: f1
                threshold: 0.8
                branch: sms
              - name: youtube
                folder: yt
                threshold: 0.9
            """)
        let suite = try CheckSuite.load(url, relativeTo: directory.url, environment: [:])
        #expect(suite.tasks.map(\.metric) == ["f1", "accuracy"])
        #expect(suite.tasks.map(\.threshold) == [0.8, 0.9] && suite.tasks.first?.branch == "sms")
        #expect(suite.protected == ["main"] && suite.maxRegression == 2)
        let bad = try directory.write(
            "bad.yaml", "tasks:\n  - name: sms\n    folder: sms\n    metric: auc\n    threshold: 0.5\n")
        #expect {
            try CheckSuite.load(bad, relativeTo: directory.url, environment: [:])
        } throws: { error in
            "\(error)".contains("auc") && "\(error)".contains("macro_f1")
        }
    }

    @Test("a dataset task names NAME[@VERSION] and its label field; folder and dataset are one or the other")
    func datasetTasks() throws {
        let directory = TemporaryDirectory()
        let url = try directory.write(
            "checks.yaml",
            "tasks:\n  - name: spam\n    dataset: comments@v2\n    label_field: CLASS\n    metric: f1\n    threshold: 0.7\n"
        )
        let task = try #require(try CheckSuite.load(url, relativeTo: directory.url, environment: [:]).tasks.first)
        #expect(task.dataset == "comments@v2" && task.labelField == "CLASS" && task.folder == nil)
        for (file, text, expected) in [
            ("none.yaml", "tasks:\n  - name: a\n    threshold: 0.5\n", "either folder"),
            ("both.yaml", "tasks:\n  - name: a\n    folder: x\n    dataset: d\n    threshold: 0.5\n", "either folder"),
            ("field.yaml", "tasks:\n  - name: a\n    dataset: d\n    threshold: 0.5\n", "label_field"),
        ] {
            let bad = try directory.write(file, text)
            #expect {
                try CheckSuite.load(bad, relativeTo: directory.url, environment: [:])
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }
}
