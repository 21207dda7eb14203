/// The engine's recent speed in tokens per second, measured from the batches the scheduler hands out, and the
/// `Retry-After` it implies when the queue is full.
///
/// A batch's tokens are credited to the interval until the next batch is taken, but only when work was still queued
/// after the batch was taken: then the worker came back as soon as it had finished, so the interval is the batch's
/// processing time. Intervals that may contain idle waiting (the queue ran empty) are not measured. The estimate is
/// the sum of tokens over the sum of seconds of the last ``window`` measured intervals; with several workers taking
/// batches, the intervals interleave and the same sum measures their combined speed.
struct ThroughputEstimate {
    /// How many measured intervals the estimate remembers.
    static let window = 64
    /// The bounds of the `Retry-After` answer, in seconds.
    static let retryAfterRange = 1...120

    private var samples: [(tokens: Int, seconds: Double)] = []
    private var nextSample = 0
    private var previous: (at: ContinuousClock.Instant, tokens: Int, backlog: Bool)?

    /// Notes that a batch of `tokens` was taken at `instant`, with work still queued after it or not.
    mutating func recordDispatch(at instant: ContinuousClock.Instant, tokens: Int, backlogRemains: Bool) {
        if let previous, previous.backlog, previous.at < instant {
            let sample = (tokens: previous.tokens, seconds: seconds(previous.at, instant))
            if samples.count < Self.window {
                samples.append(sample)
            } else {
                samples[nextSample] = sample
                nextSample = (nextSample + 1) % Self.window
            }
        }
        previous = (instant, tokens, backlogRemains)
    }

    /// The measured speed, or `nil` before the first measured interval.
    var tokensPerSecond: Double? {
        let seconds = samples.reduce(0.0) { $0 + $1.seconds }
        let tokens = samples.reduce(0) { $0 + $1.tokens }
        guard seconds > 0, tokens > 0 else { return nil }
        return Double(tokens) / seconds
    }

    /// How long a client should wait before retrying: the time to work off `queuedTokens` at the measured speed,
    /// rounded up to whole seconds and kept within ``retryAfterRange`` (1 s while nothing has been measured yet).
    func retryAfterSeconds(queuedTokens: Int) -> Int {
        guard let rate = tokensPerSecond else { return Self.retryAfterRange.lowerBound }
        let estimate = (Double(max(0, queuedTokens)) / rate).rounded(.up)
        guard estimate.isFinite else { return Self.retryAfterRange.upperBound }
        return min(max(Int(min(estimate, 1e9)), Self.retryAfterRange.lowerBound), Self.retryAfterRange.upperBound)
    }

    private func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
        let components = (to - from).components
        return Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
