import Foundation
import FoundryTestSupport

/// A tiny pipeline written by the tests: 12 comments, three labeling functions, majority vote.
enum ExecutionFixture {
    static let comments = """
        id,text,label
        1,check out my channel,SPAM
        2,i love this song,HAM
        3,subscribe to my channel please,SPAM
        4,great song,HAM
        5,free money at my page,SPAM
        6,love the beat of this song,HAM
        7,check out my video,SPAM
        8,best song ever,HAM
        9,please subscribe,SPAM
        10,so good,HAM
        11,my channel has free stuff,SPAM
        12,the song i love,HAM
        """

    static let lfs = """
        classes: [HAM, SPAM]
        labeling_functions:
          - {name: my_channel, kind: keyword, keywords: [my channel, my page], label: SPAM}
          - {name: subscribe, kind: keyword, keywords: [subscribe], label: SPAM}
          - {name: song, kind: lexicon, words: [song, beat], label: HAM}
        """

    static func spec(method: String = "mv", split: String = "{valid: 0.25, test: 0.25, seed: 1}") -> String {
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
    static func write(
        in directory: TemporaryDirectory, spec: String = spec(), lfs: String = lfs, comments: String = comments
    ) throws -> URL {
        try directory.write("comments.csv", comments + "\n")
        try directory.write("lfs.yaml", lfs + "\n")
        return try directory.write("pipeline.yaml", spec + "\n")
    }
}
