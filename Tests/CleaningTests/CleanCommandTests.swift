import Foundation
import Testing

/// Runs the built `foundry` binary (next to the test bundle) as a subprocess with scripted standard input.
struct CleanCommandTests {
    static let binary: URL? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("foundry") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    private func run(_ arguments: [String], stdin: String, in directory: URL) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test(
        .enabled(
            if: binary != nil, "the foundry binary is not built next to the tests (swift build --build-tests builds it)"
        ))
    func reviewReadsScriptedStandardInputAndDecisionsReapply() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clean-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = "id,label,text\n1,ham,hello there\n2, SPAM,mail me at a@b.co\n3,ham,hello there\n"
        try input.write(to: directory.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        try """
        constraints:
          - kind: allowed_values
            column: label
            values: [ham, spam]
            repair: {standardize: [trim, lowercase]}
          - kind: no_pii
            column: text
            repair: {redact_pii: redact}
          - kind: unique
            columns: [text]
            repair: keep_first
        """.write(to: directory.appendingPathComponent("spec.yaml"), atomically: true, encoding: .utf8)
        let arguments = [
            "clean", "--input", "in.csv", "--constraints", "spec.yaml", "--out", "out.csv", "--decisions", "d.json",
        ]
        // Accept the label fix, reject the redaction, accept dropping the duplicate.
        let first = try run(arguments + ["--review"], stdin: "y\nn\ny\n", in: directory)
        #expect(first.status == 0)
        #expect(first.stdout.contains("allowed_values(label)") && first.stderr.contains("[3/3] unique(text)"))
        let expected = "id,label,text\n1,ham,hello there\n2,spam,mail me at a@b.co\n"
        #expect(try String(contentsOf: directory.appendingPathComponent("out.csv"), encoding: .utf8) == expected)
        #expect(try String(contentsOf: directory.appendingPathComponent("in.csv"), encoding: .utf8) == input)
        // A second run re-applies the saved decisions and asks nothing (rejected changes are not proposed again).
        let second = try run(arguments + ["--review"], stdin: "", in: directory)
        #expect(
            second.stderr.contains("0 new, 0 gone, 3 unchanged")
                && second.stderr.contains("0 proposed changes to review"))
        #expect(try String(contentsOf: directory.appendingPathComponent("out.csv"), encoding: .utf8) == expected)
        // Decisions for different data are refused.
        try "id,label,text\n9,ham,x\n".write(
            to: directory.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        let third = try run(arguments, stdin: "", in: directory)
        #expect(third.status != 0 && third.stderr.contains("decisions were recorded for different input data"))
    }
}
