import Foundation
import Serving
import ServingHTTP
import Testing

@Suite("ErrorBody")
struct ErrorBodyTests {
    @Test("an error body carries the stable code and the message, as JSON")
    func encodesCodeAndMessage() throws {
        let data = ErrorBody(.unknownAdapter(id: "spam")).encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["code"] as? String == "unknown_adapter")
        #expect((error["message"] as? String)?.contains("spam") == true)
    }
}
