import Foundation
import FoundryCore
import Serving

/// The JSON body of every error the API answers: `{"error": {"code": "...", "message": "..."}}`, with `code` one of
/// ``ServingError/code``'s stable values.
public struct ErrorBody: Codable, Sendable, Equatable {
    /// The error's fields.
    public struct Detail: Codable, Sendable, Equatable {
        /// A stable identifier clients can switch on.
        public var code: String
        /// What went wrong, for people.
        public var message: String
    }

    /// The error.
    public var error: Detail

    /// The body for `error`.
    public init(_ error: ServingError) {
        self.error = Detail(code: error.code, message: error.description)
    }

    /// The body as JSON bytes (sorted keys).
    public func encoded() -> Data {
        (try? FoundryJSON.encoder().encode(self)) ?? Data(#"{"error":{"code":"internal_error","message":""}}"#.utf8)
    }
}
