import Foundation
import FoundryTestSupport
import Pipelines

/// The five example pipelines of `Examples/pipelines/`, written with the Swift DSL. `ExampleSpecsTests` checks that
/// each `pipeline.yaml` reads `==` to these values, and `ExamplePipelinesTests` runs them on small data.
enum ExampleSpecs {
    static let model = "../../../.models/all-MiniLM-L6-v2"
    static let youtubeFiles = [
        "Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv", "Youtube04-Eminem.csv",
        "Youtube05-Shakira.csv",
    ].map { "${FOUNDRY_DATA}/uci_youtube_spam_collection/\($0)" }
    static let split = DataStep.Split(valid: 0.1, test: 0.2, seed: 0)
    static let sms = "${FOUNDRY_DATA}/uci_sms_spam_collection/SMSSpamCollection.tsv"

    /// The folder of one example.
    static func folder(_ name: String) -> URL { TestData.packageFile("Examples/pipelines/\(name)") }

    /// The example's `pipeline.yaml`.
    static func file(_ name: String) -> URL { folder(name).appendingPathComponent("pipeline.yaml") }

    /// Every example's folder name.
    static let names = ["youtube", "sms", "trec", "crowdsourcing", "two-tasks"]

    /// The DSL value of the example in this folder.
    static func spec(_ name: String) -> PipelineSpec {
        switch name {
        case "youtube": youtube
        case "sms": smsSpam
        case "trec": trec
        case "crowdsourcing": crowdsourcing
        default: twoTasks
        }
    }

    static let youtube = Pipeline("youtube-spam", classes: ["HAM", "SPAM"], baseDirectory: folder("youtube")) {
        Corpus("comments", csv: youtubeFiles, textField: "CONTENT", labelField: "CLASS", split: split)
        Clean("clean", input: "comments", constraints: .file("constraints.yaml"), dropDuplicates: true)
        Apply("votes", input: "clean", lfs: .file("lfs.yaml"))
        FitLabelModel("labels", input: "votes", method: "auto")
        Train("adapter", input: "labels", model: model, epochs: 3)
        Register("registry", input: "adapter", repository: "runs/repo", branch: "youtube")
        Deploy("serve", input: "adapter", port: 8080)
    }

    static let smsSpam = Pipeline("sms-spam", classes: ["ham", "spam"], baseDirectory: folder("sms")) {
        Corpus(
            "messages", tsv: [sms], textField: "text", labelField: "label", split: split, columns: ["label", "text"],
            quoting: false)
        Clean("clean", input: "messages", constraints: .file("constraints.yaml"), dropDuplicates: true)
        Apply("votes", input: "clean", lfs: .file("lfs.yaml"))
        FitLabelModel("labels", input: "votes", method: "auto")
        Train("adapter", input: "labels", model: model, epochs: 3)
        Register("registry", input: "adapter", repository: "runs/repo", branch: "sms")
        Deploy("serve", input: "adapter", port: 8080)
    }

    static let trec = Pipeline(
        "trec", classes: ["DESC", "ENTY", "HUM", "ABBR", "LOC", "NUM"], baseDirectory: folder("trec")
    ) {
        Corpus("questions", wrench: "${FOUNDRY_DATA}/wrench_trec", textField: "text")
        FitLabelModel("labels", input: "questions", method: "auto", useDevSet: true)
        Train("adapter", input: "labels", model: model, epochs: 3)
        Register("registry", input: "adapter", repository: "runs/repo", branch: "trec")
        Deploy("serve", input: "adapter", port: 8080)
    }

    static let crowdsourcing = Pipeline(
        "weather-sentiment",
        classes: [
            "Negative", "Neutral / author is just sharing information", "Positive",
            "Tweet not related to weather condition", "I can't tell",
        ], baseDirectory: folder("crowdsourcing")
    ) {
        Corpus(
            "answers", crowd: "${FOUNDRY_DATA}/crowdsourcing_weather_sentiment/weather-non-agg-DFE.csv",
            columns: .init(item: "tweet_id", worker: "worker_id", answer: "emotion"), textField: "tweet_body",
            gold: "${FOUNDRY_DATA}/crowdsourcing_weather_sentiment/weather-evaluated-agg-DFE.csv",
            labelField: "sentiment", split: split)
        FitLabelModel("labels", input: "answers", method: "auto")
        Train("adapter", input: "labels", model: model, epochs: 3)
        Deploy("serve", input: "adapter", port: 8080)
    }

    static let twoTasks = Pipeline("two-tasks", classes: ["HAM", "SPAM"], baseDirectory: folder("two-tasks")) {
        Corpus("comments", csv: youtubeFiles, textField: "CONTENT", labelField: "CLASS", split: split)
        Corpus("messages", wrench: "${FOUNDRY_DATA}/wrench_sms", textField: "text")
        // One chain per task, in the YAML file's order: votes, then label models, then adapters.
        for (task, input) in [("youtube", "comments"), ("sms", "messages")] {
            Apply("\(task)-votes", input: input, lfs: .file("../\(task)/lfs.yaml"))
        }
        for task in ["youtube", "sms"] {
            FitLabelModel("\(task)-labels", input: "\(task)-votes", method: "auto")
        }
        for task in ["youtube", "sms"] {
            Train("\(task)-adapter", input: "\(task)-labels", model: model, epochs: 3)
        }
        Merge("merged", inputs: ["youtube-adapter", "sms-adapter"], method: "ties", density: 0.5)
        Deploy("serve", input: "merged", port: 8080)
    }
}
