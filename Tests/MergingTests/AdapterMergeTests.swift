import Adapters
import Foundation
import FoundryCore
import FoundryTestSupport
import Merging
import Tensors
import Testing

@Suite("Adapter merges in ΔW space")
struct AdapterMergeTests {
    @Test("re-factoring at full rank reproduces the merged ΔW; a truncated rank loses exactly the tail singular values")
    func svdRefactoring() throws {
        let a = try TinyAdapters.adapter(seed: 1), b = try TinyAdapters.adapter(seed: 2)
        let inputs = [TinyAdapters.input(a, name: "a"), TinyAdapters.input(b, name: "b")]
        var configuration = AdapterMerge.Configuration(method: .ties)
        configuration.weights = [0.5, 0.5]
        configuration.rank = 16
        let full = try AdapterMerge.merge(inputs, configuration: configuration)
        let expected = TaskVectorMerge.combine(
            base: [],
            deltas: [TinyAdapters.delta(a), TinyAdapters.delta(b)].map {
                TaskVectorMerge.magnitudePruned($0, density: 0.5)
            }, weights: [0.5, 0.5], consensus: true, normalize: true)
        let rebuilt = try #require(full.adapter.factors[0][.query]).delta(scaling: full.adapter.configuration.scaling)
        #expect(ReferenceData.maxDifference(rebuilt.scalars, expected) < 1e-6)
        #expect(full.adapter.configuration.scaling == 1)

        configuration.rank = 3
        let truncated = try AdapterMerge.merge(inputs, configuration: configuration)
        let low = try #require(truncated.adapter.factors[0][.query]).delta(scaling: 1).scalars
        let svd = try LowRankFactorization.truncated(expected, rows: 16, columns: 16, rank: 3, name: "t")
        let tail = svd.singularValues.dropFirst(3).reduce(0) { $0 + $1 * $1 }.squareRoot()
        let error = zip(low, expected).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        #expect(abs(error - tail) < 1e-5 * max(1, tail), "Eckart–Young: error \(error), tail \(tail)")
        let energy = try #require(truncated.record.retainedEnergy?["encoder.layer.0.attention.self.query"])
        #expect(energy > 0 && energy < 1)
    }

    @Test("task arithmetic with a negative weight forgets a task: adding then subtracting gives the first update back")
    func negationForgets() throws {
        let a = try TinyAdapters.adapter(seed: 1), b = try TinyAdapters.adapter(seed: 2)
        var configuration = AdapterMerge.Configuration(method: .taskArithmetic)
        configuration.weights = [1, 1]
        let sum = try AdapterMerge.merge(
            [TinyAdapters.input(a, name: "a"), TinyAdapters.input(b, name: "b")], configuration: configuration)
        configuration.weights = [1, -1]
        let back = try AdapterMerge.merge(
            [TinyAdapters.input(sum.adapter, name: "sum"), TinyAdapters.input(b, name: "b")],
            configuration: configuration)
        let result = try #require(back.adapter.factors[1][.value]).delta(scaling: 1).scalars
        #expect(ReferenceData.maxDifference(result, TinyAdapters.delta(a, layer: 1, target: .value)) < 1e-6)
        #expect(back.adapter.configuration.rank == sum.adapter.configuration.rank + 2)
    }

