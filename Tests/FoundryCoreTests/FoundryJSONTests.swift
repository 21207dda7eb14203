import Foundation
import Testing

@testable import FoundryCore

@Suite("FoundryJSON keys")
struct FoundryJSONTests {
    @Test("keys become snake_case by the documented rule; the ASCII path equals the Unicode one")
    func snakeCaseKeys() {
        let expected = [
            "fitSeconds": "fit_seconds", "labelMatrixSHA256": "label_matrix_sha256", "lora_alpha": "lora_alpha",
            "L_sha256_base": "L_sha256_base", "coverage": "coverage", "j": "j", "URLPath": "url_path",
            "examplesPerSecond": "examples_per_second", "x": "x", "": "", "aB": "a_b", "ABC": "abc",
            "medianRatioBeforeTarget": "median_ratio_before_target", "lf2Votes": "lf2_votes",
        ]
        for (name, snake) in expected {
            #expect(FoundryJSON.snakeCase(name) == snake, "\(name)")
            #expect(FoundryJSON.snakeCaseByCharacters(name) == snake, "\(name)")
        }
        #expect(FoundryJSON.snakeCase("grösseWert") == FoundryJSON.snakeCaseByCharacters("grösseWert"))
        #expect(FoundryJSON.snakeCase("grösseWert") == "grösse_wert")
    }

    @Test("an encoded value carries the snake_case keys, sorted")
    func encodedKeys() throws {
        struct Figures: Encodable {
            var fitSeconds = 1.5
            var labelMatrixSHA256 = "ab"
            var coverage = 0.25
        }
        #expect(
            try FoundryJSON.string(Figures())
                == #"{"coverage":0.25,"fit_seconds":1.5,"label_matrix_sha256":"ab"}"#)
    }
}
