extension BertConfiguration {
    /// Multiply–adds one forward pass of the encoder spends on a sequence of `tokens` tokens: per layer, the query,
    /// key, value and output projections (4·L·h²), the feed-forward pair (2·L·h·i) and the attention products
    /// Q·Kᵀ and P·V (2·L²·h). Embedding lookups, layer norms, softmax, GELU and heads are left out: they are not
    /// matrix products and cost a small fraction of these.
    ///
    /// Benchmarks divide it by time to say how close a forward pass runs to the machine's matrix-product rate.
    /// - Parameter tokens: the sequence length, `[CLS]` and `[SEP]` included.
    /// - Returns: the count (0 for an empty sequence).
    public func multiplyAdds(tokens: Int) -> Int {
        guard tokens > 0 else { return 0 }
        let projections = 4 * tokens * hiddenSize * hiddenSize
        let feedForward = 2 * tokens * hiddenSize * intermediateSize
        let attention = 2 * tokens * tokens * hiddenSize
        return layerCount * (projections + feedForward + attention)
    }
}
