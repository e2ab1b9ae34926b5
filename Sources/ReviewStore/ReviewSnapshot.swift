import Foundation
internal import GRDB
import DatasetCore

/// One recorded vote, as the rules and the release read it.
struct VoteRow: Sendable {
    var seq: Int
    var reviewer: String
    var decision: ReviewDecision
    var reason: String?
    var batchKind: BatchSummary.Kind
    var labels: [String: [String]]
}

/// A round's settled result for one item version.
struct RoundOutcome: Sendable {
    var approved: Bool
    var contentHash: String
    var labels: [String: [String]]
}

/// Where an item stands across the rounds of a plan.
enum ItemProgress: Equatable {
    /// Passed every round that applies to it (possibly none).
    case approved
    case rejected(round: String)
    /// Waiting for a result in this round.
    case waiting(round: String)
}

/// A pool item as the rules that span rounds read it: its version and what says which rounds
/// apply to it, without its text.
struct PoolMember: Sendable, Equatable {
    var id: String
    var version: Int
    var contentHash: String
    var author: String?
    var task: ItemTask
    var subject: String
    var language: String
    var isTranslation: Bool

    init(id: String, version: Int, contentHash: String, author: String?, task: ItemTask, subject: String, language: String, isTranslation: Bool) {
        (self.id, self.version, self.contentHash, self.author) = (id, version, contentHash, author)
        (self.task, self.subject, self.language, self.isTranslation) = (task, subject, language, isTranslation)
    }

    init(_ version: ReviewStore.ItemVersion) {
        self.init(id: version.item.id, version: version.version, contentHash: version.contentHash, author: version.author,
                  task: version.item.task, subject: version.item.subject, language: version.item.language,
                  isTranslation: version.item.translation != nil)
    }
}

extension ReviewRound {
    func applies(to member: PoolMember) -> Bool {
        applies(task: member.task, language: member.language, isTranslation: member.isTranslation)
    }
}

/// The review state read once, for the rules that span rounds: which items reached a round,
/// and which results carry over to a revision.
struct ReviewSnapshot: Sendable {
    let plan: ReviewPlan
    var pool: [PoolMember]
    /// Each revised version ("id/content hash"): the round it was revised in and the content it was revised from.
    var revisedFrom: [String: (round: String, base: String)] = [:]
    /// The contents reviewers' revisions made, by item id.
    var revisedContents: [String: Set<String>] = [:]
    var outcomes: [String: RoundOutcome] = [:]
    var votes: [String: [VoteRow]] = [:]

    static func key(_ round: String, _ id: String, _ hash: String) -> String { "\(round)/\(id)/\(hash)" }

    /// The pool read from the database without decoding its items: the reports and commands
    /// that read a snapshot over half a million items decoded them all (1.4 GB, seconds).
    init(store: ReviewStore, plan: ReviewPlan) throws {
        try self.init(store: store, plan: plan, pool: try store.poolMembers())
    }

