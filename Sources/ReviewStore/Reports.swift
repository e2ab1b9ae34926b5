import Foundation
import DatasetCore
internal import GRDB
public import Statistics

/// Progress of one round.
public struct RoundStatus: Sendable, Codable {
    public struct ReviewerProgress: Sendable, Codable {
        public var reviewer: String
        public var batches: Int
        public var assigned: Int
        public var decided: Int
    }

    public var round: String
    public var closed: Bool
    /// Items that reached the round, and how many it approved or rejected.
    public var items: Int
    public var approved: Int
    public var rejected: Int
    /// Items that reached the round but are in none of its batches (new, or revised since).
    public var waitingForBatch: Int
    /// Items whose votes disagree and that wait for a lead or another reviewer.
    public var disputed: Int
    public var batches: Int
    public var unassignedSlots: Int
    public var votesExpected: Int
    public var votesDone: Int
    public var reviewers: [ReviewerProgress]
}

extension ReviewStore {
    public func status(plan: ReviewPlan) throws -> [RoundStatus] {
        try database.transaction {
            try syncRounds(plan, actor: Self.shellActor)
            let snapshot = try ReviewSnapshot(store: self, plan: plan)
            var result: [RoundStatus] = []
            for round in plan.rounds {
                let members = snapshot.members(of: round)
                let outcomes = members.compactMap { snapshot.outcome(in: round, for: $0) }
                let batches = try batches(round: round.name)
                var batchedKeys = Set<String>(), disputedKeys = Set<String>()
                var expected = 0, slots = 0
                var progress: [String: RoundStatus.ReviewerProgress] = [:]
                for batch in batches {
                    let items = try batchItems(batch.id)
                    let needed = batch.kind == .review ? round.reviewersPerItem : 1
                    expected += needed * items.count
                    slots += max(0, needed - batch.reviewers.count)
                    for member in items {
                        let key = "\(member.item.id)/\(member.contentHash)"
                        if batch.kind == .review { batchedKeys.insert(key) } else { disputedKeys.insert(key) }
                    }
                    for reviewer in batch.reviewers {
                        var entry = progress[reviewer] ?? .init(reviewer: reviewer, batches: 0, assigned: 0, decided: 0)
                        entry.batches += 1
                        entry.assigned += items.count
                        entry.decided += try database.value("SELECT COUNT(*) FROM decisions WHERE batch = ? AND reviewer = ?",
                                                            [batch.id, reviewer], as: Int.self) ?? 0
                        progress[reviewer] = entry
                    }
                }
                let done = try database.value("SELECT COUNT(*) FROM decisions d JOIN batches b ON b.id = d.batch WHERE b.round = ?",
                                              [round.name], as: Int.self) ?? 0
                let open = members.filter { snapshot.outcome(in: round, for: $0) == nil }
                result.append(RoundStatus(
                    round: round.name, closed: try roundIsClosed(round.name), items: members.count,
                    approved: outcomes.filter(\.approved).count, rejected: outcomes.filter { !$0.approved }.count,
                    waitingForBatch: open.filter { !batchedKeys.contains("\($0.item.id)/\($0.contentHash)") }.count,
                    disputed: open.filter { disputedKeys.contains("\($0.item.id)/\($0.contentHash)") }.count,
                    batches: batches.count, unassignedSlots: slots, votesExpected: expected, votesDone: done,
                    reviewers: progress.keys.sorted().map { progress[$0]! }))
            }
            return result
        }
    }

    /// Agreement among the round's reviewers on their decision and on each label, over all its
    /// items and per subject, with the number of items behind each figure. Adjudications are
    /// left out: they settle disagreements and are not independent votes.
    public func agreement(round roundName: String, plan: ReviewPlan) throws -> [VariableAgreement] {
        try database.snapshot { try readAgreement(round: roundName, plan: plan) }
    }

    func readAgreement(round roundName: String, plan: ReviewPlan) throws -> [VariableAgreement] {
        guard let round = plan.round(roundName) else { throw unknownRound(roundName, plan) }
        let snapshot = try ReviewSnapshot(store: self, plan: plan)
        // Every item version the round has votes on, with its subject.
        var units: [(key: String, subject: String, votes: [VoteRow])] = []
        let subjects = Dictionary(try database.rows("SELECT id, subject FROM items").map { ($0["id"] as String, $0["subject"] as String) }, uniquingKeysWith: { a, _ in a })
        for (key, votes) in snapshot.votes.sorted(by: { $0.key < $1.key }) where key.hasPrefix("\(roundName)/") {
            let regular = votes.filter { $0.batchKind != .adjudication }
            let itemID = key.dropFirst(roundName.count + 1).split(separator: "/").first.map(String.init) ?? ""
            if !regular.isEmpty { units.append((key, subjects[itemID] ?? "", regular)) }
        }
        // Each variable: a name, each vote's value (nil when the vote does not answer it), and the
        // order of its values when it is ordinal.
        var variables: [(name: String, value: (VoteRow) -> String?, order: [String]?)] = [("decision", { $0.decision.rawValue }, nil)]
        for spec in round.labels {
            let answered = { (vote: VoteRow) in vote.decision == .approve && vote.labels[spec.name] != nil }
            if spec.kind == .choice, spec.multiple {
                for value in spec.values {
                    variables.append(("\(spec.name)=\(value)", { answered($0) ? String($0.labels[spec.name]!.contains(value)) : nil }, nil))
                }
            } else {
                variables.append((spec.name, { answered($0) ? $0.labels[spec.name]!.first!.lowercased() : nil },
                                  spec.ordinal ? spec.values.map { $0.lowercased() } : nil))
            }
            if spec.name == "required_knowledge" {
                variables.append(("cultural_sensitivity", { vote in
                    answered(vote) ? CulturalSensitivity(requiredKnowledge: vote.labels[spec.name]!).rawValue : nil
                }, nil))
            }
        }
        var scopes: [(String, [(key: String, subject: String, votes: [VoteRow])])] = [("all", units)]
        for subject in Set(units.map(\.subject)).sorted() { scopes.append(("subject=\(subject)", units.filter { $0.subject == subject })) }
        var result: [VariableAgreement] = []
        for variable in variables {
            for (scope, scoped) in scopes {
                // Seeded by what is measured, so that the same votes always give the same interval.
                var generator = SplitMix64(seed: 0, label: "agreement\u{1F}\(variable.name)")
                result.append(VariableAgreement.measure(variable: variable.name, scope: scope, order: variable.order, raters: round.reviewersPerItem,
                                                        units: scoped.map { $0.votes.compactMap { vote in variable.value(vote).map { (vote.reviewer, $0) } } },
                                                        interval: scope == "all", using: &generator))
            }
        }
        return result
    }
}
