import Foundation
import FoundryCore
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

struct LabelingFunctionTests {
    @Test func keywordIsCaseInsensitiveAnyOf() throws {
        let lf = LabelingFunction<String>.keyword(name: "kw", keywords: ["Subscribe", "plz"], label: 1)
        #expect(try lf("Please SUBSCRIBE to my channel") == .class(1))
        #expect(try lf("plz like") == .class(1))
        #expect(try lf("great song") == .abstain)
        #expect(try lf("") == .abstain)
        // Unicode lowercasing: the Kelvin sign lowercases to an ASCII k, as in Python's str.lower.
        let k = LabelingFunction<String>.keyword(name: "k", keywords: ["ok"], label: 0)
        #expect(try k("O\u{212A}") == .class(0))
        #expect(try k("ÖK") == .abstain)
    }

    @Test func regexSearchesAnywhereAndDotStopsAtNewline() throws {
        let lf = try LabelingFunction<String>.regex(name: "re", pattern: "check.*out", label: 1)
        #expect(try lf("Hey CHECK this OUT") == .class(1))
        #expect(try lf("check\nout") == .abstain)
        #expect(try lf("check\nthen check it out") == .class(1))
        #expect(try lf("check\r out") == .class(1))  // only \n ends a line, as in Python
        #expect(try lf("out check") == .abstain)
        #expect(throws: LabelingError.self) { try LabelingFunction<String>.regex(name: "bad", pattern: "(", label: 0) }
    }

    @Test func fastPatternMatcherAgreesWithNSRegularExpression() throws {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("checkoutwCOM. \nKxé😀\u{212A}ſ\r".unicodeScalars)
        for pattern in ["check.*out", #"www\.|\.com"#, "a.*b.*c", "out", #"\.co.*m|x"#, ".*ok"] {
            for ignoresCase in [true, false] {
                let compiled = try TextPattern(pattern, ignoresCase: ignoresCase)
                #expect(compiled.usesFastPath)
                for _ in 0..<400 {
                    var text = ""
                    for _ in 0..<generator.nextInt(below: 24) {
                        text.unicodeScalars.append(alphabet[generator.nextInt(below: alphabet.count)])
                    }
                    #expect(
                        compiled.matches(text) == compiled.regexMatches(text), "\(pattern) on \(text.debugDescription)")
                }
            }
        }
        #expect(try TextPattern(#"\d+"#).usesFastPath == false)
        #expect(try TextPattern("^www").usesFastPath == false)
    }

    @Test func lexiconMatchesWholeWords() throws {
        let lf = LabelingFunction<String>.lexicon(name: "lex", words: ["Love", "great"], label: 0)
        #expect(try lf("I LOVE it!") == .class(0))
        #expect(try lf("lovely") == .abstain)
        #expect(
            TextMatching.wordTokens("Don't stop, it's 2 good_stuff!") == ["don't", "stop", "it's", "2", "good_stuff"])
    }

    @Test("word characters: the ASCII ranges answer as the Unicode properties do, for all 128 and beyond")
    func wordScalarsMatchUnicodeProperties() {
        func byProperties(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
        }
        for value in UInt32(0)..<0x80 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(TextMatching.isWordScalar(scalar) == byProperties(scalar), "U+\(String(value, radix: 16))")
            #expect(TextMatching.isAlphabetic(scalar) == scalar.properties.isAlphabetic)
        }
        for text in ["é", "ß", "中", "٣", "Ⅻ", "½", "\u{2019}", "😀", "\u{00A0}", "ı"] {
            for scalar in text.unicodeScalars {
                #expect(TextMatching.isWordScalar(scalar) == byProperties(scalar), "\(text)")
                #expect(TextMatching.isAlphabetic(scalar) == scalar.properties.isAlphabetic)
            }
        }
        #expect(TextMatching.wordTokens("Café ٣٤ rock’n’roll _x ½") == ["café", "٣٤", "rock’n’roll", "_x", "½"])
    }

    @Test func thresholdOnRecordsAndTokenCounts() throws {
        let table = TextTable(
            source: "t", columnNames: ["text", "score"],
            rows: [["a b c", "0.9"], ["one two three four five six", ""], ["x", "abc"]])
        let records = table.records
        let high = LabelingFunction<Record>.threshold(name: "high", field: "score", .atLeast(0.5), label: 1)
        #expect(try high(records[0]) == .class(1))
        #expect(try high(records[1]) == .abstain)  // empty cell
        #expect(throws: LabelingError.self) { try high(records[2]) }  // not a number: a fault
        let short = LabelingFunction<Record>.threshold(
            name: "short", value: Preprocessors.field("text").whitespaceTokenCount(), .lessThan(5), label: 0)
        #expect(try short(records[0]) == .class(0))
        #expect(try short(records[1]) == .abstain)
        // U+200B is not whitespace.
        #expect(TextMatching.whitespaceTokenCount(" a\u{00A0}b\u{3000}c\u{2028}d\u{200B}e \t") == 4)
        #expect(TextMatching.whitespaceTokenCount("a b c d e f g", limit: 5) == 5)
        let missing = LabelingFunction<Record>.keyword(name: "m", field: "nope", keywords: ["a"], label: 0)
        #expect(throws: TabularError.unknownColumn(path: "t", column: "nope", available: ["text", "score"])) {
            try missing(records[0])
        }
    }

    @Test func closuresAndUserPreprocessors() throws {
        let lengths = Preprocessor<String, Int>(name: "length") { $0.count }
        let long = LabelingFunction<String>(name: "long", using: lengths) { $0 > 10 ? .class(1) : .abstain }
        let custom = LabelingFunction<String>(name: "custom") { $0.hasPrefix("!") ? .class(0) : .abstain }
        #expect(try long("a very long comment") == .class(1))
        #expect(try custom("!hi") == .class(0))
        #expect(lengths.name == "length")
        #expect(Preprocessors.field("CONTENT").lowercased().key == Preprocessors.field("CONTENT").lowercased().key)
        #expect(lengths.key != Preprocessor<String, Int>(name: "length") { $0.count }.key)
    }

    @Test func lowercasingMatchesUnicodeFullMapping() {
        for text in ["Hello WORLD", "ÀÉÎ ÕÜ", "İstanbul", "straße ẞ", "ΣΑΣ", "\u{FEFF}ABC😀", "plain", ""] {
            #expect(TextMatching.lowercased(text) == text.lowercased(), "\(text)")
        }
        let column = TextColumn(count: 1, estimatedBytes: 8)
        let sample = "MiXeD CaSe 0123 AZaz@[`{ \u{FEFF}Ä"
        var copy = sample
        copy.withUTF8 { TextMatching.appendLowercased($0, to: column) }
        #expect(
            String(decoding: (try? column.bytes(0)) ?? UnsafeBufferPointer(start: nil, count: 0), as: UTF8.self)
                == sample.lowercased())
    }
}

