/// # Adapters
///
/// A BERT-family text encoder that runs pretrained Hugging Face checkpoints (all-MiniLM-L6-v2 and
/// relatives) in Swift, and LoRA adapters (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large
/// Language Models") trained on the probabilistic labels that Foundry's label models produce.
///
/// Tensors, kernels and the safetensors format come from the Tensors module.
///
/// - ``BertConfiguration``: `config.json`.
/// - ``WordPieceTokenizer``: equivalent to Hugging Face's `BertTokenizer` (basic tokenization + WordPiece).
/// - ``BertModel``: the encoder weights and the forward pass with mean pooling; one batch can serve several adapters
///   (``AdapterAssignment``: per sequence an adapter or the base encoder).
/// - ``SentenceEncoder``: tokenizer + model, batched embedding of texts.
/// - ``LoRAAdapter``: low-rank factors on chosen linear layers plus a classification head, saved in
///   PEFT's layout (`adapter_config.json` + `adapter_model.safetensors`).
/// - ``LoRATrainer``: cross-entropy against `SoftLabels` (FoundryCore), a manual backward pass through the frozen
///   encoder, AdamW with warmup and linear decay, early stopping, progress within each epoch
///   (``TrainingProgress``) and cancellation between steps; diagonal Fisher information.
public enum AdaptersModule {}
