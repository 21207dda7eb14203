import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Tabular
import Testing

@testable import Pipelines

@Suite("Pipeline cache and keys")
struct CacheTests {
    func fingerprint(
        parameters: [String: String] = ["method": "mv"], inputs: [String] = ["k1"], files: [String: String] = [:]
    ) -> StepFingerprint {
        StepFingerprint(
            kind: "label_model", parameters: parameters, inputNames: ["votes"], inputKeys: inputs, files: files)
    }

    @Test("the key depends on parameters, inputs and files, not on dictionary order")
    func keys() {
        let base = fingerprint(parameters: ["a": "1", "b": "2"])
        #expect(base.key == fingerprint(parameters: ["b": "2", "a": "1"]).key)
        #expect(base.key.count == 64)
        #expect(base.key != fingerprint(parameters: ["a": "1", "b": "3"]).key)
        #expect(base.key != fingerprint(parameters: ["a": "1", "b": "2"], inputs: ["k2"]).key)
        #expect(base.key != fingerprint(parameters: ["a": "1", "b": "2"], files: ["paths[0]": "x"]).key)
    }

    @Test("reasons name what changed")
    func reasons() {
        let old = fingerprint(parameters: ["method": "mv", "lf.a": "x", "lf.b": "y"], files: ["paths[0]": "h"])
        #expect(fingerprint().reason(since: nil) == "not in the cache")
        #expect(old.reason(since: old) == "not in the cache")
        var edited = old
        edited.parameters["lf.a"] = "z"
        edited.parameters["lf.c"] = "w"
        edited.parameters["lf.b"] = nil
        edited.parameters["method"] = "ds"
        edited.inputKeys = ["k9"]
        edited.files["paths[0]"] = "h2"
        #expect(
            edited.reason(since: old)
                == "input 'votes' changed; labeling functions changed: a, b (removed), c (added); parameters changed: method; file changed: paths[0]"
        )
    }

    @Test("canonical text: field order, sorted dictionaries, locations left out")
    func canonical() throws {
        let spec = try LFSpec.parse(
            "lfs: [{name: f, kind: keyword, keywords: [a, b], label: SPAM}]", format: .yaml, source: "one.yaml")
        let moved = try LFSpec.parse(
            "\n\n\nlfs:\n  - {name: f, kind: keyword, keywords: [a, b], label: SPAM}", format: .yaml, source: "two.yaml"
        )
        let function = try #require(spec.labelingFunctions.first)
        #expect(CanonicalText.of(function) == CanonicalText.of(try #require(moved.labelingFunctions.first)))
        var edited = function
        edited.keywords = ["a", "c"]
        #expect(CanonicalText.of(function) != CanonicalText.of(edited))
        #expect(CanonicalText.of(["b": 1, "a": 2]) == CanonicalText.of(["a": 2, "b": 1]))
        #expect(CanonicalText.of(0.1) == "0.1")
        #expect(CanonicalText.of(Optional<Int>.none as Any) == "nil")
    }

    @Test("an entry is complete or absent: a failure while writing leaves nothing; leftovers are removed")
    func atomicEntries() throws {
        let directory = TemporaryDirectory()
        let cache = try PipelineCache(directory: directory.file("cache"))
        let manifest = PipelineCache.Manifest(
            formatVersion: 1, step: "s", kind: "data", key: String(repeating: "a", count: 64), figures: ["rows": 2],
            parts: 0, tableKey: nil)
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try cache.store(manifest) { folder in
                try Data("half".utf8).write(to: folder.appendingPathComponent("table.csv"))
                throw Interrupted()
            }
        }
        #expect(cache.entry(manifest.key) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.directory.path) == ["columns"])
        let entry = try cache.store(manifest) { folder in
            try Data("done".utf8).write(to: folder.appendingPathComponent("table.csv"))
        }
        #expect(cache.entry(manifest.key)?.path == entry.path)
        var withSizes = manifest
        withSizes.files = ["table.csv": 4]
        #expect(cache.manifest(manifest.key) == withSizes)
        // A folder without a manifest (a crash between the two writes of an older layout) is not an entry.
        let stray = cache.directory.appendingPathComponent(String(repeating: "b", count: 64))
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)
        #expect(cache.entry(stray.lastPathComponent) == nil)
        // Temporary folders of an interrupted run are removed by the next.
        try FileManager.default.createDirectory(
            at: cache.directory.appendingPathComponent(".tmp-left-over"), withIntermediateDirectories: true)
        let reopened = try PipelineCache(directory: cache.directory)
        #expect(
            !FileManager.default.fileExists(atPath: reopened.directory.appendingPathComponent(".tmp-left-over").path))
    }

    @Test("an entry whose file a power failure emptied or cut (its size is not the manifest's) is a miss")
    func entrySizesAreChecked() throws {
        let directory = TemporaryDirectory()
        let cache = try PipelineCache(directory: directory.file("cache"))
        let manifest = PipelineCache.Manifest(
            formatVersion: 1, step: "s", kind: "apply", key: String(repeating: "c", count: 64), figures: [:],
            parts: 0, tableKey: nil)
        let entry = try cache.store(manifest) { folder in
            try AtomicFile.write(Data("0,1\n1,0\n".utf8), to: folder.appendingPathComponent("votes.csv"))
            let nested = folder.appendingPathComponent("adapter")
            try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
            try AtomicFile.write(Data("weights".utf8), to: nested.appendingPathComponent("w.bin"))
            // A copied entry's manifest (as a step passing another entry's files on could copy) is replaced by this
            // entry's own and is not among the sizes.
            try AtomicFile.write(Data("{\"copied\": true}".utf8), to: folder.appendingPathComponent("entry.json"))
        }
        #expect(cache.manifest(manifest.key)?.files == ["votes.csv": 8, "adapter/w.bin": 7])
        #expect(cache.entry(manifest.key) != nil)
        try Data().write(to: entry.appendingPathComponent("adapter/w.bin"))
        #expect(cache.entry(manifest.key) == nil)
        try Data("weights".utf8).write(to: entry.appendingPathComponent("adapter/w.bin"))
        #expect(cache.entry(manifest.key) != nil)
        try FileManager.default.removeItem(at: entry.appendingPathComponent("votes.csv"))
        #expect(cache.entry(manifest.key) == nil)
    }

    @Test("file hashes are remembered by size and time, rehashed when either changes, also through a link")
    func fileHashMemo() throws {
        let directory = TemporaryDirectory()
        let data = directory.file("comments.csv")
        let link = directory.file("linked.csv")
        try Data("text\nhello\n".utf8).write(to: data)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: data)
        var hashes = FileHashes()
        let first = try hashes.hash(link)
        #expect(try hashes.hash(link) == first)
        #expect(try hashes.hash(data) == first)
        try Data("text\nhello, world\n".utf8).write(to: data)
        let edited = try hashes.hash(link)
        #expect(edited != first)
        #expect(try hashes.hash(data) == edited)
        #expect(throws: (any Error).self) { try hashes.hash(directory.file("missing.csv")) }
    }

    @Test("a labeling function renders its canonical text as reflection does, with every field set, for each kind")
    func functionCanonicalText() throws {
        var keyword = LabelingFunctionSpec(name: "k", kind: .keyword, field: "CONTENT", label: "SPAM")
        keyword.keywords = ["check \"this\"", "sub4sub"]
        keyword.pattern = "https?://"
        keyword.ignoreCase = false
        keyword.words = ["love", "é"]
        keyword.comparison = .atLeast(2.5)
        keyword.measure = .wordCount
        keyword.centroid = [0.25, -1e-3, 3]
        keyword.minCosine = 0.7
        keyword.encoder = "../models/m"
        keyword.location = SpecLocation(source: "lfs.yaml", line: 4, column: 5, keyPath: "labeling_functions[0]")
        var plain = LabelingFunctionSpec(name: "p", kind: .threshold, label: "HAM")
        plain.comparison = .lessThan(5)
        for kind in LabelingFunctionSpec.Kind.allCases {
            for var function in [keyword, plain] {
                function.kind = kind
                #expect(CanonicalText.of(function) == CanonicalText.reflected(function))
                #expect(!CanonicalText.of(function).contains("location"))
            }
        }
        #expect(CanonicalText.of(keyword).contains("measure:Measure.wordCount"))
        #expect(CanonicalText.of(plain).contains("comparison:ThresholdComparison(lessThan:5.0)"))
    }

    @Test("a table's metadata round-trips, its per-row integers as text; a damaged list is an error")
    func tableMetadata() throws {
        let metadata = TableArtifact.Metadata(
            source: "comments.csv", textField: "CONTENT", labelField: "CLASS", splits: "tve", gold: [1, -1, 0],
            lineNumbers: [2, 3, 17])
        let data = try PipelineJSON.encode(metadata)
        #expect(String(decoding: data, as: UTF8.self).contains("\"gold\":\"1,-1,0\""))
        #expect(try JSONDecoder().decode(TableArtifact.Metadata.self, from: data) == metadata)
        let empty = TableArtifact.Metadata(
            source: "empty.csv", textField: "text", labelField: nil, splits: "", gold: nil, lineNumbers: [])
        #expect(try JSONDecoder().decode(TableArtifact.Metadata.self, from: PipelineJSON.encode(empty)) == empty)
        for bad in ["1,x,0", "1,,0", "1-1,0", "--1,0", "-,1,0", "1,-1,0,"] {
            let damaged = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "1,-1,0", with: bad).utf8)
            #expect(throws: DecodingError.self, "\(bad)") {
                try JSONDecoder().decode(TableArtifact.Metadata.self, from: damaged)
            }
        }
    }

    @Test("labeling-function columns round-trip; a truncated column is a miss")
    func columns() throws {
        let directory = TemporaryDirectory()
        let cache = try PipelineCache(directory: directory.file("cache"))
        try cache.storeColumn("k", votes: [-1, 0, 1, 3])
        #expect(cache.column("k", rows: 4) == [-1, 0, 1, 3])
        #expect(cache.column("k", rows: 5) == nil)
        #expect(cache.column("other", rows: 4) == nil)
        let matrix = ApplyStepRunner.assemble(
            [[-1, 0, 1], [1, -1, 1]], rows: 3, lfNames: ["a", "b"], classNames: ["x", "y"])
        #expect(
            matrix
                == (try LabelMatrix(
                    denseVotes: [-1, 1, 0, -1, 1, 1], rowCount: 3, lfNames: ["a", "b"], classNames: ["x", "y"])))
    }

    @Test("the column key changes with the table, the function and the classes")
    func columnKeys() throws {
        var function = LabelingFunctionSpec(name: "f", kind: .keyword, label: "SPAM")
        function.keywords = ["a"]
        let key = ApplyStepRunner.columnKey(tableKey: "t", function: function, classes: ["HAM", "SPAM"])
        #expect(key == ApplyStepRunner.columnKey(tableKey: "t", function: function, classes: ["HAM", "SPAM"]))
        #expect(key != ApplyStepRunner.columnKey(tableKey: "u", function: function, classes: ["HAM", "SPAM"]))
        #expect(key != ApplyStepRunner.columnKey(tableKey: "t", function: function, classes: ["SPAM", "HAM"]))
        function.keywords = ["b"]
        #expect(key != ApplyStepRunner.columnKey(tableKey: "t", function: function, classes: ["HAM", "SPAM"]))
    }
}
