import Foundation

/// A process's memory as the kernel reports it (Linux `/proc/<pid>/status`).
public enum ProcessMemory {
    /// Resident set size in bytes (`VmRSS`) of this process, or nil where `/proc` is not available.
    public static func residentBytes() -> Int? { status("VmRSS", of: "self") }

    /// Resident set size in bytes (`VmRSS`) of another process (e.g. a server a benchmark started), or nil when the
    /// process is gone or `/proc` is not available.
    public static func residentBytes(processID: Int32) -> Int? { status("VmRSS", of: String(processID)) }

    private static func status(_ key: String, of process: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
