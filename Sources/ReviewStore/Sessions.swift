public import Foundation
public import DatasetCore

/// A signed-in reviewer's session on the review page.
public struct ReviewSession: Sendable, Hashable {
    public var reviewer: Reviewer
    /// The token every form of this session must carry.
    public var csrfToken: String
    public var expiresAt: Date
}

/// A request the review page refused, with who made it and why.
public struct Refusal: Sendable, Hashable {
    public var at: String
    public var reviewer: String?
    public var request: String
    public var reason: String
}

extension ReviewStore {
    /// 256 random bits from the system's generator (getrandom), base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// A one-time sign-in token for `reviewer`, valid until `now + lifetime`. Only its hash is stored.
    public func issueSignInToken(reviewer: String, lifetime: TimeInterval = 7 * 24 * 3600, now: Date = Date()) throws -> String {
        guard try self.reviewer(reviewer) != nil else { throw ReviewError("unknown reviewer '\(reviewer)'") }
        let token = Self.randomToken()
        try database.query("INSERT INTO sign_in_tokens (token_hash, reviewer, expires_at) VALUES (?, ?, ?)",
                           [.text(Hashing.sha256Hex(token)), .text(reviewer), .text(Self.timestamp(now + lifetime))])
        return token
    }

    /// Spends a sign-in token and opens a session: the session id (for the cookie) and the
    /// session. Nil when the token is unknown, used or expired.
    public func redeemSignInToken(_ token: String, sessionLifetime: TimeInterval = 12 * 3600,
                                  now: Date = Date()) throws -> (id: String, session: ReviewSession)? {
        try database.transaction {
            let hash = Hashing.sha256Hex(token)
            guard let row = try database.query("""
                SELECT reviewer FROM sign_in_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
                """, [.text(hash), .text(Self.timestamp(now))]).first,
                  let reviewer = try self.reviewer(row[0].text!) else { return nil }
            try database.query("UPDATE sign_in_tokens SET used_at = ? WHERE token_hash = ?", [.text(Self.timestamp(now)), .text(hash)])
            let id = Self.randomToken()
            let session = ReviewSession(reviewer: reviewer, csrfToken: Self.randomToken(), expiresAt: now + sessionLifetime)
            try database.query("INSERT INTO sessions (id_hash, reviewer, csrf, expires_at) VALUES (?, ?, ?, ?)",
                               [.text(Hashing.sha256Hex(id)), .text(reviewer.id), .text(session.csrfToken),
                                .text(Self.timestamp(session.expiresAt))])
            return (id, session)
        }
    }

    /// The live session with this id; nil when unknown or expired.
    public func session(_ id: String, now: Date = Date()) throws -> ReviewSession? {
        guard let row = try database.query("SELECT reviewer, csrf, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?",
                                           [.text(Hashing.sha256Hex(id)), .text(Self.timestamp(now))]).first,
              let reviewer = try self.reviewer(row[0].text!) else { return nil }
        let expires = (try? Date(row[2].text!, strategy: .iso8601)) ?? now
        return ReviewSession(reviewer: reviewer, csrfToken: row[1].text!, expiresAt: expires)
    }

    public func endSession(_ id: String) throws {
        try database.query("DELETE FROM sessions WHERE id_hash = ?", [.text(Hashing.sha256Hex(id))])
    }

    /// Records that `reviewer` has been shown an item of a batch.
    public func recordView(reviewer: String, batch: String, item: String) throws {
        try database.query("INSERT OR IGNORE INTO item_views (reviewer, batch, item_id) VALUES (?, ?, ?)",
                           [.text(reviewer), .text(batch), .text(item)])
    }

    public func viewedItems(reviewer: String, batch: String) throws -> Set<String> {
        Set(try database.query("SELECT item_id FROM item_views WHERE reviewer = ? AND batch = ?", [.text(reviewer), .text(batch)])
            .map { $0[0].text! })
    }

    /// The items of a batch that `reviewer` has decided on.
    public func decidedItems(reviewer: String, batch: String) throws -> Set<String> {
        Set(try database.query("SELECT item_id FROM decisions WHERE reviewer = ? AND batch = ?", [.text(reviewer), .text(batch)])
            .map { $0[0].text! })
    }

    /// The votes other reviewers cast on one version of an item in a round, in the order cast:
    /// (reviewer, decision, reason or "").
    public func votes(on itemID: String, contentHash: String, round: String, except reviewer: String) throws
        -> [(reviewer: String, decision: String, reason: String)] {
        try database.query("""
            SELECT reviewer, decision, coalesce(reason, '') FROM decisions
            WHERE item_id = ? AND content_hash = ? AND round = ? AND reviewer <> ? ORDER BY seq
            """, [.text(itemID), .text(contentHash), .text(round), .text(reviewer)]).map { ($0[0].text!, $0[1].text!, $0[2].text!) }
    }

    /// The comments on one version of an item in a round, in reviewer order: (reviewer, text).
    public func comments(on itemID: String, contentHash: String, round: String) throws -> [(reviewer: String, text: String)] {
        try database.query("SELECT reviewer, text FROM comments WHERE round = ? AND item_id = ? AND content_hash = ? ORDER BY reviewer",
                           [.text(round), .text(itemID), .text(contentHash)]).map { ($0[0].text!, $0[1].text!) }
    }

