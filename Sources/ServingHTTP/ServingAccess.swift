import DatasetStore
import Foundation
import Serving

/// Who may call the API: the dataset store's principals (bearer tokens, per-model grants, denials audited), or —
/// only on a loopback address — nobody checks at all.
public enum ServingAccess: Sendable {
    /// Bearer tokens are the store's API tokens; calling a model needs `read` on it, registering and unregistering
    /// need `admin` on it (store-wide grants count).
    case store(ModelAccessGate)
    /// No authentication (`--insecure-no-auth`); ``ServingServer`` refuses it unless it binds a loopback address.
    case insecureNoAuth

    /// The principal a request's `Authorization: Bearer …` header names (nil without authentication).
    ///
    /// - Throws: ``ServingError/unauthenticated(reason:)`` for a missing, malformed, unknown or revoked token.
    func principal(authorization: String?) throws -> Principal? {
        guard case let .store(gate) = self else { return nil }
        guard let header = authorization, header.lowercased().hasPrefix("bearer ") else {
            throw ServingError.unauthenticated(reason: "send 'Authorization: Bearer <token>' with a store API token")
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        do {
            return try gate.authenticate(token: token)
        } catch let error as DatasetStoreError {
            throw ServingError.unauthenticated(reason: "\(error)")
        }
    }

    /// Checks that `principal` may run `operation` on `model`; a denial is audited in the store's hash chain.
    ///
    /// - Throws: ``ServingError/forbidden(reason:)``.
    func authorize(_ principal: Principal?, operation: ModelOperation, model: String) throws {
        guard case let .store(gate) = self, let principal else { return }
        do {
            try gate.authorize(principal, operation: operation, model: model)
        } catch let error as DatasetStoreError {
            throw ServingError.forbidden(reason: "\(error)")
        }
    }

    /// Whether `principal` may invoke `model`, without auditing (to filter `GET /v1/models`).
    func mayInvoke(_ principal: Principal?, model: String) -> Bool {
        guard case let .store(gate) = self, let principal else { return true }
        return (try? gate.store.isAllowed(principal, .read, model: model)) ?? false
    }
}
