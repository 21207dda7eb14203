import Foundation
import FoundryTestSupport
import Testing

/// Issue 15, tried as an attacker would with only the CLI: each test reproduces one numbered finding and checks that
/// the store now fails safe. (Findings 3 and 4, which need the store file itself, are in
/// `DatasetStoreTests/StoreFileSecurityTests.swift`.)
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct StoreSecurityCLITests {
    /// A store with owner `alice`, and the token files of the principals created in it.
    final class Fixture: Sendable {
        let directory = TemporaryDirectory()
        var store: String { directory.file("store.sqlite").path }
        var sample: String { TestData.packageFile("Datasets/samples/youtube_spam_sample.csv").path }

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

        /// Creates principal `name` holding `role` (on `dataset`, else store-wide) and keeps its token.
        func principal(_ name: String, role: String, dataset: String? = nil, define: String? = nil) throws {
            var arguments = ["store", "grant", role, name, "--create-principal", "--json"]
            if let dataset { arguments += ["--dataset", dataset] }
            if let define { arguments += ["--define-actions", define] }
            let granted = try run(arguments)
            try #require(granted.status == 0, "\(granted.standardError)")
            _ = try directory.write("\(name).token", try #require(granted.json()["token"] as? String))
        }

        /// Imports the sample comments as `yt` with `extra` options.
        @discardableResult
        func importSample(_ extra: [String] = [], as who: String = "alice", dataset: String = "yt") throws
            -> FoundryCLI.Output
        {
            try run(
                [
                    "store", "import", sample, "--dataset", dataset, "--id-field", "COMMENT_ID", "--text-field",
                    "CONTENT",
                ]
                    + extra, as: who)
        }

        /// The audit log as JSON entries.
        func audit() throws -> [[String: Any]] {
            let output = try run(["store", "audit", "--limit", "10000", "--json"])
            try #require(output.status == 0, "\(output.standardError)")
            return try #require(output.json()["entries"] as? [[String: Any]])
        }
    }

    /// The sample file's CONTENT values.
    static func sampleTexts() throws -> [String] {
        let text = try String(
            contentsOf: TestData.packageFile("Datasets/samples/youtube_spam_sample.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().prefix(5).map(String.init)
    }

    // MARK: 1. Masking bypassed by spelling

    @Test("1. the text column named by its CSV name is masked for a viewer in show, export and diff")
    func maskingByColumnName() throws {
        let fixture = try Fixture()
        let imported = try fixture.importSample(["--sensitive", "CONTENT,AUTHOR"])
        #expect(imported.status == 0, "\(imported.standardError)")
        try fixture.principal("vera", role: "viewer", dataset: "yt")
        let shown = try fixture.run(["store", "show", "yt", "--limit", "1000", "--json"], as: "vera")
        #expect(shown.status == 0, "\(shown.standardError)")
        let examples = try #require(shown.json()["examples"] as? [[String: Any]])
        #expect(examples.count == 260)
        #expect(examples.allSatisfy { $0["text"] as? String == "[masked]" })
        #expect(examples.allSatisfy { ($0["fields"] as? [String: String])?["AUTHOR"] == "[masked]" })
        #expect(examples.allSatisfy { ($0["fields"] as? [String: String])?["CLASS"] != "[masked]" })
        // The plain text output carries none of the comments either.
        let plain = try fixture.run(["store", "show", "yt", "--limit", "1000"], as: "vera")
        #expect(!plain.standardOutput.contains("PLEASE READ"))
        // An exporter without read-sensitive gets masked rows too.
        try fixture.principal("exa", role: "exporter", dataset: "yt", define: "read,export")
        let exported = try fixture.run(["store", "export", "yt", "--out", "out.jsonl"], as: "exa")
        #expect(exported.status == 0, "\(exported.standardError)")
        let lines = try String(contentsOf: fixture.directory.file("out.jsonl"), encoding: .utf8)
        #expect(!lines.contains("PLEASE READ") && lines.contains("\"CONTENT\":\"[masked]\""))
    }

    @Test("1. a real column named text can be masked; the text column under another name stays visible")
    func aColumnNamedTextCanBeMasked() throws {
        let fixture = try Fixture()
        let file = try fixture.directory.write(
            "rows.csv", "id,body,text\nr1,hello there,secret one\nr2,general kenobi,secret two\n")
        let imported = try fixture.run([
            "store", "import", file.path, "--dataset", "t", "--text-field", "body", "--sensitive", "text",
        ])
        #expect(imported.status == 0, "\(imported.standardError)")
        try fixture.principal("vera", role: "viewer", dataset: "t")
        let shown = try fixture.run(["store", "show", "t", "--json"], as: "vera")
        let examples = try #require(shown.json()["examples"] as? [[String: Any]])
        #expect(examples.map { $0["text"] as? String } == ["hello there", "general kenobi"])
        #expect(examples.allSatisfy { ($0["fields"] as? [String: String])?["text"] == "[masked]" })
        #expect(!shown.standardOutput.contains("secret"))
    }

    @Test("1. a wrong-case or unknown column, or the id column, is refused with the columns listed; nothing is stored")
    func unknownSensitiveColumnsAreRefused() throws {
        let fixture = try Fixture()
        let wrongCase = try fixture.importSample(["--sensitive", "author"])
        #expect(wrongCase.status != 0)
        #expect(wrongCase.standardError.contains("'author'"))
        #expect(wrongCase.standardError.contains("AUTHOR, DATE") || wrongCase.standardError.contains("AUTHOR"))
        #expect(wrongCase.standardError.contains("columns:"))
        let idColumn = try fixture.importSample(["--sensitive", "COMMENT_ID"])
        #expect(idColumn.status != 0)
        #expect(idColumn.standardError.contains("id column"))
        let listed = try fixture.run(["store", "list", "--json"])
        #expect((try listed.json()["datasets"] as? [Any])?.isEmpty == true, "a refused import left a dataset")
    }

    @Test("1. a viewer's diff does not reveal a change confined to a masked column")
    func diffComparesVisibleColumnsOnly() throws {
        let fixture = try Fixture()
        let first = try fixture.directory.write("a.csv", "id,text,code\nr1,hello,123\nr2,world,456\n")
        let second = try fixture.directory.write("b.csv", "id,text,code\nr1,hello,124\nr2,world!,456\n")
        for file in [first, second] {
            let imported = try fixture.run([
                "store", "import", file.path, "--dataset", "c", "--sensitive", "code", "--json",
            ])
            try #require(imported.status == 0, "\(imported.standardError)")
        }
        try fixture.principal("vera", role: "viewer", dataset: "c")
        let versions = try #require(
            fixture.run(["store", "list", "c", "--json"], as: "vera").json()["versions"] as? [[String: Any]])
        let from = try #require(versions.first?["id"] as? String)
        let viewer = try fixture.run(["store", "diff", "c", from, "--json"], as: "vera").json()
        #expect(viewer["changed"] as? [String] == ["r2"])
        let owner = try fixture.run(["store", "diff", "c", from, "--json"]).json()
        #expect(owner["changed"] as? [String] == ["r1", "r2"])
    }

    // MARK: 2. Masked values recovered from the version id

    @Test("2. version ids are opaque: the same file gets unrelated ids in two stores; guesses get no oracle")
    func versionIDsRevealNothing() throws {
        let first = try Fixture()
        let second = try Fixture()
        var ids: [String] = []
        for fixture in [first, second] {
            let imported = try fixture.importSample(["--sensitive", "CONTENT", "--json"])
            try #require(imported.status == 0, "\(imported.standardError)")
            ids.append(
                try #require((imported.json()["version"] as? [String: Any])?["id"] as? String))
        }
        #expect(ids[0] != ids[1], "the id depends on the content alone")
        #expect(ids.allSatisfy { $0.count == 64 })
        // A principal that may write but not read sensitive values cannot test guesses by re-importing.
        try first.principal("wes", role: "writer", dataset: "yt", define: "read,write")
        let guess = try first.importSample(["--json"], as: "wes")
        #expect(guess.status != 0)
        #expect(guess.standardError.contains("permission denied"))
        #expect(!guess.standardOutput.contains("unchanged"))
    }

    @Test("2. re-importing a file holding an erased row is refused, never answered with unchanged")
    func erasedRowsCannotBeConfirmed() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        let erased = try fixture.run(["store", "erase", "yt", "sample-2129c9fe9012947f"])
        #expect(erased.status == 0, "\(erased.standardError)")
        let again = try fixture.importSample()
        #expect(again.status != 0)
        #expect(again.standardError.contains("was erased"))
        #expect(!again.standardOutput.contains("unchanged"))
    }

    // MARK: 5. Exports

    @Test("5. export onto the store file, its key, or any SQLite database is refused and the store survives")
    func exportNeverOverwritesTheStore() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        for target in [fixture.store, fixture.store + ".key"] {
            let output = try fixture.run(["store", "export", "yt", "--out", target, "--force"])
            #expect(output.status != 0, "export onto \(target) succeeded")
            #expect(output.standardError.contains("refusing to write"))
        }
        let other = fixture.directory.file("other.sqlite").path
        let init2 = try FoundryCLI.run(["store", "init", "--store", other, "--owner", "bob"])
        try #require(init2.status == 0)
        let ontoDatabase = try fixture.run(["store", "export", "yt", "--out", other, "--force"])
        #expect(ontoDatabase.status != 0)
        #expect(ontoDatabase.standardError.contains("SQLite database"))
        let verified = try fixture.run(["store", "audit", "verify"])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        #expect(try fixture.run(["store", "show", "yt"]).status == 0)
    }

    @Test("5. an existing file needs --force; a symbolic link is never followed; files are private")
    func exportTargets() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        let existing = try fixture.directory.write("existing.jsonl", "keep me\n")
        let refused = try fixture.run(["store", "export", "yt", "--out", existing.path])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("--force"))
        #expect(try String(contentsOf: existing, encoding: .utf8) == "keep me\n")
        let forced = try fixture.run(["store", "export", "yt", "--out", existing.path, "--force"])
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(try String(contentsOf: existing, encoding: .utf8).split(separator: "\n").count == 260)
        let victim = try fixture.directory.write("victim.txt", "precious\n")
        let link = fixture.directory.file("link.jsonl")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
        let throughLink = try fixture.run(["store", "export", "yt", "--out", link.path, "--force"])
        #expect(throughLink.status != 0)
        #expect(throughLink.standardError.contains("symbolic link"))
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
        let fresh = fixture.directory.file("fresh.jsonl").path
        #expect(try fixture.run(["store", "export", "yt", "--out", fresh]).status == 0)
        for file in [fresh, fresh + ".manifest.json"] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
    }

    @Test("5. a failed write is audited as a failed export, leaves no lineage record, and says why in plain words")
    func failedExportsAreRecordedAsFailures() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        // The name fits the folder, but its temporary file's name is longer than the file system allows.
        let target = fixture.directory.file(String(repeating: "x", count: 230) + ".jsonl").path
        let output = try fixture.run(["store", "export", "yt", "--out", target])
        #expect(output.status != 0)
        #expect(!output.standardError.contains("NSCocoaErrorDomain"))
        #expect(output.standardError.contains("refusing to write"))
        let entries = try fixture.audit()
        #expect(!entries.contains { $0["operation"] as? String == "export" && $0["outcome"] as? String == "allowed" })
        let failure = entries.last { $0["outcome"] as? String == "failed" }
        #expect((failure?["detail"] as? String)?.contains("export") == true, "\(String(describing: failure))")
        let lineage = try fixture.run(["store", "lineage", "yt", "--json"])
        #expect(!lineage.standardOutput.contains("\"export\""))
    }

    @Test("5. columns literally named id and text keep their values in the exported records")
    func exportKeepsDataColumnsNamedIDAndText() throws {
        let fixture = try Fixture()
        let file = try fixture.directory.write(
            "rows.csv", "key,body,id,text\nk1,hello,ID-ONE,TEXT-ONE\nk2,world,ID-TWO,TEXT-TWO\n")
        let imported = try fixture.run([
            "store", "import", file.path, "--dataset", "n", "--id-field", "key", "--text-field", "body",
        ])
        try #require(imported.status == 0, "\(imported.standardError)")
        let out = fixture.directory.file("n.jsonl")
        #expect(try fixture.run(["store", "export", "n", "--out", out.path]).status == 0)
        let records = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        #expect(records.first??["id"] == "ID-ONE" && records.first??["text"] == "TEXT-ONE")
        #expect(records.first??["key"] == "k1" && records.first??["body"] == "hello")
        let exports = try fixture.audit().filter { $0["operation"] as? String == "export" }
        #expect(
            exports.last?["detail"] as? String ?? "" != ""
                && (exports.last?["detail"] as? String)?.contains(out.path) == true)
    }

    // MARK: 6. No lock-out

    @Test("6. the last owner can neither revoke itself nor have its tokens revoked")
    func noLockOut() throws {
        let fixture = try Fixture()
        let revoke = try fixture.run(["store", "revoke", "owner", "alice"])
        #expect(revoke.status != 0)
        #expect(revoke.standardError.contains("no principal with store-wide admin"))
        let tokens = try fixture.run(["store", "revoke", "viewer", "alice", "--tokens"])
        #expect(tokens.status != 0)
        let whoami = try fixture.run(["store", "whoami", "--json"])
        #expect(whoami.status == 0, "alice was locked out: \(whoami.standardError)")
        #expect((try whoami.json()["grants"] as? [[String: Any]])?.first?["role"] as? String == "owner")
        // With a second owner, the first may step down.
        try fixture.principal("bob", role: "owner")
        #expect(try fixture.run(["store", "revoke", "owner", "alice"]).status == 0)
        #expect(try fixture.run(["store", "revoke", "owner", "bob"], as: "bob").status != 0)
    }

    // MARK: 7. Settings of an existing dataset

    @Test("7. --sensitive and --license on an existing dataset fail instead of being ignored; configure changes them")
    func settingsAreNeverSilentlyIgnored() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        let ignored = try fixture.importSample(["--sensitive", "AUTHOR"])
        #expect(ignored.status != 0)
        #expect(ignored.standardError.contains("configure"))
        let license = try fixture.importSample(["--license", "MIT"])
        #expect(license.status != 0)
        let configured = try fixture.run(["store", "configure", "yt", "--sensitive", "AUTHOR", "--license", "MIT"])
        #expect(configured.status == 0, "\(configured.standardError)")
        try fixture.principal("vera", role: "viewer", dataset: "yt")
        let shown = try fixture.run(["store", "show", "yt", "--json"], as: "vera")
        let examples = try #require(shown.json()["examples"] as? [[String: Any]])
        #expect(examples.allSatisfy { ($0["fields"] as? [String: String])?["AUTHOR"] == "[masked]" })
        let entry = try fixture.audit().last { $0["operation"] as? String == "configure-dataset" }
        #expect((entry?["detail"] as? String)?.contains("[] → [AUTHOR]") == true)
        // The same settings again are accepted (no change).
        #expect(try fixture.importSample(["--sensitive", "AUTHOR", "--license", "MIT"]).status == 0)
    }

    @Test("7. of two concurrent first imports, the one asking for sensitive columns never loses silently")
    func concurrentFirstImports() throws {
        for round in 0..<3 {
            let fixture = try Fixture()
            let binary = try #require(FoundryCLI.executable)
            func start(_ extra: [String]) throws -> (Process, Pipe) {
                let process = Process()
                process.executableURL = binary
                process.arguments =
                    [
                        "store", "import", fixture.sample, "--dataset", "race", "--id-field", "COMMENT_ID",
                        "--text-field", "CONTENT", "--store", fixture.store, "--token-file",
                        fixture.directory.file("alice.token").path,
                    ] + extra
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = Pipe()
                try process.run()
                return (process, pipe)
            }
            let plain = try start([])
            let sensitive = try start(["--sensitive", "AUTHOR"])
            for (process, pipe) in [plain, sensitive] {
                _ = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
            }
            let listed = try fixture.run(["store", "list", "--json"]).json()
            let dataset = try #require((listed["datasets"] as? [[String: Any]])?.first, "round \(round)")
            let masked = dataset["sensitive_fields"] as? [String] == ["AUTHOR"]
            if sensitive.0.terminationStatus == 0 {
                #expect(masked, "round \(round): the sensitive import reported success but nothing is masked")
            } else {
                #expect(!masked)
            }
            #expect(plain.0.terminationStatus == 0 || sensitive.0.terminationStatus == 0)
        }
    }

    // MARK: 8. Names and text output

    @Test("8. names with line breaks, escapes or surrounding spaces are refused; NFC and NFD name one dataset")
    func namesAreIdentifiers() throws {
        let fixture = try Fixture()
        for name in ["a\nb", "evil\u{1B}[31m", "A ", " A", "x\u{202E}y"] {
            let output = try fixture.importSample([], dataset: name)
            #expect(output.status != 0, "dataset name \(name.debugDescription) was accepted")
            #expect(!output.standardError.contains("\u{1B}"), "the error printed an escape sequence")
            let principal = try fixture.run(["store", "grant", "viewer", name, "--create-principal"])
            #expect(principal.status != 0, "principal name \(name.debugDescription) was accepted")
        }
        let nfd = "cafe\u{301}"
        let nfc = "caf\u{E9}"
        try #require(fixture.importSample([], dataset: nfd).status == 0)
        let second = try fixture.importSample(["--json"], dataset: nfc)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(try second.json()["dataset_created"] as? Bool == false)
        let datasets = try #require(fixture.run(["store", "list", "--json"]).json()["datasets"] as? [[String: Any]])
        #expect(datasets.count == 1)
    }

    @Test("8. row text and stored names are printed with control characters escaped; no audit line can be forged")
    func textOutputIsEscaped() throws {
        let fixture = try Fixture()
        let file = try fixture.directory.write(
            "rows.csv", "id,text\nr1,\"line one\n#99 forged entry\"\nr2,\"\u{1B}[2Jcleared\"\n")
        try #require(try fixture.run(["store", "import", file.path, "--dataset", "esc"]).status == 0)
        let shown = try fixture.run(["store", "show", "esc"])
        #expect(!shown.standardOutput.contains("\u{1B}"))
        #expect(!shown.standardOutput.contains("\n#99"))
        #expect(shown.standardOutput.contains("line one\\n#99 forged entry"))
        let audit = try fixture.run(["store", "audit"])
        #expect(!audit.standardOutput.split(separator: "\n").contains { $0.hasPrefix("#99") })
    }

    // MARK: 9. Smaller findings

    @Test("9. a failed grant --create-principal leaves no principal; a refused revoke --tokens revokes nothing")
    func multiStepCommandsAreAllOrNothing() throws {
        let fixture = try Fixture()
        let failed = try fixture.run(["store", "grant", "viewer", "pat", "--create-principal", "--dataset", "nope"])
        #expect(failed.status != 0)
        let retried = try fixture.run(["store", "grant", "viewer", "pat", "--create-principal"])
        #expect(retried.status == 0, "the failed grant left principal 'pat' behind: \(retried.standardError)")
        // Revoking alice's viewer role would succeed alone, revoking her tokens would lock the store: as one command,
        // neither happens.
        try #require(fixture.importSample().status == 0)
        try #require(try fixture.run(["store", "grant", "viewer", "alice", "--dataset", "yt"]).status == 0)
        let halfway = try fixture.run(["store", "revoke", "viewer", "alice", "--dataset", "yt", "--tokens"])
        #expect(halfway.status != 0)
        let whoami = try fixture.run(["store", "whoami", "--json"])
        #expect(whoami.status == 0)
        let grants = try #require(whoami.json()["grants"] as? [[String: Any]])
        #expect(grants.contains { $0["role"] as? String == "viewer" && $0["dataset"] as? String == "yt" })
    }

    @Test("9. a viewer gets one message for a missing and a forbidden dataset, and no erasure details")
    func viewersLearnNothingExtra() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        try #require(fixture.importSample([], dataset: "secret").status == 0)
        try fixture.principal("vera", role: "viewer", dataset: "yt")
        let missing = try fixture.run(["store", "show", "nosuch"], as: "vera")
        let forbidden = try fixture.run(["store", "show", "secret"], as: "vera")
        #expect(missing.status != 0 && forbidden.status != 0)
        #expect(
            missing.standardError.replacingOccurrences(of: "nosuch", with: "X")
                == forbidden.standardError.replacingOccurrences(of: "secret", with: "X"))
        let spec = TestData.packageFile("Datasets/samples/youtube_spam_lfs.yaml")
        let applied = try fixture.run(["apply", "--dataset", "yt", "--lfs", spec.path])
        try #require(applied.status == 0, "\(applied.standardError)")
        try #require(try fixture.run(["store", "erase", "yt", "sample-2129c9fe9012947f"]).status == 0)
        let viewer = try fixture.run(["store", "lineage", "yt"], as: "vera")
        #expect(viewer.status == 0, "\(viewer.standardError)")
        #expect(viewer.standardOutput.contains("STALE"))
        #expect(!viewer.standardOutput.contains("sample-2129c9fe9012947f"))
        #expect(!viewer.standardOutput.contains("'alice'"))
        let owner = try fixture.run(["store", "lineage", "yt"])
        #expect(owner.standardOutput.contains("sample-2129c9fe9012947f"))
    }

    @Test("9. audit entries name the created dataset and the token of a failed login")
    func auditEntriesNameWhatTheyConcern() throws {
        let fixture = try Fixture()
        try #require(fixture.importSample().status == 0)
        let bogus = "fdy_0123456789abcdef_" + String(repeating: "0", count: 64)
        _ = try fixture.directory.write("bogus.token", bogus)
        #expect(try fixture.run(["store", "whoami"], as: "bogus").status != 0)
        let entries = try fixture.audit()
        let created = entries.first { $0["operation"] as? String == "create-dataset" }
        #expect(created?["dataset"] as? String == "yt")
        let failedLogin = entries.last {
            $0["operation"] as? String == "authenticate" && $0["outcome"] as? String == "denied"
        }
        #expect((failedLogin?["detail"] as? String)?.contains("0123456789abcdef") == true)
    }
}
