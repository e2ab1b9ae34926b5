public import DatasetCore

/// A group of items that are the same or nearly the same.
public struct DuplicateCluster: Codable, Sendable, Hashable {
    /// `duplicate` (same question, choices and answer: one kept), `near_duplicate` (similar
    /// question and choices, same answer: one kept), `similar` (a near-duplicate cluster of a task
    /// whose near-duplicates are reported: all kept), or `conflict` (same or similar question with
    /// different choices or answer, or holding a conflict of the exact stage: all kept for a person).
    public var kind: String
    public var key: String
    public var representative: String?
    public var members: [String]
    /// For near-duplicates: each member's exact Jaccard similarity to the representative (or,
    /// in a conflict, to the cluster's first member).
    public var similarity: [String: Double]?

    public init(kind: String, key: String, representative: String?, members: [String], similarity: [String: Double]? = nil) {
        self.kind = kind
        self.key = key
        self.representative = representative
        self.members = members
        self.similarity = similarity
    }
}

public struct DedupResult: Sendable {
    public var unique: [Item] = []
    public var dropped: [DroppedItem] = []
    public var clusters: [DuplicateCluster] = []

    public init(unique: [Item] = [], dropped: [DroppedItem] = [], clusters: [DuplicateCluster] = []) {
        self.unique = unique
        self.dropped = dropped
        self.clusters = clusters
    }
}

/// Which of two copies of an item is kept: an item in its own language over a translation, then
/// the curator's choice (source priority: the
/// sources `prefer_sources` names, then the rest in pipeline order), then an approved review,
/// fewer flags and a stated licence, then the longer stem counted without white space (so
/// spacing artefacts of PDF extraction do not win), fewer white space characters, and the
/// smaller id, so the choice never depends on input order.
public struct KeepRule: Sendable {
    /// Source id → priority, lower first; sources not listed come after every listed one.
    public var sourceRank: [String: Int]

    public init(sourcePriority: [String] = []) {
        var rank: [String: Int] = [:]
        for (index, id) in sourcePriority.enumerated() where rank[id] == nil { rank[id] = index }
        sourceRank = rank
    }

    public func prefers(_ a: Item, over b: Item) -> Bool {
        // An item in its own language before a translation that copies it.
        if (a.translation == nil) != (b.translation == nil) { return a.translation == nil }
        let aRank = sourceRank[a.source.sourceID] ?? Int.max, bRank = sourceRank[b.source.sourceID] ?? Int.max
        if aRank != bRank { return aRank < bRank }
        let aReviewed = a.review.status == "approved", bReviewed = b.review.status == "approved"
        if aReviewed != bReviewed { return aReviewed }
        if a.flags.count != b.flags.count { return a.flags.count < b.flags.count }
        if (a.source.license != nil) != (b.source.license != nil) { return a.source.license != nil }
        let aCounts = Self.counts(a.question), bCounts = Self.counts(b.question)
        if aCounts.variants != bCounts.variants { return aCounts.variants < bCounts.variants }
        if aCounts.text != bCounts.text { return aCounts.text > bCounts.text }
        if aCounts.spaces != bCounts.spaces { return aCounts.spaces < bCounts.spaces }
        return a.id < b.id
    }

    /// The scalars of `text` that are width variants or ligatures (what typesetting or a
    /// conversion leaves: a full-width copy loses to its plain twin even with a longer stem),
    /// those that are not white space, and those that are, counted without making the filtered
    /// text (`filter` made a string for each comparison of a sort).
    private static func counts(_ text: String) -> (variants: Int, text: Int, spaces: Int) {
        var counts = (variants: 0, text: 0, spaces: 0)
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace { counts.spaces += 1 } else { counts.text += 1 }
            if isWidthVariantOrLigature(scalar) { counts.variants += 1 }
        }
        return counts
    }

    /// Full-width ASCII, half-width katakana and Hangul (Unicode's Halfwidth and Fullwidth
    /// Forms) and Latin ligatures (ﬁ, ﬂ, ...), which NFKC maps to the plain letters. Not the
    /// compatibility jamo (ㄱ, ㄴ) or circled digits (①) that Korean exam items use as written.
    static func isWidthVariantOrLigature(_ scalar: Unicode.Scalar) -> Bool {
        (0xFF01...0xFFEE).contains(scalar.value) || (0xFB00...0xFB06).contains(scalar.value)
    }
}

