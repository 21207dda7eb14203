import Foundation
import Testing

/// Keeps `docs/ARCHITECTURE.md`'s module table true: every import a source file makes is allowed by its module's row
/// and declared in `Package.swift`, and every edge `Package.swift` declares is used by some file.
@Suite("Module map") struct ModuleMapTests {
    /// The library and executable targets under `Sources/` and `Examples/` (test targets follow their modules).
    private static func checkedTargets() throws -> [SourceTree.Target] {
        try SourceTree.packageTargets().filter { $0.kind != "testTarget" && !$0.path.hasPrefix("Tests/") }
    }

    @Test("every module of Sources/ has a row in the table, and every row names a real module")
    func tableCoversTheModules() throws {
        let rules = try SourceTree.moduleTable()
        try #require(!rules.isEmpty, "docs/ARCHITECTURE.md has no module table (a Markdown table headed 'module')")
        let inTable = Set(rules.flatMap(\.modules))
        let folders = try FileManager.default.contentsOfDirectory(
            atPath: SourceTree.root.appendingPathComponent("Sources").path
        ).filter { !$0.hasPrefix(".") }
        for folder in folders { #expect(inTable.contains(folder), "Sources/\(folder) has no row in the module table") }
        for module in inTable where !folders.contains(module) {
            let isExample = try Self.checkedTargets().contains { $0.name == module }
            #expect(isExample, "the module table names '\(module)', which is neither in Sources/ nor a target")
        }
    }

    @Test("every import is allowed by the module's row and declared in Package.swift")
    func importsFollowTheTable() throws {
        let rules = try SourceTree.moduleTable()
        let allowed = Dictionary(rules.flatMap { rule in rule.modules.map { ($0, rule.mayImport) } }) { $0.union($1) }
        for target in try Self.checkedTargets() {
            let files = SourceTree.swiftFiles(under: target.path)
            guard !files.isEmpty else { continue }
            let row = try #require(allowed[target.name], "\(target.name) has no row in docs/ARCHITECTURE.md")
            for file in files {
                for module in try SourceTree.imports(ofFile: file).subtracting(SourceTree.systemModules)
                where module != target.name {
                    #expect(
                        row.contains(module), "\(file) imports \(module), which \(target.name)'s row does not allow")
                    #expect(
                        target.dependencies.contains { SourceTree.modules(of: $0).contains(module) },
                        "\(file) imports \(module), which Package.swift does not declare for \(target.name)")
                }
            }
        }
    }

    @Test("every dependency Package.swift declares is allowed by the table and used by some file")
    func declaredEdgesAreUsed() throws {
        let rules = try SourceTree.moduleTable()
        let allowed = Dictionary(rules.flatMap { rule in rule.modules.map { ($0, rule.mayImport) } }) { $0.union($1) }
        for target in try Self.checkedTargets() {
            let files = SourceTree.swiftFiles(under: target.path)
            guard !files.isEmpty else { continue }  // system-library targets have no Swift files
            var used: Set<String> = []
            for file in files { used.formUnion(try SourceTree.imports(ofFile: file)) }
            for dependency in target.dependencies {
                #expect(
                    allowed[target.name]?.contains(dependency) ?? false,
                    "Package.swift lets \(target.name) depend on \(dependency); its row in the table does not")
                #expect(
                    !used.isDisjoint(with: SourceTree.modules(of: dependency)),
                    "Package.swift lets \(target.name) depend on \(dependency), but no file of \(target.path) imports it"
                )
            }
        }
    }

    @Test("the checks themselves read imports, tables and manifests correctly")
    func parsersReadWhatTheyShould() throws {
        let targets = try SourceTree.packageTargets()
        let core = try #require(targets.first { $0.name == "FoundryCore" })
        #expect(core.dependencies.contains("CPlatform") && core.dependencies.contains("Crypto"))
        #expect(!core.dependencies.contains("swift-crypto"))
        let example = try #require(targets.first { $0.name == "spam-labeling" })
        #expect(example.path == "Examples/spam-labeling")
        let imports = try SourceTree.imports(ofFile: "Tests/ArchitectureTests/ModuleMapTests.swift")
        #expect(imports == ["Foundation", "Testing"])
    }
}
