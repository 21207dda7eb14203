import Serving
import Testing

@Suite("ServingError")
struct ServingErrorTests {
    @Test("each error maps to its documented HTTP status and a stable code")
    func statusesAndCodes() {
        let cases: [(ServingError, Int, String)] = [
            (.unknownAdapter(id: "spam"), 404, "unknown_adapter"),
            (
                .adapterIncompatible(id: "a", reason: "query.lora_A is 8×16, expected 8×384"), 422,
                "adapter_incompatible"
            ),
            (.payloadTooLarge(limitBytes: 1024), 413, "payload_too_large"),
            (.queueFull(retryAfterSeconds: 1), 429, "queue_full"),
            (.draining, 503, "shutting_down"),
            (.deadlineExceeded(waitedMilliseconds: 1200), 504, "deadline_exceeded"),
            (.unauthenticated(reason: "unknown token"), 401, "unauthenticated"),
            (.forbidden(reason: "no read on model spam"), 403, "forbidden"),
            (.invalidRequest(field: "input", reason: "expected an array of strings"), 400, "invalid_request"),
        ]
        for (error, status, code) in cases {
            #expect(error.httpStatus == status, "\(error)")
            #expect(error.code == code, "\(error)")
        }
        #expect(ServingError.unknownAdapter(id: "spam").description.contains("'spam'"))
    }
}
