import ArgumentParser
import DatasetStore
import Foundation
import FoundryCore

/// `foundry store audit [verify|checkpoint]`: prints recent audit entries, checks the log, or exports a signed head.
struct StoreAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract:
            "Show the audit log; `audit verify [--against FILE]` checks it (exit 2 when tampered); `audit checkpoint --out FILE` exports a signed head.",
        discussion: """
            Entries are chained under the store's key (PATH.key or $FOUNDRY_STORE_KEY), which the store file does \
            not hold. `verify` checks the log before it writes anything (even its own audit entry), replays every \
            change of principals, tokens, roles and grants and compares the result with the tables. A checkpoint \
            (entry count, Merkle root, signature) kept apart from the store lets a later `verify --against FILE` \
            detect entries removed from the end or a rewritten log.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "`verify` to check the log, `checkpoint` to export a signed head.")
    var mode: Mode?

    /// `audit verify`, `audit checkpoint`.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case verify, checkpoint
    }

    @Option(name: .long, help: "How many recent entries to show.")
    var limit: Int = 50

    @Option(name: .long, help: "With verify: a checkpoint file written by `audit checkpoint`.")
    var against: String?

    @Option(name: .long, help: "With checkpoint: the file to write (a new file, mode 0600).")
    var out: String?

    @Flag(name: .long, help: "With checkpoint: replace an existing file.")
    var force = false

    func validate() throws {
        if against != nil && mode != .verify { throw ValidationError("--against goes with `audit verify`") }
        if (out != nil) != (mode == .checkpoint) { throw ValidationError("`audit checkpoint` needs --out FILE") }
    }

    struct LogOutput: Encodable { let entries: [AuditEntry] }

    func run() throws {
        switch mode {
        case nil:
            let (store, principal) = try options.session()
            let entries = try store.auditLog(limit: limit, as: principal)
            try options.emit(LogOutput(entries: entries)) {
                entries.map {
                    "#\($0.id) \(isoTime($0.timestamp)) \(shown($0.principal)) \(shown($0.operation)) [\($0.action)] \($0.outcome.rawValue)"
                        + ($0.dataset.map { " \(shown($0))" } ?? "")
                        + ($0.version.map { "@\(shortID(shown($0)))" } ?? "")
                        + ($0.detail.isEmpty ? "" : " — \(shown($0.detail))")
                }.joined(separator: "\n")
            }
        case .verify:
            let checkpoint = try against.map(Self.readCheckpoint)
            let store = try options.open()
            let (_, result) = try store.verifyAuditLogBeforeWriting(token: try options.token(), against: checkpoint)
            try options.emit(result) {
                result.ok
                    ? "audit log ok: \(result.entryCount) entries chain correctly"
                        + (result.checkpointEntries.map { "; the checkpoint's \($0) entries are intact" } ?? "")
                    : "AUDIT LOG TAMPERED"
                        + (result.firstBadEntry.map { " at entry \($0)" } ?? "") + ": \(shown(result.reason ?? ""))"
            }
            if !result.ok { throw ExitCode(2) }
        case .checkpoint:
            let (store, principal) = try options.session()
            let path = out ?? ""
            try PrivateFile.checkOutputTarget(
                path, force: force, protecting: [store.path, store.path + "-wal", store.path + "-shm"])
            let checkpoint = try store.auditCheckpoint(as: principal)
            try PrivateFile.write(Data((try FoundryJSON.string(checkpoint, pretty: true) + "\n").utf8), to: path)
            try options.emit(checkpoint) {
                "checkpoint of \(checkpoint.entryCount) entries (root \(checkpoint.root.prefix(16))…) written to \(shown(path)); keep it apart from the store"
            }
        }
    }

    /// Reads a checkpoint file written by `audit checkpoint`.
    ///
    /// - Throws: ``CommandFailure`` naming the file and what is wrong with it.
    static func readCheckpoint(_ path: String) throws -> AuditCheckpoint {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot read the checkpoint \(path): \(error.localizedDescription)")
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .custom { decoder in
                let text = try decoder.singleValueContainer().decode(String.self)
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                guard let date = formatter.date(from: text) else {
                    throw DecodingError.dataCorrupted(
                        DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time"))
                }
                return date
            }
            return try decoder.decode(AuditCheckpoint.self, from: data)
        } catch {
            throw CommandFailure(
                "\(path) is not an audit checkpoint (written by `foundry store audit checkpoint`): \(error)")
        }
    }
}
