#ifndef CMINHASH_H
#define CMINHASH_H

#include <stddef.h>
#include <stdint.h>

/// For each of `count` affine functions h_i(x) = a_i * x + b_i (mod 2^32), the least value over
/// the upper 32 bits of `shingles`, written to `minimums`.
void cminhash_signature(const uint32_t *a, const uint32_t *b, size_t count,
                        const uint64_t *shingles, size_t shingle_count, uint32_t *minimums);

#endif
