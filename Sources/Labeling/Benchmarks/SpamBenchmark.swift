import Foundation
import Tabular

/// The fixed applier benchmark of Foundry: ten labeling functions over the YouTube Spam Collection.
///
/// The functions and their semantics are those of the project's peer script `applier_peer.py`
/// (snorkel's `PandasLFApplier`): "contains" is a substring test on the comment lowercased, the
/// two regular expressions are searched case-insensitively, and `short_comment` counts tokens as
/// Python's `len(text.split())`. Classes: HAM = 0, SPAM = 1.
public enum SpamBenchmark {
    /// Class names, in index order.
    public static let classNames = ["HAM", "SPAM"]
    /// The index of HAM.
    public static let ham = 0
    /// The index of SPAM.
    public static let spam = 1
    /// The five collection files, in the order rows are taken.
    public static let fileNames = [
        "Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv", "Youtube04-Eminem.csv",
        "Youtube05-Shakira.csv",
    ]

    /// The ten benchmark labeling functions over plain comment texts, in column order.
    public static func labelingFunctions() -> [LabelingFunction<String>] {
        let text = Preprocessors.text
        func keyword(_ name: String, _ words: [String], _ label: Int) -> LabelingFunction<String> {
            .keyword(name: name, text: text, keywords: words, label: label)
        }
        func regex(_ name: String, _ pattern: String) -> LabelingFunction<String> {
            // The patterns are fixed literals that always compile.
            guard let lf = try? LabelingFunction<String>.regex(name: name, text: text, pattern: pattern, label: spam)
            else {
                preconditionFailure("benchmark pattern \(pattern) does not compile")
            }
            return lf
        }
        return [
            keyword("keyword_my", ["my"], spam),
            keyword("keyword_subscribe", ["subscribe"], spam),
            keyword("keyword_link", ["http"], spam),
            keyword("keyword_please", ["please", "plz"], spam),
            keyword("keyword_song", ["song"], ham),
            regex("regex_check_out", "check.*out"),
            .threshold(name: "short_comment", value: text.whitespaceTokenCount(cappedAt: 5), .lessThan(5), label: ham),
            keyword("keyword_channel", ["channel"], spam),
            regex("regex_www", #"www\.|\.com"#),
            keyword("keyword_love", ["love"], ham),
        ]
    }

    /// The `CONTENT` column of the five collection files, in file-name order (1,956 comments).
    ///
    /// - Parameter directory: the folder holding `Youtube01-Psy.csv` … `Youtube05-Shakira.csv`.
    /// - Throws: the ``CSVReader`` errors (naming the missing file, the line…).
    public static func comments(in directory: URL) throws -> [String] {
        try fileNames.flatMap { try CSVReader.read(directory.appendingPathComponent($0)).column("CONTENT") }
    }

    /// `count` rows cycling through `base` in order (the strings share storage, as in the peer).
    public static func cycled(_ base: [String], to count: Int) -> [String] {
        precondition(!base.isEmpty || count == 0, "cannot cycle an empty corpus")
        return (0..<count).map { base[$0 % base.count] }
    }
}
