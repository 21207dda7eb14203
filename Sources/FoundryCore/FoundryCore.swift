/// FoundryCore: the small shared primitives every Foundry module builds on.
///
/// - ``Matrix``: a dense row-major `Double` matrix on a contiguous buffer whose products go
///   through BLAS and whose factorizations go through LAPACKE.
/// - ``SeededGenerator``: a fast, reproducible random-number generator; every randomized
///   routine in Foundry takes a seed and gives the same bits for the same seed.
/// - ``NumPyArray``: reading and writing NumPy `.npy` files (the exchange format for label
///   matrices, probabilities and embeddings).
/// - ``ProgressReporter``: progress callbacks for long jobs, and ``ProgressBar`` for terminals.
/// - ``FoundryCoreError``: the errors thrown for bad files and bad input.
///
/// Error conventions for every module: misuse by calling Swift code is a `precondition`; bad
/// data from files, users or the network always throws an error that names the file, row and
/// field concerned and what was expected.
public enum FoundryCoreModule {}
