import Foundation
import FoundryCore

/// Reading and writing the review loops' decisions files (``ReviewDecisions``, ``SuggestionDecisions``), with their
/// errors as ``CleaningError/invalidDecisions(path:reason:)``.
enum DecisionsFile {
    /// The file's bytes.
    static func read(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw CleaningError.invalidDecisions(
                path: url.path, reason: "cannot read it (\(error.localizedDescription))")
        }
    }

    /// Writes `decisions` as indented JSON in Foundry's one encoding (``FoundryJSON``: sorted keys), all or nothing
    /// (``AtomicFile``): a failed save leaves an earlier file as it was.
    static func save<Decisions: Encodable>(_ decisions: Decisions, to url: URL) throws {
        do {
            try AtomicFile.write(try FoundryJSON.encoder(pretty: true).encode(decisions), to: url)
        } catch let FoundryCoreError.fileUnreadable(_, reason) {
            throw CleaningError.invalidDecisions(path: url.path, reason: reason)
        } catch {
            throw CleaningError.invalidDecisions(path: url.path, reason: "cannot write it (\(error))")
        }
    }
}
