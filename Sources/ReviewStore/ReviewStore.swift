public import Foundation
public import DatasetCore

/// The review database of one pipeline: items as reviewers saw them (each revision a new
/// version, keyed by content hash) and an append-only audit log whose entries chain by SHA-256.
public final class ReviewStore {
    public let database: SQLiteDatabase

    /// Migrations in order; `PRAGMA user_version` records how many have run.
    static let migrations: [String] = [
        """
        CREATE TABLE items (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            task TEXT NOT NULL,
            subject TEXT NOT NULL,
            record TEXT NOT NULL,
            PRIMARY KEY (id, version),
            UNIQUE (id, content_hash)
        );
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TABLE decisions (
            seq INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            round TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'revise')),
            reason TEXT
        );
        CREATE INDEX decisions_item ON decisions (item_id, content_hash);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """,
    ]

    public init(url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        database = try SQLiteDatabase(path: url.path)
        try migrate()
    }

    private func migrate() throws {
        try database.transaction {
            let applied = try database.userVersion
            guard applied <= Self.migrations.count else {
                throw SQLiteError(code: 0, message: "database schema \(applied) is newer than this tool (\(Self.migrations.count))",
                                  operation: "opening \(database.path)")
            }
            for (index, migration) in Self.migrations.enumerated() where index >= applied {
                try database.execute(migration)
                try database.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// Registers items that reached review. An item whose content changed gets a new version;
    /// an unchanged one is left alone, so a re-run writes nothing. Returns how many were new.
    @discardableResult
    public func register(_ items: [Item], actor: String) throws -> Int {
        let encoder = JSONLines.makeEncoder()
        return try database.transaction {
            var added = 0
            for item in items {
                let hash = item.contentHash
                let existing = try database.query("SELECT 1 FROM items WHERE id = ? AND content_hash = ?", [.text(item.id), .text(hash)])
                if !existing.isEmpty { continue }
                let version = (try database.query("SELECT COALESCE(MAX(version), 0) FROM items WHERE id = ?", [.text(item.id)])
                    .first?.first?.integer ?? 0) + 1
                try database.query(
                    "INSERT INTO items (id, version, content_hash, task, subject, record) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(item.id), .integer(version), .text(hash), .text(item.task.rawValue), .text(item.subject),
                     .text(try JSONLines.line(for: item, encoder: encoder))])
                try appendAudit(actor: actor, action: "item.registered", subject: item.id, detail: "version \(version) \(hash)")
                added += 1
            }
            return added
        }
    }

    /// The latest version and content hash of each registered item.
    public func latestVersions() throws -> [String: (version: Int, contentHash: String)] {
        var result: [String: (Int, String)] = [:]
        for row in try database.query("SELECT id, MAX(version), content_hash FROM items GROUP BY id") {
            if let id = row[0].text, let version = row[1].integer, let hash = row[2].text {
                result[id] = (Int(version), hash)
            }
        }
        return result
    }

    /// A hash of every decision recorded, to key the review stage and to record in a release.
    /// Registering items does not change it: only what reviewers decided does.
    public func decisionStateHash() throws -> String {
        let rows = try database.query("SELECT seq, item_id, content_hash, round, reviewer, decision, COALESCE(reason, '') FROM decisions ORDER BY seq")
        return Hashing.sha256Hex(parts: ["decisions"] + rows.map { row in row.map { $0.text ?? String($0.integer ?? 0) }.joined(separator: "\u{1F}") })
    }

    public enum Decision: String, Sendable {
        case approve, reject, revise
    }

    /// Records one reviewer's decision on the item version with `contentHash`.
    public func record(_ decision: Decision, itemID: String, contentHash: String, round: String, reviewer: String,
                       reason: String? = nil) throws {
        try database.transaction {
            try database.query("INSERT INTO decisions (item_id, content_hash, round, reviewer, decision, reason) VALUES (?, ?, ?, ?, ?, ?)",
                               [.text(itemID), .text(contentHash), .text(round), .text(reviewer), .text(decision.rawValue),
                                reason.map(SQLiteValue.text) ?? .null])
            try appendAudit(actor: reviewer, action: "decision.\(decision.rawValue)", subject: itemID,
                            detail: "\(round) \(contentHash) \(reason ?? "")")
        }
    }

    public struct Outcome: Sendable {
        public var kept: [Item] = []
        public var rejected: [Item] = []
    }

    /// Applies the decisions bound to each item's current content: any rejection drops it;
    /// approvals in every round it went through mark it approved; an item with no decisions
    /// on its current content passes as unreviewed (earlier decisions on other content are stale).
    public func applyDecisions(to items: [Item]) throws -> Outcome {
        var outcome = Outcome()
        for var item in items {
            let rows = try database.query("SELECT round, decision FROM decisions WHERE item_id = ? AND content_hash = ? ORDER BY seq",
                                          [.text(item.id), .text(item.contentHash)])
            let decisions = rows.compactMap { row -> (round: String, decision: String)? in
                guard let round = row[0].text, let decision = row[1].text else { return nil }
                return (round, decision)
            }
            var rounds: [String] = []
            for decision in decisions where !rounds.contains(decision.round) { rounds.append(decision.round) }
            if decisions.contains(where: { $0.decision == Decision.reject.rawValue }) {
                item.review = ReviewSummary(status: "rejected", rounds: rounds)
                outcome.rejected.append(item)
            } else if !decisions.isEmpty, decisions.allSatisfy({ $0.decision == Decision.approve.rawValue }) {
                item.review = ReviewSummary(status: "approved", rounds: rounds)
                outcome.kept.append(item)
            } else {
                item.review = decisions.isEmpty ? .unreviewed : ReviewSummary(status: "in_review", rounds: rounds)
                outcome.kept.append(item)
            }
        }
        return outcome
    }

    /// Appends an audit entry chained to the previous one: hash = SHA-256(previous hash, fields).
    func appendAudit(actor: String, action: String, subject: String, detail: String) throws {
        let previous = try database.query("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").first?.first?.text ?? ""
        let hash = Hashing.sha256Hex(parts: [previous, actor, action, subject, detail])
        try database.query("INSERT INTO audit_log (actor, action, subject, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                           [.text(actor), .text(action), .text(subject), .text(detail), .text(previous), .text(hash)])
    }

    /// Re-computes the audit chain; returns the sequence number of the first entry that does not match.
    public func verifyAuditChain() throws -> Int? {
        var previous = ""
        for row in try database.query("SELECT seq, actor, action, subject, detail, previous_hash, hash FROM audit_log ORDER BY seq") {
            let fields = row.map { $0.text ?? "" }
            let expected = Hashing.sha256Hex(parts: [previous, fields[1], fields[2], fields[3], fields[4]])
            if fields[5] != previous || fields[6] != expected { return Int(row[0].integer ?? 0) }
            previous = fields[6]
        }
        return nil
    }
}
