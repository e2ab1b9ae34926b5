"""datasketch on the shingles dedup-benchmark wrote: MinHash of each set, then LSH query and
insert, one item after another (how text-dedup and similar tools use it). Prints one JSON line.

    python3 datasketch_side.py SHINGLES THRESHOLD PERMUTATIONS FALSE_NEGATIVE_WEIGHT

SHINGLES holds, for each item, a little-endian uint32 count followed by that many uint32 hashes.
"""
import json
import resource
import sys
import time

import numpy as np
import datasketch
from datasketch import MinHash, MinHashLSH


def sets(data):
    position = 0
    while position < len(data):
        size = int(data[position])
        yield data[position + 1:position + 1 + size]
        position += 1 + size


def main():
    path, threshold, permutations, weight = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    data = np.fromfile(path, dtype="<u4")
    lsh = MinHashLSH(threshold=threshold, num_perm=permutations, weights=(1 - weight, weight))
    start = time.perf_counter()
    items = candidates = 0
    # MinHash.generator reuses one set of permutations; the values are already hashes.
    for key, minhash in enumerate(MinHash.generator(sets(data), num_perm=permutations, seed=1, hashfunc=int)):
        candidates += len(lsh.query(minhash))
        lsh.insert(key, minhash, check_duplication=False)
        items += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"version": getattr(datasketch, "__version__", "?"), "items": items, "seconds": seconds,
                      "bands": lsh.b, "rows": lsh.r, "candidates": candidates,
                      "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


main()
