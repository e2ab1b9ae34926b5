public import DatasetCore
import Foundation

/// What the near-duplicate stage does with a task's clusters.
public enum NearDuplicateAction: String, Sendable, CaseIterable {
    /// Keep one member of a cluster whose members share the answer.
    case drop
    /// Record the cluster for review and keep every member (survey batteries repeat one template
    /// with a word changed: their items look alike and are not the same question).
    case report
    /// Do not look.
    case off
}

/// Near-duplicate items within each task, on their question and choices (in any order). A
/// cluster whose members share the answer keeps one representative (the keep rule) and drops
/// the rest, where the task's action is `drop`; a cluster whose answers differ, or that holds a
/// pair the exact stage kept as a conflict, is a conflict, kept whole for a person.
public enum NearDuplicateDeduplicator {
    /// The text compared: the question and the choices, sorted so that their order does not count.
    public static func comparedText(_ item: Item) -> String {
        comparedText(question: item.question, choices: item.choices)
    }

    public static func comparedText(question: String, choices: [String]) -> String {
        ([question] + choices.sorted()).joined(separator: "\n")
    }

    /// `conflicts` are the exact stage's: a pair kept there is kept here too. `signed` hears how
    /// many more items have their MinHash signature, for progress.
    public static func deduplicate(_ items: [Item], settings: NearDuplicateSettings,
                                   actions: [ItemTask: NearDuplicateAction] = [:], conflicts: [DuplicateCluster] = [],
                                   rule: KeepRule = KeepRule(), signed: ((Int) -> Void)? = nil) -> DedupResult {
        let finder = NearDuplicateFinder(settings: settings)
        var conflictOf: [String: Int] = [:]
        for (index, cluster) in conflicts.enumerated() where cluster.kind == "conflict" {
            for member in cluster.members { conflictOf[member] = index }
        }
        var result = DedupResult()
        // Items by their positions: each task's positions found on every core, and the items
        // dropped marked by position, so that the kept ones are gathered without a copy of each
        // task's items or a set of dropped ids that every id was hashed against (a pass on one
        // core at a million candidates).
        let tasks = try! Parallel.chunks(items.count) { range in items[range].map(\.task) }.flatMap { $0 }
        var droppedAt = [Bool](repeating: false, count: items.count)
        for task in ItemTask.allCases {
            let action = actions[task] ?? .drop
            guard action != .off else { continue }
            let positions = tasks.indices.filter { tasks[$0] == task }
            let ngram = settings.ngram
            let found = finder.clusters(count: positions.count, shingles: { Shingles.ngramHashes(of: comparedText(items[positions[$0]]), n: ngram) },
                                        signed: signed)
            // Per language: a translation is never a near-copy of the text it translates.
            let clusters = found.clusters.flatMap { ExactDeduplicator.byLanguage($0, language: { items[positions[$0]].language }) }.filter { $0.count > 1 }
            // Each cluster is looked at on every core (ordering its members by the keep rule, the
            // exact similarity of each to the one kept): on one, about a second at a million candidates.
            let looked = Parallel.map(clusters.count) { [conflictOf] position in
                Self.look(at: clusters[position].map { positions[$0] }, in: items, ngram: ngram, conflictOf: conflictOf, rule: rule)
            }
            for cluster in looked {
                let key = "\(task.rawValue)\u{1F}near\u{1F}\(cluster.anchor.id)"
                let members = cluster.ordered.map(\.id).sorted()
                if cluster.isConflict {
                    result.clusters.append(DuplicateCluster(kind: "conflict", key: key, representative: nil, members: members,
                                                            similarity: cluster.similarity))
                    continue
                }
                if action == .report {
                    result.clusters.append(DuplicateCluster(kind: "similar", key: key, representative: nil, members: members,
                                                            similarity: cluster.similarity))
                    continue
                }
                result.clusters.append(DuplicateCluster(kind: "near_duplicate", key: key, representative: cluster.anchor.id,
                                                        members: members, similarity: cluster.similarity))
                for (other, position) in zip(cluster.ordered, cluster.positions).dropFirst() {
                    droppedAt[position] = true
                    let value = cluster.similarity[other.id].map { String(format: "%.3f", $0) } ?? "?"
                    result.dropped.append(DroppedItem(id: other.id, stage: "dedup", reason: "near_duplicate",
                                                      detail: "similar to \(cluster.anchor.id) (Jaccard \(value) on \(settings.ngram)-character shingles)",
                                                      item: other))
                }
            }
        }
        result.unique = droppedAt.contains(true) ? items.indices.filter { !droppedAt[$0] }.map { items[$0] } : items
        return result
    }

    /// A cluster's members in the keep rule's order, each one's exact similarity to the first,
    /// and whether it is a conflict: its answers differ, or it holds a pair the exact stage kept.
    private struct LookedAt: Sendable {
        var ordered: [Item]
        /// The position of each of `ordered` among the items.
        var positions: [Int]
        var similarity: [String: Double]
        var isConflict: Bool
        var anchor: Item { ordered[0] }
    }

    private static func look(at cluster: [Int], in items: [Item], ngram: Int, conflictOf: [String: Int], rule: KeepRule) -> LookedAt {
        let members = cluster.map { items[$0] }
        let answers = Set(members.map { $0.answerText?.comparisonKey ?? $0.answer ?? "" })
        let earlierConflicts = members.compactMap { conflictOf[$0.id] }
        let keptTogether = Set(earlierConflicts).count < earlierConflicts.count
        // The members' places in the keep rule's order: the order `members.sorted(by:)` gives.
        let order = members.indices.sorted { rule.prefers(members[$0], over: members[$1]) }
        let ordered = order.map { members[$0] }
        let anchor = ordered[0]
        var similarity: [String: Double] = [:]
        let anchorSet = Shingles.hashes(of: comparedText(anchor), n: ngram)
        for member in members where member.id != anchor.id {
            similarity[member.id] = Shingles.jaccard(anchorSet, Shingles.hashes(of: comparedText(member), n: ngram))
        }
        return LookedAt(ordered: ordered, positions: order.map { cluster[$0] }, similarity: similarity, isConflict: answers.count > 1 || keptTogether)
    }
}
