/// # Tensors
///
/// Float32 numerics for the encoder and its adapters: the ``Tensor`` value type on a contiguous buffer, thin
/// ``BLAS`` wrappers over `cblas_sgemm`/`saxpy`, ``ArrayMath`` products on `[Float]`, the non-GEMM ``Kernels``
/// (layer norm, GELU, softmax, dropout masks) and the ``SafeTensors`` file format. It knows nothing of models:
/// Adapters builds the encoder, LoRA and training on top of it.
public enum Tensors {}