struct TextPatternFallbackTests {
    @Test func generalPatternsUseNSRegularExpression() throws {
        let digits = try TextPattern(#"\b\d{3,}\b"#)
        #expect(!digits.usesFastPath)
        #expect(digits.matches("call 555 now"))
        #expect(!digits.matches("call 55 now"))
        let caseSensitive = try TextPattern("Check", ignoresCase: false)
        #expect(caseSensitive.usesFastPath)
        #expect(caseSensitive.matches("Check it") && !caseSensitive.matches("check it"))
        // Non-ASCII text with a character that case-folds to ASCII goes through ICU: ſ (long s) matches s.
        let s = try TextPattern("sub")
        #expect(s.matches("ſub") == s.regexMatches("ſub"))
        #expect(s.matches("👍 SUB 👍"))
    }

    @Test func recordsWithAMissingFieldFaultOnEveryRow() throws {
        let records = [Record(["text": "a"]), Record(["text": "b"])]
        let lfs: [LabelingFunction<Record>] = [.keyword(name: "k", field: "CONTENT", keywords: ["a"], label: 0)]
        let result = try LFApplier(lfs, classNames: ["x", "y"]).apply(records)
        #expect(result.faults[0].count == 2)
        #expect(result.faults[0].firstError?.contains("no column named 'CONTENT'") == true)
        #expect(result.labelMatrix.voteCount == 0)
    }

    @Test func readersAcceptData() throws {
        #expect(try CSVReader.parse(Data("a\n1\n".utf8)).rows == [["1"]])
        #expect(try JSONLReader.parse(Data("{\"a\": 1}\n".utf8)).rows == [["1"]])
    }
}

struct TextPatternConcurrencyTests {
    @Test func nsRegularExpressionFallbackIsSafeAcrossThreads() throws {
        let pattern = try TextPattern(#"sub\w*|ch.*ck"#)  // not a fast-path pattern: always ICU
        let texts = (0..<400).map {
            $0 % 3 == 0 ? "Ｘ subscribe ſ \($0)" : ($0 % 3 == 1 ? "check \($0) é" : "nothing \($0)")
        }
        let expected = texts.map { pattern.regexMatches($0) }
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for (index, text) in texts.enumerated() where pattern.matches(text) != expected[index] {
                mismatches.increment()
            }
        }
        #expect(mismatches.count == 0)
        #expect(expected.filter { $0 }.count > 200)
    }
}