    init(store: ReviewStore, plan: ReviewPlan, pool: [PoolMember]) throws {
        self.plan = plan
        self.pool = pool
        for link in try store.revisionLinks() {
            revisedFrom["\(link.itemID)/\(link.revision)"] = (link.round, link.base)
            revisedContents[link.itemID, default: []].insert(link.revision)
        }
        // Every table row by row, by column number: a million decisions held as rows, and each
        // value looked up by its column's name, took a gigabyte and seconds.
        try store.database.eachRow("SELECT round, item_id, content_hash, outcome, labels FROM outcomes") { row in
            let hash: String = row[2]
            outcomes[Self.key(row[0], row[1], hash)] = RoundOutcome(approved: row[3] == "approved", contentHash: hash, labels: Self.decodeLabels(row[4]))
        }
        // Labels keep the order the round declares: a choice label's values as the first round
        // declaring that name lists them.
        var declared: [String: [String]] = [:], named = Set<String>()
        for spec in plan.rounds.flatMap(\.labels) where named.insert(spec.name).inserted && spec.kind == .choice { declared[spec.name] = spec.values }
        var labels: [Int: [String: [String]]] = [:]
        try store.database.eachRow("SELECT decision, name, value FROM labels ORDER BY decision, name, value") { row in
            labels[row[0], default: [:]][row[1], default: []].append(row[2])
        }
        for (decision, byName) in labels {
            for (name, values) in byName where values.count > 1 {
                guard let order = declared[name] else { continue }
                labels[decision]![name] = values.sorted { (order.firstIndex(of: $0) ?? .max) < (order.firstIndex(of: $1) ?? .max) }
            }
        }
        try store.database.eachRow("""
            SELECT d.seq, d.round, d.item_id, d.content_hash, d.reviewer, d.decision, d.reason, COALESCE(b.kind, 'review') AS kind
            FROM decisions d LEFT JOIN batches b ON b.id = d.batch ORDER BY d.seq
            """) { row in
            let seq: Int = row[0]
            votes[Self.key(row[1], row[2], row[3]), default: []].append(VoteRow(
                seq: seq, reviewer: row[4], decision: ReviewDecision(rawValue: row[5]) ?? .reject, reason: row[6],
                batchKind: BatchSummary.Kind(rawValue: row[7]) ?? .review, labels: labels[seq] ?? [:]))
        }
    }

    static func decodeLabels(_ text: String) -> [String: [String]] {
        (try? JSONDecoder().decode([String: [String]].self, from: Data(text.utf8))) ?? [:]
    }

    func position(of round: String?) -> Int? {
        round.flatMap { name in plan.rounds.firstIndex { $0.name == name } }
    }

    /// The round's result for an item: on its current version, or on an earlier one when every
    /// newer version was a revision made in a later round (a later round's fix does not undo
    /// an earlier round's check). Nil while the round has no result for it.
    func outcome(in round: ReviewRound, for member: PoolMember) -> RoundOutcome? {
        guard let roundPosition = position(of: round.name) else { return nil }
        var hash = member.contentHash
        for _ in 0...revisedFrom.count {
            if let found = outcomes[Self.key(round.name, member.id, hash)] { return found }
            // Raw content (no revision made it) starts the chain.
            guard let link = revisedFrom["\(member.id)/\(hash)"], let revisedIn = position(of: link.round),
                  revisedIn > roundPosition else { return nil }
            hash = link.base
        }
        return nil
    }

    /// Where an item stands: the first round that rejected it or has no result for it yet.
    func progress(of member: PoolMember) -> ItemProgress {
        for round in plan.rounds where round.applies(to: member) {
            guard let result = outcome(in: round, for: member) else { return .waiting(round: round.name) }
            if !result.approved { return .rejected(round: round.name) }
        }
        return .approved
    }

    /// The pool items that reached a round: it applies to them and they passed every round before it.
    func members(of round: ReviewRound) -> [PoolMember] {
        guard let roundPosition = position(of: round.name) else { return [] }
        return pool.filter { member in
            guard round.applies(to: member) else { return false }
            return plan.rounds[..<roundPosition].allSatisfy { earlier in
                !earlier.applies(to: member) || outcome(in: earlier, for: member)?.approved == true
            }
        }
    }

    /// Whether the raw files changed an item after a reviewer revised it: a revision exists that
    /// the candidate's content does not descend from, and nobody has decided on that content yet.
    /// The candidate then shows the raw content, and the curator is told.
    func rawEditConflict(_ member: PoolMember) -> Bool {
        let id = member.id
        let revisions = revisedContents[id] ?? []
        guard !revisions.isEmpty else { return false }
        var chain: Set<String> = [member.contentHash]
        var hash = member.contentHash
        while let link = revisedFrom["\(id)/\(hash)"], chain.insert(link.base).inserted { hash = link.base }
        guard !revisions.isSubset(of: chain) else { return false }
        return !chain.contains { hash in plan.rounds.contains { !(votes[Self.key($0.name, id, hash)] ?? []).isEmpty } }
    }

    func votes(in round: String, on member: PoolMember) -> [VoteRow] {
        votes[Self.key(round, member.id, member.contentHash)] ?? []
    }
}
