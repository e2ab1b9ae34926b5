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
        let inHand = try itemsInHand(items)
        // The pool's items whole (a reviser's text replaces the item's), those in hand taken from there.
        let versions = try builtPool(of: inHand) ?? poolItems(known: inHand)
        let snapshot = try ReviewSnapshot(store: self, plan: plan, pool: Parallel.array(versions.count) { PoolMember(versions[$0]) })
        // Each item's pool member, found by walking the items and the pool (one member per id,
        // in id order) side by side rather than through a dictionary of every id.
        var member = [Int](repeating: -1, count: items.count)
        var cursor = TextOrder.Cursor()
        for position in inHand.byID {
            member[position] = cursor.find(inHand.ids[position], count: snapshot.pool.count) { snapshot.pool[$0].id } ?? -1
        }
        // Each item's fate depends on it and the snapshot only: decided on every core, a run of
        // items each, the runs' results joined in order.
        let parts = try Parallel.chunks(items.count) { [member] range in
            var part = ReviewedItems()
            for index in range {
                let fate = Self.fate(of: items[index], hash: inHand.hashes[index],
                                     member: member[index] < 0 ? nil : (snapshot.pool[member[index]], versions[member[index]]),
                                     snapshot: snapshot, plan: plan)
                if fate.rawEditConflict { part.rawEditConflicts.append(fate.item.id) }
                if let dropped = fate.dropped { part.dropped.append(dropped) } else { part.kept.append(fate.item) }
            }
            return part
        }
        let reviewed = ReviewedItems(kept: parts.flatMap(\.kept), dropped: parts.flatMap(\.dropped),
                                     rawEditConflicts: parts.flatMap(\.rawEditConflicts))
        // Freed here, the pool's versions and members, the parts and the hashes were a fifth of
        // this thread's time after registering half a million items, with the other core idle.
        Reclaim.later((versions, snapshot, parts, inHand))
        return reviewed
    }

    /// What review makes of one item: the item as it passes on, or why it is held back.
    private static func fate(of original: Item, hash: String, member pooled: (PoolMember, ReviewStore.ItemVersion)?, snapshot: ReviewSnapshot,
                             plan: ReviewPlan) -> (item: Item, dropped: DroppedItem?, rawEditConflict: Bool) {
        guard let (member, version) = pooled else { return (original, nil, false) }
        var item = original
        let conflict = snapshot.rawEditConflict(member)
        if member.contentHash != hash {
            // A reviewer revised the registered version: their text is the item's now.
            item.question = version.item.question
            item.choices = version.item.choices
            item.answer = version.item.answer
            // A corrected machine translation is post-edited.
            if let origin = version.item.translation?.origin, item.translation != nil { item.translation?.origin = origin }
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
            return (item, nil, conflict)
        case .rejected(let round):
            summary.status = "rejected"
            item.review = summary
            return (item, DroppedItem(id: item.id, stage: "review", reason: "rejected", detail: "rejected in round \(round)", item: item), conflict)
        case .waiting(let round):
            summary.status = summary.votes.isEmpty && summary.rounds.isEmpty ? "unreviewed" : "in_review"
            item.review = summary
            if plan.includeUnreviewed { return (item, nil, conflict) }
            return (item, DroppedItem(id: item.id, stage: "review", reason: "not_approved", detail: "waiting in round \(round)", item: item), conflict)
        }
    }
}
