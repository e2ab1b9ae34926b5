public import DatasetCore

/// A group of items that are the same or nearly the same.
public struct DuplicateCluster: Codable, Sendable, Hashable {
    /// `duplicate` (same question, choices and answer: one kept), `near_duplicate` (similar
    /// question and choices, same answer: one kept), or `conflict` (same or similar question with
    /// different choices or answer: all kept for a person to resolve).
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
}

/// Exact duplicates by the comparison key of the question (NFKC, case and punctuation folded).
///
/// Within a group, items that also share choices and answer are duplicates: one representative
/// is kept by `preferred(_:_:)`. Items that share only the question are a conflict and all kept.
public enum ExactDeduplicator {
    public static func deduplicate(_ items: [Item]) -> DedupResult {
        var groups: [String: [Item]] = [:]
        for item in items {
            groups["\(item.task.rawValue)\u{1F}\(item.question.comparisonKey)", default: []].append(item)
        }
        var result = DedupResult()
        var dropped: Set<String> = []
        for key in groups.keys.sorted() {
            let group = groups[key]!
            guard group.count > 1 else { continue }
            let variants = Dictionary(grouping: group, by: variantKey)
            if variants.count > 1 {
                result.clusters.append(DuplicateCluster(kind: "conflict", key: key, representative: nil,
                                                        members: group.map(\.id).sorted()))
            }
            for variantKey in variants.keys.sorted() {
                let members = variants[variantKey]!.sorted(by: preferred)
                guard members.count > 1 else { continue }
                let keep = members[0]
                result.clusters.append(DuplicateCluster(kind: "duplicate", key: key, representative: keep.id,
                                                        members: members.map(\.id).sorted()))
                for other in members.dropFirst() {
                    dropped.insert(other.id)
                    result.dropped.append(DroppedItem(id: other.id, stage: "dedup", reason: "duplicate",
                                                      detail: "same question, choices and answer as \(keep.id)", item: other))
                }
            }
        }
        result.unique = items.filter { !dropped.contains($0.id) }
        return result
    }

    static func variantKey(_ item: Item) -> String {
        (item.choices.map(\.comparisonKey).sorted() + [item.answerText?.comparisonKey ?? ""]).joined(separator: "\u{1F}")
    }

    /// The representative rule: reviewed before unreviewed, fewer flags, a stated licence,
    /// a longer stem, then the smaller id (so the choice never depends on input order).
    public static func preferred(_ a: Item, _ b: Item) -> Bool {
        let aReviewed = a.review.status == "approved", bReviewed = b.review.status == "approved"
        if aReviewed != bReviewed { return aReviewed }
        if a.flags.count != b.flags.count { return a.flags.count < b.flags.count }
        if (a.source.license != nil) != (b.source.license != nil) { return a.source.license != nil }
        if a.question.count != b.question.count { return a.question.count > b.question.count }
        return a.id < b.id
    }
}
