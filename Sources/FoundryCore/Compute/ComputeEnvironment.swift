/// What a computation runs on: the processor, the BLAS library with its kernels and threads, and Foundry's version.
///
/// `foundry doctor` prints it, and every `foundry bench` JSON carries it under `machine`, so that a figure says what
/// produced it.
public struct ComputeEnvironment: Sendable, Equatable, Codable {
    /// The Foundry version (``FoundryVersion/current``).
    public var foundryVersion: String
    /// The processor and the extensions the operating system enables.
    public var cpu: CPUFeatures
    /// The CPUs this process may run on (``ComputeThreads/availableCPUs``).
    public var availableProcessors: Int
    /// The BLAS library loaded, or `nil` when none could be (see ``blasError``).
    public var blas: BLASLibrary?
    /// Why no BLAS library could be loaded.
    public var blasError: String?

    /// Creates a description (for tests).
    public init(
        foundryVersion: String, cpu: CPUFeatures, availableProcessors: Int, blas: BLASLibrary?, blasError: String?
    ) {
        self.foundryVersion = foundryVersion
        self.cpu = cpu
        self.availableProcessors = availableProcessors
        self.blas = blas
        self.blasError = blasError
    }

    /// This process's environment; loads the BLAS library if nothing has yet.
    public static func current() -> ComputeEnvironment {
        var blas: BLASLibrary?
        var blasError: String?
        do { blas = try BLASLibrary.shared() } catch { blasError = "\(error)" }
        return ComputeEnvironment(
            foundryVersion: FoundryVersion.current, cpu: .current, availableProcessors: ComputeThreads.availableCPUs,
            blas: blas, blasError: blasError)
    }
}
