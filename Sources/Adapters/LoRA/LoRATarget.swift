/// A linear layer of a BERT layer that LoRA can adapt.
public enum LoRATarget: String, Sendable, CaseIterable, Codable, Comparable {
    /// `attention.self.query`.
    case query
    /// `attention.self.key`.
    case key
    /// `attention.self.value`.
    case value
    /// `attention.output.dense`.
    case attentionOutput = "attention_output"
    /// `intermediate.dense`.
    case intermediate
    /// `output.dense` (the feed-forward contraction).
    case output

    /// The module path inside `encoder.layer.{L}` in Hugging Face's BertModel.
    public var modulePath: String {
        switch self {
        case .query: "attention.self.query"
        case .key: "attention.self.key"
        case .value: "attention.self.value"
        case .attentionOutput: "attention.output.dense"
        case .intermediate: "intermediate.dense"
        case .output: "output.dense"
        }
    }

    /// Parses a CLI or config name: `query`, `key`, `value`, `attention_output` (or `attention.output.dense`),
    /// `intermediate` (or `intermediate.dense`), `output` (or the layer's full `output.dense` path).
    public init?(name: String) {
        if let target = LoRATarget(rawValue: name) {
            self = target
            return
        }
        guard let target = LoRATarget.allCases.first(where: { $0.modulePath == name }) else { return nil }
        self = target
    }

    /// Declaration order (query, key, value, attention output, intermediate, output).
    public static func < (lhs: LoRATarget, rhs: LoRATarget) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
