import Foundation

/// A WordPiece tokenizer equivalent to Hugging Face's `BertTokenizer` (uncased), as used by all-MiniLM-L6-v2.
///
/// Steps, all on Unicode scalars (never `Character`s, which merge `\r\n`, emoji sequences and combining marks):
/// 1. Special-token literals in the raw text (`[CLS]`, `[SEP]`, `[PAD]`, `[MASK]`, `[UNK]`) map to their ids,
///    as Hugging Face's added-token matching does.
/// 2. Clean text: U+0000, U+FFFD and control/format/unassigned/private-use scalars are deleted (not replaced);
///    whitespace (including NBSP and U+3000) becomes a space.
/// 3. CJK ideographs are surrounded by spaces (one token each).
/// 4. Accents are stripped (NFD, then nonspacing marks removed) and text is lower-cased.
/// 5. Split on whitespace, then split off every punctuation scalar (Unicode P* and all ASCII non-alphanumerics).
/// 6. Each word is split greedily into the longest vocabulary pieces (`##` marks a continuation); a word with
///    no complete split, or longer than ``Configuration/maxCharactersPerWord`` scalars, becomes `[UNK]`.
///
/// ``encode(_:maxLength:)`` adds `[CLS]`/`[SEP]` and truncates to the maximum length (keeping the first pieces).
public struct WordPieceTokenizer: Sendable {
    /// Tokenizer options.
    public struct Configuration: Sendable, Equatable {
        /// Lower-case the text (and strip accents).
        public var lowercase: Bool = true
        /// Split CJK ideographs into single characters.
        public var splitChineseCharacters: Bool = true
        /// Words longer than this many scalars become `[UNK]`.
        public var maxCharactersPerWord: Int = 100
        /// The default maximum sequence length, including `[CLS]` and `[SEP]` (all-MiniLM-L6-v2 uses 256).
        public var maxLength: Int = 256

        /// Creates a configuration; the defaults match all-MiniLM-L6-v2.
        public init(
            lowercase: Bool = true, splitChineseCharacters: Bool = true, maxCharactersPerWord: Int = 100,
            maxLength: Int = 256
        ) {
            self.lowercase = lowercase
            self.splitChineseCharacters = splitChineseCharacters
            self.maxCharactersPerWord = maxCharactersPerWord
            self.maxLength = maxLength
        }
    }

    /// The options in use.
    public let configuration: Configuration
    /// Token strings by id.
    public let tokens: [String]
    /// The id of `[CLS]`.
    public let classifierTokenID: Int32
    /// The id of `[SEP]`.
    public let separatorTokenID: Int32
    /// The id of `[PAD]`.
    public let paddingTokenID: Int32
    /// The id of `[UNK]`.
    public let unknownTokenID: Int32

    private let vocabulary: [[UInt8]: Int32]
    private let specialTokens: [([Unicode.Scalar], Int32)]

    /// Creates a tokenizer from the vocabulary's token strings (id = position).
    /// - Parameters:
    ///   - tokens: the vocabulary, one token per id.
    ///   - configuration: options.
    /// - Throws: ``AdaptersError/invalidModel(path:reason:)`` when `[CLS]`, `[SEP]`, `[PAD]` or `[UNK]` is missing.
    public init(tokens: [String], configuration: Configuration = Configuration(), path: String = "vocab.txt") throws {
        var vocabulary: [[UInt8]: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where vocabulary[Array(token.utf8)] == nil {
            vocabulary[Array(token.utf8)] = Int32(id)
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary[Array(token.utf8)] else {
                throw AdaptersError.invalidModel(path: path, reason: "vocabulary has no \(token) token")
            }
            return id
        }
        self.configuration = configuration
        self.tokens = tokens
        self.vocabulary = vocabulary
        classifierTokenID = try id("[CLS]")
        separatorTokenID = try id("[SEP]")
        paddingTokenID = try id("[PAD]")
        unknownTokenID = try id("[UNK]")
        specialTokens = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"].compactMap { token in
            vocabulary[Array(token.utf8)].map { (Array(token.unicodeScalars), $0) }
        }
    }

    /// Reads a `vocab.txt` (one token per line).
    /// - Throws: ``AdaptersError/io(path:reason:)`` or ``AdaptersError/invalidModel(path:reason:)``.
    public init(vocabularyURL url: URL, configuration: Configuration = Configuration()) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw AdaptersError.io(path: url.path, reason: error.localizedDescription)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw AdaptersError.invalidModel(path: url.path, reason: "empty vocabulary") }
        try self.init(tokens: lines, configuration: configuration, path: url.path)
    }

    /// The vocabulary size.
    public var vocabularySize: Int { tokens.count }

    /// The ids of `text` with `[CLS]` first and `[SEP]` last, truncated to `maxLength` ids.
    /// - Parameters:
    ///   - text: any string (empty gives `[CLS] [SEP]`).
    ///   - maxLength: total length limit including the two special tokens (default ``Configuration/maxLength``; at least 2).
    /// - Returns: token ids.
    /// - Complexity: O(c · w) for c scalars and the longest word length w.
    public func encode(_ text: String, maxLength: Int? = nil) -> [Int32] {
        let limit = max(2, maxLength ?? configuration.maxLength)
        let pieces = tokenIDs(text)
        return [classifierTokenID] + pieces.prefix(limit - 2) + [separatorTokenID]
    }

    /// The word-piece strings of `text` without special tokens added around it.
    public func tokenize(_ text: String) -> [String] {
        tokenIDs(text).map { tokens[Int($0)] }
    }

    /// The word-piece ids of `text` without `[CLS]`/`[SEP]` and without truncation.
    public func tokenIDs(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        let scalars = Array(text.unicodeScalars)
        var segmentStart = 0
        var i = 0
        while i < scalars.count {
            if scalars[i] == "[", let (length, id) = specialToken(in: scalars, at: i) {
                appendWords(of: scalars[segmentStart..<i], to: &ids)
                ids.append(id)
                i += length
                segmentStart = i
            } else {
                i += 1
            }
        }
        appendWords(of: scalars[segmentStart..<scalars.count], to: &ids)
        return ids
    }

    private func specialToken(in scalars: [Unicode.Scalar], at start: Int) -> (Int, Int32)? {
        for (token, id) in specialTokens where start + token.count <= scalars.count {
            if scalars[start..<(start + token.count)].elementsEqual(token) { return (token.count, id) }
        }
        return nil
    }

    private func appendWords(of segment: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard !segment.isEmpty else { return }
        for word in BasicTokenizer.words(
            segment, lowercase: configuration.lowercase, splitChinese: configuration.splitChineseCharacters)
        {
            appendPieces(of: word, to: &ids)
        }
    }

    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= configuration.maxCharactersPerWord else {
            ids.append(unknownTokenID)
            return
        }
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        for scalar in word {
            bytes.append(contentsOf: String(scalar).utf8)
            offsets.append(bytes.count)
        }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while end > start {
                var key: [UInt8] = start > 0 ? [0x23, 0x23] : []
                key.append(contentsOf: bytes[offsets[start]..<offsets[end]])
                if let id = vocabulary[key] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownTokenID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
