import Serving
import Testing

@Suite("ModelSelector")
struct ModelSelectorTests {
    @Test("the base by absence, by 'base' or by its name; one adapter; a weighted merge with its canonical id")
    func parses() throws {
        #expect(try ModelSelector(parsing: nil, baseName: "all-MiniLM-L6-v2") == .base)
        #expect(try ModelSelector(parsing: "base", baseName: "all-MiniLM-L6-v2") == .base)
        #expect(try ModelSelector(parsing: "all-MiniLM-L6-v2", baseName: "all-MiniLM-L6-v2") == .base)
        #expect(try ModelSelector(parsing: " spam ", baseName: "m") == .adapter("spam"))
        #expect(try ModelSelector(parsing: "spam:1", baseName: "m") == .adapter("spam"))
        let merge = try ModelSelector(parsing: "a:0.7, b:0.3", baseName: "m")
        #expect(merge == .merge([.init(id: "a", weight: 0.7), .init(id: "b", weight: 0.3)]))
        #expect(merge.cacheID == "a:0.7,b:0.3")
        #expect(try ModelSelector(parsing: "a,b", baseName: "m").cacheID == "a:1.0,b:1.0")
    }

    @Test("bad selectors name what is wrong")
    func rejects() {
        for text in ["", "a:x", "a:0.5,a:0.5", ":0.5", "a:1:2", "a:inf"] {
            #expect(throws: ServingError.self, "\(text)") { try ModelSelector(parsing: text, baseName: "m") }
        }
    }
}
