import Foundation
import Testing

@testable import Labeling

@Suite("Compiled-regex cache")
struct RegexCacheTests {
    @Test("a pattern is compiled once per options; a bad pattern throws and is not kept; a full cache starts over")
    func reusesCompiledExpressions() throws {
        let cache = RegexCache(capacity: 2)
        let first = try cache.expression("check.*out", options: [.caseInsensitive])
        #expect(try cache.expression("check.*out", options: [.caseInsensitive]) === first)
        #expect(try cache.expression("check.*out", options: []) !== first)
        #expect(cache.count == 2)
        #expect(throws: (any Error).self) { try cache.expression("(unclosed", options: []) }
        #expect(cache.count == 2)
        _ = try cache.expression("third", options: [])
        #expect(cache.count == 1)
    }

    @Test("patterns built from the shared cache match as freshly compiled ones do")
    func sharedPatternsMatch() throws {
        let cached = try TextPattern("^(?=(?:\\P{Lu}*\\p{Lu}){3})\\P{Ll}*$", ignoresCase: false)
        let again = try TextPattern("^(?=(?:\\P{Lu}*\\p{Lu}){3})\\P{Ll}*$", ignoresCase: false)
        for text in ["ABC DEF", "ABc", "AB", "ÉÀÜ!"] {
            #expect(cached.matches(text) == again.matches(text))
        }
        #expect(cached.matches("ABC DEF"))
        #expect(!cached.matches("ABc"))
    }
}