    /// A reviewer's stored decision on one version of an item in a round, and when it was last made.
    public struct StoredDecision: Sendable, Equatable {
        public var decision: String
        public var reason: String
        public var labels: [String: [String]]
        /// When the decision was made, or last changed (from the audit log).
        public var at: String
        public var changed: Bool
    }

    public func decision(by reviewer: String, on itemID: String, contentHash: String, round: String) throws -> StoredDecision? {
        guard let row = try database.query("""
            SELECT seq, decision, coalesce(reason, '') FROM decisions WHERE item_id = ? AND content_hash = ? AND round = ? AND reviewer = ?
            """, [.text(itemID), .text(contentHash), .text(round), .text(reviewer)]).first, let seq = row[0].integer else { return nil }
        var labels: [String: [String]] = [:]
        for label in try database.query("SELECT name, value FROM labels WHERE decision = ? ORDER BY name, value", [.integer(seq)]) {
            labels[label[0].text!, default: []].append(label[1].text!)
        }
        let entries = try database.query("SELECT at, action FROM audit_log WHERE subject = ? ORDER BY seq DESC", [.text("decisions:\(seq)")])
        return StoredDecision(decision: row[1].text!, reason: row[2].text!, labels: labels, at: entries.first?[0].text ?? "",
                              changed: entries.contains { $0[1].text == "decision.changed" })
    }

    /// The version a reviewer's revision was made from, who made it and the reason they gave.
    public func revisionBase(of itemID: String, contentHash: String) throws -> (version: ItemVersion, reviser: String, round: String, reason: String)? {
        guard let row = try database.query("""
            SELECT content_hash, reviewer, round, coalesce(reason, '') FROM decisions WHERE item_id = ? AND revision_hash = ? ORDER BY seq DESC LIMIT 1
            """, [.text(itemID), .text(contentHash)]).first,
              let base = try itemVersion(itemID, contentHash: row[0].text!) else { return nil }
        return (base, row[1].text!, row[2].text!, row[3].text!)
    }

    /// A version of an item other than the one under review, with the decisions taken on it.
    public struct EarlierVersion: Sendable {
        public var version: Int
        public var item: Item
        /// The round in which a reviewer made this version, nil for content from the raw files.
        public var revisedIn: String?
        public var decisions: [(round: String, reviewer: String, decision: String, reason: String)]

        /// One line per decision, for batch files: "v1 fact-check: kim reject (wrong key)".
        public var summary: String {
            let question = "v\(version) “\(item.question)” key \(item.answerText ?? item.answer ?? "—")"
            return ([question] + decisions.map { "v\(version) \($0.round): \($0.reviewer) \($0.decision)" + ($0.reason.isEmpty ? "" : " (\($0.reason))") })
                .joined(separator: "\n")
        }
    }

    /// The item's other versions that reviewers decided on, oldest first: when the raw file or
    /// a reviewer changed the item, the decisions on its earlier text are stale but shown.
    public func earlierVersions(of itemID: String, except contentHash: String) throws -> [EarlierVersion] {
        var decisions: [String: [(round: String, reviewer: String, decision: String, reason: String)]] = [:]
        for row in try database.query("""
            SELECT content_hash, round, reviewer, decision, coalesce(reason, '') FROM decisions
            WHERE item_id = ? AND content_hash <> ? ORDER BY seq
            """, [.text(itemID), .text(contentHash)]) {
            decisions[row[0].text!, default: []].append((row[1].text!, row[2].text!, row[3].text!, row[4].text!))
        }
        // Most cards have none: their versions are not read (each card is drawn on every request).
        guard !decisions.isEmpty else { return [] }
        return try versions(of: itemID).compactMap { version in
            guard let taken = decisions[version.contentHash] else { return nil }
            return EarlierVersion(version: version.version, item: version.item, revisedIn: version.revisedIn, decisions: taken)
        }
    }

    /// The longest request or reason a refusal stores: anyone can send a long URL, and the
    /// table must not grow with what strangers send.
    public static let refusalFieldLimit = 300

    public func recordRefusal(reviewer: String?, request: String, reason: String, now: Date = Date()) throws {
        func bounded(_ text: String) -> String {
            text.count <= Self.refusalFieldLimit ? text : String(text.prefix(Self.refusalFieldLimit - 1)) + "…"
        }
        try database.query("INSERT INTO refusals (at, reviewer, request, reason) VALUES (?, ?, ?, ?)",
                           [.text(Self.timestamp(now)), reviewer.map { .text(bounded($0)) } ?? .null, .text(bounded(request)), .text(bounded(reason))])
    }

    public func refusals() throws -> [Refusal] {
        try database.query("SELECT at, reviewer, request, reason FROM refusals ORDER BY seq").map {
            Refusal(at: $0[0].text!, reviewer: $0[1].text, request: $0[2].text!, reason: $0[3].text!)
        }
    }
}
