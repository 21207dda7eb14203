import Foundation
import FoundryTestSupport
import Tabular
import Testing

struct DatasetCatalogTests {
    @Test func theCatalogParsesAndDescribesEveryDataset() throws {
        let catalog = try DatasetCatalog.load(from: TestData.packageFile("Datasets/catalog.json"))
        #expect(catalog.datasets.count >= 10)
        for entry in catalog.datasets {
            #expect(
                !entry.files.isEmpty && !entry.license.isEmpty && !entry.citation.isEmpty && entry.classNames.count >= 2
            )
            #expect(entry.files.allSatisfy { $0.sha256.count == 64 })
        }
        #expect(catalog.entry("uci_youtube_spam_collection")?.classNames == ["HAM", "SPAM"])
    }

    @Test(.enabled(if: TestData.datasetsDirectory != nil))
    func locatesAndVerifiesTheSharedData() throws {
        let catalog = try DatasetCatalog.load(from: TestData.packageFile("Datasets/catalog.json"))
        let root = try #require(TestData.datasetsDirectory)
        let environment = ["FOUNDRY_DATA": root.path]
        for entry in catalog.datasets
        where FileManager.default.fileExists(atPath: root.appendingPathComponent(entry.name).path) {
            #expect(try catalog.locate(entry.name, environment: environment).lastPathComponent == entry.name)
        }
    }

    @Test func explainsWhatIsMissingAndWhereToGetIt() throws {
        let catalog = try DatasetCatalog.load(from: TestData.packageFile("Datasets/catalog.json"))
        let folder = TemporaryDirectory()
        let environment = ["FOUNDRY_DATA": folder.url.path]
        #expect {
            try catalog.locate("uci_youtube_spam_collection", environment: environment)
        } throws: { error in
            guard case let .datasetUnavailable(name, reason) = error as? TabularError else { return false }
            return name == "uci_youtube_spam_collection" && reason.contains("Youtube01-Psy.csv")
                && reason.contains("archive.ics.uci.edu")
        }
        // A file with the wrong contents is reported as differing from the catalog.
        try folder.write("wrench_youtube/label.json", "{\"0\": \"ham\", \"1\": \"spam\"}")
        for name in ["train.json", "valid.json", "test.json", "source_readme.txt"] {
            try folder.write("wrench_youtube/\(name)", "{}")
        }
        #expect {
            try catalog.locate("wrench_youtube", environment: environment)
        } throws: { error in
            guard case let .datasetUnavailable(_, reason) = error as? TabularError else { return false }
            return reason.contains("differ from the catalog") && reason.contains("label.json")
        }
        #expect(throws: TabularError.self) { try catalog.locate("no_such_dataset", environment: environment) }
        #expect(throws: TabularError.self) {
            try DatasetCatalog.dataDirectory(for: "x", environment: ["FOUNDRY_DATA": "/nonexistent/data"])
        }
        #expect(throws: TabularError.self) { try DatasetCatalog.load(from: folder.file("wrench_youtube/train.json")) }
    }

    @Test func theSampleCorpusIsWellFormed() throws {
        let table = try CSVReader.read(TestData.packageFile("Datasets/samples/youtube_spam_sample.csv"))
        #expect(table.columnNames == ["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"])
        #expect(table.rowCount >= 200)
        let classes = try table.column("CLASS")
        #expect(Set(classes) == ["0", "1"])
        #expect(Set(try table.column("COMMENT_ID")).count == table.rowCount)
    }
}
