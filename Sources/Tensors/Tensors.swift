/// # Tensors
///
/// Float32 numerics for neural networks on the CPU: the ``Tensor`` value type on a contiguous buffer, thin
/// ``BLAS`` wrappers over `cblas_sgemm`/`saxpy`, ``ArrayMath`` products on `[Float]`, the non-GEMM ``Kernels``
/// (layer norm, GELU, softmax, dropout masks, with their gradients), ``LayerNormWeights`` and the ``SafeTensors``
/// file format. It knows nothing of particular models: Adapters builds the encoder, LoRA and training on top of it.
/// Files that cannot be read or parsed throw ``TensorsError``.
public enum Tensors {}
