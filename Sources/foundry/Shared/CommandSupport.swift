import Foundation
import FoundryCore

// Small helpers shared by the CLI commands: JSON output, timing and memory figures.

/// Prints an `Encodable` as one JSON object on one line of standard output, in Foundry's one encoding
/// (``FoundryJSON``: snake_case keys, sorted, ISO 8601 dates).
func printJSON<T: Encodable>(_ value: T) throws {
    print(try FoundryJSON.string(value))
}

/// Seconds on a monotonic clock, for timing computations.
func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Peak resident set size of this process (VmHWM from /proc/self/status), in MiB; `nil` where unavailable.
func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.split(separator: " ").compactMap { Double($0) }
        if let kib = digits.first { return kib / 1024 }
    }
    return nil
}
