import Foundation
public import DatasetCore
internal import GRDB

/// Someone who may take part in review.
public struct Reviewer: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var role: ReviewerRole

    public init(id: String, name: String, role: ReviewerRole) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// A review error the curator or reviewer can act on (unknown round, nobody eligible, ...).
public struct ReviewError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A batch of item versions handed to reviewers together.
public struct BatchSummary: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// The round's first look at its items.
        case review
        /// Disagreements for a lead to settle.
        case adjudication
        /// Disagreements for one more reviewer.
        case tiebreak
    }

    public var id: String
    public var round: String
    public var kind: Kind
    public var items: Int
    public var reviewers: [String]
}

extension ReviewStore {
    // MARK: Reviewers

    public func addReviewer(_ reviewer: Reviewer, actor: String) throws {
        guard reviewer.id.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._@-]*/) != nil else {
            throw ReviewError("reviewer id '\(reviewer.id)' must be letters, digits, '.', '_', '@' or '-'")
        }
        try database.transaction {
            if try self.reviewer(reviewer.id) != nil { throw ReviewError("reviewer '\(reviewer.id)' already exists") }
            try database.execute("INSERT INTO reviewers (id, name, role) VALUES (?, ?, ?)",
                               [reviewer.id, reviewer.name, reviewer.role.rawValue])
            try audit(actor: actor, action: "reviewer.added", table: .reviewers, key: reviewer.id)
        }
    }

    public func reviewers() throws -> [Reviewer] {
        try database.rows("SELECT id, name, role FROM reviewers ORDER BY id").map(Self.reviewerRow)
    }

    public func reviewer(_ id: String) throws -> Reviewer? {
        try database.rows("SELECT id, name, role FROM reviewers WHERE id = ?", [id]).first.map(Self.reviewerRow)
    }

    static func reviewerRow(_ row: Row) -> Reviewer {
        Reviewer(id: row["id"], name: row["name"], role: ReviewerRole(rawValue: row["role"]) ?? .reviewer)
    }

    // MARK: Rounds and batches

    /// Records the plan's rounds (their order and settings) so that a change is audited.
    func syncRounds(_ plan: ReviewPlan, actor: String) throws {
        for change in try roundChanges(plan) {
            if change.isNew {
                try database.execute("INSERT INTO rounds (name, position, config, status) VALUES (?, ?, ?, 'open')",
                                   [change.name, change.position, change.config])
                try audit(actor: actor, action: "round.declared", table: .rounds, key: change.name)
            } else {
                try database.execute("UPDATE rounds SET position = ?, config = ? WHERE name = ?",
                                   [change.position, change.config, change.name])
                try audit(actor: actor, action: "round.changed", table: .rounds, key: change.name)
            }
        }
    }

    /// The rounds of the plan that the rounds table does not hold as declared: new ones, and
    /// those whose place or settings changed. Empty when syncing would write nothing.
    func roundChanges(_ plan: ReviewPlan) throws -> [(name: String, position: Int, config: String, isNew: Bool)] {
        let encoder = JSONLines.makeEncoder()
        return try plan.rounds.enumerated().compactMap { position, round in
            let config = try JSONLines.line(for: round, encoder: encoder)
            guard let existing = try database.rows("SELECT position, config FROM rounds WHERE name = ?", [round.name]).first else {
                return (round.name, position, config, true)
            }
            return existing["position"] != position || existing["config"] != config ? (round.name, position, config, false) : nil
        }
    }

    func setRoundStatus(_ round: String, closed: Bool, actor: String) throws {
        let status = closed ? "closed" : "open"
        let current: String? = try database.value("SELECT status FROM rounds WHERE name = ?", [round])
        guard current != status else { return }
        try database.execute("UPDATE rounds SET status = ? WHERE name = ?", [status, round])
        try audit(actor: actor, action: closed ? "round.closed" : "round.reopened", table: .rounds, key: round)
    }

    public func roundIsClosed(_ round: String) throws -> Bool {
        try database.value("SELECT status FROM rounds WHERE name = ?", [round], as: String.self) == "closed"
    }

    /// Puts the items that reached `roundName` and are in no batch of it yet into new batches
    /// of the round's size, one subject per batch (reviewers are often subject teachers).
    /// Items revised since they were batched come back this way. With `only`, items with
    /// other ids wait. Returns the new batches.
    @discardableResult
    public func open(_ roundName: String, plan: ReviewPlan, actor: String, only: Set<String>? = nil) throws -> [BatchSummary] {
        guard let round = plan.round(roundName) else { throw unknownRound(roundName, plan) }
        return try database.transaction {
            try syncRounds(plan, actor: actor)
            let snapshot = try ReviewSnapshot(store: self, plan: plan)
            if snapshot.pool.isEmpty {
                throw ReviewError("no items have reached review: run `build-dataset run --until review` first")
            }
            let batched = Set(try database.rows("""
                SELECT bi.item_id || '/' || bi.content_hash AS version FROM batch_items bi JOIN batches b ON b.id = bi.batch
                WHERE b.round = ? AND b.kind = 'review'
                """, [roundName]).map { $0["version"] as String })
            let waiting = snapshot.members(of: round).filter { member in
                snapshot.outcome(in: round, for: member) == nil && !batched.contains("\(member.id)/\(member.contentHash)")
                    && only.map { $0.contains(member.id) } ?? true
            }
            let bySubject = Dictionary(grouping: waiting, by: \.subject)
            var created: [BatchSummary] = []
            for subject in bySubject.keys.sorted() {
                let members = bySubject[subject]!.sorted { $0.id < $1.id }
                for start in stride(from: 0, to: members.count, by: round.batchSize) {
                    let chunk = Array(members[start..<min(start + round.batchSize, members.count)])
                    created.append(try createBatch(round: roundName, kind: .review,
                                                   items: chunk.map { ($0.id, $0.contentHash) }, actor: actor))
                }
            }
            if !created.isEmpty { try setRoundStatus(roundName, closed: false, actor: actor) }
            return created
        }
    }

    /// Creates a batch with its items. Call inside a transaction.
    func createBatch(round: String, kind: BatchSummary.Kind, items: [(id: String, hash: String)], actor: String) throws -> BatchSummary {
        let infix = switch kind { case .review: ""; case .adjudication: "adj-"; case .tiebreak: "tie-" }
        let count = try database.value("SELECT COUNT(*) FROM batches WHERE round = ? AND kind = ?", [round, kind.rawValue], as: Int.self) ?? 0
        let id = "\(round)-\(infix)\(String(format: "%03d", count + 1))"
        try database.execute("INSERT INTO batches (id, round, kind) VALUES (?, ?, ?)", [id, round, kind.rawValue])
        for (position, item) in items.enumerated() {
            try database.execute("INSERT INTO batch_items (batch, position, item_id, content_hash) VALUES (?, ?, ?, ?)",
                               [id, position + 1, item.id, item.hash])
        }
        try audit(actor: actor, action: "batch.created", table: .batches, key: id)
        return BatchSummary(id: id, round: round, kind: kind, items: items.count, reviewers: [])
    }

    func unknownRound(_ name: String, _ plan: ReviewPlan) -> ReviewError {
        ReviewError(plan.rounds.isEmpty
            ? "the pipeline declares no review rounds (stages.review.rounds)"
            : "unknown round '\(name)' (the pipeline declares: \(plan.rounds.map(\.name).joined(separator: ", ")))")
    }

    /// Every batch, optionally of one round, in creation order.
    public func batches(round: String? = nil) throws -> [BatchSummary] {
        try batches(round: round, id: nil)
    }

    public func batch(_ id: String) throws -> BatchSummary? {
        try batches(round: nil, id: id).first
    }

    /// One batch by id, or a round's batches, or all (the id's lookup uses the primary key).
    func batches(round: String?, id: String?) throws -> [BatchSummary] {
        let rows = try database.rows("""
            SELECT b.id, b.round, b.kind, (SELECT COUNT(*) FROM batch_items WHERE batch = b.id) AS items,
                   (SELECT group_concat(reviewer, ',') FROM (SELECT reviewer FROM assignments WHERE batch = b.id ORDER BY reviewer)) AS reviewers
            FROM batches b \(id != nil ? "WHERE b.id = ?" : round != nil ? "WHERE b.round = ?" : "") ORDER BY b.rowid
            """, StatementArguments([id ?? round].compactMap { $0 }))
        return rows.map { row in
            BatchSummary(id: row["id"], round: row["round"], kind: BatchSummary.Kind(rawValue: row["kind"]) ?? .review,
                         items: row["items"], reviewers: (row["reviewers"] as String?).map { $0.split(separator: ",").map(String.init) } ?? [])
        }
    }

    /// A batch's member without its record: which version of which item, and whether it is
    /// still the content the item's candidate shows (a revision or a raw edit replaces it).
    public struct BatchMember: Sendable, Hashable {
        public var itemID: String
        public var contentHash: String
        public var version: Int
        public var isCurrent: Bool
        public var task: ItemTask
    }

    /// The members of a batch in batch order, without decoding their items.
    public func batchMembers(_ batch: String) throws -> [BatchMember] {
        try database.rows("""
            SELECT bi.item_id, bi.content_hash, i.version,
                   COALESCE((SELECT current_hash FROM pool WHERE item_id = bi.item_id),
                            (SELECT content_hash FROM items WHERE id = bi.item_id ORDER BY version DESC LIMIT 1)) AS current_hash, i.task
            FROM batch_items bi JOIN items i ON i.id = bi.item_id AND i.content_hash = bi.content_hash
            WHERE bi.batch = ? ORDER BY bi.position
            """, [batch]).map { row in
            BatchMember(itemID: row["item_id"], contentHash: row["content_hash"], version: row["version"],
                        isCurrent: row["content_hash"] as String == row["current_hash"], task: ItemTask(rawValue: row["task"]) ?? .commonKnowledge)
        }
    }

    /// The item versions of a batch, in batch order.
    public func batchItems(_ batch: String) throws -> [ItemVersion] {
        try database.rows("""
            SELECT i.record, i.version, i.content_hash, i.author, i.revised_in FROM batch_items bi
            JOIN items i ON i.id = bi.item_id AND i.content_hash = bi.content_hash
            WHERE bi.batch = ? ORDER BY bi.position
            """, [batch]).map(Self.itemVersion)
    }

    /// The item versions of a batch that are still what their items show, in batch order: a
    /// version a revision or a raw edit replaced is no longer decided on in this batch.
    public func currentBatchItems(_ batch: String) throws -> [ItemVersion] {
        let current = Set(try batchMembers(batch).filter(\.isCurrent).map(\.contentHash))
        return try batchItems(batch).filter { current.contains($0.contentHash) }
    }

    // MARK: Assignment

    public struct Assignment: Sendable, Hashable {
        public var batch: String
        public var reviewer: String
    }

    public struct AssignReport: Sendable {
        public var assigned: [Assignment] = []
        /// Batches still short of reviewers, with why.
        public var unfilled: [(batch: String, missing: Int, reason: String)] = []
    }

    /// Fills every batch of the round with eligible reviewers, least loaded (in items) first (then by id,
    /// so the same database always assigns the same way).
    public func assign(round roundName: String, plan: ReviewPlan, actor: String) throws -> AssignReport {
        guard let round = plan.round(roundName) else { throw unknownRound(roundName, plan) }
        return try database.transaction {
            var report = AssignReport()
            let everyone = try reviewers()
            var load: [String: Int] = [:]
            // Load is the number of items a reviewer has in the round's batches.
            for row in try database.rows("""
                SELECT a.reviewer, COUNT(*) AS items FROM assignments a JOIN batches b ON b.id = a.batch JOIN batch_items bi ON bi.batch = b.id
                WHERE b.round = ? GROUP BY a.reviewer
                """, [roundName]) {
                load[row["reviewer"]] = row["items"]
            }
            // Largest batches first, so that loads even out.
            for batch in try batches(round: roundName).sorted(by: { ($0.items, $1.id) > ($1.items, $0.id) }) {
                let needed = (batch.kind == .review ? round.reviewersPerItem : 1) - batch.reviewers.count
                guard needed > 0 else { continue }
                let excluded = try excludedReviewers(of: batch, round: round)
                let candidates = everyone.filter { ineligibility(of: $0, for: batch, round: round, excluded: excluded) == nil }
                    .sorted { (load[$0.id, default: 0], $0.id) < (load[$1.id, default: 0], $1.id) }
                for reviewer in candidates.prefix(needed) {
                    try insertAssignment(batch: batch.id, reviewer: reviewer.id, actor: actor)
                    load[reviewer.id, default: 0] += batch.items
                    report.assigned.append(Assignment(batch: batch.id, reviewer: reviewer.id))
                }
                if candidates.count < needed {
                    let roles = batch.kind == .adjudication ? "lead" : round.roles.map(\.rawValue).joined(separator: "/")
                    report.unfilled.append((batch.id, needed - candidates.count,
                                            "not enough eligible reviewers with role \(roles) who did not write or already vote on its items"))
                }
            }
            return report
        }
    }

    /// Assigns one reviewer to one batch, if they may review it.
    public func assign(batch batchID: String, reviewer reviewerID: String, plan: ReviewPlan, actor: String) throws {
        try database.transaction {
            guard let batch = try batch(batchID) else { throw ReviewError("unknown batch '\(batchID)'") }
            guard let round = plan.round(batch.round) else { throw unknownRound(batch.round, plan) }
            guard let reviewer = try reviewer(reviewerID) else { throw ReviewError("unknown reviewer '\(reviewerID)'") }
            if let reason = ineligibility(of: reviewer, for: batch, round: round, excluded: try excludedReviewers(of: batch, round: round)) {
                throw ReviewError("\(reviewerID) cannot review \(batchID): \(reason)")
            }
            try insertAssignment(batch: batchID, reviewer: reviewerID, actor: actor)
        }
    }

    func insertAssignment(batch: String, reviewer: String, actor: String) throws {
        try database.execute("INSERT INTO assignments (batch, reviewer) VALUES (?, ?)", [batch, reviewer])
        try audit(actor: actor, action: "batch.assigned", table: .assignments, key: "\(batch)/\(reviewer)")
    }

    /// Why a reviewer may not take a batch, or nil when they may; `excluded` is what
    /// `excludedReviewers` found for the batch.
    func ineligibility(of reviewer: Reviewer, for batch: BatchSummary, round: ReviewRound, excluded: [String: String]) -> String? {
        if batch.reviewers.contains(reviewer.id) { return "already assigned" }
        if batch.kind == .adjudication {
            if reviewer.role != .lead { return "adjudication is for leads, and \(reviewer.id) is a \(reviewer.role.rawValue)" }
        } else if !round.roles.contains(reviewer.role) {
            return "round \(round.name) is for \(round.roles.map(\.rawValue).joined(separator: "/")), and \(reviewer.id) is a \(reviewer.role.rawValue)"
        }
        return excluded[reviewer.id].map { "\(reviewer.id) \($0)" }
    }

    /// The reviewers a batch's items exclude, each with why (the first item, in batch order,
    /// that they wrote or already voted on in the round): read once per batch, not once per
    /// reviewer and item.
    func excludedReviewers(of batch: BatchSummary, round: ReviewRound) throws -> [String: String] {
        var reasons: [String: String] = [:]
        for member in try batchMembers(batch.id) {
            for author in try authors(of: member.itemID, upTo: member.version).sorted() where reasons[author] == nil {
                reasons[author] = "wrote item \(member.itemID)"
            }
            for row in try database.rows("SELECT reviewer FROM decisions WHERE item_id = ? AND content_hash = ? AND round = ? ORDER BY seq",
                                         [member.itemID, member.contentHash, round.name]) {
                let voter: String = row["reviewer"]
                if reasons[voter] == nil { reasons[voter] = "already voted on item \(member.itemID)" }
            }
        }
        return reasons
    }

    /// Everyone who wrote an item up to a version: the source's author and each reviser.
    func authors(of itemID: String, upTo version: Int) throws -> Set<String> {
        var result = Set<String>()
        for row in try database.rows("SELECT author FROM items WHERE id = ? AND version <= ?", [itemID, version]) {
            if let author: String = row["author"] { result.insert(author) }
        }
        return result
    }

    /// Whether a reviewer is assigned to a batch.
    public func isAssigned(_ reviewer: String, to batch: String) throws -> Bool {
        !(try database.rows("SELECT 1 FROM assignments WHERE batch = ? AND reviewer = ?", [batch, reviewer]).isEmpty)
    }
}
