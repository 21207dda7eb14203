import Foundation
import Merging

/// A merge's sign conflicts arranged for a heat map: one row per layer, one column per pair of tasks.
///
/// Built from a ``Merging/ConflictReport``: the value of (layer, pair) is the mean sign-conflict fraction of the pair
/// over the layer's tensors (tensors inside `encoder.layer.N` group into that layer; any other tensor is its own row).
/// Layers are listed in model order (embeddings, then encoder layers by number, then the rest such as the classifier,
/// each in report order), so the heat map reads top to bottom like the network.
public struct MergeConflictGrid: Sendable, Equatable {
    /// Row names (layers).
    public var layers: [String]
    /// Column names (`first × second`).
    public var pairs: [String]
    /// `values[layer][pair]`: the mean sign-conflict fraction, nil where the layer has no tensor comparing the pair.
    public var values: [[Double?]]

    /// Arranges `report` by layer and task pair.
    ///
    /// - Complexity: O(tensors · pairs).
    public init(_ report: ConflictReport) {
        var pairOrder: [String] = []
        var layerOrder: [String] = []
        var sums: [String: [String: (Double, Int)]] = [:]
        for tensor in report.tensors {
            let layer = Self.layerName(tensor.tensor)
            if sums[layer] == nil {
                layerOrder.append(layer)
                sums[layer] = [:]
            }
            for pair in tensor.pairs {
                let name = "\(pair.first) × \(pair.second)"
                if !pairOrder.contains(name) { pairOrder.append(name) }
                let current = sums[layer]?[name] ?? (0, 0)
                sums[layer]?[name] = (current.0 + pair.signConflicts, current.1 + 1)
            }
        }
        let ordered = layerOrder.enumerated().sorted { lhs, rhs in
            let a = Self.rank(lhs.element), b = Self.rank(rhs.element)
            return (a.0, a.1, lhs.offset) < (b.0, b.1, rhs.offset)
        }.map(\.element)
        layers = ordered
        pairs = pairOrder
        values = ordered.map { layer in
            pairOrder.map { pair in
                guard let (sum, count) = sums[layer]?[pair], count > 0 else { return nil }
                return sum / Double(count)
            }
        }
    }

    /// `encoder.layer.N` for a tensor inside an encoder layer, otherwise the tensor's name without `.weight`/`.bias`
    /// (the grouping ``Merging/ConflictReport`` uses for its layer ranking).
    static func layerName(_ tensor: String) -> String {
        if let range = tensor.range(of: #"encoder\.layer\.\d+"#, options: .regularExpression) {
            return String(tensor[range])
        }
        for suffix in [".weight", ".bias"] where tensor.hasSuffix(suffix) {
            return String(tensor.dropLast(suffix.count))
        }
        return tensor
    }

    /// Model order: embeddings first, then encoder layers by number, then the rest (pooler, classifier).
    private static func rank(_ layer: String) -> (Int, Int) {
        if layer.contains("embeddings") { return (0, 0) }
        if layer.hasPrefix("encoder.layer."), let number = Int(layer.dropFirst("encoder.layer.".count)) {
            return (1, number)
        }
        return (2, 0)
    }
}
