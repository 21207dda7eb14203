import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

/// `labelmodel analyze` and `bench labelmodels --generated` on matrices and tasks the tests make themselves.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct LabelModelAnalyzeCLITests {
    /// A folder with `L.npy`: one 80 %-accurate keyword LF per class of a balanced 4-class task, 2,000 rows.
    private func keywordMatrix() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        let task = SyntheticLabelingTask(
            classPrior: [0.25, 0.25, 0.25, 0.25],
            labelingFunctions: (0..<4).map {
                SyntheticLabelingTask.LabelingFunction(coverage: 0.2, accuracy: 0.8, votedClass: $0)
            })
        try task.sample(rows: 2_000, seed: 4).matrix.writeNumPy(to: directory.file("L.npy"))
        return directory
    }

    @Test("analyze prints each family's verdict; the JSON names the failed condition of moments and ds")
    func verdicts() throws {
        let directory = try keywordMatrix()
        let path = directory.file("L.npy").path
        let table = try FoundryCLI.run(["labelmodel", "analyze", "--matrix", path, "--cardinality", "4"])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("4 LFs (4 voting one class), 4 classes, 4 independent sources"))
        #expect(table.standardOutput.contains("moments NOT supported  class 0 is voted by 1 independent LF"))
        let json = try FoundryCLI.run(["labelmodel", "analyze", "--matrix", path, "--cardinality", "4", "--json"])
        let object = try json.json()
        let verdicts = try #require(object["verdicts"] as? [[String: Any]])
        let supported = Dictionary(
            uniqueKeysWithValues: verdicts.map { ($0["method"] as? String ?? "", $0["supported"] as? Bool) })
        #expect(supported == ["mv": true, "wmv": false, "ds": false, "moments": false, "triplet": false])
        #expect(object["sources_per_class"] as? [Int] == [1, 1, 1, 1])
        // A declared dependency is counted: LFs 0 and 1 become one source.
        let dependent = try FoundryCLI.run([
            "labelmodel", "analyze", "--matrix", path, "--cardinality", "4", "--dependencies", "0-1", "--json",
        ])
        #expect(try dependent.json()["independent_sources"] as? Int == 3)
    }

    @Test("analyze lists an echo of a keyword LF as a suspected dependency and a copy, in the table and the JSON")
    func suspectedDependencies() throws {
        let directory = TemporaryDirectory()
        typealias LF = SyntheticLabelingTask.LabelingFunction
        // Two keyword LFs per class of a balanced binary task, and a fifth that repeats LF 0's vote on 80 % of rows.
        var functions: [LF] = (0..<2).flatMap { c -> [LF] in
            (0..<2).map { _ in LF(coverage: 0.15, accuracy: 0.75, votedClass: c) }
        }
        functions.append(LF(coverage: 0.15, accuracy: 0.75, votedClass: 0, echo: .init(source: 0, fidelity: 0.8)))
        let task = SyntheticLabelingTask(classPrior: [0.5, 0.5], labelingFunctions: functions)
        try task.sample(rows: 10_000, seed: 8).matrix.writeNumPy(to: directory.file("L.npy"))
        let path = directory.file("L.npy").path
        let table = try FoundryCLI.run(["labelmodel", "analyze", "--matrix", path, "--cardinality", "2"])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("suspected dependencies (1 pair co-vote beyond the lift of"))
        #expect(table.standardOutput.contains("lf_0+lf_4 (0-4, lift "))
        #expect(table.standardOutput.contains("LFs voting the same classes; auto counts each once where "))
        #expect(table.standardOutput.contains("silence is evidence): lf_0+lf_4\n"))
        let json = try FoundryCLI.run(["labelmodel", "analyze", "--matrix", path, "--cardinality", "2", "--json"])
        let suspected = try #require(try json.json()["suspected_dependencies"] as? [[String: Any]])
        #expect(suspected.count == 1 && suspected.first?["lfs"] as? [Int] == [0, 4])
        #expect((suspected.first?["co_vote_lift"] as? Double ?? 0) > 3)
        #expect(try json.json()["suspected_copies"] as? [[Int]] == [[0, 4]])
    }

    @Test("analyze refuses a missing input, a matrix without k, and a dependency beyond the matrix's LFs")
    func badInput() throws {
        let directory = try keywordMatrix()
        let path = directory.file("L.npy").path
        let neither = try FoundryCLI.run(["labelmodel", "analyze"])
        #expect(neither.status != 0)
        #expect(neither.standardError.contains("give the votes as --wrench DIR or as --matrix L.npy --cardinality K"))
        let noK = try FoundryCLI.run(["labelmodel", "analyze", "--matrix", path])
        #expect(noK.status != 0 && noK.standardError.contains("--matrix needs --cardinality"))
        let beyond = try FoundryCLI.run([
            "labelmodel", "analyze", "--matrix", path, "--cardinality", "4", "--dependencies", "0-9",
        ])
        #expect(beyond.status != 0)
        #expect(beyond.standardError.contains("--dependencies: 0-9 names an LF column beyond the 4 of \(path)"))
        let malformed = try FoundryCLI.run([
            "labelmodel", "analyze", "--matrix", path, "--cardinality", "4", "--dependencies", "0:1",
        ])
        #expect(malformed.status != 0 && malformed.standardError.contains("'0:1' is not a pair of LF column indices"))
        let missing = try FoundryCLI.run([
            "labelmodel", "analyze", "--matrix", directory.file("absent.npy").path, "--cardinality", "4",
        ])
        #expect(missing.status != 0 && missing.standardError.contains("absent.npy"))
    }

    @Test(
        "bench labelmodels --generated prints per shape and overall each method's mean, auto against MV and its choices"
    )
    func generatedBench() throws {
        let run = try FoundryCLI.run([
            "bench", "labelmodels", "--generated", "2", "--shape", "prompted", "--test-rows", "300", "--methods",
            "mv,auto", "--json",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let object = try run.json()
        let overall = try #require(object["overall"] as? [String: Any])
        #expect(overall["tasks"] as? Int == 2 && overall["shape"] as? String == "all")
        let means = try #require(overall["mean_accuracy"] as? [String: Double])
        #expect(Set(means.keys) == ["mv", "auto"])
        let comparison = try #require(overall["auto_vs_mv"] as? [String: Any])
        for key in ["mean_difference", "fifth_percentile", "worst", "share_within_half_point"] {
            #expect(comparison[key] is Double, "\(key)")
        }
        let choices = try #require(overall["auto_choices"] as? [String: Int])
        #expect(choices.values.reduce(0, +) == 2)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["name"] as? String } == ["prompted-000", "prompted-001"])
        #expect(tasks.allSatisfy { ($0["auto_reason"] as? String)?.isEmpty == false })
        let shapes = try #require(object["shapes"] as? [[String: Any]])
        #expect(shapes.map { $0["shape"] as? String } == ["prompted"])
        let unknown = try FoundryCLI.run(["bench", "labelmodels", "--generated", "2", "--shape", "news"])
        #expect(unknown.status != 0 && unknown.standardError.contains("--shape: unknown shape 'news'"))
        let mixed = try FoundryCLI.run(["bench", "labelmodels", "--generated", "2", "--dev"])
        #expect(mixed.status != 0 && mixed.standardError.contains("--generated runs every method with its defaults"))
    }

    @Test("bench labelmodels --candidates scores every candidate auto weighed, with its judges' expected gains")
    func candidatesOfAuto() throws {
        let run = try FoundryCLI.run([
            "bench", "labelmodels", "--generated", "2", "--shape", "crowd", "--test-rows", "300", "--methods",
            "mv,auto", "--candidates", "--json",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let tasks = try #require(try run.json()["tasks"] as? [[String: Any]])
        for task in tasks {
            let candidates = try #require(task["auto_candidates"] as? [[String: Any]])
            #expect(!candidates.isEmpty)
            for candidate in candidates {
                #expect(candidate["choice"] is String && candidate["admissible"] is Bool)
                let gains = try #require(candidate["expected_gains"] as? [String: Double])
                #expect(gains["heldout"] != nil)
                #expect((candidate["score"] as? [String: Any])?["accuracy"] is Double)
            }
        }
    }
}
