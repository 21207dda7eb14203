import Testing

@testable import DatasetStore

@Suite("DatasetReference: NAME or NAME@VERSION")
struct DatasetReferenceTests {
    @Test("names, prefixes, full ids and latest parse; the split is at the last @")
    func parses() throws {
        #expect(try DatasetReference(parsing: "sms") == DatasetReference(dataset: "sms"))
        #expect(try DatasetReference(parsing: "sms@ABCD12") == DatasetReference(dataset: "sms", version: "abcd12"))
        #expect(try DatasetReference(parsing: "sms@latest") == DatasetReference(dataset: "sms"))
        let full = String(repeating: "0123456789abcdef", count: 4)
        #expect(try DatasetReference(parsing: "sms@\(full)").version == full)
        #expect(
            try DatasetReference(parsing: "team@home@beef") == DatasetReference(dataset: "team@home", version: "beef"))
        #expect(try DatasetReference(parsing: "team@home@latest").dataset == "team@home")
        #expect(DatasetReference(dataset: "team@home").description == "team@home@latest")
        #expect(DatasetReference(dataset: "sms", version: "beef").description == "sms@beef")
        #expect(DatasetReference(dataset: "sms").description == "sms")
    }

    @Test(
        "malformed references are refused saying what was expected",
        arguments: ["", "@beef", "sms@", "sms@abc", "sms@wxyz1", "team@home"])
    func refuses(_ text: String) {
        #expect {
            try DatasetReference(parsing: text)
        } throws: { error in
            guard case let DatasetStoreError.invalidReference(value, reason) = error else { return false }
            return value == text && !reason.isEmpty
        }
    }
}
