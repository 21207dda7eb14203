import Foundation
import FoundryCore

/// Finds near-duplicate texts with MinHash signatures and locality-sensitive hashing (Broder 1997; Indyk & Motwani
/// 1998; band/row choice as in Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3).
///
/// Each text is lowercased (ASCII) with whitespace runs collapsed, cut into overlapping character shingles of
/// ``Configuration/shingleSize`` bytes, and summarized by ``Configuration/permutations`` minimum hashes drawn from
/// a seeded family. Signatures are split into bands; texts that share a band become candidates, and a candidate
/// pair is reported when the exact Jaccard similarity of the two shingle sets is at least
/// ``Configuration/threshold`` (so there are no false positives; misses come only from LSH). Exact duplicates
/// always have equal signatures, so they are found too.
public struct NearDuplicateDetector: Sendable {
    /// Parameters of the detector; the seed makes results bit-reproducible.
    public struct Configuration: Sendable, Equatable, Hashable, Codable {
        /// Jaccard similarity (0…1) of shingle sets at or above which two texts are near-duplicates.
        public var threshold: Double
        /// Shingle length in UTF-8 bytes.
        public var shingleSize: Int
        /// Number of MinHash functions (signature length).
        public var permutations: Int
        /// Seed of the hash family.
        public var seed: UInt64

        /// Creates a configuration (defaults: threshold 0.8, 5-byte shingles, 128 permutations, seed 42).
        public init(threshold: Double = 0.8, shingleSize: Int = 5, permutations: Int = 128, seed: UInt64 = 42) {
            self.threshold = threshold
            self.shingleSize = shingleSize
            self.permutations = permutations
            self.seed = seed
        }
    }

    /// A row that is a near-duplicate of an earlier row.
    public struct Duplicate: Sendable, Equatable {
        /// Position of the later row.
        public var row: Int
        /// Position of the earlier row it duplicates.
        public var original: Int
        /// Jaccard similarity of the two shingle sets.
        public var similarity: Double
    }

    /// The configuration.
    public let configuration: Configuration
    /// Number of LSH bands.
    public let bands: Int
    /// Signature entries per band.
    public let rowsPerBand: Int
    private let multipliers: [UInt32]
    private let offsets: [UInt32]

