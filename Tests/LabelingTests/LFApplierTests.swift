import Foundation
import FoundryCore
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

/// Counts preprocessor evaluations across threads.
final class Counter: @unchecked Sendable {
    // Invariant: `value` is only accessed under `lock`.
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

struct LFApplierTests {
    static func corpus(_ n: Int, seed: UInt64) -> [String] {
        let words = [
            "check", "out", "my", "channel", "love", "song", "PLEASE", "subscribe", "http://x.com", "www.y", "great",
            "Plz", "é",
        ]
        var generator = SeededGenerator(seed: seed)
        return (0..<n).map { _ in
            (0..<(1 + generator.nextInt(below: 9))).map { _ in words[generator.nextInt(below: words.count)] }.joined(
                separator: " ")
        }
    }

    @Test func resultIsIdenticalWhateverTheThreadCountAndBlockSize() throws {
        let texts = Self.corpus(5000, seed: 1)
        var lfs = SpamBenchmark.labelingFunctions()
        lfs.append(
            LabelingFunction(name: "flaky") { text in
                if text.count % 7 == 0 {
                    throw LabelingError.invalidValue(field: "text", value: text, reason: "is unlucky")
                }
                return .abstain
            })
        let reference = try LFApplier(
            lfs, classNames: ["HAM", "SPAM"], configuration: .init(threadCount: 1, blockSize: 5000)
        ).apply(texts)
        for (threads, block) in [(2, 64), (4, 1000), (3, 1)] {
            let other = try LFApplier(
                lfs, classNames: ["HAM", "SPAM"], configuration: .init(threadCount: threads, blockSize: block)
            ).apply(texts)
            #expect(other.labelMatrix == reference.labelMatrix)
            #expect(other.faults == reference.faults)
        }
        // Cross-check every cell against evaluating each function alone.
        for row in stride(from: 0, to: texts.count, by: 37) {
            for (lf, function) in lfs.enumerated() {
                let expected = (try? function(texts[row])) ?? .abstain
                #expect(reference.labelMatrix[row, lf] == expected)
            }
        }
    }

    @Test func faultsAbstainAndAreReportedWithTheFirstError() throws {
        let lfs: [LabelingFunction<String>] = [
            LabelingFunction(name: "ok") { _ in .class(0) },
            LabelingFunction(name: "bad") { text in
                if text.hasPrefix("x") {
                    throw LabelingError.invalidValue(field: "text", value: text, reason: "starts with x")
                }
                return .class(1)
            },
            LabelingFunction(name: "too_big") { text in text == "b" ? .class(2) : .abstain },
        ]
        let result = try LFApplier(lfs, classNames: ["A", "B"], configuration: .init(threadCount: 2, blockSize: 2))
            .apply(["a", "x1", "b", "x2", "c"])
        #expect(result.labelMatrix.denseVotes() == [0, 1, -1, 0, -1, -1, 0, 1, -1, 0, -1, -1, 0, 1, -1])
        #expect(result.faults[0] == LFFaultReport(lf: "ok", count: 0, firstRow: nil, firstError: nil))
        #expect(result.faults[1].count == 2 && result.faults[1].firstRow == 1)
        #expect(result.faults[1].firstError?.contains("starts with x") == true)
        #expect(result.faults[2].count == 1 && result.faults[2].firstRow == 2)
        #expect(result.faults[2].firstError?.contains("only 2 classes") == true)  // a vote ≥ k is a fault
        #expect(result.totalFaults == 3)
    }

    @Test func failFastStopsWithTheFunctionAndRow() {
        let lfs: [LabelingFunction<String>] = [
            LabelingFunction(name: "bad") { text in
                if text == "boom" { throw LabelingError.invalidValue(field: "text", value: text, reason: "exploded") }
                return .abstain
            }
        ]
        let applier = LFApplier(
            lfs, classNames: ["A", "B"], configuration: .init(threadCount: 1, blockSize: 2, failFast: true))
        #expect {
            try applier.apply(["a", "b", "c", "boom", "d"])
        } throws: { error in
            guard case let .labelingFunctionFailed(lf, row, reason) = error as? LabelingError else { return false }
            return lf == "bad" && row == 3 && reason.contains("exploded")
        }
    }

