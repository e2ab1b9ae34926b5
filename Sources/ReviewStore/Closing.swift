import Foundation
import DatasetCore
internal import GRDB

/// What closing a round did.
public struct CloseReport: Sendable {
    public var round: String
    /// Items the rule settled now.
    public var approved = 0
    public var rejected = 0
    /// Items settled earlier.
    public var alreadySettled = 0
    /// Items still short of votes (or of a batch).
    public var pending: [String] = []
    /// Items whose votes disagree, waiting for a lead or another reviewer.
    public var disputed: [String] = []
    /// Adjudication or tiebreak batches made now.
    public var newBatches: [BatchSummary] = []
    /// Every item of the round is settled.
    public var closed = false
}

extension ReviewRound {
    /// The votes' verdict under the round's rule: approved, rejected, or nil for a disagreement.
    func verdict(_ decisions: [ReviewDecision]) -> Bool? {
        guard !decisions.isEmpty else { return nil }
        let approvals = Double(decisions.filter { $0 == .approve }.count)
        let rejections = Double(decisions.filter { $0 == .reject }.count)
        let total = Double(decisions.count)
        switch rule {
        case .unanimous:
            return approvals == total ? true : rejections == total ? false : nil
        case .majority(let threshold):
            return approvals / total > threshold ? true : rejections / total > threshold ? false : nil
        case .any:
            return approvals > 0 ? true : rejections == total ? false : nil
        }
    }

    /// The labels that hold for an item: for a multiple choice, every value at least `labelThreshold`
    /// of the labelling reviewers gave; otherwise the most given value if it reaches the threshold
    /// and no other value ties it. Labels nobody gave are left out.
    func aggregateLabels(_ votes: [[String: [String]]]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for spec in labels {
            let given = votes.compactMap { $0[spec.name] }.filter { !$0.isEmpty }
            guard !given.isEmpty else { continue }
            var counts: [String: Int] = [:]
            for values in given { for value in Set(values) { counts[value, default: 0] += 1 } }
            let share = { (value: String) in Double(counts[value]!) / Double(given.count) }
            let ordered = counts.keys.sorted { (spec.values.firstIndex(of: $0) ?? .max, $0) < (spec.values.firstIndex(of: $1) ?? .max, $1) }
            if spec.multiple {
                var held = ordered.filter { share($0) >= labelThreshold }
                if spec.name == "required_knowledge", held.count > 1 { held.removeAll { $0 == "none" } }
                if !held.isEmpty { result[spec.name] = held }
            } else {
                let ranked = ordered.sorted { counts[$0]! > counts[$1]! }
                if let top = ranked.first, share(top) >= labelThreshold, ranked.count == 1 || counts[ranked[1]]! < counts[top]! {
                    result[spec.name] = [top]
                }
            }
        }
        return result
    }
}

extension ReviewStore {
    /// Applies the round's rule to every item that reached it and has all its votes. Items
    /// whose votes disagree go to an adjudication batch (for a lead) or a tiebreak batch (for
    /// one more reviewer), as the round says; a lead's decision settles an adjudicated item.
    /// The round is closed once every item in it is settled; running this again after more
    /// votes settles more.
    public func close(_ roundName: String, plan: ReviewPlan, actor: String) throws -> CloseReport {
        guard let round = plan.round(roundName) else { throw unknownRound(roundName, plan) }
        return try database.transaction {
            try syncRounds(plan, actor: actor)
            let snapshot = try ReviewSnapshot(store: self, plan: plan)
            var report = CloseReport(round: roundName)
            var extraBatches: [String: Int] = [:]
            var inAdjudication = Set<String>()
            for row in try database.rows("""
                SELECT b.kind, bi.item_id, bi.content_hash FROM batch_items bi JOIN batches b ON b.id = bi.batch
                WHERE b.round = ? AND b.kind != 'review'
                """, [roundName]) {
                let key = "\(row["item_id"] as String)/\(row["content_hash"] as String)"
                if row["kind"] == BatchSummary.Kind.tiebreak.rawValue { extraBatches[key, default: 0] += 1 } else { inAdjudication.insert(key) }
            }
            let encoder = JSONLines.makeEncoder()
            var toAdjudicate: [(String, String)] = [], toTiebreak: [(String, String)] = []
            for member in snapshot.members(of: round) {
                if snapshot.outcome(in: round, for: member) != nil { report.alreadySettled += 1; continue }
                let key = "\(member.id)/\(member.contentHash)"
                let votes = snapshot.votes(in: roundName, on: member)
                let regular = votes.filter { $0.batchKind != .adjudication }
                guard regular.count >= round.reviewersPerItem + extraBatches[key, default: 0] else {
                    report.pending.append(member.id)
                    continue
                }
                var verdict = round.verdict(regular.map(\.decision))
                if verdict == nil, let adjudication = votes.first(where: { $0.batchKind == .adjudication }) {
                    verdict = adjudication.decision == .approve
                }
                guard let approved = verdict else {
                    report.disputed.append(member.id)
                    switch round.onDisagreement {
                    case .adjudicate where !inAdjudication.contains(key): toAdjudicate.append((member.id, member.contentHash))
                    case .anotherReviewer: toTiebreak.append((member.id, member.contentHash))
                    default: break
                    }
                    continue
                }
                let labels = approved ? round.aggregateLabels(regular.filter { $0.decision == .approve }.map(\.labels)) : [:]
                try database.execute("INSERT INTO outcomes (round, item_id, content_hash, outcome, labels) VALUES (?, ?, ?, ?, ?)",
                                   [roundName, member.id, member.contentHash,
                                    approved ? "approved" : "rejected", try JSONLines.line(for: labels, encoder: encoder)])
                try audit(actor: actor, action: approved ? "outcome.approved" : "outcome.rejected", table: .outcomes,
                          key: "\(roundName)/\(member.id)/\(member.contentHash)")
                if approved { report.approved += 1 } else { report.rejected += 1 }
            }
            for (kind, items) in [(BatchSummary.Kind.adjudication, toAdjudicate), (.tiebreak, toTiebreak)] {
                for start in stride(from: 0, to: items.count, by: round.batchSize) {
                    let chunk = Array(items[start..<min(start + round.batchSize, items.count)]).map { (id: $0.0, hash: $0.1) }
                    report.newBatches.append(try createBatch(round: roundName, kind: kind, items: chunk, actor: actor))
                }
            }
            report.closed = report.pending.isEmpty && report.disputed.isEmpty
            try setRoundStatus(roundName, closed: report.closed, actor: actor)
            return report
        }
    }
}
