import Tensors

extension BertModel {
    /// Folds an adapter's low-rank updates into this model's weights in place, `W += sign · (alpha / r) · B · A`, with
    /// one BLAS product per target and no temporary matrix: what a server without per-row adapters does to switch
    /// adapters (PEFT's `merge_adapter` / `unmerge_adapter`). `sign` −1 unmerges, exact up to Float32 rounding.
    ///
    /// - Parameters:
    ///   - adapter: an adapter that fits this model (``LoRAAdapter/validate(against:path:)``).
    ///   - sign: 1 to merge, −1 to unmerge.
    public mutating func foldInPlace(_ adapter: LoRAAdapter, sign: Float = 1) {
        precondition(adapter.factors.count == layers.count, "adapter does not fit the model")
        let scaling = sign * adapter.configuration.scaling
        for (index, perLayer) in adapter.factors.enumerated() {
            for (target, factor) in perLayer {
                let rank = factor.down.rows, inputs = factor.down.columns, outputs = factor.up.rows
                precondition(
                    layers[index][target].weight.shape == [outputs, inputs], "adapter does not fit the model")
                func fold(_ scalars: inout [Float]) {
                    factor.up.scalars.withUnsafeBufferPointer { up in
                        factor.down.scalars.withUnsafeBufferPointer { down in
                            scalars.withUnsafeMutableBufferPointer { weight in
                                guard let up = up.baseAddress, let down = down.baseAddress,
                                    let weight = weight.baseAddress
                                else { return }
                                BLAS.gemm(
                                    transposeA: false, transposeB: false, m: outputs, n: inputs, k: rank,
                                    alpha: scaling, a: up, lda: rank, b: down, ldb: inputs, beta: 1, c: weight,
                                    ldc: inputs)
                            }
                        }
                    }
                }
                // Through the stored properties, so the weights are changed where they are (no copy on write).
                switch target {
                case .query: fold(&layers[index].query.weight.scalars)
                case .key: fold(&layers[index].key.weight.scalars)
                case .value: fold(&layers[index].value.weight.scalars)
                case .attentionOutput: fold(&layers[index].attentionOutput.weight.scalars)
                case .intermediate: fold(&layers[index].intermediate.weight.scalars)
                case .output: fold(&layers[index].output.weight.scalars)
                }
            }
        }
    }
}
