import DatasetCore

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
public struct UnionFind: Sendable {
    private var parent: [Int32]
    private var size: [Int32]

    public init(count: Int) {
        parent = (0..<count).map { Int32($0) }
        size = Array(repeating: 1, count: count)
    }

    public mutating func find(_ element: Int) -> Int {
        var node = Int32(element)
        while parent[Int(node)] != node {
            parent[Int(node)] = parent[Int(parent[Int(node)])]
            node = parent[Int(node)]
        }
        return Int(node)
    }

    /// Joins two sets; false when they were one already.
    @discardableResult
    public mutating func union(_ a: Int, _ b: Int) -> Bool {
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
    public func clusters(shingles: [[UInt64]], comparing: ((Int, Int) -> Bool)? = nil,
                         signed: ((Int) -> Void)? = nil) -> Result {
        clusters(count: shingles.count, shingles: { shingles[$0] }, comparing: comparing, signed: signed)
    }

    /// Finds clusters among `count` items whose shingle hashes `shingles` makes on demand, in any
    /// order and with repeats (`Shingles.ngramHashes`): each item's are made to sign it and let
    /// go, and made again, sorted and distinct, for the candidate pairs that need the exact
    /// check. Held for every item, the sets were the largest thing a million-candidate run had
    /// in memory.
    ///
    /// Band keys are kept for all items (8 bytes per item and band, not the signatures) and
    /// bucketed one band at a time in an open-addressing table with chained members, which holds
    /// a million items in a few hundred megabytes where a dictionary of arrays per band took
    /// several gigabytes.
    ///
    /// `comparing`, when given, says which candidate pairs (lower index first) are worth the
    /// exact check; the others are neither checked nor counted. `signed` hears how many more
    /// items have their signature, some sixteen thousand at a time.
    public func clusters(count: Int, shingles: @Sendable (Int) -> [UInt64], comparing: ((Int, Int) -> Bool)? = nil,
                         signed: ((Int) -> Void)? = nil) -> Result {
        let bands = banding.bands, rows = banding.rows
        precondition(count < Int(Int32.max), "fewer than 2³¹ items")
        var keys = [UInt64](repeating: 0, count: count * bands)
        var empty = [Bool](repeating: false, count: count)
        // Signed on every core, a round at a time so that progress is heard between rounds;
        // each chunk's keys (item by item) are put in band order here.
        let hasher = hasher
        for start in stride(from: 0, to: count, by: 1 << 14) {
            let round = start..<min(start + (1 << 14), count)
            // The body cannot throw.
            let chunks = try! Parallel.chunks(round.count) { chunk -> (range: Range<Int>, keys: [UInt64], empty: [Bool]) in
                var signature = [UInt32](repeating: 0, count: hasher.permutations)
                var chunkKeys = [UInt64](repeating: 0, count: chunk.count * bands)
                var chunkEmpty = [Bool](repeating: false, count: chunk.count)
                for (offset, index) in chunk.enumerated() {
                    let set = shingles(round.lowerBound + index)
                    guard !set.isEmpty else { chunkEmpty[offset] = true; continue }
                    hasher.fill(&signature, with: set)
                    for band in 0..<bands {
                        var key = UInt64(band)
                        for row in 0..<rows { key = Shingles.mix(key ^ UInt64(signature[band * rows + row])) }
                        chunkKeys[offset * bands + band] = key
                    }
                }
                return (chunk, chunkKeys, chunkEmpty)
            }
            for (chunk, chunkKeys, chunkEmpty) in chunks {
                for (offset, index) in chunk.enumerated() {
                    empty[round.lowerBound + index] = chunkEmpty[offset]
                    for band in 0..<bands { keys[band * count + round.lowerBound + index] = chunkKeys[offset * bands + band] }
                }
            }
            signed?(round.count)
        }
        // The bands bucketed on every core, a table each, each proposing the pairs that share a
        // bucket; the pairs are then checked on every core too (one after another, with a set
        // of pairs seen, this left the other core idle).
        let proposed = Parallel.map(bands) { [keys, empty] band in
            var table = BucketTable(capacity: count)
            for index in 0..<count where !empty[index] { table.insert(keys[band * count + index], Int32(index)) }
            var pairs: [UInt64] = []
            table.forEachBucket { members in
                for (position, a) in members.enumerated() {
                    for b in members[(position + 1)...] { pairs.append(UInt64(min(a, b)) << 32 | UInt64(max(a, b))) }
                }
            }
            return pairs
        }
        // Each pair once, in order, and only those worth the exact check.
        var candidatePairs: [UInt64] = []
        for pair in proposed.joined().sorted() where candidatePairs.last != pair {
            if let comparing, !comparing(Self.first(of: pair), Self.second(of: pair)) { continue }
            candidatePairs.append(pair)
        }
        // The candidates' sets, made once each on every core; only items some band pairs with another.
        var setIndex = [Int32](repeating: -1, count: count)
        var members: [Int] = []
        func add(_ item: Int) {
            guard setIndex[item] < 0 else { return }
            setIndex[item] = Int32(members.count)
            members.append(item)
        }
        for pair in candidatePairs {
            add(Self.first(of: pair))
            add(Self.second(of: pair))
        }
        let memberSets = Parallel.map(members.count) { [members] in Shingles.distinctSorted(shingles(members[$0])) }
        let similarities = try! Parallel.chunks(candidatePairs.count) { [candidatePairs, setIndex] range in
            range.map { position in
                let pair = candidatePairs[position]
                return Shingles.jaccard(memberSets[Int(setIndex[Self.first(of: pair)])], memberSets[Int(setIndex[Self.second(of: pair)])])
            }
        }.flatMap { $0 }
        var sets = UnionFind(count: count)
        var pairs: [SimilarPair] = []
        for (pair, similarity) in zip(candidatePairs, similarities) where similarity >= settings.threshold {
            let (low, high) = (Self.first(of: pair), Self.second(of: pair))
            pairs.append(SimilarPair(first: low, second: high, similarity: similarity))
            sets.union(low, high)
        }
        let candidates = candidatePairs.count
        var groups: [Int: [Int]] = [:]
        for pair in pairs {
            for index in [pair.first, pair.second] { groups[sets.find(index), default: []].append(index) }
        }
        let clusters = groups.values.map { Array(Set($0)).sorted() }.sorted { $0[0] < $1[0] }
        return Result(clusters: clusters, pairs: pairs, candidates: candidates)
    }

    /// A candidate pair as one number, the lower index in its high half: pairs in numeric order
    /// are in the order of their indices.
    private static func first(of pair: UInt64) -> Int { Int(pair >> 32) }
    private static func second(of pair: UInt64) -> Int { Int(pair & 0xFFFF_FFFF) }
}

/// Items by a 64-bit key: open addressing over a power-of-two table (at most half full), each
/// slot heading a chain of the items with its key.
struct BucketTable {
    private var keys: [UInt64]
    private var heads: [Int32]
    private var sizes: [Int32]
    private var next: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var slots = 16
        while slots < capacity * 2 { slots <<= 1 }
        keys = Array(repeating: 0, count: slots)
        heads = Array(repeating: -1, count: slots)
        sizes = Array(repeating: 0, count: slots)
        next = Array(repeating: -1, count: max(capacity, 1))
        mask = slots - 1
    }

    mutating func insert(_ key: UInt64, _ item: Int32) {
        var slot = Int(truncatingIfNeeded: Shingles.mix(key)) & mask
        while heads[slot] >= 0 && keys[slot] != key { slot = (slot + 1) & mask }
        if heads[slot] < 0 {
            keys[slot] = key
            sizes[slot] = 0
            next[Int(item)] = -1
        } else {
            next[Int(item)] = heads[slot]
        }
        heads[slot] = item
        sizes[slot] += 1
    }

    /// Calls `body` with the members of every key that two or more items share.
    func forEachBucket(_ body: ([Int32]) -> Void) {
        var members: [Int32] = []
        for slot in heads.indices where sizes[slot] > 1 && heads[slot] >= 0 {
            members.removeAll(keepingCapacity: true)
            var item = heads[slot]
            while item >= 0 {
                members.append(item)
                item = next[Int(item)]
            }
            body(members)
        }
    }
}
