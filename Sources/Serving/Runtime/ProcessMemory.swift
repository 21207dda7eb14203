import Foundation

/// The process's memory as the kernel reports it (Linux `/proc/self/status`).
public enum ProcessMemory {
    /// Resident set size in bytes (`VmRSS`), or nil where `/proc` is not available.
    public static func residentBytes() -> Int? { status("VmRSS") }

    private static func status(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
