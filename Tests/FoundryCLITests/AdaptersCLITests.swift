import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

/// `foundry embed` and `foundry predict`, run as a user runs them (the real encoder comes from `make model`).
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct AdaptersCLITests {
    static var modelDirectory: URL {
        if let explicit = ProcessInfo.processInfo.environment["FOUNDRY_MODEL"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return TestData.packageFile(".models/all-MiniLM-L6-v2")
    }
    static var hasModel: Bool {
        FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path)
    }

    @Test(.enabled(if: hasModel, "the encoder is not fetched (make model)"))
    func embedWritesNormalizedEmbeddings() throws {
        let directory = TemporaryDirectory()
        let input = try directory.write(
            "texts.txt", "subscribe to my channel\nwhat a great song\n\u{00E9}t\u{00E9} \u{2014} caf\u{00E9}\n")
        let out = directory.file("embeddings.npy")
        let output = try FoundryCLI.run([
            "embed", "--model", Self.modelDirectory.path, "--input", input.path, "--normalize", "--out", out.path,
            "--json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let embeddings = try NumPyArray(contentsOf: out)
        #expect(embeddings.shape == [3, 384] && embeddings.elementType == .float32)
        let values = embeddings.floats()
        for row in 0..<3 {
            let norm = values[(row * 384)..<((row + 1) * 384)].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    @Test func embedAndPredictRejectMissingFilesNamingThem() throws {
        let directory = TemporaryDirectory()
        let input = try directory.write("texts.txt", "hello\n")
        let embed = try FoundryCLI.run(["embed", "--model", directory.file("no-model").path, "--input", input.path])
        #expect(embed.status != 0)
        #expect(embed.standardError.contains("no-model"))
        let predict = try FoundryCLI.run([
            "predict", "--model", Self.modelDirectory.path, "--adapter", directory.file("no-adapter").path, "--input",
            input.path,
        ])
        #expect(predict.status != 0)
        #expect(
            predict.standardError.contains("no-adapter") || predict.standardError.contains("no-model")
                || !predict.standardError.isEmpty)
    }
}
