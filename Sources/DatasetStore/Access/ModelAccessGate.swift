import Crypto
import Foundation

/// A server's authenticator and authorizer over a ``SQLiteDatasetStore``: checks a bearer token and a model operation
/// on every request from memory, with one indexed read of the store per call.
///
/// - A token is verified (its salted HMAC) by ``SQLiteDatasetStore/authenticate(token:)`` the first time this gate
///   sees it, which audits the authentication once; later calls answer from memory. A refused token is audited the
///   first time and then refused from memory, so a client retrying a bad token cannot flood the log (at most 4,096
///   refusals are remembered).
/// - A principal's permissions are its ``PermissionSnapshot``, loaded once; a model check is a dictionary lookup.
/// - Every call first reads the store's grant epoch and token epoch (one statement on `store_meta`'s primary key). A
///   grant, revoke or role change bumps the grant epoch and a token issued, revoked or deleted bumps the token epoch
///   — by any process on the same file, in the transaction that makes the change — so the memory concerned is dropped
///   and a revoked token or role stops working on the very next call.
///
/// Refusals of model operations are audited (``SQLiteDatasetStore/authorizeModel(_:operation:model:)``); allowed
/// invocations are not, one by one.
///
/// `@unchecked Sendable` invariant: `grantEpoch`, `tokenEpoch`, `principals`, `refused` and `snapshots` are only read
/// or written while holding `lock`; an entry is stored only while the epochs it was loaded under are current, and the
/// epochs only move forward, each move dropping the entries it concerns.
public final class ModelAccessGate: @unchecked Sendable {
    /// The store's change counters, as one call reads them.
    struct Epochs: Equatable {
        var grants: Int64
        var tokens: Int64
    }

    /// The store the gate answers for.
    public let store: SQLiteDatasetStore
    /// How many refused tokens are remembered (the memory is emptied when full).
    public static let rememberedRefusals = 4096

    private let lock = NSLock()
    private var grantEpoch: Int64 = -1
    private var tokenEpoch: Int64 = -1
    private var principals: [SHA256Digest: Principal] = [:]
    private var refused: [SHA256Digest: DatasetStoreError] = [:]
    private var snapshots: [Int64: PermissionSnapshot] = [:]

    /// A gate over `store` with empty memory.
    public init(store: SQLiteDatasetStore) {
        self.store = store
    }

    /// The principal a token belongs to: verified and audited the first time, from memory after that until a token
    /// of the store changes.
    ///
    /// - Throws: ``DatasetStoreError/unauthenticated(reason:)`` for a malformed, unknown or revoked token;
    ///   ``DatasetStoreError/storage(_:)``.
    /// - Complexity: O(length of the token) when remembered, plus one indexed read.
    public func authenticate(token: String) throws -> Principal {
        try principal(for: token, epochs: store.accessEpochs())
    }

    /// Checks that `principal` may do `operation` on the model called `model`; a refusal is audited and thrown.
    ///
    /// - Throws: ``DatasetStoreError/modelPermissionDenied(principal:operation:model:)``;
    ///   ``DatasetStoreError/invalidName(kind:name:reason:)`` when `model` is not a model name.
    /// - Complexity: O(1) when the principal's permissions are remembered, plus one indexed read.
    public func authorize(_ principal: Principal, operation: ModelOperation, model: String) throws {
        try authorize(principal, operation, model: model, epochs: store.accessEpochs())
    }

    /// ``authorize(_:operation:model:)`` with the operation by name (`invoke-model`, `register-model`,
    /// `unregister-model`).
    ///
    /// - Throws: ``DatasetStoreError/unknownOperation(_:)`` for another name, else as the typed form.
    public func authorize(_ principal: Principal, operation: String, model: String) throws {
        guard let typed = ModelOperation(rawValue: operation) else {
            throw DatasetStoreError.unknownOperation(operation)
        }
        try authorize(principal, operation: typed, model: model)
    }

    /// Authenticates `token` and authorizes `operation` on `model` with a single read of the store: what a server
    /// does per request.
    ///
    /// - Returns: the caller.
    /// - Throws: as ``authenticate(token:)`` and ``authorize(_:operation:model:)``.
    public func authorize(token: String, operation: ModelOperation, model: String) throws -> Principal {
        let epochs = try store.accessEpochs()
        let caller = try principal(for: token, epochs: epochs)
        try authorize(caller, operation, model: model, epochs: epochs)
        return caller
    }

    // MARK: - Memory

    /// Moves the memory to `epochs` when they are newer, dropping what they invalidate.
    ///
    /// Call with `lock` held.
    private func advance(to epochs: Epochs) {
        if epochs.tokens > tokenEpoch {
            tokenEpoch = epochs.tokens
            principals.removeAll(keepingCapacity: true)
            refused.removeAll()
        }
        if epochs.grants > grantEpoch {
            grantEpoch = epochs.grants
            snapshots.removeAll(keepingCapacity: true)
        }
    }

    private func principal(for token: String, epochs: Epochs) throws -> Principal {
        // The memory is keyed by the token's SHA-256, so that it holds no token and a lookup compares no secret.
        let digest =
            token.utf8.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Data(token.utf8))
        lock.lock()
        advance(to: epochs)
        let current = epochs.tokens == tokenEpoch
        let known = current ? principals[digest] : nil
        let refusal = current ? refused[digest] : nil
        lock.unlock()
        if let known { return known }
        if let refusal { throw refusal }
        do {
            let verified = try store.authenticate(token: token)
            lock.lock()
            if epochs.tokens == tokenEpoch { principals[digest] = verified }
            lock.unlock()
            return verified
        } catch let error as DatasetStoreError {
            if case .unauthenticated = error {
                lock.lock()
                if epochs.tokens == tokenEpoch {
                    if refused.count >= Self.rememberedRefusals { refused.removeAll() }
                    refused[digest] = error
                }
                lock.unlock()
            }
            throw error
        }
    }

    private func authorize(_ principal: Principal, _ operation: ModelOperation, model: String, epochs: Epochs) throws {
        let model = try Validation.modelName(model)
        lock.lock()
        advance(to: epochs)
        let remembered = epochs.grants == grantEpoch ? snapshots[principal.id] : nil
        lock.unlock()
        let snapshot: PermissionSnapshot
        if let remembered {
            snapshot = remembered
        } else {
            snapshot = try store.permissions(of: principal)
            lock.lock()
            if epochs.grants == grantEpoch { snapshots[principal.id] = snapshot }
            lock.unlock()
        }
        try store.decideModel(principal, operation, model: model, snapshot: snapshot)
    }
}
