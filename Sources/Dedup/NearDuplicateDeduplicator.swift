public import DatasetCore
import Foundation

/// Near-duplicate items within each task, on their question and choices (in any order). A
/// cluster whose members share the answer keeps one representative (`ExactDeduplicator.preferred`)
/// and drops the rest; a cluster whose answers differ is a conflict, kept whole for a person.
public enum NearDuplicateDeduplicator {
    /// The text compared: the question and the choices, sorted so that their order does not count.
    public static func comparedText(_ item: Item) -> String {
        comparedText(question: item.question, choices: item.choices)
    }

    public static func comparedText(question: String, choices: [String]) -> String {
        ([question] + choices.sorted()).joined(separator: "\n")
    }

    /// `signed` hears how many more items have their MinHash signature, for progress.
    public static func deduplicate(_ items: [Item], settings: NearDuplicateSettings, signed: ((Int) -> Void)? = nil) -> DedupResult {
        let finder = NearDuplicateFinder(settings: settings)
        var result = DedupResult()
        var dropped = Set<String>()
        for task in ItemTask.allCases {
            let group = items.filter { $0.task == task }
            let shingles = group.map { Shingles.hashes(of: comparedText($0), n: settings.ngram) }
            let found = finder.clusters(shingles: shingles, signed: signed)
            for cluster in found.clusters {
                let members = cluster.map { group[$0] }
                let answers = Set(members.map { $0.answerText?.comparisonKey ?? $0.answer ?? "" })
                let ordered = members.sorted(by: ExactDeduplicator.preferred)
                let anchor = ordered[0]
                let anchorIndex = cluster[members.firstIndex { $0.id == anchor.id }!]
                var similarity: [String: Double] = [:]
                for (index, member) in zip(cluster, members) where member.id != anchor.id {
                    similarity[member.id] = Shingles.jaccard(shingles[anchorIndex], shingles[index])
                }
                let key = "\(task.rawValue)\u{1F}near\u{1F}\(anchor.id)"
                if answers.count > 1 {
                    result.clusters.append(DuplicateCluster(kind: "conflict", key: key, representative: nil,
                                                            members: members.map(\.id).sorted(), similarity: similarity))
                    continue
                }
                result.clusters.append(DuplicateCluster(kind: "near_duplicate", key: key, representative: anchor.id,
                                                        members: members.map(\.id).sorted(), similarity: similarity))
                for other in ordered.dropFirst() {
                    dropped.insert(other.id)
                    let value = similarity[other.id].map { String(format: "%.3f", $0) } ?? "?"
                    result.dropped.append(DroppedItem(id: other.id, stage: "dedup", reason: "near_duplicate",
                                                      detail: "similar to \(anchor.id) (Jaccard \(value) on \(settings.ngram)-character shingles)",
                                                      item: other))
                }
            }
        }
        result.unique = items.filter { !dropped.contains($0.id) }
        return result
    }
}
