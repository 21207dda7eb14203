import Foundation
import FoundryCore
import Testing
@testable import Cleaning

struct NearDuplicateDetectorTests {
    static let texts: [String?] = [
        "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005",
        "Ok lar... Joking wif u oni...",
        "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2006",
        nil,
        "ok lar...   joking wif u oni...",
        "Nah I don't think he goes to usf, he lives around here though",
    ]

    @Test func findsSmallEditsAndNormalizedCopies() {
        let found = NearDuplicateDetector().duplicates(in: Self.texts)
        #expect(found.map(\.row) == [2, 4])
        #expect(found.map(\.original) == [0, 1])
        #expect(found[1].similarity == 1)
        #expect(found[0].similarity >= 0.8)
    }

    @Test func estimatesTrackExactJaccardAndAreSeeded() {
        let detector = NearDuplicateDetector(configuration: .init(permutations: 256, seed: 3))
        let a = "the quick brown fox jumps over the lazy dog", b = "the quick brown fox jumped over the lazy dog"
        let exact = detector.exactJaccard(a, b)
        let sa = detector.signature(of: a), sb = detector.signature(of: b)
        let estimate = Double(zip(sa, sb).filter { $0 == $1 }.count) / Double(sa.count)
        #expect(abs(estimate - exact) < 0.1)
        #expect(NearDuplicateDetector(configuration: .init(permutations: 256, seed: 3)).signature(of: a) == sa)
        #expect(NearDuplicateDetector(configuration: .init(permutations: 256, seed: 4)).signature(of: a) != sa)
    }

    @Test func bandsSuitTheThreshold() {
        let (b, r) = NearDuplicateDetector.optimalBands(threshold: 0.8, permutations: 128)
        #expect(b * r <= 128)
        // The S-curve's midpoint (1/b)^(1/r) sits near the threshold.
        #expect(abs(pow(1 / Double(b), 1 / Double(r)) - 0.8) < 0.1)
    }

    @Test func recallOnPlantedSingleEditsWithoutFalseAlarms() {
        var generator = SeededGenerator(seed: 99)
        func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let vocabulary = (0..<500).map { _ in String((0..<(3 + pick(6))).map { _ in letters[pick(26)] }) }
        var texts: [String?] = (0..<2000).map { _ in
            (0..<(12 + pick(10))).map { _ in vocabulary[pick(500)] }.joined(separator: " ")
        }
        var planted: [Int: Int] = [:]
        for _ in 0..<100 {
            let source = pick(2000)
            var characters = Array(texts[source] ?? "")
            characters[pick(characters.count)] = "#"
            planted[texts.count] = source
            texts.append(String(characters))
        }
        let found = NearDuplicateDetector().duplicates(in: texts)
        let detected = found.filter { planted[$0.row] == $0.original }.count
        #expect(Double(detected) / 100 >= 0.95)
        #expect(found.allSatisfy { planted[$0.row] != nil })
    }
}
