import Foundation
import Testing

/// Every Swift block of the README compiles: program snippets are type-checked against the modules this build
/// produced, and the package-manifest snippet is evaluated by SwiftPM with Foundry as a local dependency.
@Suite("README snippets") struct ReadmeSnippetTests {
    /// The fenced ```swift blocks of a Markdown file, with the line each starts on.
    static func swiftBlocks(in markdown: String) -> [(line: Int, code: String)] {
        var blocks: [(Int, String)] = []
        var current: [String]?
        var start = 0
        for (index, line) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```swift" {
                current = []
                start = index + 2
            } else if current != nil, trimmed == "```" {
                blocks.append((start, (current ?? []).joined(separator: "\n")))
                current = nil
            } else if current != nil {
                current?.append(line)
            }
        }
        return blocks
    }

    /// Whether a block is a package manifest rather than a program.
    static func isManifest(_ code: String) -> Bool { code.contains("PackageDescription") }

    /// The folder holding this build's `.swiftmodule`s (`…/debug/Modules`, next to the test binary).
    static var modulesFolder: URL? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return nil
        }
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("Modules")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Labeling.swiftmodule").path) {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    /// `-I` flags for the C modules the package's Swift modules import (its own and its dependencies').
    static func clangModuleFolders(buildRoot: URL) -> [String] {
        var folders: [String] = []
        for base in [SourceTree.root.appendingPathComponent("Sources"), buildRoot.appendingPathComponent("checkouts")] {
            guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in enumerator
            where url.lastPathComponent == "module.modulemap" && !url.path.lowercased().contains("test") {
                folders.append(url.deletingLastPathComponent().path)
            }
        }
        return folders.sorted()
    }

    /// Runs a command; returns its exit status and combined output.
    static func run(_ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("the README has a program snippet and a manifest snippet")
    func readmeHasBothKinds() throws {
        let blocks = Self.swiftBlocks(in: try SourceTree.text("README.md"))
        #expect(blocks.contains { !Self.isManifest($0.code) })
        #expect(blocks.contains { Self.isManifest($0.code) })
    }

    @Test("every program snippet of the README type-checks against the built modules")
    func programSnippetsCompile() throws {
        let blocks = Self.swiftBlocks(in: try SourceTree.text("README.md")).filter { !Self.isManifest($0.code) }
        let modules = try #require(Self.modulesFolder, "no built modules next to the test binary")
        let buildRoot = modules.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let includes = Self.clangModuleFolders(buildRoot: buildRoot).flatMap { ["-I", $0] }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for block in blocks {
            let file = folder.appendingPathComponent("main.swift")
            try block.code.write(to: file, atomically: true, encoding: .utf8)
            let result = try Self.run(["swiftc", "-typecheck", "-I", modules.path] + includes + [file.path])
            #expect(result.status == 0, "README.md snippet at line \(block.line) does not compile:\n\(result.output)")
        }
    }

    @Test("the README's Package.swift snippet is a valid manifest naming real products")
    func manifestSnippetIsValid() throws {
        let readme = try SourceTree.text("README.md")
        let manifest = try #require(Self.swiftBlocks(in: readme).first { Self.isManifest($0.code) })
        let products = try SourceTree.text("Package.swift").components(separatedBy: ".library(name: \"").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
        let named = manifest.code.components(separatedBy: ".product(name: \"").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
        #expect(!named.isEmpty)
        for product in named { #expect(products.contains(product), "README names product \(product)") }

        // Evaluate it with SwiftPM: the URL dependency is replaced by a local path with the same identity.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        let package = folder.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try #require(
            manifest.code.range(of: #"\.package\(url: "[^"]+", from: "[^"]+"\)"#, options: .regularExpression),
            "the manifest snippet names Foundry by .package(url:from:)")
        let identity = String(manifest.code[url].split(separator: "\"")[1].split(separator: "/").last ?? "")
        let link = folder.appendingPathComponent(identity)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: SourceTree.root)
        let local = manifest.code.replacingCharacters(in: url, with: ".package(path: \"\(link.path)\")")
        try local.write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let result = try Self.run(["swift", "package", "dump-package"], in: package)
        #expect(result.status == 0, "README.md's manifest snippet does not load:\n\(result.output)")
    }
}
