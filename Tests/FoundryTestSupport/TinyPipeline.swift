import Foundation

/// The tiny pipeline the pipeline and CLI tests write: 12 comments, three labeling functions, a data → apply →
/// label-model spec.
public enum TinyPipeline {
    /// The comments' rows after the `id,text,label` header.
    public static let rows = [
        "1,check out my channel,SPAM", "2,i love this song,HAM", "3,subscribe to my channel please,SPAM",
        "4,great song,HAM", "5,free money at my page,SPAM", "6,love the beat of this song,HAM",
        "7,check out my video,SPAM", "8,best song ever,HAM", "9,please subscribe,SPAM", "10,so good,HAM",
        "11,my channel has free stuff,SPAM", "12,the song i love,HAM",
    ]

    /// The CSV of the first `count` rows, then `extra` rows.
    public static func comments(rows count: Int = 12, extra: [String] = []) -> String {
        (["id,text,label"] + rows.prefix(count) + extra).joined(separator: "\n")
    }

    /// All 12 comments.
    public static let comments = comments()

    /// Three functions: two SPAM keyword lists and a HAM lexicon.
    public static let lfs = """
        classes: [HAM, SPAM]
        labeling_functions:
          - {name: my_channel, kind: keyword, keywords: [my channel, my page], label: SPAM}
          - {name: subscribe, kind: keyword, keywords: [subscribe], label: SPAM}
          - {name: song, kind: lexicon, words: [song, beat], label: HAM}
        """

    /// The spec: the comments, their votes, a label model.
    public static func spec(method: String = "mv", split: String = "{valid: 0.25, test: 0.25, seed: 1}") -> String {
        """
        pipeline: tiny
        classes: [HAM, SPAM]
        steps:
          comments: {kind: data, format: csv, path: comments.csv, text_field: text, label_field: label, split: \(split)}
          votes: {kind: apply, input: comments, lfs: lfs.yaml}
          labels: {kind: label_model, input: votes, method: \(method)}
        """
    }

    /// Writes the spec, the data and the functions into `directory` and returns the spec's URL.
    @discardableResult
    public static func write(
        in directory: TemporaryDirectory, spec: String = spec(), lfs: String = lfs, comments: String = comments
    ) throws -> URL {
        try directory.write("comments.csv", comments + "\n")
        try directory.write("lfs.yaml", lfs + "\n")
        return try directory.write("pipeline.yaml", spec + "\n")
    }
}
