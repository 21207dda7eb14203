import Foundation
import FoundryCore

/// Review decisions on synthesized labeling functions, by function name, saved as JSON and reapplied on the next run.
///
/// Candidate names are derived from what a candidate is (`word_spam_subscribe`, `shape_spam_url`,
/// `similar_to_spam`), so a decision made once applies to the same candidate whenever it is proposed again.
public struct LFReviewDecisions: Sendable, Equatable, Codable {
    /// A decision on one candidate.
    public struct Decision: Sendable, Equatable, Codable {
        /// Keep it (`true`) or leave it out (`false`).
        public var accept: Bool
        /// For a similarity function: the threshold chosen in review (replaces the tuned one).
        public var minCosine: Double?

        /// Creates a decision.
        public init(accept: Bool, minCosine: Double? = nil) {
            self.accept = accept
            self.minCosine = minCosine
        }
    }

    /// The file format's version.
    public var version: Int = 1
    /// Decisions by candidate name.
    public var decisions: [String: Decision] = [:]

    /// No decisions.
    public init() {}

    /// Records a decision.
    public mutating func decide(_ name: String, _ decision: Decision) { decisions[name] = decision }

    /// `candidates` with the decisions applied: decided candidates take the decision's `accepted` (and threshold);
    /// the others keep the synthesizer's choice.
    public func applied(to candidates: [LFCandidate]) -> [LFCandidate] {
        candidates.map { candidate in
            guard let decision = decisions[candidate.name] else { return candidate }
            var updated = candidate
            updated.accepted = decision.accept
            if let minCosine = decision.minCosine, updated.spec.kind == .similarity {
                updated.spec.minCosine = minCosine
            }
            return updated
        }
    }

    /// Loads a decisions file.
    ///
    /// - Throws: ``PipelinesError/invalidData(source:row:field:reason:)`` naming the file when it cannot be read or
    ///   is not a decisions file.
    public static func load(_ url: URL) throws -> LFReviewDecisions {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelinesError.invalidData(
                source: url.path, row: nil, field: nil,
                reason: "cannot read the decisions (\(error.localizedDescription))")
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let decoded = try decoder.decode(LFReviewDecisions.self, from: data)
            guard decoded.version == 1 else {
                throw PipelinesError.invalidData(
                    source: url.path, row: nil, field: "version",
                    reason: "unknown version \(decoded.version), expected 1")
            }
            for (name, decision) in decoded.decisions {
                if let bound = decision.minCosine, !(bound >= -1 && bound <= 1) {
                    throw PipelinesError.invalidData(
                        source: url.path, row: nil, field: "decisions.\(name).min_cosine",
                        reason: "expected a cosine between -1 and 1, found \(bound)")
                }
            }
            return decoded
        } catch let error as PipelinesError {
            throw error
        } catch {
            throw PipelinesError.invalidData(
                source: url.path, row: nil, field: nil, reason: "not an LF review decisions file (\(error))")
        }
    }

    /// One decision as written: the candidate's name beside it (names are not used as JSON keys, so that no key
    /// conversion can touch them).
    private struct Entry: Codable {
        var name: String
        var accept: Bool
        var minCosine: Double?
    }

    private enum CodingKeys: String, CodingKey { case version, decisions }

    /// Decodes `{version, decisions: [{name, accept, min_cosine}]}`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        var decisions: [String: Decision] = [:]
        for entry in try container.decode([Entry].self, forKey: .decisions) {
            decisions[entry.name] = Decision(accept: entry.accept, minCosine: entry.minCosine)
        }
        self.decisions = decisions
    }

    /// Encodes the decisions sorted by name.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        let entries = decisions.keys.sorted().compactMap { name in
            decisions[name].map { Entry(name: name, accept: $0.accept, minCosine: $0.minCosine) }
        }
        try container.encode(entries, forKey: .decisions)
    }

    /// Saves the decisions atomically (JSON, snake_case keys).
    ///
    /// - Throws: the file system's errors.
    public func save(to url: URL) throws {
        try AtomicFile.write(try FoundryJSON.encoder(pretty: true).encode(self), to: url)
    }
}