    @Test("Fisher averaging follows the task that has information, and averages when Fishers are equal")
    func fisherWeighting() throws {
        let a = try TinyAdapters.adapter(seed: 1), b = try TinyAdapters.adapter(seed: 2)
        var informed = a
        informed.assign(flattened: [Float](repeating: 1, count: a.parameterCount))
        var blank = b
        blank.assign(flattened: [Float](repeating: 0, count: b.parameterCount))
        var configuration = AdapterMerge.Configuration(method: .fisher)
        configuration.weights = [0.5, 0.5]
        configuration.rank = 16
        let one = try AdapterMerge.merge(
            [
                AdapterMergeInput(name: "a", path: "a", adapter: a, fisher: informed),
                AdapterMergeInput(name: "b", path: "b", adapter: b, fisher: blank),
            ], configuration: configuration)
        let follows = try #require(one.adapter.factors[0][.query]).delta(scaling: 1).scalars
        #expect(ReferenceData.maxDifference(follows, TinyAdapters.delta(a)) < 1e-6)
        var same = b
        same.assign(flattened: [Float](repeating: 1, count: b.parameterCount))
        let both = try AdapterMerge.merge(
            [
                AdapterMergeInput(name: "a", path: "a", adapter: a, fisher: informed),
                AdapterMergeInput(name: "b", path: "b", adapter: b, fisher: same),
            ], configuration: configuration)
        let average = zip(TinyAdapters.delta(a), TinyAdapters.delta(b)).map { ($0 + $1) / 2 }
        let merged = try #require(both.adapter.factors[0][.query]).delta(scaling: 1).scalars
        #expect(ReferenceData.maxDifference(merged, average) < 1e-6)
    }

    @Test("RegMean: equal Grams give the weighted mean; inputs in disjoint subspaces keep each task's columns")
    func regmeanSolves() throws {
        let a = try TinyAdapters.adapter(seed: 1), b = try TinyAdapters.adapter(seed: 2)
        func grams(_ diagonal: (Int) -> Float) -> [String: Tensor] {
            var gram = Tensor(shape: [16, 16])
            for i in 0..<16 { gram[i, i] = diagonal(i) }
            var out: [String: Tensor] = [:]
            for layer in 0..<2 {
                for target in [LoRATarget.query, .value] {
                    out[AdapterMergeInput.gramKey(layer: layer, target: target)] = gram
                }
            }
            return out
        }
        var configuration = AdapterMerge.Configuration(method: .regmean)
        configuration.weights = [0.5, 0.5]
        configuration.rank = 16
        let first = grams { $0 < 8 ? 1 : 1e-9 }, second = grams { $0 < 8 ? 1e-9 : 1 }
        let split = try AdapterMerge.merge(
            [
                AdapterMergeInput(name: "a", path: "a", adapter: a, grams: first),
                AdapterMergeInput(name: "b", path: "b", adapter: b, grams: second),
            ], configuration: configuration)
        let merged = try #require(split.adapter.factors[0][.query]).delta(scaling: 1).scalars
        var expected = [Float](repeating: 0, count: 256)
        let da = TinyAdapters.delta(a), db = TinyAdapters.delta(b)
        for o in 0..<16 { for i in 0..<16 { expected[o * 16 + i] = i < 8 ? da[o * 16 + i] : db[o * 16 + i] } }
        #expect(ReferenceData.maxDifference(merged, expected) < 1e-5)

        let equal = try AdapterMerge.merge(
            [
                AdapterMergeInput(name: "a", path: "a", adapter: a, grams: grams { Float($0 + 1) }),
                AdapterMergeInput(name: "b", path: "b", adapter: b, grams: grams { Float($0 + 1) }),
            ], configuration: configuration)
        let mean = try #require(equal.adapter.factors[0][.query]).delta(scaling: 1).scalars
        #expect(ReferenceData.maxDifference(mean, zip(da, db).map { ($0 + $1) / 2 }) < 1e-5)
    }

    @Test("each task keeps its own head; heads of one label space can be averaged")
    func heads() throws {
        let a = try TinyAdapters.adapter(seed: 1), b = try TinyAdapters.adapter(seed: 2)
        let inputs = [TinyAdapters.input(a, name: "spam"), TinyAdapters.input(b, name: "sms")]
        var configuration = AdapterMerge.Configuration(method: .linear)
        configuration.weights = [0.5, 0.5]
        let merged = try AdapterMerge.merge(inputs, configuration: configuration)
        #expect(merged.adapter.head == a.head)
        #expect(merged.adapter(forTask: "sms")?.head == b.head)
        #expect(merged.adapter(forTask: "other") == nil)
        configuration.head = .average
        let averaged = try AdapterMerge.merge(inputs, configuration: configuration)
        let expected = zip(a.head.weight.scalars, b.head.weight.scalars).map { 0.5 * $0 + 0.5 * $1 }
        #expect(ReferenceData.maxDifference(averaged.adapter.head.weight.scalars, expected) < 1e-7)

        let folder = TemporaryDirectory()
        let out = folder.url.appendingPathComponent("merged")
        try merged.save(to: out)
        let heads = try SafeTensors(contentsOf: out.appendingPathComponent("heads.safetensors"))
        #expect(heads.tensors["sms.weight"] == b.head.weight)
        let reloaded = try LoRAAdapter(peftDirectory: out, model: TinyAdapters.model)
        #expect(reloaded.configuration.rank == 4)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("merge.json").path))
    }

