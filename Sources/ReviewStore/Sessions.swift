public import Foundation
public import DatasetCore
internal import GRDB

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

    /// A one-time sign-in token for `reviewer`, valid until `now + lifetime`. Only its HMAC under
    /// the review key is stored: a row inserted without the key matches no token.
    public func issueSignInToken(reviewer: String, lifetime: TimeInterval = 7 * 24 * 3600, now: Date = Date()) throws -> String {
        guard try self.reviewer(reviewer) != nil else { throw ReviewError("unknown reviewer '\(reviewer)'") }
        let token = Self.randomToken()
        try database.transaction {
            try database.execute("INSERT INTO sign_in_tokens (token_hash, reviewer, expires_at) VALUES (?, ?, ?)",
                                 [key.seal(token), reviewer, Self.timestamp(now + lifetime)])
            // A new link answers the reviewer's request for one.
            try database.execute("DELETE FROM link_requests WHERE reviewer = ?", [reviewer])
        }
        return token
    }

    /// Spends a sign-in token and opens a session: the session id (for the cookie) and the
    /// session. Nil when the token is unknown, used or expired.
    public func redeemSignInToken(_ token: String, sessionLifetime: TimeInterval = 12 * 3600,
                                  now: Date = Date()) throws -> (id: String, session: ReviewSession)? {
        try database.transaction {
            let hash = key.seal(token)
            guard let row = try database.rows("""
                SELECT reviewer FROM sign_in_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
                """, [hash, Self.timestamp(now)]).first,
                  let reviewer = try self.reviewer(row["reviewer"]) else { return nil }
            try database.execute("UPDATE sign_in_tokens SET used_at = ? WHERE token_hash = ?", [Self.timestamp(now), hash])
            let id = Self.randomToken()
            let session = ReviewSession(reviewer: reviewer, csrfToken: Self.randomToken(), expiresAt: now + sessionLifetime)
            try database.execute("INSERT INTO sessions (id_hash, reviewer, csrf, expires_at) VALUES (?, ?, ?, ?)",
                               [key.seal(id), reviewer.id, session.csrfToken,
                                Self.timestamp(session.expiresAt)])
            return (id, session)
        }
    }

    /// The live session with this id; nil when unknown or expired.
    public func session(_ id: String, now: Date = Date()) throws -> ReviewSession? {
        guard let row = try database.rows("SELECT reviewer, csrf, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?",
                                           [key.seal(id), Self.timestamp(now)]).first,
              let reviewer = try self.reviewer(row["reviewer"]) else { return nil }
        let expires = (try? Date(row["expires_at"] as String, strategy: .iso8601)) ?? now
        return ReviewSession(reviewer: reviewer, csrfToken: row["csrf"], expiresAt: expires)
    }

    /// Records that the reviewer of a session, live or ended, asks for a new sign-in link; returns
    /// them, or nil when the session id is unknown (a stranger cannot ask in someone's name).
    /// One request per reviewer is kept, with its latest time.
    @discardableResult
    public func requestNewLink(session id: String, now: Date = Date()) throws -> Reviewer? {
        try database.transaction {
            guard let reviewerID: String = try database.value("SELECT reviewer FROM sessions WHERE id_hash = ?", [key.seal(id)]),
                  let reviewer = try self.reviewer(reviewerID) else { return nil }
            try database.execute("""
                INSERT INTO link_requests (reviewer, at) VALUES (?, ?) ON CONFLICT (reviewer) DO UPDATE SET at = excluded.at
                """, [reviewer.id, Self.timestamp(now)])
            return reviewer
        }
    }

    /// Reviewers waiting for a new sign-in link, oldest request first.
    public func linkRequests() throws -> [(reviewer: String, at: String)] {
        try database.rows("SELECT reviewer, at FROM link_requests ORDER BY at, reviewer").map { ($0["reviewer"], $0["at"]) }
    }

    public func endSession(_ id: String) throws {
        try database.execute("DELETE FROM sessions WHERE id_hash = ?", [key.seal(id)])
    }

    /// Records that `reviewer` has been shown an item of a batch.
    public func recordView(reviewer: String, batch: String, item: String) throws {
        try database.execute("INSERT OR IGNORE INTO item_views (reviewer, batch, item_id) VALUES (?, ?, ?)",
                           [reviewer, batch, item])
    }

    public func viewedItems(reviewer: String, batch: String) throws -> Set<String> {
        Set(try database.rows("SELECT item_id FROM item_views WHERE reviewer = ? AND batch = ?", [reviewer, batch])
            .map { $0["item_id"] as String })
    }

    /// The items of a batch that `reviewer` has decided on.
    public func decidedItems(reviewer: String, batch: String) throws -> Set<String> {
        Set(try database.rows("SELECT item_id FROM decisions WHERE reviewer = ? AND batch = ?", [reviewer, batch])
            .map { $0["item_id"] as String })
    }

    /// One stored decision, as listed for checks and reports.
    public struct DecisionEntry: Sendable, Hashable {
        public var itemID: String
        public var contentHash: String
        public var round: String
        public var reviewer: String
        public var decision: String
        public var reason: String?
        public var batch: String?
        public var labels: [String: [String]]
    }

    /// Every stored decision, or those on one item, in the order made.
    public func decisions(on itemID: String? = nil) throws -> [DecisionEntry] {
        var labels: [Int64: [String: [String]]] = [:]
        for row in try database.rows("""
            SELECT l.decision, l.name, l.value FROM labels l JOIN decisions d ON d.seq = l.decision
            WHERE ?1 IS NULL OR d.item_id = ?1 ORDER BY l.decision, l.name, l.value
            """, [itemID]) {
            labels[row["decision"], default: [:]][row["name"], default: []].append(row["value"])
        }
        return try database.rows("""
            SELECT seq, item_id, content_hash, round, reviewer, decision, reason, batch FROM decisions
            WHERE ?1 IS NULL OR item_id = ?1 ORDER BY seq
            """, [itemID]).map {
            DecisionEntry(itemID: $0["item_id"], contentHash: $0["content_hash"], round: $0["round"], reviewer: $0["reviewer"],
                          decision: $0["decision"], reason: $0["reason"], batch: $0["batch"], labels: labels[$0["seq"]] ?? [:])
        }
    }

    /// Every round's result on an item version: (round, item, content hash, "approved" or "rejected").
    public func outcomes() throws -> [(round: String, itemID: String, contentHash: String, outcome: String)] {
        try database.rows("SELECT round, item_id, content_hash, outcome FROM outcomes ORDER BY round, item_id, content_hash").map {
            ($0["round"], $0["item_id"], $0["content_hash"], $0["outcome"])
        }
    }

    /// The votes other reviewers cast on one version of an item in a round, in the order cast:
    /// (reviewer, decision, reason or "").
    public func votes(on itemID: String, contentHash: String, round: String, except reviewer: String) throws
        -> [(reviewer: String, decision: String, reason: String)] {
        try database.rows("""
            SELECT reviewer, decision, coalesce(reason, '') AS reason FROM decisions
            WHERE item_id = ? AND content_hash = ? AND round = ? AND reviewer <> ? ORDER BY seq
            """, [itemID, contentHash, round, reviewer]).map { ($0["reviewer"], $0["decision"], $0["reason"]) }
    }

    /// The comments on one version of an item in a round, in reviewer order: (reviewer, text).
    public func comments(on itemID: String, contentHash: String, round: String) throws -> [(reviewer: String, text: String)] {
        try database.rows("SELECT reviewer, text FROM comments WHERE round = ? AND item_id = ? AND content_hash = ? ORDER BY reviewer",
                           [round, itemID, contentHash]).map { ($0["reviewer"], $0["text"]) }
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
        guard let row = try database.rows("""
            SELECT seq, decision, coalesce(reason, '') AS reason FROM decisions WHERE item_id = ? AND content_hash = ? AND round = ? AND reviewer = ?
            """, [itemID, contentHash, round, reviewer]).first else { return nil }
        let seq: Int64 = row["seq"]
        var labels: [String: [String]] = [:]
        for label in try database.rows("SELECT name, value FROM labels WHERE decision = ? ORDER BY name, value", [seq]) {
            labels[label["name"], default: []].append(label["value"])
        }
        let entries = try database.rows("SELECT at, action FROM audit_log WHERE subject = ? ORDER BY seq DESC", ["decisions:\(seq)"])
        return StoredDecision(decision: row["decision"], reason: row["reason"], labels: labels, at: entries.first?["at"] ?? "",
                              changed: entries.contains { $0["action"] == "decision.changed" })
    }

    /// The version a reviewer's revision was made from, who made it and the reason they gave.
    public func revisionBase(of itemID: String, contentHash: String) throws -> (version: ItemVersion, reviser: String, round: String, reason: String)? {
        guard let row = try database.rows("""
            SELECT content_hash, reviewer, round, coalesce(reason, '') AS reason FROM decisions WHERE item_id = ? AND revision_hash = ? ORDER BY seq DESC LIMIT 1
            """, [itemID, contentHash]).first,
              let base = try itemVersion(itemID, contentHash: row["content_hash"]) else { return nil }
        return (base, row["reviewer"], row["round"], row["reason"])
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
        for row in try database.rows("""
            SELECT content_hash, round, reviewer, decision, coalesce(reason, '') AS reason FROM decisions
            WHERE item_id = ? AND content_hash <> ? ORDER BY seq
            """, [itemID, contentHash]) {
            decisions[row["content_hash"], default: []].append((row["round"], row["reviewer"], row["decision"], row["reason"]))
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

    /// How many refusals are kept, the latest: a flood of bad requests replaces old ones instead
    /// of growing the database.
    public static let refusalsKept = 10_000

    public func recordRefusal(reviewer: String?, request: String, reason: String, now: Date = Date(), keeping: Int = refusalsKept) throws {
        func bounded(_ text: String) -> String {
            text.count <= Self.refusalFieldLimit ? text : String(text.prefix(Self.refusalFieldLimit - 1)) + "…"
        }
        try database.transaction {
            try database.execute("INSERT INTO refusals (at, reviewer, request, reason) VALUES (?, ?, ?, ?)",
                                 [Self.timestamp(now), reviewer.map { bounded($0) }, bounded(request), bounded(reason)])
            try database.execute("DELETE FROM refusals WHERE seq <= (SELECT MAX(seq) FROM refusals) - ?", [keeping])
        }
    }

    public func refusals() throws -> [Refusal] {
        try database.rows("SELECT at, reviewer, request, reason FROM refusals ORDER BY seq").map {
            Refusal(at: $0["at"], reviewer: $0["reviewer"], request: $0["request"], reason: $0["reason"])
        }
    }
}
