import FoundryCore

/// The per-tensor arithmetic of mergekit 0.1.5's full-weight methods, on contiguous Float32 buffers.
///
/// A task vector is δᵢ = θᵢ − θ_base (Ilharco et al. 2023, "Editing Models with Task Arithmetic"). Every method here
/// follows mergekit's own float32 operation order (`merge_methods/linear.py`, `generalized_task_arithmetic.py`,
/// `model_stock.py`, `sparsify.py`), so that its outputs match mergekit's bit for bit where mergekit is deterministic:
///
/// - linear: Σᵢ wᵢθᵢ / Σᵢ wᵢ (no base).
/// - task arithmetic: θ_base + λ·Σᵢ wᵢδᵢ (optionally divided by Σᵢ wᵢ); a negative weight forgets a task.
/// - TIES (Yadav et al. 2023): prune each δᵢ to its top-density magnitudes, elect the sign of Σᵢ wᵢPᵢ, keep the entries
///   agreeing with it and divide by the sum of the agreeing weights.
/// - DARE (Yu et al. 2024): keep each entry with probability density (seeded Bernoulli masks), rescale to the original
///   L1 norm (mergekit's rescale, not PEFT's 1/density); then linear or TIES consensus.
/// - breadcrumbs (Davari & Belilovsky 2024): keep the band of magnitudes between the smallest (1 − density − γ) and the
///   largest γ fraction.
/// - model stock (Jang et al. 2024): t = N·cos/(1 + (N−1)·cos) from the mean pairwise cosine of the task vectors, then
///   t·mean(θᵢ) + (1 − t)·θ_base.
public enum TaskVectorMerge {
    /// How each task vector is sparsified before it is combined.
    public enum Sparsification: Sendable, Equatable {
        /// Keep every entry.
        case none
        /// Keep the `density` fraction of largest magnitudes (TIES).
        case magnitude(density: Double)
        /// Keep each entry with probability `density` (DARE); `rescale` matches the original L1 norm.
        case random(density: Double, rescale: Bool)
        /// Keep the band of magnitudes that drops the smallest `1 − density − gamma` and the largest `gamma` fraction.
        case outliers(density: Double, gamma: Double)
    }

    /// `fl32(model − base)`, element by element.
    public static func difference(_ model: [Float], _ base: [Float]) -> [Float] {
        precondition(model.count == base.count, "task vector shapes differ")
        var out = [Float](repeating: 0, count: model.count)
        for i in out.indices { out[i] = model[i] - base[i] }
        return out
    }

    /// mergekit `linear`: Σᵢ wᵢθᵢ, divided by Σᵢ wᵢ when `normalize`.
    /// - Precondition: with `normalize`, the weights do not sum to zero (callers check and throw).
    /// - Complexity: O(n · models).
    public static func linear(_ models: [[Float]], weights: [Float], normalize: Bool = true) -> [Float] {
        precondition(!models.isEmpty && models.count == weights.count, "one weight per model")
        var result = [Float](repeating: 0, count: models[0].count)
        for (model, weight) in zip(models, weights) {
            precondition(model.count == result.count, "model tensor shapes differ")
            for i in result.indices { result[i] += model[i] * weight }
        }
        if normalize {
            let total = weights.reduce(0, +)
            for i in result.indices { result[i] /= total }
        }
        return result
    }

    /// mergekit's `magnitude` sparsification: keeps the `max(1, ⌊density·n⌋)` largest magnitudes.
    public static func magnitudePruned(_ delta: [Float], density: Double) -> [Float] {
        if density >= 1 { return delta }
        let keep = max(1, Int(density * Double(delta.count)))
        return masked(delta, MagnitudeSelection.largest(delta, count: keep), rescaleL1: false)
    }

    /// mergekit's `magnitude_outliers` (breadcrumbs): keeps ranks `n_bot ..< n_bot + ⌊density·n⌋` of ascending
    /// magnitude, where `n_bot = n − ⌊density·n⌋ − ⌊gamma·n⌋` (at least 0).
    public static func outliersPruned(_ delta: [Float], density: Double, gamma: Double) -> [Float] {
        if density >= 1 { return delta }
        let n = delta.count
        let keep = Int(density * Double(n))
        let top = Int(gamma * Double(n))
        let bottom = max(0, n - keep - top)
        return masked(delta, MagnitudeSelection.band(delta, lower: bottom, count: keep), rescaleL1: false)
    }

    /// Bernoulli keep-masks of DARE: each entry is kept with probability `density`, drawn from `generator`.
    public static func randomMask(count: Int, density: Double, generator: inout SeededGenerator) -> [Bool] {
        (0..<count).map { _ in generator.nextUnitDouble() < density }
    }

    /// `delta · mask`, rescaled (when `rescaleL1`) by Σ|δ| / Σ|δ·mask| as mergekit's `rescaled_masked_tensor` does
    /// (skipped when either sum is below 1e-7).
    public static func masked(_ delta: [Float], _ mask: [Bool], rescaleL1: Bool) -> [Float] {
        precondition(delta.count == mask.count, "mask size differs")
        var out = [Float](repeating: 0, count: delta.count)
        for i in out.indices where mask[i] { out[i] = delta[i] }
        guard rescaleL1 else { return out }
        var before = 0.0
        var after = 0.0
        for i in delta.indices {
            before += Double(abs(delta[i]))
            after += Double(abs(out[i]))
        }
        let original = Float(before), kept = Float(after)
        guard original >= 1e-7, kept >= 1e-7 else { return out }
        let factor = original / kept
        for i in out.indices { out[i] *= factor }
        return out
    }

