import Foundation
import FoundryTestSupport
import Labeling
import Testing

/// `foundry synthesize lfs` as a user meets it: the written spec applies, the review loop reads answers from standard
/// input and its decisions are reapplied, similarity functions with the encoder, and bad inputs named.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct SynthesizeLFsCLITests {
    static let pool = """
        text
        win big cash today
        you can win a free prize
        click for free cash
        cash prize inside
        win win win
        great song
        i love this song
        her voice is great
        song of the year
        love this song so much
        meh

        """
    static let exemplars = """
        text,label
        win cash now,SPAM
        win a prize,SPAM
        free cash,SPAM
        nice song,HAM
        love this song,HAM
        great song,HAM

        """

    static var modelDirectory: URL {
        if let explicit = ProcessInfo.processInfo.environment["FOUNDRY_MODEL"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return TestData.packageFile(".models/all-MiniLM-L6-v2")
    }
    static var hasModel: Bool {
        FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path)
    }

    func fixture() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory(prefix: "synthesize-cli")
        try directory.write("pool.csv", Self.pool)
        try directory.write("exemplars.csv", Self.exemplars)
        return directory
    }

    /// Runs `foundry arguments…` in `directory` with `stdin` as standard input.
    func run(_ arguments: [String], stdin: String = "", in directory: URL) throws -> FoundryCLI.Output {
        try FoundryCLI.run(arguments, in: directory, stdin: stdin)
    }

    static let base = [
        "synthesize", "lfs", "--input", "pool.csv", "--text-field", "text", "--exemplars", "exemplars.csv", "--out",
        "lfs.yaml",
    ]

    @Test func writesASpecThatApplies() throws {
        let directory = try fixture()
        let output = try run(Self.base + ["--json"], in: directory.url)
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["classes"] as? [String] == ["HAM", "SPAM"])
        let written = try #require(json["written"] as? Int)
        let spec = try LFSpec.load(directory.file("lfs.yaml"))
        #expect(spec.labelingFunctions.count == written && written > 0)
        #expect(Set(spec.labelingFunctions.map(\.label)) == ["HAM", "SPAM"])
        let candidates = try #require(json["candidates"] as? [[String: Any]])
        #expect(candidates.allSatisfy { $0["precision"] is Double && $0["coverage"] is Double && $0["rule"] is String })
        let applied = try run(
            ["apply", "--input", "pool.csv", "--text-field", "text", "--lfs", "lfs.yaml", "--out", "L.npy", "--json"],
            in: directory.url)
        #expect(applied.status == 0, "\(applied.standardError)")
        #expect(try applied.json()["lfs"] as? Int == written)
    }

    @Test func reviewDecisionsArePersistedAndReapplied() throws {
        let directory = try fixture()
        // Reject the first candidate, accept the second, quit.
        let review = try run(
            Self.base + ["--review", "--decisions", "decisions.json"], stdin: "n\ny\nq\n", in: directory.url)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.standardError.contains("[1/") && review.standardError.contains("keep it?"))
        #expect(review.standardError.contains("precision") && review.standardError.contains("coverage"))
        let firstName = try #require(
            review.standardError.components(separatedBy: "] ").dropFirst().first?.components(separatedBy: " ").first)
        let decisions = try String(contentsOf: directory.file("decisions.json"), encoding: .utf8)
        #expect(decisions.contains("\"\(firstName)\""))
        let spec = try LFSpec.load(directory.file("lfs.yaml"))
        #expect(!spec.labelingFunctions.contains { $0.name == firstName })
        // The next run, without review, reapplies the decision.
        try FileManager.default.removeItem(at: directory.file("lfs.yaml"))
        let again = try run(Self.base + ["--decisions", "decisions.json"], in: directory.url)
        #expect(again.status == 0, "\(again.standardError)")
        let respec = try LFSpec.load(directory.file("lfs.yaml"))
        #expect(!respec.labelingFunctions.contains { $0.name == firstName })
        #expect(respec.labelingFunctions == spec.labelingFunctions)
    }

    @Test(.enabled(if: hasModel, "the encoder is not fetched (make model)"))
    func similarityFunctionsApplyWithTheEncoder() throws {
        let directory = try fixture()
        let output = try run(Self.base + ["--model", Self.modelDirectory.path, "--json"], in: directory.url)
        #expect(output.status == 0, "\(output.standardError)")
        let spec = try LFSpec.load(directory.file("lfs.yaml"))
        let similarity = spec.labelingFunctions.filter { $0.kind == .similarity }
        #expect(!similarity.isEmpty && similarity.allSatisfy { $0.centroid.count == 384 && $0.encoder != nil })
        // The pool's estimated prior is written as the spec's class balance, and printed.
        let balance = try #require(spec.classBalance)
        #expect(balance.count == 2 && abs(balance.reduce(0, +) - 1) < 1e-6 && balance.allSatisfy { $0 > 0 })
        #expect(output.standardOutput.contains("\"class_balance\""))
        let arguments = ["apply", "--input", "pool.csv", "--text-field", "text", "--lfs", "lfs.yaml", "--out", "L.npy"]
        // With --model, and through the spec's `encoder` key.
        let applied = try run(arguments + ["--model", Self.modelDirectory.path, "--json"], in: directory.url)
        #expect(applied.status == 0, "\(applied.standardError)")
        let viaSpec = try run(arguments + ["--json"], in: directory.url)
        #expect(viaSpec.status == 0, "\(viaSpec.standardError)")
    }

    @Test func applyingSimilarityFunctionsWithoutAnEncoderNamesTheFunction() throws {
        let directory = try fixture()
        try directory.write(
            "sim.yaml",
            "classes: [HAM, SPAM]\nlfs:\n  - {name: near_spam, kind: similarity, centroid: [1, 0], min_cosine: 0.5, label: SPAM}\n"
        )
        let output = try run(
            ["apply", "--input", "pool.csv", "--text-field", "text", "--lfs", "sim.yaml", "--out", "L.npy"],
            in: directory.url)
        #expect(output.status != 0)
        #expect(output.standardError.contains("near_spam") && output.standardError.contains("--model"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("L.npy").path))
    }

    @Test func anExemplarOfAnUnknownClassNamesTheFileAndLine() throws {
        let directory = try fixture()
        try directory.write("exemplars.csv", Self.exemplars + "odd one,EGGS\n")
        let output = try run(Self.base + ["--classes", "HAM,SPAM"], in: directory.url)
        #expect(output.status != 0)
        #expect(output.standardError.contains("exemplars.csv") && output.standardError.contains("EGGS"))
        #expect(output.standardError.contains(":8"), "\(output.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("lfs.yaml").path))
    }

    @Test func aMissingTextFieldNamesTheColumn() throws {
        let directory = try fixture()
        let output = try run(
            [
                "synthesize", "lfs", "--input", "pool.csv", "--text-field", "CONTENT", "--exemplars", "exemplars.csv",
                "--out", "lfs.yaml",
            ], in: directory.url)
        #expect(output.status != 0)
        #expect(output.standardError.contains("CONTENT") && output.standardError.contains("pool.csv"))
    }

    @Test func anEmptyPoolIsAnError() throws {
        let directory = try fixture()
        try directory.write("pool.csv", "text\n")
        let output = try run(Self.base, in: directory.url)
        #expect(output.status != 0)
        #expect(output.standardError.contains("pool"), "\(output.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("lfs.yaml").path))
    }

    @Test func argumentMistakesShowTheUsage() throws {
        let directory = try fixture()
        let output = try run(Self.base + ["--max-lfs", "0"], in: directory.url)
        #expect(output.status != 0)
        #expect(output.standardError.contains("--max-lfs") && output.standardError.contains("Usage"))
    }
}
