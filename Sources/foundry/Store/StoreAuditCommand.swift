import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store audit [verify]`: prints recent audit entries, or checks the hash chain.
struct StoreAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log, or `audit verify` to check its hash chain (exit 2 when tampered).")

    @OptionGroup var options: StoreOptions

    @Argument(help: "`verify` to check the chain.")
    var mode: Mode?

    /// `audit verify`.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case verify
    }

    @Option(name: .long, help: "How many recent entries to show.")
    var limit: Int = 50

    struct LogOutput: Encodable { let entries: [AuditEntry] }

    func run() throws {
        let (store, principal) = try options.session()
        switch mode {
        case nil:
            let entries = try store.auditLog(limit: limit, as: principal)
            try options.emit(LogOutput(entries: entries)) {
                entries.map {
                    "#\($0.id) \(isoTime($0.timestamp)) \($0.principal) \($0.operation) [\($0.action)] \($0.outcome.rawValue)"
                        + ($0.dataset.map { " \($0)" } ?? "") + ($0.version.map { "@\(shortID($0))" } ?? "")
                        + ($0.detail.isEmpty ? "" : " — \($0.detail)")
                }.joined(separator: "\n")
            }
        case .verify:
            let result = try store.verifyAuditLog(as: principal)
            try options.emit(result) {
                result.ok
                    ? "audit log ok: \(result.entryCount) entries chain correctly"
                    : "AUDIT LOG TAMPERED at entry \(result.firstBadEntry ?? 0): \(result.reason ?? "")"
            }
            if !result.ok { throw ExitCode(2) }
        }
    }
}
