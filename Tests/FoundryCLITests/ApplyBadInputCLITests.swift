import Foundation
import FoundryTestSupport
import Testing

/// `foundry apply` on files no one here planned for: each is a clear error naming the file (and line or column), the
/// exit status is non-zero, and no label matrix is left behind.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct ApplyBadInputCLITests {
    static let spec = """
        classes: [HAM, SPAM]
        labeling_functions:
          - {name: subscribe, kind: keyword, keywords: [subscribe], label: SPAM}
        """

    /// Runs `apply` on `csv` (written as given) with the spec; returns the output and whether a matrix was written.
    func apply(csv: [UInt8], spec: String = Self.spec, extra: [String] = []) throws -> (FoundryCLI.Output, Bool) {
        let directory = TemporaryDirectory()
        let input = try directory.write("rows.csv", bytes: csv)
        let lfs = try directory.write("lfs.yaml", spec)
        let out = directory.file("L.npy")
        let output = try FoundryCLI.run(
            ["apply", "--input", input.path, "--text-field", "text", "--lfs", lfs.path, "--out", out.path] + extra)
        return (output, FileManager.default.fileExists(atPath: out.path))
    }

    @Test func aHeaderOnlyCSVIsAnErrorNamingTheFile() throws {
        let (output, wrote) = try apply(csv: Array("id,text\n".utf8))
        #expect(output.status != 0 && !wrote)
        #expect(output.standardError.contains("rows.csv") && output.standardError.contains("no data rows"))
    }

    @Test func twoColumnsOfTheSameNameAreAnErrorNamingTheColumn() throws {
        let (output, wrote) = try apply(csv: Array("id,text,text\n1,a,b\n".utf8))
        #expect(output.status != 0 && !wrote)
        #expect(output.standardError.contains("rows.csv") && output.standardError.contains("'text'"))
    }

    @Test func aNULByteIsAnErrorNamingTheLine() throws {
        let (output, wrote) = try apply(csv: Array("id,text\n1,fine\n2,bad".utf8) + [0] + Array("\n".utf8))
        #expect(output.status != 0 && !wrote)
        #expect(output.standardError.contains("rows.csv:3"))
    }

    @Test func anUnknownGoldClassNamesFileLineAndColumnAndWritesNothing() throws {
        let (output, wrote) = try apply(
            csv: Array("id,text,label\n1,subscribe now,SPAM\n2,nice,EGGS\n".utf8), extra: ["--gold-field", "label"])
        #expect(output.status != 0 && !wrote)
        #expect(output.standardError.contains("rows.csv:3") && output.standardError.contains("EGGS"))
        #expect(output.standardError.contains("label"))
    }

    @Test func anExponentialAliasSpecFailsFastNamingTheFile() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            yaml +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        yaml += "labeling_functions: []\n"
        let (output, wrote) = try apply(csv: Array("id,text\n1,a\n".utf8), spec: yaml)
        #expect(output.status != 0 && !wrote)
        #expect(output.standardError.contains("lfs.yaml") && output.standardError.contains("alias"))
    }

    @Test func argumentMistakesShowTheSubcommandsUsage() throws {
        let output = try FoundryCLI.run(["apply", "--lfs", "x.yaml", "--out", "L.npy"])
        #expect(output.status != 0)
        #expect(output.standardError.contains("Usage: foundry apply"))
        let train = try FoundryCLI.run(["train", "--wrench", "x", "--out", "y", "--head", "pooled"])
        #expect(train.standardError.contains("Usage: foundry train"))
        let version = try FoundryCLI.run(["--version"])
        #expect(version.status == 0 && version.standardOutput.hasPrefix("foundry "))
    }
}
