// The MinHash inner loop in C so that it can be compiled for AVX2 and chosen at load time
// (function multi-versioning): Swift compiles for baseline x86-64, where the 32-bit multiply
// and unsigned minimum have no single instruction, and the emulated loop measured about 4x
// slower than this one on the dedup benchmark.
#include "CMinHash.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define CMINHASH_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CMINHASH_CLONES
#endif

CMINHASH_CLONES
void cminhash_signature(const uint32_t *restrict a, const uint32_t *restrict b, size_t count,
                        const uint64_t *restrict shingles, size_t shingle_count, uint32_t *restrict minimums) {
    for (size_t i = 0; i < count; i++) minimums[i] = UINT32_MAX;
    for (size_t s = 0; s < shingle_count; s++) {
        uint32_t x = (uint32_t)(shingles[s] >> 32);
        for (size_t i = 0; i < count; i++) {
            uint32_t value = a[i] * x + b[i];
            minimums[i] = value < minimums[i] ? value : minimums[i];
        }
    }
}

