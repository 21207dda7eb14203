extension BertModel {
    /// The model with an adapter's low-rank updates folded into the weights: `W' = W + (alpha / r) · B · A`.
    ///
    /// Evaluating the merged model without LoRA (``logits(_:adapter:applyLoRA:)`` with `applyLoRA: false`)
    /// equals evaluating this model with the adapter, up to rounding.
    /// - Parameter adapter: an adapter that fits this model.
    public func merging(_ adapter: LoRAAdapter) -> BertModel {
        applying(adapter, sign: 1)
    }

    /// The inverse of ``merging(_:)``: subtracts the adapter's updates again (exact up to Float32 rounding).
    public func unmerging(_ adapter: LoRAAdapter) -> BertModel {
        applying(adapter, sign: -1)
    }

    private func applying(_ adapter: LoRAAdapter, sign: Float) -> BertModel {
        precondition(adapter.factors.count == layers.count, "adapter does not fit the model")
        var model = self
        for (index, perLayer) in adapter.factors.enumerated() {
            for (target, factor) in perLayer {
                let delta = factor.delta(scaling: sign * adapter.configuration.scaling)
                var linear = model.layers[index][target]
                precondition(delta.shape == linear.weight.shape, "adapter does not fit the model")
                for i in linear.weight.scalars.indices { linear.weight.scalars[i] += delta.scalars[i] }
                model.layers[index][target] = linear
            }
        }
        return model
    }
}
