/// Layer-norm gain and offset.
public struct LayerNormWeights: Sendable, Equatable {
    /// Gain (`weight` / `gamma`).
    public var gain: [Float]
    /// Offset (`bias` / `beta`).
    public var offset: [Float]

    /// Creates layer-norm parameters of equal width.
    public init(gain: [Float], offset: [Float]) {
        precondition(gain.count == offset.count, "gain and offset widths differ")
        self.gain = gain
        self.offset = offset
    }
}