    @Test func preprocessorsRunOncePerRowAndAreShared() throws {
        let counter = Counter()
        let counted = Preprocessor<String, String>(name: "counted") { text in
            counter.increment()
            return text.uppercased()
        }
        let lfs = (0..<5).map { index in
            LabelingFunction<String>(name: "lf\(index)", using: counted) {
                $0.contains("A") ? .class(index % 2) : .abstain
            }
        }
        let texts = (0..<300).map { "row \($0) a" }
        let result = try LFApplier(lfs, classNames: ["0", "1"], configuration: .init(threadCount: 2, blockSize: 16))
            .apply(texts)
        #expect(counter.count == texts.count)
        #expect(result.labelMatrix.voteCount == 5 * texts.count)
    }

    @Test func progressAndCancellation() throws {
        let texts = Self.corpus(2000, seed: 2)
        let seen = Counter()
        let applier = LFApplier(
            SpamBenchmark.labelingFunctions(), classNames: ["HAM", "SPAM"],
            configuration: .init(threadCount: 2, blockSize: 100))
        _ = try applier.apply(
            texts,
            progress: { progress in
                if progress.completed == progress.total { seen.increment() }
            })
        #expect(seen.count == 1)
        let flag = CancellationFlag()
        flag.cancel()
        #expect(throws: LabelingError.cancelled) { try applier.apply(texts, cancellation: flag) }
        // Cancelling from the progress callback stops the run too.
        let midway = CancellationFlag()
        #expect(throws: LabelingError.cancelled) {
            try applier.apply(texts, progress: { _ in midway.cancel() }, cancellation: midway)
        }
        let empty = try applier.apply([])
        #expect(empty.labelMatrix.rowCount == 0)
    }

    @Test func appliesToTableRecords() throws {
        let table = try CSVReader.parse(Array("id,CONTENT\n1,Check out my channel\n2,nice song\n".utf8))
        let lfs: [LabelingFunction<Record>] = [
            .keyword(name: "my", field: "CONTENT", keywords: ["my"], label: 1),
            try .regex(name: "check", field: "CONTENT", pattern: "check.*out", label: 1),
            .keyword(name: "song", field: "CONTENT", keywords: ["song"], label: 0),
        ]
        let matrix = try LFApplier(lfs, classNames: ["HAM", "SPAM"]).apply(table.records).labelMatrix
        #expect(matrix.denseVotes() == [1, 1, -1, -1, -1, 0])
        #expect(matrix.lfNames == ["my", "check", "song"])
        #expect(try LFApplier(lfs, classNames: ["HAM", "SPAM"]).apply(table).labelMatrix == matrix)
    }
}

struct SharedLowercasingTests {
    /// Keyword functions and a user function reading `lowercased()` share one lowercasing per row.
    @Test func userFunctionsSeeTheSameLoweredText() throws {
        let lowered = Preprocessors.text.lowercased()
        let lfs: [LabelingFunction<String>] = [
            .keyword(name: "kw", text: Preprocessors.text, keywords: ["straße"], label: 1),
            LabelingFunction(name: "user", using: lowered) { $0.hasPrefix("straße") ? .class(0) : .abstain },
        ]
        let texts = ["STRASSE", "Straße Nord", "\u{FEFF}ÄÖÜ straße"]
        let matrix = try LFApplier(lfs, classNames: ["a", "b"]).apply(texts).labelMatrix
        #expect(matrix.denseVotes() == [-1, -1, 1, 0, 1, -1])
        #expect(try lowered("Straße ÄÖ") == "straße äö")
    }
}
