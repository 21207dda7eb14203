import Foundation
import Testing

@testable import Adapters

@Suite struct BertConfigurationTests {
    private func load(_ json: String) throws -> BertConfiguration {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("config.json")
        try Data(json.utf8).write(to: url)
        return try BertConfiguration.load(from: url)
    }

    @Test(.enabled(if: TestPaths.hasModel, "needs .models (scripts/fetch-model.sh)"))
    func decodesTheMiniLMConfiguration() throws {
        let configuration = try BertConfiguration.load(from: TestPaths.model.appendingPathComponent("config.json"))
        #expect(configuration == BertConfiguration())
        #expect(configuration.headSize == 32)
    }

    @Test func rejectsMissingFieldsBadTypesAndUnsupportedActivations() {
        #expect(throws: AdaptersError.self) { try load("not json") }
        func reason(_ json: String) -> String {
            do {
                _ = try load(json)
                return ""
            } catch let AdaptersError.invalidConfiguration(_, reason) {
                return reason
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(#"{"hidden_size":16}"#).contains("missing field"))
        #expect(
            reason(
                #"{"vocab_size":"x","hidden_size":16,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8}"#
            ).contains("wrong type"))
        #expect(
            reason(
                #"{"vocab_size":5,"hidden_size":16,"num_hidden_layers":1,"num_attention_heads":3,"intermediate_size":8}"#
            ).contains("not a multiple"))
        #expect(
            reason(
                #"{"vocab_size":5,"hidden_size":16,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8,"hidden_act":"gelu_new"}"#
            ).contains("not supported"))
        #expect(
            reason(
                #"{"vocab_size":5,"hidden_size":16,"num_hidden_layers":0,"num_attention_heads":4,"intermediate_size":8}"#
            ).contains("must be positive"))
    }
}

/// The arithmetic count benchmarks divide by time.
@Suite struct BertConfigurationArithmeticTests {
    @Test func miniLMCountsEveryMatrixProductOfALayer() {
        let miniLM = BertConfiguration()
        // 27 tokens: projections 4·27·384², feed-forward 2·27·384·1536, attention 2·27²·384, six layers.
        #expect(miniLM.multiplyAdds(tokens: 27) == 6 * (4 * 27 * 384 * 384 + 2 * 27 * 384 * 1536 + 2 * 27 * 27 * 384))
        #expect(miniLM.multiplyAdds(tokens: 27) == 290_013_696)
        #expect(miniLM.multiplyAdds(tokens: 0) == 0)
        // Linear in length apart from attention's square term.
        let one = miniLM.multiplyAdds(tokens: 1), two = miniLM.multiplyAdds(tokens: 2)
        #expect(two - 2 * one == 6 * 2 * 2 * 384)
    }
}
