// spam-labeling: label YouTube comments as SPAM or HAM with ten labeling functions, no hand labels.
//
//     swift run spam-labeling
//
// 1. Read the comments: the UCI YouTube Spam Collection from $FOUNDRY_DATA (default ../shared/datasets),
//    or, when it is absent, the small sample corpus we wrote ourselves in Datasets/samples/.
// 2. Write labeling functions: each votes SPAM or HAM, or abstains.
// 3. Apply them to every comment on all cores (with a progress bar) to get a label matrix.
// 4. Check each function against the CLASS column, then combine the votes by majority.

import Foundation
import FoundryCore
import Labeling

let HAM = 0, SPAM = 1
let classNames = ["HAM", "SPAM"]

// MARK: 1. The comments

func loadComments() throws -> (tables: [TextTable], source: String) {
    let name = "uci_youtube_spam_collection"
    do {
        let folder = try DatasetCatalog.standard().locate(name)
        let tables = try SpamBenchmark.fileNames.map { try CSVReader.read(folder.appendingPathComponent($0)) }
        return (tables, "the UCI YouTube Spam Collection (\(folder.path))")
    } catch {
        print("Note: the real corpus is not available here (\(error)).")
        print("      Running on the small sample corpus we wrote ourselves instead; its numbers mean little.\n")
        let sample = DatasetCatalog.samplesDirectory().appendingPathComponent("youtube_spam_sample.csv")
        return ([try CSVReader.read(sample)], "the sample corpus \(sample.path)")
    }
}

let (tables, source) = try loadComments()
let comments: [Record] = tables.flatMap(\.records)
print("Labeling \(comments.count) comments from \(source).\n")

// MARK: 2. The labeling functions

let text = Preprocessors.field("CONTENT")  // shared: each preprocessor runs once per comment

let labelingFunctions: [LabelingFunction<Record>] = [
    // Spammers advertise their own channel and ask for subscribers.
    .keyword(name: "mentions_my_channel", text: text, keywords: ["my channel", "my page", "my video"], label: SPAM),
    .keyword(name: "asks_to_subscribe", text: text, keywords: ["subscribe", "sub 4 sub", "sub4sub"], label: SPAM),
    .keyword(name: "asks_politely", text: text, keywords: ["please", "plz"], label: SPAM),
    // Links are almost always spam.
    try .regex(name: "has_link", text: text, pattern: #"https?://|www\.|\.com"#, label: SPAM),
    try .regex(name: "check_out", text: text, pattern: "check.*out", label: SPAM),
    .keyword(name: "money_or_prizes", text: text, keywords: ["money", "free", "win ", "gift card", "giveaway"], label: SPAM),
    // Real fans talk about the song and the video.
    .lexicon(name: "talks_about_music", tokens: text.tokens(), words: ["song", "voice", "beat", "lyrics", "chorus", "melody", "dance"], label: HAM),
    .lexicon(name: "expresses_love", tokens: text.tokens(), words: ["love", "loved", "beautiful", "amazing", "best"], label: HAM),
    // Short comments ("so good!") are usually genuine.
    .threshold(name: "short_comment", value: text.whitespaceTokenCount(cappedAt: 5), .lessThan(5), label: HAM),
    // Any Swift closure works too: shouting in capitals is a spam signal.
    LabelingFunction(name: "mostly_capitals", using: text) { content in
        let letters = content.unicodeScalars.filter { $0.properties.isAlphabetic }
        guard letters.count >= 12 else { return .abstain }
        let capitals = letters.filter { $0.properties.isUppercase }.count
        return Double(capitals) / Double(letters.count) > 0.6 ? .class(SPAM) : .abstain
    },
]

// MARK: 3. Apply them

let applier = LFApplier(labelingFunctions, classNames: classNames)
let bar = ProgressBar(label: "applying \(labelingFunctions.count) LFs")
let result = try applier.apply(comments, progress: bar.handler)
let matrix = result.labelMatrix

// MARK: 4. How good is each function, and their majority vote?

let gold: [Int] = comments.map { Int($0["CLASS"] ?? "") ?? -1 }
let analysis = try LFAnalysis(matrix, goldLabels: gold)
print(analysis.table())

/// Majority vote over the non-abstaining functions; ties and all-abstain rows give no label.
func majorityVote(_ matrix: LabelMatrix, row: Int) -> Int? {
    var counts = [Int](repeating: 0, count: matrix.cardinality)
    for vote in matrix.votes(inRow: row) { counts[vote.classIndex] += 1 }
    guard let best = counts.max(), best > 0, counts.filter({ $0 == best }).count == 1 else { return nil }
    return counts.firstIndex(of: best)
}

var labeled = 0, correct = 0
for row in 0..<matrix.rowCount {
    guard let predicted = majorityVote(matrix, row: row) else { continue }
    labeled += 1
    if predicted == gold[row] { correct += 1 }
}
let coverage = Double(labeled) / Double(max(1, matrix.rowCount))
let accuracy = Double(correct) / Double(max(1, labeled))
print("""

    Majority vote: labels \(labeled) of \(matrix.rowCount) comments (\(String(format: "%.1f", 100 * coverage)) %; ties and \
    all-abstain rows left unlabeled), accuracy on those \(String(format: "%.1f", 100 * accuracy)) % \
    (\(String(format: "%.1f", 100 * Double(correct) / Double(max(1, matrix.rowCount)))) % of all comments correct).
    """)
if result.totalFaults > 0 {
    for fault in result.faults where fault.count > 0 { print("\(fault.lf): \(fault.count) faults, first: \(fault.firstError ?? "")") }
}
