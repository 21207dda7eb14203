#ifndef FOUNDRY_CPLATFORM_H
#define FOUNDRY_CPLATFORM_H

// Small platform queries Swift cannot make by itself: CPUID and XGETBV (for the BLAS core choice), dladdr and
// the scheduler affinity mask.

#include <stdint.h>

/// Runs the x86 CPUID instruction for `leaf` and `subleaf` and stores EAX, EBX, ECX and EDX in `registers`.
/// Returns 1 on success; 0 (registers zeroed) on a CPU that is not x86 or when `leaf` is above the highest
/// leaf the CPU reports.
int foundry_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]);

/// The extended control register XCR0 (XGETBV with ECX = 0): which register states the operating system saves
/// on a context switch (bits 1-2: SSE/AVX, 5-7: AVX-512, 17-18: AMX). 0 when the OS has not enabled XSAVE or
/// the CPU is not x86.
uint64_t foundry_xcr0(void);

/// Writes to `buffer` (of `size` bytes, NUL-terminated) the file name of the shared object that defines the code or
/// data at `address`, as the dynamic loader recorded it (dladdr). Returns 1 on success, 0 when no loaded object
/// contains the address or the name does not fit.
int foundry_object_path(const void *address, char *buffer, unsigned long size);

/// The number of CPUs in this process's scheduler affinity mask (sched_getaffinity), or 0 where unavailable.
int foundry_affinity_cpu_count(void);

/// Fixes glibc's mmap threshold at `bytes` (mallopt M_MMAP_THRESHOLD), which also stops glibc from raising it each
/// time a large buffer is freed: allocations of at least `bytes` are then mapped and returned to the system when freed.
/// Returns 1 on success, 0 where the C library has no such setting.
int foundry_fix_mmap_threshold(unsigned long bytes);

#endif
