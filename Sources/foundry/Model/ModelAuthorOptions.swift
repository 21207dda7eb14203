import ArgumentParser
import Foundation

/// Who a model commit is by: `--author`, else the authenticated principal of the dataset store when one is
/// configured (`--store`, or `$FOUNDRY_STORE` naming an existing store with a token in `$FOUNDRY_TOKEN`), else `$USER`.
struct ModelAuthorOptions: ParsableArguments {
    @Option(
        name: .long, help: "The author (default: the dataset store's principal when a store is configured, else $USER)."
    )
    var author: String?

    @Option(
        name: .customLong("store"),
        help: "A dataset store whose authenticated principal is the author (default: $FOUNDRY_STORE when it exists).")
    var store: String?

    @Option(name: .customLong("token-file"), help: "The file holding that store's token (default: $FOUNDRY_TOKEN).")
    var tokenFile: String?

    func validate() throws {
        if author != nil, store != nil || tokenFile != nil {
            throw ValidationError("--author names the author; --store/--token-file take it from the store: give one")
        }
    }

    /// The author's name, or `nil` for the repository's default (`$USER`).
    func resolved() throws -> String? { try modelAuthor(explicit: author, store: store, tokenFile: tokenFile) }
}

/// The author of a model commit (see ``ModelAuthorOptions``): `explicit`, else the principal that the token
/// authenticates on the store at `store` (or at `$FOUNDRY_STORE` when that file exists and `$FOUNDRY_TOKEN` or
/// `tokenFile` is set), else `nil`.
///
/// - Throws: ``CommandFailure`` when a configured store cannot be opened or the token is not valid there.
func modelAuthor(explicit: String?, store: String?, tokenFile: String?) throws -> String? {
    if let explicit { return explicit }
    let environment = ProcessInfo.processInfo.environment
    if let store {
        return try openStore(path: store, tokenFile: tokenFile).1.name
    }
    guard let path = environment["FOUNDRY_STORE"], FileManager.default.fileExists(atPath: path),
        tokenFile != nil || environment["FOUNDRY_TOKEN"] != nil
    else { return nil }
    return try openStore(path: path, tokenFile: tokenFile).1.name
}
