/// The 40-word WordPiece vocabulary of the tiny encoders the selection and serving tests build (special tokens first,
/// then spam and music words, then common words).
public enum TinyVocabulary {
    /// The words, in id order.
    public static let words = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "win", "free", "prize", "call", "now", "click", "link", "hello",
        "world", "great", "video", "love", "this", "song", "is", "good", "bad", "i", "me", "my", "to", "and", "of",
        "in", "it", "for", "on", "with", "at", "you", "the", "a", "subscribe", "channel", "##s",
    ]
}
