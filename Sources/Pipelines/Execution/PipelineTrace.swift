import Foundation

/// Timing marks on standard error, for finding where a run's time goes: on when the run's environment sets
/// `FOUNDRY_PIPELINE_TRACE` (to anything), silent and free otherwise. Each line is the seconds since the run started
/// and what just finished.
struct PipelineTrace: Sendable {
    let enabled: Bool
    private let start = DispatchTime.now().uptimeNanoseconds

    init(environment: [String: String]) { enabled = environment["FOUNDRY_PIPELINE_TRACE"] != nil }

    /// Writes one mark (when enabled).
    func mark(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        FileHandle.standardError.write(Data((String(format: "%.5f ", seconds) + what() + "\n").utf8))
    }
}
