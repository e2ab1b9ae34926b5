public import DatasetCore

/// The items a pipeline's review stage passes on, and those it holds back with the reason.
public struct ReviewedItems: Sendable {
    public var kept: [Item] = []
    public var dropped: [DroppedItem] = []
    /// Items whose raw content changed after a reviewer revised them, not yet decided on again:
    /// the raw content stands and goes back to review; the curator decides what to keep.
    public var rawEditConflicts: [String] = []
}

extension ReviewStore {
    /// Applies review to the items of a run (already registered): a reviser's text replaces the
    /// item's, rounds' results and votes go into `review`, and the labels of approving reviewers
    /// become `cultural_sensitivity`, `required_knowledge`, `time_sensitive`, `region` and `country`.
    /// Items rejected in a round are dropped; items still waiting in a round are dropped too unless
    /// the plan includes unreviewed items (then they pass, marked `in_review` or `unreviewed`).
    public func review(_ items: [Item], plan: ReviewPlan) throws -> ReviewedItems {
        let hashes = try Parallel.chunks(items.count) { range in items[range].map(\.contentHash) }.flatMap { $0 }
        let known = Dictionary(zip(items, hashes).map { ($0.id, (item: $0, contentHash: $1)) }, uniquingKeysWith: { a, _ in a })
        let snapshot = try ReviewSnapshot(store: self, plan: plan, known: known)
        let latest = Dictionary(snapshot.pool.map { ($0.item.id, $0) }, uniquingKeysWith: { a, _ in a })
        var result = ReviewedItems()
        for (original, hash) in zip(items, hashes) {
            guard let member = latest[original.id] else {
                result.kept.append(original)
                continue
            }
            var item = original
            if snapshot.rawEditConflict(member) { result.rawEditConflicts.append(item.id) }
            if member.contentHash != hash {
                // A reviewer revised the registered version: their text is the item's now.
                item.question = member.item.question
                item.choices = member.item.choices
                item.answer = member.item.answer
                // A corrected machine translation is post-edited.
                if let origin = member.item.translation?.origin, item.translation != nil { item.translation?.origin = origin }
                if !item.flags.contains("revised") { item.flags.append("revised") }
            }
            var summary = ReviewSummary(status: "unreviewed", rounds: [], version: member.version)
            var annotated = false
            for round in plan.rounds where round.applies(to: item) {
                let outcome = snapshot.outcome(in: round, for: member)
                let hash = outcome?.contentHash ?? member.contentHash
                let votes = snapshot.votes[ReviewSnapshot.key(round.name, item.id, hash)] ?? []
                summary.votes += votes.map { vote in
                    ReviewVote(round: round.name, reviewer: vote.reviewer, decision: vote.decision.rawValue,
                               adjudication: vote.batchKind == .adjudication,
                               labels: vote.labels.keys.sorted().flatMap { name in vote.labels[name]!.map { ReviewLabel(name: name, value: $0) } })
                }
                guard let outcome else { break }
                summary.rounds.append(round.name)
                guard outcome.approved else { break }
                if round.label("required_knowledge") != nil {
                    annotated = true
                    let knowledge = outcome.labels["required_knowledge"] ?? []
                    item.requiredKnowledge = knowledge
                    item.culturalSensitivity = CulturalSensitivity(requiredKnowledge: knowledge)
                }
                if let value = outcome.labels["time_sensitive"]?.first { item.timeSensitive = value == "true" }
                if let value = outcome.labels["region"]?.first { item.region = value }
                if let value = outcome.labels["country"]?.first { item.country = value }
            }
            if !annotated, plan.rounds.contains(where: { $0.applies(to: item) && $0.label("required_knowledge") != nil }) {
                item.culturalSensitivity = .notAnnotated
            }
            switch snapshot.progress(of: member) {
            case .approved:
                summary.status = summary.rounds.isEmpty ? "unreviewed" : "approved"
                item.review = summary
                result.kept.append(item)
            case .rejected(let round):
                summary.status = "rejected"
                item.review = summary
                result.dropped.append(DroppedItem(id: item.id, stage: "review", reason: "rejected", detail: "rejected in round \(round)", item: item))
            case .waiting(let round):
                summary.status = summary.votes.isEmpty && summary.rounds.isEmpty ? "unreviewed" : "in_review"
                item.review = summary
                if plan.includeUnreviewed {
                    result.kept.append(item)
                } else {
                    result.dropped.append(DroppedItem(id: item.id, stage: "review", reason: "not_approved",
                                                      detail: "waiting in round \(round)", item: item))
                }
            }
        }
        return result
    }
}
