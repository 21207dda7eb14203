import CPlatform

/// How the C allocator hands memory back to the system, for long-running processes.
public enum AllocatorPolicy {
    /// Makes every allocation of at least `bytes` a mapping of its own, returned to the system when freed.
    ///
    /// glibc raises its mmap threshold each time a large buffer is freed, after which such buffers come from the heap,
    /// whose fragments it keeps; a server that loads and evicts buffers of a few hundred kilobytes (adapters) then
    /// grows without bound in resident memory even though its live data stays within its budgets. Fixing the
    /// threshold stops that. Process-wide; a no-op where the C library is not glibc.
    ///
    /// - Returns: whether the setting took effect.
    @discardableResult
    public static func returnLargeBuffersToTheSystem(atLeast bytes: Int = 128 << 10) -> Bool {
        foundry_fix_mmap_threshold(UInt(max(0, bytes))) == 1
    }
}
