import Foundation

/// The package's own files, read as text: the module table of `docs/ARCHITECTURE.md`, the targets of
/// `Package.swift` and the `import` lines of every source file.
enum SourceTree {
    /// The package root (three folders above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Modules a package product brings besides the one named like it (Yams builds libyaml as `CYaml`, which
    /// Tabular's spec reader reads events from).
    static let providedModules: [String: Set<String>] = ["Yams": ["Yams", "CYaml"]]

    /// The modules a declared dependency makes importable.
    static func modules(of dependency: String) -> Set<String> { providedModules[dependency] ?? [dependency] }

    /// Modules that come with the toolchain or the operating system; importing them needs no declared edge.
    static let systemModules: Set<String> = [
        "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Darwin", "Musl", "Testing",
        "XCTest", "os",
        "Synchronization",
    ]

    /// The text of a file under the root.
    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Every `.swift` file below `folder` (relative to the root), as relative paths.
    static func swiftFiles(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
            return []
        }
        var files: [String] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            files.append(folder + "/" + url.path.dropFirst(base.path.count + 1))
        }
        return files.sorted()
    }

    /// The modules a Swift file imports (`import X`, `@testable import X`, `import struct X.Y`, `@_exported …`).
    static func imports(ofFile relativePath: String) throws -> Set<String> {
        var modules: Set<String> = []
        for line in try text(relativePath).split(separator: "\n", omittingEmptySubsequences: true) {
            var words = line.split(separator: " ").map(String.init)
            let attributes: Set<String> = [
                "@testable", "@_exported", "@_implementationOnly", "@preconcurrency", "public", "package", "internal",
                "fileprivate", "private",
            ]
            while let first = words.first, attributes.contains(first) { words.removeFirst() }
            guard words.first == "import", words.count >= 2 else { continue }
            let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
            let name = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
            if let module = name.split(separator: ".").first { modules.insert(String(module)) }
        }
        return modules
    }

    /// One row of the module table: a module (or several sharing a row), and the modules it may import.
    struct ModuleRule {
        var modules: [String]
        var mayImport: Set<String>
    }

    /// The module table of `docs/ARCHITECTURE.md`: the first Markdown table whose header's first cell is `module`;
    /// names are the backticked words of the first and last columns (`—` for none).
    static func moduleTable() throws -> [ModuleRule] {
        let lines = try text("docs/ARCHITECTURE.md").split(separator: "\n").map(String.init)
        guard let header = lines.firstIndex(where: { cells($0).first?.lowercased() == "module" }) else { return [] }
        var rules: [ModuleRule] = []
        for line in lines[(header + 2)...] {
            let row = cells(line)
            guard row.count >= 3 else { break }
            rules.append(ModuleRule(modules: backticked(row[0]), mayImport: Set(backticked(row[row.count - 1]))))
        }
        return rules
    }

    private static func cells(_ line: String) -> [String] {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("|") else { return [] }
        return trimmed.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func backticked(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map {
            String($0.element)
        }
    }

    /// A target declared in `Package.swift`.
    struct Target {
        var name: String
        var kind: String
        var path: String
        /// Module names of its dependencies (targets by name; products by product name).
        var dependencies: [String]
    }

    /// The targets of `Package.swift`, read from its text: `.target(…)`, `.executableTarget(…)`, `.testTarget(…)`
    /// with `name:`, `dependencies: [...]` (strings and `.product(name: "X", package: …)`) and `path:`.
    static func packageTargets() throws -> [Target] {
        let manifest = try text("Package.swift")
        var targets: [Target] = []
        for kind in ["target", "executableTarget", "testTarget"] {
            var searchStart = manifest.startIndex
            while let open = manifest.range(of: ".\(kind)(", range: searchStart..<manifest.endIndex) {
                let body = balanced(manifest, from: open.upperBound)
                searchStart = open.upperBound
                guard let name = firstString(after: "name:", in: body) else { continue }
                var dependencies: [String] = []
                if let list = body.range(of: "dependencies:") {
                    let rest = String(body[list.upperBound...])
                    if let bracket = rest.firstIndex(of: "[") {
                        let items = balanced(rest, from: rest.index(after: bracket), open: "[", close: "]")
                        dependencies = dependencyNames(items)
                    }
                }
                let defaultFolder = kind == "testTarget" ? "Tests" : "Sources"
                let path = firstString(after: "path:", in: body) ?? "\(defaultFolder)/\(name)"
                targets.append(Target(name: name, kind: kind, path: path, dependencies: dependencies))
            }
        }
        return targets
    }

    /// The text after `start` up to the bracket that closes the one opened just before it.
    private static func balanced(
        _ text: String, from start: String.Index, open: Character = "(", close: Character = ")"
    ) -> String {
        var depth = 1
        var index = start
        while index < text.endIndex {
            if text[index] == open { depth += 1 }
            if text[index] == close {
                depth -= 1
                if depth == 0 { break }
            }
            index = text.index(after: index)
        }
        return String(text[start..<index])
    }

    private static func firstString(after label: String, in text: String) -> String? {
        guard let labelRange = text.range(of: label) else { return nil }
        let rest = text[labelRange.upperBound...]
        guard let quote = rest.firstIndex(of: "\"") else { return nil }
        let afterQuote = rest[rest.index(after: quote)...]
        guard let end = afterQuote.firstIndex(of: "\"") else { return nil }
        return String(afterQuote[..<end])
    }

    /// `"A", .product(name: "B", package: "c")` → `["A", "B"]`.
    private static func dependencyNames(_ items: String) -> [String] {
        var names: [String] = []
        var rest = Substring(items)
        while let quote = rest.firstIndex(of: "\"") {
            let before = rest[..<quote]
            let afterQuote = rest[rest.index(after: quote)...]
            guard let end = afterQuote.firstIndex(of: "\"") else { break }
            let value = String(afterQuote[..<end])
            rest = afterQuote[afterQuote.index(after: end)...]
            // A `package:` string names the package, not a module.
            if before.trimmingCharacters(in: .whitespaces).hasSuffix("package:") { continue }
            names.append(value)
        }
        return names
    }
}
