import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

struct WrenchDatasetTests {
    static let train = """
        {"0": {"label": 1, "weak_labels": [1, -1, 0], "data": {"text": "buy now"}},
         "1": {"label": 0, "weak_labels": [-1, -1, -1], "data": {"text": "nice song"}},
         "2": {"label": 1, "weak_labels": [1, 1, -1], "data": {"text": "subscribe"}}}
        """

    @Test func readsASplit() throws {
        let folder = TemporaryDirectory()
        try folder.write("train.json", Self.train)
        try folder.write("label.json", "{\"0\": \"HAM\", \"1\": \"SPAM\"}")
        let dataset = try WrenchDataset(directory: folder.url)
        #expect(dataset.classNames == ["HAM", "SPAM"])
        let split = try dataset.split(.train)
        #expect(split.ids == ["0", "1", "2"])
        #expect(split.goldLabels == [1, 0, 1])
        #expect(split.texts == ["buy now", "nice song", "subscribe"])
        #expect(split.labelMatrix.lfNames == ["lf_0", "lf_1", "lf_2"])
        #expect(split.labelMatrix.classNames == ["HAM", "SPAM"])
        #expect(split.labelMatrix.denseVotes() == [1, -1, 0, -1, -1, -1, 1, 1, -1])
    }

    @Test func errorsNameTheFileAndTheExample() throws {
        let folder = TemporaryDirectory()
        try folder.write("label.json", "{\"0\": \"HAM\", \"1\": \"SPAM\"}")
        try folder.write(
            "valid.json",
            "{\"0\": {\"label\": 0, \"weak_labels\": [0, 1]}, \"a7\": {\"label\": 1, \"weak_labels\": [0, 2]}}")
        try folder.write(
            "test.json", "{\"0\": {\"label\": 0, \"weak_labels\": [0, 1]}, \"x\": {\"label\": 1, \"weak_labels\": [0]}}"
        )
        let dataset = try WrenchDataset(directory: folder.url)
        #expect {
            try dataset.split(.valid)
        } throws: { error in
            guard case let .invalidWrench(path, reason) = error as? LabelingError else { return false }
            return path.hasSuffix("valid.json") && reason.contains("'a7'") && reason.contains("weak_labels[1] = 2")
        }
        #expect {
            try dataset.split(.test)
        } throws: { error in
            guard case let .invalidWrench(path, reason) = error as? LabelingError else { return false }
            return path.hasSuffix("test.json") && reason.contains("'x'")
        }
        #expect(throws: TabularError.fileUnreadable(path: dataset.url(of: .train).path, reason: "no such file")) {
            try dataset.split(.train)
        }
        #expect(throws: TabularError.self) { try WrenchDataset(directory: folder.file("absent")) }
    }

    @Test(.enabled(if: TestData.has("wrench_youtube")))
    func readsWrenchYoutube() throws {
        let dataset = try WrenchDataset(directory: try #require(TestData.dataset("wrench_youtube")))
        let train = try dataset.split(.train), valid = try dataset.split(.valid), test = try dataset.split(.test)
        #expect(train.count == 1586 && valid.count == 120 && test.count == 250)
        #expect(train.labelMatrix.lfCount == 10)
        #expect(train.labelMatrix.classNames == ["HAM", "SPAM"])
        #expect(train.goldLabels.filter { $0 == 1 }.count == 831)
        #expect(train.texts[0].hasPrefix("pls http://www10.vakinha.com.br"))
    }
}
