import Foundation
import Testing

@testable import Adapters

@Suite struct WordPieceTokenizerTests {
    /// Token ids produced by Hugging Face's BertTokenizer (transformers 5.24 / tokenizers 0.23) for the 45 strings of
    /// `../shared/reference/minilm/tokens.json` (see its README), including truncation at 256.
    @Test(
        .enabled(
            if: TestPaths.hasReference && TestPaths.hasModel,
            "needs ../shared/reference and .models (scripts/fetch-model.sh)"))
    func matchesHuggingFaceOnEveryReferenceSentence() throws {
        let tokenizer = try WordPieceTokenizer(vocabularyURL: TestPaths.model.appendingPathComponent("vocab.txt"))
        let sentences = try #require(TestPaths.json("minilm/sentences.json")["sentences"] as? [String])
        let items = try #require(TestPaths.json("minilm/tokens.json")["items"] as? [[String: Any]])
        #expect(sentences.count == 45 && items.count == 45)
        var mismatches: [Int] = []
        for (index, (sentence, item)) in zip(sentences, items).enumerated() {
            let expected = try #require(item["input_ids"] as? [Int])
            let ids = tokenizer.encode(sentence, maxLength: 256).map(Int.init)
            if ids != expected {
                mismatches.append(index)
                Issue.record(
                    "sentence \(index): got \(tokenizer.tokenize(sentence).prefix(40)), expected \(item["tokens"] ?? "")"
                )
            }
        }
        #expect(mismatches.isEmpty)
    }

    private func tinyTokenizer() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(tokens: [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "hello", ",", "!", "a", "##b", "ang",
            "##strom", "中", "€", "##5",
        ])
    }

    @Test func splitsWordsGreedilyIntoLongestPieces() throws {
        let tokenizer = try tinyTokenizer()
        #expect(tokenizer.tokenize("unaffable") == ["un", "##aff", "##able"])
        #expect(tokenizer.tokenize("Hello, HELLO!") == ["hello", ",", "hello", "!"])
        #expect(tokenizer.tokenize("unknownword") == ["[UNK]"])
    }

    @Test func stripsAccentsSplitsCJKAndKeepsSymbolsAttached() throws {
        let tokenizer = try tinyTokenizer()
        #expect(tokenizer.tokenize("Ångström") == ["ang", "##strom"])
        #expect(tokenizer.tokenize("a中a") == ["a", "中", "a"])
        #expect(tokenizer.tokenize("€5") == ["€", "##5"])
    }

    @Test func deletesControlCharactersAndMatchesSpecialTokenLiterals() throws {
        let tokenizer = try tinyTokenizer()
        #expect(tokenizer.tokenize("a\u{0}b\u{200B}b") == ["a", "##b", "##b"])
        #expect(tokenizer.encode("[MASK] hello") == [2, 4, 8, 3])
    }

    @Test func emptyAndOverlongInputsAreHandled() throws {
        let tokenizer = try tinyTokenizer()
        #expect(tokenizer.encode("") == [2, 3])
        #expect(tokenizer.encode(" \t\n ") == [2, 3])
        #expect(tokenizer.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.tokenize("a" + String(repeating: "b", count: 99)).count == 100)
        let long = Array(repeating: "hello", count: 1000).joined(separator: " ")
        let ids = tokenizer.encode(long, maxLength: 8)
        #expect(ids == [2, 8, 8, 8, 8, 8, 8, 3])
    }

    @Test func rejectsVocabularyWithoutSpecialTokens() {
        #expect(throws: AdaptersError.invalidModel(path: "vocab.txt", reason: "vocabulary has no [CLS] token")) {
            try WordPieceTokenizer(tokens: ["[PAD]", "[UNK]", "hello"])
        }
    }
}
