import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Tabular
import Testing

@testable import LabelModels

/// The README's "In code" example, run as written on a small CSV.
@Suite struct ReadmeExampleTests {
    @Test func readmeExampleRuns() throws {
        let directory = TemporaryDirectory()
        let csv = try directory.write(
            "comments.csv",
            """
            COMMENT_ID,CONTENT,CLASS
            1,"subscribe to my channel http://spam.example",1
            2,great song,0
            3,"check out www.example.com, please subscribe",1
            4,love it,0
            5,this song is stuck in my head all day long,0
            6,subscribe for free stuff http://x.example,1

            """)
        let text = Preprocessors.field("CONTENT")
        let lfs: [LabelingFunction<Record>] = [
            .keyword(name: "asks_to_subscribe", text: text, keywords: ["subscribe"], label: 1),
            try .regex(name: "has_link", text: text, pattern: #"https?://|www\."#, label: 1),
            .threshold(name: "short_comment", value: text.whitespaceTokenCount(cappedAt: 5), .lessThan(5), label: 0),
        ]
        let table = try CSVReader.read(csv)
        let matrix = try LFApplier(lfs, classNames: ["HAM", "SPAM"]).apply(table.records).labelMatrix
        #expect(try LFAnalysis(matrix).table().contains("asks_to_subscribe"))
        var model = AutoLabelModel()
        try model.fit(matrix)
        let probabilities = try model.predictProbabilities(matrix)
        #expect(probabilities.rows == 6 && probabilities.columns == 2)
        let predicted = try model.predict(matrix, tieBreak: .prior)
        #expect(predicted[0] == .class(1) && predicted[1] == .class(0))
    }
}