    /// Creates a detector; bands × rows per band are chosen to minimize the sum of the false-positive and
    /// false-negative probability mass around the threshold.
    ///
    /// - Precondition: `0 < threshold ≤ 1`, `shingleSize ≥ 1`, `permutations ≥ 2` (spec values are checked with
    ///   a thrown error before they reach here).
    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.threshold > 0 && configuration.threshold <= 1, "threshold must be in (0, 1]")
        precondition(configuration.shingleSize >= 1 && configuration.permutations >= 2, "invalid configuration")
        self.configuration = configuration
        (bands, rowsPerBand) = Self.optimalBands(
            threshold: configuration.threshold, permutations: configuration.permutations)
        var generator = SeededGenerator(seed: configuration.seed)
        // Each hash function x ↦ a·x + b (mod 2³², a odd) permutes the 32-bit shingle hashes; 32-bit lanes vectorize.
        multipliers = (0..<configuration.permutations).map { _ in UInt32(truncatingIfNeeded: generator.next() >> 32) | 1
        }
        offsets = (0..<configuration.permutations).map { _ in UInt32(truncatingIfNeeded: generator.next() >> 32) }
    }

    /// Finds, for every text that near-duplicates an earlier one, the earliest-found earlier match.
    ///
    /// Null texts are skipped.
    /// - Returns: one ``Duplicate`` per later row, in row order.
    /// - Complexity: O(total text length × permutations) for signatures, plus O(n × bands) bucket operations and at
    ///   most 8 candidate checks per row and band (signature pre-filter, then exact Jaccard of two shingle sets).
    public func duplicates(in texts: [String?]) -> [Duplicate] {
        let p = configuration.permutations
        var signatures = [UInt32](repeating: .max, count: texts.count * p)
        var shingles: [UInt32] = []
        var normalized: [UInt8] = []
        signatures.withUnsafeMutableBufferPointer { out in
            for (row, text) in texts.enumerated() {
                guard var text else { continue }
                text.withUTF8 { Self.normalize($0, into: &normalized) }
                shingleHashes(normalized, into: &shingles)
                sign(shingles, into: UnsafeMutableBufferPointer(rebasing: out[(row * p)..<((row + 1) * p)]))
            }
        }
        return findCandidates(signatures: signatures, texts: texts)
    }

    /// The MinHash signature of one text (for inspection and tests).
    public func signature(of text: String) -> [UInt32] {
        var normalized: [UInt8] = []
        var shingles: [UInt32] = []
        var copy = text
        copy.withUTF8 { Self.normalize($0, into: &normalized) }
        shingleHashes(normalized, into: &shingles)
        var signature = [UInt32](repeating: .max, count: configuration.permutations)
        signature.withUnsafeMutableBufferPointer { sign(shingles, into: $0) }
        return signature
    }

    /// The exact Jaccard similarity of the two texts' shingle sets.
    public func exactJaccard(_ a: String, _ b: String) -> Double { Self.jaccard(shingleSet(a), shingleSet(b)) }

    static func normalize(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        var pendingSpace = false
        for var byte in bytes {
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace { output.append(0x20); pendingSpace = false }
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            output.append(byte)
        }
    }

    private func shingleHashes(_ bytes: [UInt8], into output: inout [UInt32]) {
        output.removeAll(keepingCapacity: true)
        let k = configuration.shingleSize
        let count = bytes.count
        guard count > 0 else { output.append(0x9E37_79B9); return }
        let windows = max(1, count - k + 1)
        bytes.withUnsafeBufferPointer { b in
            for start in 0..<windows {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for i in start..<min(start + k, count) { h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3 }
                // Final avalanche (splitmix64) so that the multiply-shift family below sees well-mixed keys.
                h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
                h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
                h ^= h >> 31
                output.append(UInt32(truncatingIfNeeded: h >> 32))
            }
        }
    }

    private func sign(_ shingles: [UInt32], into out: UnsafeMutableBufferPointer<UInt32>) {
        multipliers.withUnsafeBufferPointer { a in
            offsets.withUnsafeBufferPointer { b in
                shingles.withUnsafeBufferPointer { x in
                    for i in 0..<out.count {
                        let ai = a[i], bi = b[i]
                        var minimum = UInt32.max
                        for value in x { minimum = Swift.min(minimum, ai &* value &+ bi) }
                        out[i] = minimum
                    }
                }
            }
        }
    }

    /// The sorted, de-duplicated shingle hashes of a text (its shingle set).
    private func shingleSet(_ text: String) -> [UInt32] {
        var normalized: [UInt8] = []
        var shingles: [UInt32] = []
        var copy = text
        copy.withUTF8 { Self.normalize($0, into: &normalized) }
        shingleHashes(normalized, into: &shingles)
        shingles.sort()
        var unique: [UInt32] = []
        unique.reserveCapacity(shingles.count)
        for value in shingles where unique.last != value { unique.append(value) }
        return unique
    }

    /// |a ∩ b| / |a ∪ b| of two sorted sets.
    static func jaccard(_ a: [UInt32], _ b: [UInt32]) -> Double {
        var i = 0, j = 0, common = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        let union = a.count + b.count - common
        return union == 0 ? 1 : Double(common) / Double(union)
    }

    /// LSH candidates (rows sharing a band bucket, up to 8 most recent per bucket), verified by exact Jaccard of
    /// their shingle sets, so every reported pair really is at or above the threshold.
    private func findCandidates(signatures: [UInt32], texts: [String?]) -> [Duplicate] {
        let p = configuration.permutations, r = rowsPerBand
        // Cheap pre-filter before the exact check: signature agreement far below the threshold cannot pass.
        let prefilter = Int((max(0, configuration.threshold - 0.15) * Double(p)).rounded(.down))
        // Per band: bucket key → most recent row; `chain` links each row to the previous row of its bucket.
        let n = texts.count
        var heads = [[UInt64: Int32]](repeating: [:], count: bands)
        for band in 0..<bands { heads[band].reserveCapacity(n) }
        var chain = [Int32](repeating: -1, count: n * bands)
        var result: [Duplicate] = []
        var tried: [Int32] = []
        signatures.withUnsafeBufferPointer { sig in
            func agreement(_ x: Int, _ y: Int) -> Int {
                var equal = 0
                for i in 0..<p where sig[x * p + i] == sig[y * p + i] { equal += 1 }
                return equal
            }
            for row in texts.indices {
                guard let text = texts[row] else { continue }
                var found: Duplicate?
                var mine: [UInt32]?
                tried.removeAll(keepingCapacity: true)
                for band in 0..<bands {
                    var key: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(band + 1)
                    for i in (band * r)..<((band + 1) * r) {
                        key = (key ^ UInt64(sig[row * p + i])) &* 0x0000_0100_0000_01B3
                    }
                    let previous = heads[band].updateValue(Int32(row), forKey: key) ?? -1
                    chain[band * n + row] = previous
                    guard found == nil else { continue }
                    var other = previous
                    var checked = 0
                    while other >= 0, checked < 8, found == nil {
                        defer { other = chain[band * n + Int(other)]; checked += 1 }
                        guard !tried.contains(other) else { continue }
                        tried.append(other)
                        guard let otherText = texts[Int(other)], agreement(Int(other), row) >= prefilter else {
                            continue
                        }
                        let similarity: Double
                        if otherText == text {
                            similarity = 1
                        } else {
                            if mine == nil { mine = shingleSet(text) }
                            similarity = Self.jaccard(mine ?? [], shingleSet(otherText))
                        }
                        if similarity >= configuration.threshold {
                            found = Duplicate(row: row, original: Int(other), similarity: similarity)
                        }
                    }
                }
                if let found { result.append(found) }
            }
        }
        return result
    }

    /// Chooses bands b and rows r (b·r ≤ permutations) minimizing
    /// (1 − w)·∫₀ᵗ P(candidate | s) ds + w·∫ₜ¹ P(miss | s) ds, where P(candidate | s) = 1 − (1 − sʳ)ᵇ and w is
    /// `falseNegativeWeight` (misses cost more than candidates, which are verified on their signatures anyway).
    static func optimalBands(threshold: Double, permutations: Int, falseNegativeWeight: Double = 0.85) -> (
        bands: Int, rows: Int
    ) {
        func integrate(_ f: (Double) -> Double, _ a: Double, _ b: Double) -> Double {
            let steps = 200
            let h = (b - a) / Double(steps)
            var sum = 0.5 * (f(a) + f(b))
            for i in 1..<steps { sum += f(a + Double(i) * h) }
            return sum * h
        }
        var best = (bands: 1, rows: permutations, error: Double.infinity)
        for b in 1...permutations {
            let maxRows = permutations / b
            guard maxRows >= 1 else { break }
            for r in 1...maxRows {
                let probability = { (s: Double) in 1 - pow(1 - pow(s, Double(r)), Double(b)) }
                let falsePositive = integrate(probability, 0, threshold)
                let falseNegative = integrate({ 1 - probability($0) }, threshold, 1)
                let error = (1 - falseNegativeWeight) * falsePositive + falseNegativeWeight * falseNegative
                if error < best.error { best = (b, r, error) }
            }
        }
        return (best.bands, best.rows)
    }
}
