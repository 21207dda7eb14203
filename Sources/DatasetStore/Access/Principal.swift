/// An authenticated identity acting on the store.
///
/// Values are only made by the store (``SQLiteDatasetStore/authenticate(token:)``, ``SQLiteDatasetStore/bootstrapOwner(name:)``),
/// so holding one means a token was checked. Every public operation takes the acting principal.
public struct Principal: Sendable, Hashable, Codable {
    /// The store's id for the principal.
    public let id: Int64
    /// The unique name.
    public let name: String
    /// Person or service account.
    public let kind: PrincipalKind

    init(id: Int64, name: String, kind: PrincipalKind) {
        self.id = id
        self.name = name
        self.kind = kind
    }
}
