/// Serving: many LoRA adapters over one shared base encoder.
///
/// The pieces, each usable on its own and together through ``ServingRuntime``:
/// - the engine runs one forward pass of the base for a batch whose sequences use different adapters (the CPU
///   analogue of Punica's SGMV: rows grouped by adapter, one product pair per group and target module);
/// - the adapter cache keeps adapters in three tiers — hot (Float32 factors the engine reads), warm (the adapter's file bytes in
///   memory, lossless), cold (a folder of PEFT adapters or a model repository on disk) — under byte budgets, with LRU eviction,
///   pinning, prefetch and per-tier counters;
/// - the scheduler keeps a queue per adapter and an active set of at most `maxActiveAdapters`, swapped by the age of
///   each adapter's oldest request every `cycleTime` (LoRAX's rule), with batches capped by tokens, deadlines and
///   backpressure;
/// - the metrics render in Prometheus' text format.
///
/// No network code lives here: the HTTP API is `ServingHTTP`.
public enum Serving {}
