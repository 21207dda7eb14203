#define _GNU_SOURCE
#include "cplatform.h"

#include <dlfcn.h>
#include <string.h>

#if defined(__linux__)
#include <sched.h>

int foundry_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
}
#else
int foundry_affinity_cpu_count(void) { return 0; }
#endif

int foundry_object_path(const void *address, char *buffer, unsigned long size) {
    Dl_info info;
    if (size == 0 || !dladdr(address, &info) || info.dli_fname == NULL) return 0;
    size_t length = strlen(info.dli_fname);
    if (length + 1 > size) return 0;
    memcpy(buffer, info.dli_fname, length + 1);
    return 1;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

int foundry_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    // __get_cpuid_count checks `leaf` against the highest leaf of its range (basic or extended).
    if (!__get_cpuid_count(leaf, subleaf, &eax, &ebx, &ecx, &edx)) {
        registers[0] = registers[1] = registers[2] = registers[3] = 0;
        return 0;
    }
    registers[0] = eax;
    registers[1] = ebx;
    registers[2] = ecx;
    registers[3] = edx;
    return 1;
}

uint64_t foundry_xcr0(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;  // OSXSAVE off
    uint32_t low = 0, high = 0;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
}

#else

int foundry_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
    (void)leaf;
    (void)subleaf;
    registers[0] = registers[1] = registers[2] = registers[3] = 0;
    return 0;
}

uint64_t foundry_xcr0(void) { return 0; }

#endif

#if defined(__GLIBC__)
#include <malloc.h>
int foundry_fix_mmap_threshold(unsigned long bytes) { return mallopt(M_MMAP_THRESHOLD, (int)bytes) == 1 ? 1 : 0; }
#else
int foundry_fix_mmap_threshold(unsigned long bytes) {
    (void)bytes;
    return 0;
}
#endif
