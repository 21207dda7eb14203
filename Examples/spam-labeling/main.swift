// spam-labeling: label YouTube comments as spam or ham with ten labeling functions, no hand labels.
//
//     swift run spam-labeling
//
// 1. Read the comments: the UCI YouTube Spam Collection from $FOUNDRY_DATA (default ../shared/datasets),
//    or, when it is absent, the small sample corpus we wrote ourselves in Datasets/samples/.
// 2. Write labeling functions: each votes spam or ham, or abstains.
// 3. Apply them to every comment on all cores (with a progress bar) to get a label matrix.
// 4. Check each function against the CLASS column.
// 5. Combine the votes by majority, then with a label model that learns each function's accuracy without gold labels.

import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tabular

let ham = 0, spam = 1
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
    .keyword(name: "mentions_my_channel", text: text, keywords: ["my channel", "my page", "my video"], label: spam),
    .keyword(name: "asks_to_subscribe", text: text, keywords: ["subscribe", "sub 4 sub", "sub4sub"], label: spam),
    .keyword(name: "asks_politely", text: text, keywords: ["please", "plz"], label: spam),
    // Links are almost always spam.
    try .regex(name: "has_link", text: text, pattern: #"https?://|www\.|\.com"#, label: spam),
    try .regex(name: "check_out", text: text, pattern: "check.*out", label: spam),
    .keyword(
        name: "money_or_prizes", text: text, keywords: ["money", "free", "win ", "gift card", "giveaway"], label: spam),
    // Real fans talk about the song and the video.
    .lexicon(
        name: "talks_about_music", tokens: text.tokens(),
        words: ["song", "voice", "beat", "lyrics", "chorus", "melody", "dance"], label: ham),
    .lexicon(
        name: "expresses_love", tokens: text.tokens(), words: ["love", "loved", "beautiful", "amazing", "best"],
        label: ham),
    // Short comments ("so good!") are usually genuine.
    .threshold(name: "short_comment", value: text.whitespaceTokenCount(cappedAt: 5), .lessThan(5), label: ham),
    // Any Swift closure works too: shouting in capitals is a spam signal.
    LabelingFunction(name: "mostly_capitals", using: text) { content in
        let letters = content.unicodeScalars.filter { $0.properties.isAlphabetic }
        guard letters.count >= 12 else { return .abstain }
        let capitals = letters.filter { $0.properties.isUppercase }.count
        return Double(capitals) / Double(letters.count) > 0.6 ? .class(spam) : .abstain
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

// MARK: 5. Combine the votes: majority vote, then the label model

func describe(_ score: ClassificationScore, _ name: String) -> String {
    let accuracy = (score.accuracy ?? 0) * 100, coverage = score.coverage * 100
    return
        "\(name): accuracy \(String(format: "%.1f", accuracy)) % on the \(String(format: "%.1f", coverage)) % of comments it labels"
}

// Majority vote, leaving ties and all-abstain comments unlabeled.
var majority = MajorityVote()
try majority.fit(matrix)
print("\n" + describe(try majority.score(matrix, gold: gold, tieBreak: .abstain), "Majority vote"))

// The label model learns how accurate each function is, without looking at the CLASS column,
// and turns the votes into a probability of spam for every comment.
var labelModel = AutoLabelModel()
try labelModel.fit(matrix)
let probabilities = try labelModel.predictProbabilities(matrix)
print(
    describe(
        try labelModel.score(matrix, gold: gold, tieBreak: .abstain),
        "Label model (\(labelModel.choice?.rawValue ?? "auto"))"))
print(describe(try labelModel.score(matrix, gold: gold, tieBreak: .prior), "Label model, every comment"))
print("  auto's reason: \(labelModel.reason ?? "none")")

print("\nLearned vs empirical accuracy of each labeling function:")
for (index, parameters) in labelModel.lfParameters.enumerated() {
    let learned = parameters.accuracy.map { String(format: "%.3f", $0) } ?? "  —  "
    let empirical = analysis.lfs[index].empiricalAccuracy.map { String(format: "%.3f", $0) } ?? "  —  "
    print(
        "  \(parameters.name.padding(toLength: 22, withPad: " ", startingAt: 0)) learned \(learned)   empirical \(empirical)"
    )
}
// The learned figures are the generative model's P(gold = vote | vote) under its assumption that LFs are independent
// given the class. Overlaps that assumption cannot explain make it misjudge an LF. On WRENCH YouTube the link LF fires
// most often together with the short-comment LF, which votes HAM, and both our fit and snorkel's LabelModel rate it
// weak (0.29 and 0.34 against 0.94 measured); declaring that pair dependent does not cure it there.
print("  (learned = the model's estimate, assuming LFs independent given the class; overlaps it cannot explain")
print("   make it misjudge some LFs, as snorkel's LabelModel does on the same kind of LFs)")

print("\nA few probabilistic labels (P(spam)):")
for row in [0, 1, 2, 3, 4] where row < comments.count {
    let content = comments[row]["CONTENT"] ?? ""
    print("  \(String(format: "%.3f", probabilities[row, spam]))  \(content.prefix(70))")
}
// MARK: 6. A few hand labels as a dev set

// Labelling one comment in twenty by hand gives the label model a dev set: it then fits every model (the moment model
// also under the dev set's spam rate) and replaces its gold-free choice only with one whose dev macro-F1 gain has a
// paired-bootstrap interval above zero — so 98 comments move it only on clear evidence. Scored on the other comments.
let devRows = Array(stride(from: 0, to: matrix.rowCount, by: 20))
let devSet = Set(devRows)
let heldOut = (0..<matrix.rowCount).filter { !devSet.contains($0) }
var withDev = AutoLabelModel()
try withDev.fit(matrix, options: FitOptions(devMatrix: matrix.rows(devRows), devLabels: devRows.map { gold[$0] }))
let heldOutGold = heldOut.map { gold[$0] }
print("\nWith \(devRows.count) hand-labelled comments as a dev set (scored on the other \(heldOut.count)):")
print(
    "  "
        + describe(
            try withDev.score(matrix.rows(heldOut), gold: heldOutGold, tieBreak: .prior),
            "Label model (\(withDev.choice?.rawValue ?? "auto"))"))
print(
    "  "
        + describe(
            try labelModel.score(matrix.rows(heldOut), gold: heldOutGold, tieBreak: .prior), "Without the dev set"))

if result.totalFaults > 0 {
    for fault in result.faults where fault.count > 0 {
        print("\(fault.lf): \(fault.count) faults, first: \(fault.firstError ?? "")")
    }
}
