import Foundation
import FoundryTestSupport
import Testing

/// `apply → labelmodel fit → labelmodel predict → train` through the dataset store, run as a user runs them: each
/// step reads the stored version (or the artifact before it) and writes its output back, `store lineage` shows the
/// chain, and erasing an example marks all three artifacts stale.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct StoreFlowCLITests {
    /// A store with the sample comments imported as dataset `yt`, and the token file to reach it.
    struct Fixture {
        let directory = TemporaryDirectory()
        var store: String { directory.file("store.sqlite").path }
        var token: String { directory.file("token").path }

        init() throws {
            let created = try FoundryCLI.run(["store", "init", "--store", store, "--owner", "alice", "--json"])
            try #require(created.status == 0, "\(created.standardError)")
            let token = try #require(created.json()["token"] as? String)
            _ = try directory.write("token", token)
            let imported = try run([
                "store", "import", "--dataset", "yt", "--id-field", "COMMENT_ID", "--text-field", "CONTENT",
                TestData.packageFile("Datasets/samples/youtube_spam_sample.csv").path,
            ])
            try #require(imported.status == 0, "\(imported.standardError)")
        }

        /// Runs a command against the store (`--store` and `--token-file` appended).
        func run(_ arguments: [String]) throws -> FoundryCLI.Output {
            try FoundryCLI.run(arguments + ["--store", store, "--token-file", token], in: directory.url)
        }

        /// The artifacts `store lineage --json` lists, flattened, by kind.
        func artifacts() throws -> [String: [String: Any]] {
            let output = try run(["store", "lineage", "yt", "--json"])
            try #require(output.status == 0, "\(output.standardError)")
            var found: [String: [String: Any]] = [:]
            func visit(_ nodes: [[String: Any]]) {
                for node in nodes {
                    if let artifact = node["artifact"] as? [String: Any], let kind = artifact["kind"] as? String {
                        found[kind] = artifact
                    }
                    visit(node["derived"] as? [[String: Any]] ?? [])
                }
            }
            for version in try #require(output.json()["versions"] as? [[String: Any]]) {
                visit(version["artifacts"] as? [[String: Any]] ?? [])
            }
            return found
        }
    }

    @Test(.enabled(if: TestData.model != nil, "needs the encoder (make model)"))
    func theFlowRunsThroughTheStoreAndErasureMarksItStale() throws {
        let fixture = try Fixture()
        let spec = TestData.packageFile("Datasets/samples/youtube_spam_lfs.yaml").path
        let applied = try fixture.run(["apply", "--dataset", "yt", "--lfs", spec, "--json"])
        #expect(applied.status == 0, "\(applied.standardError)")
        #expect((try applied.json()["rows"] as? Int) == 260)
        let fitted = try fixture.run(["labelmodel", "fit", "--dataset", "yt", "--out", "lm.json"])
        #expect(fitted.status == 0, "\(fitted.standardError)")
        #expect(fitted.standardOutput.contains("label matrix 'youtube_spam_lfs'"))
        let predicted = try fixture.run([
            "labelmodel", "predict", "--dataset", "yt", "--model", fixture.directory.file("lm.json").path,
        ])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let model = try #require(TestData.model)
        let trained = try fixture.run([
            "train", "--dataset", "yt", "--model", model.path, "--epochs", "1", "--max-length", "16",
            "--fisher-samples", "4", "--json",
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect((try trained.json()["n_train"] as? Int) == 260)

        // version → label matrix → soft labels → adapter, each derived from the one before.
        let chain = try fixture.artifacts()
        let matrix = try #require(chain["label-matrix"]), soft = try #require(chain["soft-labels"])
        let adapter = try #require(chain["adapter"])
        #expect(matrix["derived_from"] == nil || matrix["derived_from"] is NSNull)
        #expect((soft["derived_from"] as? Int) == (matrix["id"] as? Int))
        #expect((adapter["derived_from"] as? Int) == (soft["id"] as? Int))
        let files = (adapter["files"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(Set(files).isSuperset(of: ["adapter_config.json", "adapter_model.safetensors", "training.json"]))
        let text = try fixture.run(["store", "lineage", "yt"])
        #expect(text.standardOutput.contains("label-matrix 'youtube_spam_lfs'"))
        #expect(text.standardOutput.contains("soft-labels 'youtube_spam_lfs-auto'"))
        #expect(text.standardOutput.contains("adapter 'youtube_spam_lfs-auto-lora-r8'"))

        // Erasing one comment makes every artifact built from the version stale.
        let erased = try fixture.run(["store", "erase", "yt", "sample-2129c9fe9012947f"])
        #expect(erased.status == 0, "\(erased.standardError)")
        let after = try fixture.artifacts()
        for kind in ["label-matrix", "soft-labels", "adapter"] {
            #expect((after[kind]?["is_stale"] as? Bool) == true, "\(kind) is not stale after the erasure")
        }
    }

    @Test func aFailedStepStoresNothing() throws {
        let fixture = try Fixture()
        let directory = fixture.directory
        let spec = try directory.write(
            "lfs.yaml",
            """
            classes: [HAM, SPAM]
            labeling_functions:
              - {name: by_author, kind: keyword, field: NO_SUCH_FIELD, keywords: [x], label: SPAM}
            """)
        let applied = try fixture.run(["apply", "--dataset", "yt", "--lfs", spec.path])
        #expect(applied.status != 0)
        #expect(applied.standardError.contains("NO_SUCH_FIELD"))
        #expect(try fixture.artifacts().isEmpty)
        // Predicting needs a stored matrix: the error says there is none, and nothing is written.
        let predicted = try fixture.run(["labelmodel", "predict", "--dataset", "yt", "--model", spec.path])
        #expect(predicted.status != 0)
        #expect(try fixture.artifacts().isEmpty)
    }
}
