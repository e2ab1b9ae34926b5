import Foundation
import DatasetCore
internal import GRDB

/// A model's stored answer to one item of a pilot target.
public struct StoredPilotAnswer: Sendable, Equatable {
    public var itemID: String
    public var contentHash: String
    public var choice: Int
    public var loglikelihoods: [Double]?

    public init(itemID: String, contentHash: String, choice: Int, loglikelihoods: [Double]?) {
        self.itemID = itemID
        self.contentHash = contentHash
        self.choice = choice
        self.loglikelihoods = loglikelihoods
    }
}

/// What one import of a model's answers changed.
public struct PilotImportSummary: Sendable, Equatable {
    public var added = 0
    public var replaced = 0
    public var unchanged = 0
}

/// A model answered items before, differently from the file being imported.
public struct PilotAnswerConflict: Error, Sendable {
    public var model: String
    public var itemIDs: [String]
    public var earlierSource: String
}

/// How a flagged item sent to review came out.
public struct PilotFlagOutcome: Sendable, Equatable {
    public var target: String
    public var itemID: String
    public var round: String
    public var flags: [String]
    /// `approved`, `rejected` or `pending` (the round has not settled it).
    public var outcome: String
    /// Whether a reviewer revised the item in that round.
    public var revised: Bool
}

extension ReviewStore {
    /// Stores a model's answers to a target's items in one transaction. An answer stored before
    /// with the same content changes nothing, so importing a file twice changes nothing; a
    /// different one is refused (the whole file) unless `replace`. One audit entry records each
    /// import that changed something, with the SHA-256 of what it wrote.
    public func importPilotAnswers(_ answers: [StoredPilotAnswer], target: String, model: String, source: String, replace: Bool,
                                   actor: String) throws -> PilotImportSummary {
        try database.transaction {
            var stored: [String: (answer: StoredPilotAnswer, source: String)] = [:]
            try database.eachRow("SELECT item_id, content_hash, choice, loglikelihoods, source FROM pilot_answers WHERE target = ? AND model = ?",
                                 [target, model]) { row in
                let answer = StoredPilotAnswer(itemID: row[0], contentHash: row[1], choice: row[2],
                                               loglikelihoods: (row[3] as String?).map(Self.decodeNumbers))
                stored[answer.itemID] = (answer, row[4])
            }
            var summary = PilotImportSummary()
            var conflicts: [String] = []
            var written: [String] = []
            for answer in answers {
                if let earlier = stored[answer.itemID] {
                    if earlier.answer == answer { summary.unchanged += 1; continue }
                    guard replace else { conflicts.append(answer.itemID); continue }
                    summary.replaced += 1
                } else {
                    summary.added += 1
                }
                let numbers = answer.loglikelihoods.map(Self.encodeNumbers)
                try database.execute("""
                    INSERT INTO pilot_answers (target, model, item_id, content_hash, choice, loglikelihoods, source)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (target, model, item_id) DO UPDATE SET content_hash = excluded.content_hash, choice = excluded.choice,
                        loglikelihoods = excluded.loglikelihoods, source = excluded.source
                    """, [target, model, answer.itemID, answer.contentHash, answer.choice, numbers, source])
                written += [answer.itemID, answer.contentHash, String(answer.choice), numbers ?? "-"]
            }
            if !conflicts.isEmpty {
                throw PilotAnswerConflict(model: model, itemIDs: conflicts, earlierSource: stored[conflicts[0]]!.source)
            }
            if !written.isEmpty {
                try appendAudit(actor: actor, action: "pilot.imported", subject: "pilot:\(target)/\(model)",
                                detail: "\(source) sha256:\(Hashing.sha256Hex(parts: written))")
            }
            return summary
        }
    }

    /// Every stored answer to `target`: model → item id → answer.
    public func pilotAnswers(target: String) throws -> [String: [String: StoredPilotAnswer]] {
        var answers: [String: [String: StoredPilotAnswer]] = [:]
        try database.eachRow("SELECT model, item_id, content_hash, choice, loglikelihoods FROM pilot_answers WHERE target = ? ORDER BY model",
                             [target]) { row in
            let answer = StoredPilotAnswer(itemID: row[1], contentHash: row[2], choice: row[3],
                                           loglikelihoods: (row[4] as String?).map(Self.decodeNumbers))
            answers[row[0], default: [:]][answer.itemID] = answer
        }
        return answers
    }

    /// The targets with stored answers, and how many models answered each.
    public func pilotTargets() throws -> [(target: String, models: Int)] {
        try database.rows("SELECT target, COUNT(DISTINCT model) AS models FROM pilot_answers GROUP BY target ORDER BY target").map {
            ($0["target"], $0["models"])
        }
    }

    /// Opens `round` for the items a pilot flagged (item id → flags), recording which were
    /// sent and why, so that the report can say how they came out.
    public func openForPilotFlags(_ roundName: String, plan: ReviewPlan, target: String, flagged: [String: [String]],
                                  actor: String) throws -> [BatchSummary] {
        try database.transaction {
            let created = try open(roundName, plan: plan, actor: actor, only: Set(flagged.keys))
            let batchedIDs = Set(try created.flatMap { try batchMembers($0.id).map(\.itemID) })
            for id in flagged.keys.sorted() where batchedIDs.contains(id) {
                try database.execute("INSERT OR REPLACE INTO pilot_flag_reviews (target, round, item_id, flags) VALUES (?, ?, ?, ?)",
                                     [target, roundName, id, flagged[id]!.joined(separator: ",")])
            }
            if !batchedIDs.isEmpty {
                try appendAudit(actor: actor, action: "pilot.flags_sent", subject: "pilot:\(target)/\(roundName)",
                                detail: batchedIDs.sorted().joined(separator: ","))
            }
            return created
        }
    }

    /// How each flagged item sent to review came out in its round: of one target, or of all.
    public func pilotFlagOutcomes(target: String? = nil) throws -> [PilotFlagOutcome] {
        try database.rows("""
            SELECT f.target, f.item_id, f.round, f.flags,
                   (SELECT o.outcome FROM outcomes o WHERE o.round = f.round AND o.item_id = f.item_id ORDER BY o.rowid DESC LIMIT 1) AS outcome,
                   EXISTS (SELECT 1 FROM decisions d WHERE d.round = f.round AND d.item_id = f.item_id AND d.revision_hash IS NOT NULL) AS revised
            FROM pilot_flag_reviews f \(target == nil ? "" : "WHERE f.target = ?") ORDER BY f.target, f.round, f.item_id
            """, StatementArguments([target].compactMap { $0 })).map { row in
            PilotFlagOutcome(target: row["target"], itemID: row["item_id"], round: row["round"], flags: (row["flags"] as String).split(separator: ",").map(String.init),
                             outcome: row["outcome"] ?? "pending", revised: row["revised"])
        }
    }

    // Shortest text that reads back to the same double.
    static func encodeNumbers(_ values: [Double]) -> String {
        "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
    }

    static func decodeNumbers(_ text: String) -> [Double] {
        text.dropFirst().dropLast().split(separator: ",").compactMap { Double($0) }
    }
}
