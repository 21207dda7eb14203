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
        } catch let DatasetStoreError.invalidName(_, name, reason) {
            throw ServingError.invalidRequest(field: "model", reason: "'\(name)' is not a model name: \(reason)")
        } catch let error as DatasetStoreError {
            throw ServingError.forbidden(reason: "\(error)")
        }
    }

    /// Which of `models` `principal` may invoke, without auditing (to filter `GET /v1/models`): one read of its
    /// permissions, then a lookup per model.
    func invocable(_ models: [String], by principal: Principal?) -> Set<String> {
        guard case let .store(gate) = self, let principal else { return Set(models) }
        guard let snapshot = try? gate.store.permissions(of: principal) else { return [] }
        return Set(
            models.filter { id in
                // A cached merge is visible when every adapter in it is.
                let parts =
                    (try? ModelSelector(parsing: id, baseName: "")).map {
                        ServingResponder.modelNames($0, baseName: id)
                    } ?? [id]
                return parts.allSatisfy { snapshot.allows(.read, model: $0) }
            })
    }
}
