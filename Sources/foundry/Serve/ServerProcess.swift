import Foundation
import FoundryCore
import Serving

/// `foundry serve` started as a child process of a benchmark, so that what the benchmark measures (resident memory,
/// the exit status after SIGTERM) is the server's alone, not the load generator's.
final class ServerProcess: @unchecked Sendable {
    /// The base URL the server printed (`http://127.0.0.1:PORT`).
    let url: URL
    /// The child's process id.
    let processID: Int32
    private let process: Process
    private let log: URL

    /// Starts `foundry serve ARGUMENTS` (with `--port 0`) and waits for its "listening on" line.
    ///
    /// - Parameters:
    ///   - arguments: the options after `serve`.
    ///   - timeout: seconds to wait for the server to listen.
    /// - Throws: ``CommandFailure`` with the end of the server's log when it exits or does not listen in time.
    init(arguments: [String], timeout: Double = 120) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        log = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("foundry-serve-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CommandFailure("cannot create the server's log file \(log.path)")
        }
        let logHandle = try FileHandle(forWritingTo: log)
        let output = Pipe()
        process = Process()
        process.executableURL = executable
        process.arguments = ["serve"] + arguments + ["--port", "0"]
        process.standardOutput = output
        process.standardError = logHandle
        try process.run()
        processID = process.processIdentifier
        // Read the first line (the port), then keep draining stdout so the child never blocks on a full pipe.
        let reader = output.fileHandleForReading
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = Data()
        var found: URL?
        while found == nil, Date() < deadline, process.isRunning || !buffer.isEmpty {
            let chunk = reader.availableData
            if chunk.isEmpty {
                if !process.isRunning { break }
                continue
            }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: " ") {
                found = URL(string: String(text[range.upperBound..<end]))
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let tail = (try? String(contentsOf: log, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            throw CommandFailure("the server did not start listening within \(Int(timeout)) s:\n\(tail)")
        }
        url = found
        Thread.detachNewThread {
            while !reader.availableData.isEmpty {}
        }
    }

    /// Resident memory of the server process, in bytes.
    var residentBytes: Int? { ProcessMemory.residentBytes(processID: processID) }

    /// Sends SIGTERM (the server drains) and waits for the exit; returns the exit status.
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
        return process.terminationStatus
    }
}
