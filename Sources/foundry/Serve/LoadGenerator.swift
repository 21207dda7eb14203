import Foundation
import Serving
import ServingHTTP

/// Drives a server with `concurrency` clients, each sending the next request of a fixed list as soon as its previous
/// one is answered (a closed loop), and records every answer's status and latency.
struct LoadGenerator {
    /// One request to send.
    struct Request: Sendable {
        var path: String
        var body: [String: any Sendable]
    }

    /// What one run measured.
    struct Outcome {
        var seconds: Double
        var latencies: [Double]
        var statuses: [Int: Int]
        var transportErrors: Int
    }

    /// Sends one request and returns its HTTP status (-1: no answer).
    let send: @Sendable (Request) async -> Int
    let concurrency: Int

    /// Over HTTP with `client`.
    init(client: ServingClient, concurrency: Int) {
        self.concurrency = concurrency
        send = { request in
            (try? await client.post(request.path, json: request.body))?.status ?? -1
        }
    }

    /// In process, straight to the runtime (no HTTP): what the engine and scheduler sustain by themselves.
    init(runtime: ServingRuntime, concurrency: Int) {
        self.concurrency = concurrency
        send = { request in
            let model = request.body["model"] as? String
            let texts = request.body["input"] as? [String] ?? []
            do {
                _ = try await runtime.classify(
                    model: try ModelSelector(parsing: model, baseName: runtime.baseName), texts: texts)
                return 200
            } catch let error as ServingError {
                return error.httpStatus
            } catch {
                return 500
            }
        }
    }

    func run(_ requests: [Request]) async -> Outcome {
        let next = Counter()
        let started = monotonicSeconds()
        let results = await withTaskGroup(of: [(Int, Double)].self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    var mine: [(Int, Double)] = []
                    while let index = next.take(below: requests.count) {
                        let request = requests[index]
                        let start = monotonicSeconds()
                        let status = await send(request)
                        mine.append((status, monotonicSeconds() - start))
                    }
                    return mine
                }
            }
            var all: [(Int, Double)] = []
            for await part in group { all += part }
            return all
        }
        var statuses: [Int: Int] = [:]
        for (status, _) in results where status >= 0 { statuses[status, default: 0] += 1 }
        return Outcome(
            seconds: monotonicSeconds() - started, latencies: results.map(\.1), statuses: statuses,
            transportErrors: results.filter { $0.0 < 0 }.count)
    }
}

/// Hands out indices `0..<limit` once each, to whichever task asks.
///
/// Invariant (`@unchecked Sendable`): `value` is read and written only while holding `lock`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// The `q`-quantile (0…1) of `values` by linear interpolation; 0 for none.
func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
}