    @Test("DARE merges are deterministic for a seed and differ across seeds")
    func dareSeeded() throws {
        let inputs = [
            TinyAdapters.input(try TinyAdapters.adapter(seed: 1), name: "a"),
            TinyAdapters.input(try TinyAdapters.adapter(seed: 2), name: "b"),
        ]
        var configuration = AdapterMerge.Configuration(method: .dareTies)
        configuration.seed = 7
        let first = try AdapterMerge.merge(inputs, configuration: configuration)
        let again = try AdapterMerge.merge(inputs, configuration: configuration)
        configuration.seed = 8
        let other = try AdapterMerge.merge(inputs, configuration: configuration)
        #expect(first.adapter == again.adapter)
        #expect(first.adapter != other.adapter)
    }
}

@Suite("Magnitude selection and conflict reports")
struct SelectionAndConflictTests {
    @Test("quickselect picks what a full sort picks (ties broken by index)")
    func selectionMatchesSorting() {
        var generator = SeededGenerator(seed: 3)
        for trial in 0..<20 {
            let n = 50 + trial * 37
            // Few distinct magnitudes, so that ties at the boundary are common.
            let values = (0..<n).map { _ in Float(Int(generator.nextUnitDouble() * 9) - 4) }
            let keep = Int(generator.nextUnitDouble() * Double(n))
            let order = values.indices.sorted { (abs(values[$0]), -$0) > (abs(values[$1]), -$1) }
            var expected = [Bool](repeating: false, count: n)
            for index in order.prefix(keep) { expected[index] = true }
            #expect(MagnitudeSelection.largest(values, count: keep) == expected)
            let ascending = values.indices.sorted { (abs(values[$0]), $0) < (abs(values[$1]), $1) }
            var band = [Bool](repeating: false, count: n)
            let lower = keep / 3
            for index in ascending[lower..<min(n, lower + keep / 2)] { band[index] = true }
            #expect(MagnitudeSelection.band(values, lower: lower, count: min(n - lower, keep / 2)) == band)
        }
    }

    @Test("conflict measures on hand-computed vectors")
    func conflictValues() {
        let x: [Float] = [1, -2, 3, 0], y: [Float] = [1, 2, -3, 0.5]
        let tensor = ConflictReport.compare(
            name: "encoder.layer.0.q.weight", vectors: [x, y], tasks: ["x", "y"], top: 0.5)
        let pair = tensor.pairs[0]
        #expect(abs(pair.cosine - (1 - 4 - 9) / (14.0.squareRoot() * 14.25.squareRoot())) < 1e-12)
        #expect(pair.signConflicts == 1)
        #expect(pair.supportOverlap == 1)
        #expect(abs((pair.magnitudeRatio ?? 0) - (14 / 14.25).squareRoot()) < 1e-12)
        let calm = ConflictReport.compare(
            name: "encoder.layer.1.q.weight", vectors: [x, x], tasks: ["x", "y"], top: 0.5)
        let report = ConflictReport(tasks: ["x", "y"], top: 0.5, tensors: [calm, tensor])
        #expect(report.layers.map(\.layer) == ["encoder.layer.0", "encoder.layer.1"])
        #expect(report.markdown.contains("| encoder.layer.0 | 1.0000 |"))
    }
}
