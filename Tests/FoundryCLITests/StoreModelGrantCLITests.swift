import Foundation
import FoundryTestSupport
import Testing

/// `foundry store grant/revoke --model` (issue 20): roles on a served model through the CLI, shown by `whoami`,
/// audited and replayed by `audit verify`; usage mistakes are refused before the store is touched.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct StoreModelGrantCLITests {
    /// A store with owner `alice` and the token files of the principals created in it.
    final class Fixture: Sendable {
        let directory = TemporaryDirectory()
        var store: String { directory.file("store.sqlite").path }

        init() throws {
            let created = try FoundryCLI.run(["store", "init", "--store", store, "--owner", "alice", "--json"])
            try #require(created.status == 0, "\(created.standardError)")
            _ = try directory.write("alice.token", try #require(created.json()["token"] as? String))
        }

        /// Runs `arguments` as `who` (its token file), against the store.
        func run(_ arguments: [String], as who: String = "alice") throws -> FoundryCLI.Output {
            try FoundryCLI.run(
                arguments + ["--store", store, "--token-file", directory.file("\(who).token").path], in: directory.url)
        }

        /// `store grant ROLE NAME --create-principal --model MODEL --json`; keeps the new token.
        func principal(_ name: String, role: String, model: String) throws -> [String: Any] {
            let granted = try run(["store", "grant", role, name, "--create-principal", "--model", model, "--json"])
            try #require(granted.status == 0, "\(granted.standardError)")
            let json = try granted.json()
            _ = try directory.write("\(name).token", try #require(json["token"] as? String))
            return json
        }
    }

    @Test("grant --model, whoami shows it, revoke --model removes it; both audited and replayed by audit verify")
    func grantAndRevokeOnAModel() throws {
        let fixture = try Fixture()
        let granted = try fixture.principal("svc", role: "viewer", model: "spam")
        let grant = try #require(granted["grant"] as? [String: Any])
        #expect(grant["model"] as? String == "spam" && grant["dataset"] == nil && grant["role"] as? String == "viewer")
        let text = try fixture.run(["store", "grant", "maintainer", "svc", "--model", "ham"])
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput.contains("granted maintainer to 'svc' on model 'ham'"))

        let whoami = try fixture.run(["store", "whoami", "--json"], as: "svc")
        #expect(whoami.status == 0, "\(whoami.standardError)")
        let grants = try #require(whoami.json()["grants"] as? [[String: Any]])
        #expect(grants.map { $0["model"] as? String } == ["spam", "ham"])
        let plain = try fixture.run(["store", "whoami"], as: "svc")
        #expect(plain.standardOutput.contains("viewer on model 'spam'"))
        #expect(plain.standardOutput.contains("maintainer on model 'ham'"))

        // The maintainer on `ham` may hand out viewer there, not on `spam`, and not owner (no escalation).
        _ = try fixture.run(["store", "grant", "viewer", "other", "--create-principal", "--json"])
        let within = try fixture.run(["store", "grant", "viewer", "other", "--model", "ham"], as: "svc")
        #expect(within.status == 0, "\(within.standardError)")
        let elsewhere = try fixture.run(["store", "grant", "viewer", "other", "--model", "spam"], as: "svc")
        #expect(elsewhere.status == 1)
        #expect(elsewhere.standardError.contains("may not grant-model on model 'spam'"))
        let escalation = try fixture.run(["store", "grant", "owner", "other", "--model", "ham"], as: "svc")
        #expect(escalation.status == 1)
        #expect(escalation.standardError.contains("lacks admin"))

        let revoked = try fixture.run(["store", "revoke", "viewer", "svc", "--model", "spam", "--json"])
        #expect(revoked.status == 0, "\(revoked.standardError)")
        #expect(try revoked.json()["revoked"] as? Bool == true)
        #expect(try revoked.json()["model"] as? String == "spam")
        let again = try fixture.run(["store", "revoke", "viewer", "svc", "--model", "spam"])
        #expect(again.standardOutput.contains("did not hold viewer on model 'spam'"))
        let after = try fixture.run(["store", "whoami", "--json"], as: "svc")
        #expect(try (after.json()["grants"] as? [[String: Any]])?.map { $0["model"] as? String } == ["ham"])

        let audit = try fixture.run(["store", "audit", "--limit", "1000", "--json"])
        let entries = try #require(audit.json()["entries"] as? [[String: Any]])
        #expect(
            entries.contains { $0["operation"] as? String == "grant-model" && $0["outcome"] as? String == "allowed" })
        #expect(
            entries.contains {
                $0["operation"] as? String == "grant-model" && $0["outcome"] as? String == "denied"
                    && ($0["detail"] as? String)?.contains("model 'spam'") == true
            })
        #expect(entries.contains { $0["operation"] as? String == "revoke-model" })
        let verified = try fixture.run(["store", "audit", "verify"])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
    }

    @Test("--dataset with --model, and a --model that is not a name, are usage errors; nothing is stored")
    func usageMistakes() throws {
        let fixture = try Fixture()
        let both = try fixture.run([
            "store", "grant", "viewer", "bob", "--create-principal", "--dataset", "d", "--model", "m",
        ])
        #expect(both.status == 64)
        #expect(both.standardError.contains("not both"))
        let revokeBoth = try fixture.run(["store", "revoke", "viewer", "alice", "--dataset", "d", "--model", "m"])
        #expect(revokeBoth.status == 64)
        for bad in ["", " m", "a\u{1B}[31mb", String(repeating: "x", count: 300)] {
            let output = try fixture.run(["store", "grant", "viewer", "bob", "--create-principal", "--model", bad])
            #expect(output.status == 64, "--model '\(bad)'")
            #expect(output.standardError.contains("--model"))
        }
        let principals = try fixture.run(["store", "whoami", "--json"])
        #expect(try (principals.json()["grants"] as? [[String: Any]])?.count == 1)
        let audit = try fixture.run(["store", "audit", "--limit", "1000", "--json"])
        let entries = try #require(audit.json()["entries"] as? [[String: Any]])
        #expect(!entries.contains { $0["operation"] as? String == "create-principal" })
    }

    /// A `foundry` from before model grants (schema v6), named by `$FOUNDRY_PREVIOUS_BIN`.
    static let previousBinary: URL? = {
        guard let path = ProcessInfo.processInfo.environment["FOUNDRY_PREVIOUS_BIN"],
            FileManager.default.isExecutableFile(atPath: path)
        else { return nil }
        return URL(fileURLWithPath: path)
    }()

    @Test(
        "a store written by the Foundry before model grants upgrades on first use and keeps verifying",
        .enabled(if: previousBinary != nil, "needs the previous binary ($FOUNDRY_PREVIOUS_BIN)"))
    func upgradeFromThePreviousBinary() throws {
        let old = try #require(Self.previousBinary)
        let directory = TemporaryDirectory()
        let store = directory.file("old.sqlite").path
        let created = try FoundryCLI.run(
            ["store", "init", "--store", store, "--owner", "alice", "--json"], executable: old, in: directory.url)
        try #require(created.status == 0, "\(created.standardError)")
        let token = try directory.write("alice.token", try #require(created.json()["token"] as? String))
        let sample = TestData.packageFile("Datasets/samples/youtube_spam_sample.csv").path
        func run(_ arguments: [String], executable: URL? = nil) throws -> FoundryCLI.Output {
            try FoundryCLI.run(
                arguments + ["--store", store, "--token-file", token.path], executable: executable, in: directory.url)
        }
        let imported = try run(
            ["store", "import", sample, "--dataset", "yt", "--id-field", "COMMENT_ID", "--text-field", "CONTENT"],
            executable: old)
        try #require(imported.status == 0, "\(imported.standardError)")
        let viewer = try run(
            ["store", "grant", "viewer", "vera", "--dataset", "yt", "--create-principal"], executable: old)
        try #require(viewer.status == 0, "\(viewer.standardError)")
        // The current binary upgrades the file, grants on a model, and the whole chain verifies.
        let granted = try run(["store", "grant", "viewer", "vera", "--model", "spam", "--json"])
        #expect(granted.status == 0, "\(granted.standardError)")
        let verified = try run(["store", "audit", "verify"])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        let listed = try run(["store", "list", "--json"])
        #expect(listed.status == 0 && listed.standardOutput.contains("\"yt\""))
    }
}
