import Foundation
import Labeling
import Tabular
import Testing
@testable import Cleaning

/// The 8 checks of `foundry bench clean` over the real SMS Spam Collection, compared with the pandas peer.
struct BenchmarkChecksTests {
    static let dataFile: URL = {
        let root =
            ProcessInfo.processInfo.environment["FOUNDRY_DATA"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../../shared/datasets"
            ).path
        return URL(fileURLWithPath: root).appendingPathComponent("uci_sms_spam_collection/SMSSpamCollection.tsv")
    }()
    static let dataPresent = FileManager.default.fileExists(atPath: dataFile.path)

    static let checks = ConstraintSet {
        NotNull("text")
        Length("text", minimum: 1, maximum: 1000)
        AllowedValues("label", ["ham", "spam"])
        Unique("id")
        ValidText("text")
        NoPII("text", kinds: [.email]).named("email")
        NoPII("text", kinds: [.phone]).named("phone")
        Unique("text")
    }

    @Test(.enabled(if: dataPresent, "SMS Spam Collection not found under FOUNDRY_DATA"))
    func countsMatchThePandasPeer() throws {
        // Read with the Labeling CSV reader as pandas does (tab-separated, no header, no quoting), cycle to 20,000 rows.
        let text = try CSVReader.read(Self.dataFile, delimiter: 0x09, hasHeader: false, quoting: false)
        let n = 20_000
        let labels = try text.column("column_0"), texts = try text.column("column_1")
        let table = CleaningTable(
            columnNames: ["id", "label", "text"],
            columns: [
                (0..<n).map { String($0) }, (0..<n).map { labels[$0 % labels.count] },
                (0..<n).map { texts[$0 % texts.count] },
            ])
        let report = try Self.checks.validate(table, options: ValidationOptions(maxFailuresListed: 0))
        // `~/.foundry-peers/bin/python ../shared/bench/clean_peer.py ../shared/datasets/uci_sms_spam_collection 20000`
        // printed failures_per_check [0, 0, 0, 0, 0, 25, 1576, 14829] (checks 5 and 6 are regexes in the peer).
        #expect(report.results.map(\.rowsFailed) == [0, 0, 0, 0, 0, 25, 1576, 14829])
    }

    @Test func injectedProblemsAreCountedPerCheck() throws {
        let table = CleaningTable(
            columnNames: ["id", "label", "text"],
            rows: [
                ["0", "ham", "fine"], ["1", "Spam", "fine"], ["1", "spam", nil], ["3", "ham", ""],
                ["4", "ham", String(repeating: "é", count: 1001)], ["5", "ham", "bell\u{07}"],
                ["6", "spam", "x@y.com"],
                ["7", "spam", "call 0800 123 4567"],
            ])
        let report = try Self.checks.validate(table)
        #expect(report.results.map(\.rowsFailed) == [1, 2, 1, 1, 1, 1, 1, 1])
    }
}