    /// Sparsifies one task vector.
    public static func sparsified(
        _ delta: [Float], _ method: Sparsification, generator: inout SeededGenerator
    ) -> [Float] {
        switch method {
        case .none: delta
        case let .magnitude(density): magnitudePruned(delta, density: density)
        case let .random(density, rescale):
            density >= 1
                ? delta
                : masked(
                    delta, randomMask(count: delta.count, density: density, generator: &generator), rescaleL1: rescale)
        case let .outliers(density, gamma): outliersPruned(delta, density: density, gamma: gamma)
        }
    }

    /// mergekit's generalized task arithmetic on already sparsified task vectors: Dᵢ = wᵢ·Pᵢ; with `consensus`, the
    /// sign σ of Σᵢ Dᵢ is elected (≥ 0 → +1) and only entries with sign(Dᵢ) = σ count; mixed = Σᵢ Dᵢ·maskᵢ, divided
    /// (when `normalize`) by Σᵢ wᵢ·maskᵢ (0 → 1) or, without consensus, by Σᵢ wᵢ (|Σ| < 1e-8 → 1); times λ; plus the
    /// base (when given).
    /// - Parameters:
    ///   - base: θ_base, or an empty array to return the merged task vector itself.
    ///   - deltas: the sparsified task vectors Pᵢ.
    ///   - weights: wᵢ.
    ///   - consensus: elect signs (TIES, DARE-TIES).
    ///   - normalize: divide by the (agreeing) weights.
    ///   - lambda: λ.
    /// - Complexity: O(n · models).
    public static func combine(
        base: [Float], deltas: [[Float]], weights: [Float], consensus: Bool, normalize: Bool, lambda: Float = 1
    ) -> [Float] {
        precondition(!deltas.isEmpty && deltas.count == weights.count, "one weight per task vector")
        let n = deltas[0].count
        precondition(base.isEmpty || base.count == n, "base shape differs")
        var mixed = [Float](repeating: 0, count: n)
        if consensus {
            // The task vectors side by side in one buffer, so the per-entry loop touches no array headers.
            let m = deltas.count
            var stacked = [Float](repeating: 0, count: m * n)
            for (index, delta) in deltas.enumerated() {
                precondition(delta.count == n, "task vector shapes differ")
                stacked.replaceSubrange((index * n)..<((index + 1) * n), with: delta)
            }
            stacked.withUnsafeBufferPointer { all in
                mixed.withUnsafeMutableBufferPointer { out in
                    // Entries are independent: two halves run concurrently (same values either way).
                    ParallelChunks.forEach(count: n, chunkSize: max(65_536, (n + 1) / 2)) { _, range in
                        for i in range {
                            var total: Float = 0
                            for t in 0..<m { total += all[t * n + i] * weights[t] }
                            let elected: Float = total >= 0 ? 1 : -1
                            var sum: Float = 0
                            var agreeing: Float = 0
                            for t in 0..<m {
                                let value = all[t * n + i] * weights[t]
                                let agrees: Float = (value > 0 ? 1 : value < 0 ? -1 : 0) == elected ? 1 : 0
                                sum += value * agrees
                                agreeing += weights[t] * agrees
                            }
                            out[i] = normalize ? sum / (agreeing == 0 ? 1 : agreeing) : sum
                        }
                    }
                }
            }
        } else {
            for (delta, weight) in zip(deltas, weights) {
                precondition(delta.count == n, "task vector shapes differ")
                for i in 0..<n { mixed[i] += delta[i] * weight }
            }
            if normalize {
                var total = weights.reduce(0, +)
                if abs(total) < 1e-8 { total = 1 }
                for i in 0..<n { mixed[i] /= total }
            }
        }
        if lambda != 1 { for i in 0..<n { mixed[i] *= lambda } }
        guard !base.isEmpty else { return mixed }
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n { out[i] = base[i] + mixed[i] }
        return out
    }

    /// mergekit `model_stock` (non filter-wise): the interpolation ratio t and the merged tensor.
    /// - Returns: the mean pairwise cosine of the task vectors, t, and t·mean(θᵢ) + (1 − t)·θ_base.
    /// - Complexity: O(n · models²).
    public static func modelStock(base: [Float], models: [[Float]]) -> (cosine: Double, t: Float, merged: [Float]) {
        precondition(models.count >= 2, "model stock needs at least two models")
        let deltas = models.map { difference($0, base) }
        var cosines: [Double] = []
        for a in 0..<deltas.count {
            for b in (a + 1)..<deltas.count {
                var dot = 0.0, na = 0.0, nb = 0.0
                for i in base.indices {
                    let x = Double(deltas[a][i]), y = Double(deltas[b][i])
                    dot += x * y
                    na += x * x
                    nb += y * y
                }
                cosines.append(min(1, max(-1, dot / max(na.squareRoot() * nb.squareRoot(), 1e-6))))
            }
        }
        let cosine = cosines.reduce(0, +) / Double(cosines.count)
        let count = Float(models.count)
        let cos32 = Float(cosine)
        let denominator = 1 + (count - 1) * cos32
        let t: Float = abs(denominator) < 1e-6 ? 0 : (count * cos32) / denominator
        var merged = [Float](repeating: 0, count: base.count)
        for i in base.indices {
            var sum: Float = 0
            for model in models { sum += model[i] }
            let average = sum / count
            merged[i] = t * average + (1 - t) * base[i]
        }
        return (cosine, t, merged)
    }
}
