/// Every pair of sets whose Jaccard similarity reaches a threshold, found exactly: the answer
/// all-pairs comparison gives, without comparing all pairs. It is the ground truth against
/// which MinHash/LSH recall is measured.
///
/// Prefix filtering (Chaudhuri et al. 2006; Bayardo et al. 2007): with the tokens of every set
/// in one global order, two sets with J ≥ t share a token among the first |x| − ⌈t·|x|⌉ + 1 of
/// each. Any order is exact; rare tokens first keeps the groups that share a prefix token small,
/// so tokens are ordered by an approximate count, then by value.
public enum ExactSimilarityJoin {
    public static func pairs(_ sets: [[UInt64]], threshold: Double) -> [SimilarPair] {
        let countBits = 22
        var counts = [UInt32](repeating: 0, count: 1 << countBits)
        let slot = { (token: UInt64) in Int(truncatingIfNeeded: Shingles.mix(token) >> UInt64(64 - countBits)) }
        for set in sets { for token in set { counts[slot(token)] &+= 1 } }

        var prefixTokens: [UInt64] = []
        var prefixOwners: [Int32] = []
        for (index, set) in sets.enumerated() where !set.isEmpty {
            // (count, position in the token-sorted set) as one integer: the order (count, token).
            let ordered = set.indices.map { UInt64(counts[slot(set[$0])]) << 32 | UInt64($0) }.sorted()
                .map { set[Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF)] }
            // A longer prefix is always safe: the threshold is lowered a hair against rounding.
            let overlap = Int((threshold * Double(set.count) - 1e-9).rounded(.up))
            for token in ordered.prefix(max(1, set.count - overlap + 1)) {
                prefixTokens.append(token)
                prefixOwners.append(Int32(index))
            }
        }
        var table = BucketTable(capacity: prefixTokens.count)
        for (entry, token) in prefixTokens.enumerated() { table.insert(token, Int32(entry)) }
        var checked = Set<UInt64>()
        var result: [SimilarPair] = []
        table.forEachBucket { entries in
            for (position, first) in entries.enumerated() {
                for second in entries[(position + 1)...] {
                    let a = Int(prefixOwners[Int(first)]), b = Int(prefixOwners[Int(second)])
                    let (low, high) = (min(a, b), max(a, b))
                    // Length filter: J ≤ |smaller| / |larger|.
                    let sizes = (sets[low].count, sets[high].count)
                    guard Double(min(sizes.0, sizes.1)) >= (threshold - 1e-9) * Double(max(sizes.0, sizes.1)),
                          checked.insert(UInt64(low) << 32 | UInt64(high)).inserted else { continue }
                    let similarity = Shingles.jaccard(sets[low], sets[high])
                    if similarity >= threshold { result.append(SimilarPair(first: low, second: high, similarity: similarity)) }
                }
            }
        }
        return result.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
    }

    /// Every pair compared: for checking `pairs(_:threshold:)` on small inputs.
    public static func allPairs(_ sets: [[UInt64]], threshold: Double) -> [SimilarPair] {
        var result: [SimilarPair] = []
        for first in sets.indices where !sets[first].isEmpty {
            for second in (first + 1)..<sets.count where !sets[second].isEmpty {
                let similarity = Shingles.jaccard(sets[first], sets[second])
                if similarity >= threshold { result.append(SimilarPair(first: first, second: second, similarity: similarity)) }
            }
        }
        return result
    }
}
