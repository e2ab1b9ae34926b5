/// Settings of near-duplicate detection, as the pipeline file gives them.
public struct NearDuplicateSettings: Sendable, Hashable {
    /// Characters per shingle.
    public var ngram: Int
    public var permutations: Int
    /// Pairs at or above this Jaccard similarity (of shingle sets) are near-duplicates.
    public var threshold: Double
    public var seed: UInt64
    /// The weight of missed pairs against needless candidates when the banding is chosen (the
    /// false-positive weight is 1 minus it). Candidates are re-checked exactly, so a needless one
    /// costs only time: the default leans to recall (0.9; datasketch's default is 0.5).
    public var falseNegativeWeight: Double

    public init(ngram: Int = 5, permutations: Int = 128, threshold: Double = 0.8, seed: UInt64 = 1,
                falseNegativeWeight: Double = 0.9) {
        self.ngram = ngram
        self.permutations = permutations
        self.threshold = threshold
        self.seed = seed
        self.falseNegativeWeight = falseNegativeWeight
    }

    public var banding: LSHBanding {
        LSHBanding.optimal(threshold: threshold, permutations: permutations, falsePositiveWeight: 1 - falseNegativeWeight,
                           falseNegativeWeight: falseNegativeWeight)
    }
}

/// A verified pair: its exact Jaccard similarity reached the threshold.
public struct SimilarPair: Sendable, Hashable {
    public var first: Int
    public var second: Int
    public var similarity: Double
}

/// Disjoint sets over 0..<count, with path halving and union by size.
struct UnionFind {
    private var parent: [Int32]
    private var size: [Int32]

    init(count: Int) {
        parent = (0..<count).map { Int32($0) }
        size = Array(repeating: 1, count: count)
    }

    mutating func find(_ element: Int) -> Int {
        var node = Int32(element)
        while parent[Int(node)] != node {
            parent[Int(node)] = parent[Int(parent[Int(node)])]
            node = parent[Int(node)]
        }
        return Int(node)
    }

    /// Joins two sets; false when they were one already.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int) -> Bool {
        var rootA = find(a), rootB = find(b)
        if rootA == rootB { return false }
        if size[rootA] < size[rootB] { swap(&rootA, &rootB) }
        parent[rootB] = Int32(rootA)
        size[rootA] += size[rootB]
        return true
    }
}

/// Near-duplicate detection: MinHash signatures, LSH bands for candidate pairs, and every
/// candidate re-checked by exact Jaccard on its shingles, so that a cluster never joins two
/// texts without a verified chain of similar pairs between them.
public struct NearDuplicateFinder: Sendable {
    public let settings: NearDuplicateSettings
    public let banding: LSHBanding
    let hasher: MinHasher

    public init(settings: NearDuplicateSettings) {
        self.settings = settings
        banding = settings.banding
        hasher = MinHasher(permutations: settings.permutations, seed: settings.seed)
    }

    public struct Result: Sendable {
        /// Groups of two or more indices, each sorted, in order of their first member.
        public var clusters: [[Int]]
        /// The verified pairs that joined them.
        public var pairs: [SimilarPair]
        /// Candidate pairs the bands proposed, and how many of them the exact check kept.
        public var candidates: Int
    }

    /// Finds the near-duplicate clusters among `texts`.
    public func clusters(of texts: [String]) -> Result {
        let shingles = texts.map { Shingles.hashes(of: $0, n: settings.ngram) }
        return clusters(shingles: shingles)
    }

    /// Finds clusters among shingle sets (sorted, distinct hashes).
    public func clusters(shingles: [[UInt64]]) -> Result {
        var buckets = [[UInt64: [Int32]]](repeating: [:], count: banding.bands)
        for (index, set) in shingles.enumerated() where !set.isEmpty {
            let signature = hasher.signature(set)
            for band in 0..<banding.bands {
                var key: UInt64 = UInt64(band)
                for row in 0..<banding.rows {
                    key = Shingles.mix(key ^ UInt64(signature[band * banding.rows + row]))
                }
                buckets[band][key, default: []].append(Int32(index))
            }
        }
        var sets = UnionFind(count: shingles.count)
        var checked = Set<UInt64>()
        var pairs: [SimilarPair] = []
        var candidates = 0
        for table in buckets {
            for members in table.values where members.count > 1 {
                for (position, a) in members.enumerated() {
                    for b in members[(position + 1)...] {
                        let (low, high) = (Int(min(a, b)), Int(max(a, b)))
                        guard checked.insert(UInt64(low) << 32 | UInt64(high)).inserted else { continue }
                        candidates += 1
                        let similarity = Shingles.jaccard(shingles[low], shingles[high])
                        if similarity >= settings.threshold {
                            pairs.append(SimilarPair(first: low, second: high, similarity: similarity))
                            sets.union(low, high)
                        }
                    }
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for pair in pairs {
            for index in [pair.first, pair.second] { groups[sets.find(index), default: []].append(index) }
        }
        let clusters = groups.values.map { Array(Set($0)).sorted() }.sorted { $0[0] < $1[0] }
        return Result(clusters: clusters, pairs: pairs.sorted { ($0.first, $0.second) < ($1.first, $1.second) }, candidates: candidates)
    }
}