/// Exact duplicates by the comparison key of the question (NFKC, case and punctuation folded).
///
/// Within a group, items that also share choices and answer are duplicates: one representative
/// is kept by the keep rule. Items that share only the question are a conflict and all kept.
/// Social-value items are the same only with the same options in the same order.
public enum ExactDeduplicator {
    public static func deduplicate(_ items: [Item], rule: KeepRule = KeepRule()) -> DedupResult {
        deduplicate(items, rule: rule, hash: keyHash)
    }

    /// `deduplicate` with the hash of keys given (a test makes them all collide).
    static func deduplicate(_ items: [Item], rule: KeepRule, hash keyHash: @Sendable (String) -> Int) -> DedupResult {
        // Each item's key is made and hashed on every core, and only its hash kept; grouping
        // records where each hash was met last and lists only the hashes met again. (A table of
        // a million keys as strings normalized Korean text on every hash, and freeing them after
        // took as long: two seconds of one core.) Items whose hashes meet are grouped again by
        // their keys, so a collision of hashes merges nothing.
        let hashes = try! Parallel.chunks(items.count) { range in items[range].map { keyHash(key(of: $0)) } }.flatMap { $0 }
        var metLast: [Int: Int] = [:]
        metLast.reserveCapacity(items.count)
        var shared: [Int: [Int]] = [:]
        for (index, hash) in hashes.enumerated() {
            // The earlier place starts a list at a hash's second item, the first one then.
            if let earlier = metLast.updateValue(index, forKey: hash) { shared[hash, default: [earlier]].append(index) }
        }
        // Keys several items share, each with its items in order; only these are sorted.
        var keys: [(key: String, members: [Int])] = []
        for members in shared.values {
            for (key, members) in Dictionary(grouping: members, by: { key(of: items[$0]) }) where members.count > 1 { keys.append((key, members)) }
        }
        keys.sort { $0.key < $1.key }
        var result = DedupResult()
        var dropped = [Bool](repeating: false, count: items.count)
        // Per language: a translation left identical to its source is flagged at validation, not merged.
        for (key, members) in keys {
            for group in byLanguage(members, language: { items[$0].language }) {
                guard group.count > 1 else { continue }
                let variants = Dictionary(grouping: group, by: { variantKey(items[$0]) })
                if variants.count > 1 {
                    result.clusters.append(DuplicateCluster(kind: "conflict", key: key, representative: nil,
                                                            members: group.map { items[$0].id }.sorted()))
                }
                for variantKey in variants.keys.sorted() {
                    let members = variants[variantKey]!.sorted { rule.prefers(items[$0], over: items[$1]) }
                    guard members.count > 1 else { continue }
                    let keep = items[members[0]]
                    result.clusters.append(DuplicateCluster(kind: "duplicate", key: key, representative: keep.id,
                                                            members: members.map { items[$0].id }.sorted()))
                    for other in members.dropFirst() {
                        dropped[other] = true
                        result.dropped.append(DroppedItem(id: items[other].id, stage: "dedup", reason: "duplicate",
                                                          detail: "same question, choices and answer as \(keep.id)", item: items[other]))
                    }
                }
            }
        }
        result.unique = items.indices.compactMap { dropped[$0] ? nil : items[$0] }
        return result
    }

    /// The members split by language, each part in the members' order; one part when all share one.
    static func byLanguage<Member>(_ members: [Member], language: (Member) -> String) -> [[Member]] {
        let first = members.first.map(language)
        guard members.contains(where: { language($0) != first }) else { return [members] }
        let parts = Dictionary(grouping: members, by: language)
        return parts.keys.sorted().map { parts[$0]! }
    }

    /// What makes two items the same question: their task and the question's comparison key.
    static func key(of item: Item) -> String {
        "\(item.task.rawValue)\u{1F}\(item.question.comparisonKeyKeepingNumbers)"
    }

    /// A key's hash, from the bytes of its NFC form: keys that are equal as strings hash alike.
    static func keyHash(_ key: String) -> Int {
        var text = key.nfc
        var hasher = Hasher()
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }

    static func variantKey(_ item: Item) -> String {
        // A survey's options are a scale in order; a knowledge item's choices may be permuted.
        let choices = item.choices.map(\.comparisonKeyKeepingNumbers)
        return ((item.task == .socialValue ? choices : choices.sorted()) + [item.answerText?.comparisonKeyKeepingNumbers ?? ""])
            .joined(separator: "\u{1F}")
    }
}
