public import DatasetCore
internal import GRDB
import Foundation

/// One reviewer's answer on one item of a batch, as a filled-in batch file or the review page gives it.
public struct Vote: Sendable {
    /// New text for a revision; nil fields stay as they were.
    public struct Revision: Sendable, Hashable {
        public var question: String?
        public var choices: [String]?
        public var answer: String?

        public init(question: String? = nil, choices: [String]? = nil, answer: String? = nil) {
            self.question = question
            self.choices = choices
            self.answer = answer
        }

        public var isEmpty: Bool { question == nil && choices == nil && answer == nil }
    }

    /// Where the vote was read from, for errors.
    public var location: SourceLocation
    public var batch: String
    public var itemID: String
    public var contentHash: String
    public var reviewer: String
    /// Nil when the reviewer has not decided yet: the line is skipped.
    public var decision: ReviewDecision?
    public var reason: String?
    public var revision: Revision?
    /// Raw label answers by label name.
    public var labels: [String: [String]]
    /// The reviewer's note on the item (nil: the line says nothing of it; empty: none).
    public var comment: String?

    public init(location: SourceLocation, batch: String, itemID: String, contentHash: String, reviewer: String,
                decision: ReviewDecision?, reason: String? = nil, revision: Revision? = nil, labels: [String: [String]] = [:],
                comment: String? = nil) {
        self.comment = comment
        self.location = location
        self.batch = batch
        self.itemID = itemID
        self.contentHash = contentHash
        self.reviewer = reviewer
        self.decision = decision
        self.reason = reason
        self.revision = revision
        self.labels = labels
    }
}

/// What a submission stored.
public struct SubmitReport: Sendable, Equatable {
    /// New decisions.
    public var recorded = 0
    /// Lines identical to a decision already stored (a file imported twice).
    public var unchanged = 0
    /// Lines without a decision yet.
    public var undecided = 0
    /// Items that got a new version from a revision.
    public var revised: [String] = []
    /// Decisions a reviewer changed before the round settled the item.
    public var changed = 0
    /// Comments written, changed or removed.
    public var comments = 0
}

extension ReviewStore {
    /// Checks every vote against the store and stores them all, or (when any is wrong, or
    /// `problems` from reading them is not empty) none: the error lists each bad vote with its
    /// location and field. Checking and storing happen
    /// in one transaction, so two submissions at once cannot both pass on the same state.
    @discardableResult
    public func submit(_ votes: [Vote], plan: ReviewPlan, actor: String, problems: [InputError] = []) throws -> SubmitReport {
        try database.transaction {
            var diagnostics = Diagnostics(problems)
            var report = SubmitReport()
            // Votes by their place in `votes`, with their round's name: holding a copy of each
            // vote and its round took 0.5 GB at a million votes. `changing`: the stored decision
            // a vote replaces.
            var accepted: [(vote: Int, round: String, labels: [String: [String]], revised: Item?, changing: Int64?)] = []
            // The comments of every vote that stands, written after the decisions.
            var notes: [(vote: Int, round: String)] = []
            // Room for every vote at once: grown by doubling, the lists were copied whole several times.
            accepted.reserveCapacity(votes.count)
            notes.reserveCapacity(votes.count)
            var seen = Set<String>()
            var revisedInFile = Set<String>()
            var batchCache: [String: (BatchSummary, [String: BatchMember])] = [:]
            // Each reviewer read once (nil: not one), not once for each of their votes.
            var reviewers: [String: Reviewer?] = [:]
            let current = try currentVersions(of: votes.map(\.itemID))
            for (index, vote) in votes.enumerated() {
                func fail(_ field: String, _ message: String) { diagnostics.error(vote.location.with(field: field), message) }
                guard let decision = vote.decision else { report.undecided += 1; continue }
                if batchCache[vote.batch] == nil, let batch = try batch(vote.batch) {
                    batchCache[vote.batch] = (batch, Dictionary(try batchMembers(vote.batch).map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a }))
                }
                guard let (batch, members) = batchCache[vote.batch] else { fail("batch", "unknown batch '\(vote.batch)'"); continue }
                guard let round = plan.round(batch.round) else { fail("batch", "batch \(batch.id) belongs to round '\(batch.round)', which the pipeline no longer declares"); continue }
                if reviewers[vote.reviewer] == nil { reviewers[vote.reviewer] = .some(try reviewer(vote.reviewer)) }
                guard let reviewer = reviewers[vote.reviewer]! else { fail("reviewer", "unknown reviewer '\(vote.reviewer)'"); continue }
                guard batch.reviewers.contains(reviewer.id) else {
                    fail("reviewer", "\(reviewer.id) is not assigned to batch \(batch.id)")
                    continue
                }
                guard let member = members[vote.itemID] else { fail("item_id", "item '\(vote.itemID)' is not in batch \(batch.id)"); continue }
                guard vote.contentHash == member.contentHash else {
                    fail("content_hash", "does not match the version of \(vote.itemID) in batch \(batch.id) (was the line edited?)")
                    continue
                }
                if !seen.insert("\(vote.itemID)/\(vote.reviewer)").inserted {
                    fail("item_id", "\(vote.reviewer) decides on \(vote.itemID) twice in this file")
                    continue
                }
                if try authors(of: member.itemID, upTo: member.version).contains(reviewer.id) {
                    fail("reviewer", "\(reviewer.id) wrote \(vote.itemID) and may not decide on it")
                    continue
                }
                let allowed = batch.kind == .adjudication ? [ReviewDecision.approve, .reject] : round.decisions
                if !allowed.contains(decision) {
                    fail("decision", "'\(decision.rawValue)' is not a decision in \(batch.kind == .adjudication ? "adjudication" : "round \(round.name)") (one of: \(allowed.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                if decision == .reject, (vote.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    fail("reason", "a rejection needs a reason")
                }
                var labels: [String: [String]] = [:], invalid = Set<String>()
                for name in vote.labels.keys.sorted() {
                    guard let spec = round.label(name) else {
                        if vote.labels[name]!.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                            fail(name, "round \(round.name) has no label '\(name)'")
                        }
                        continue
                    }
                    switch spec.parse(vote.labels[name]!) {
                    case .success(let values): if !values.isEmpty { labels[name] = values }
                    case .failure(let error): fail(name, error.description); invalid.insert(name)
                    }
                }
                if decision == .approve, batch.kind != .adjudication {
                    for spec in round.labels where spec.required && labels[spec.name] == nil && !invalid.contains(spec.name) {
                        fail(spec.name, "an approval in round \(round.name) needs the label '\(spec.name)'")
                    }
                }
                var revised: Item?
                if decision == .revise, member.task == .socialValue {
                    fail("decision", "\(vote.itemID) is a survey item: its text is the questionnaire's, so it can be approved or rejected, not revised")
                    continue
                }
                if decision == .revise {
                    guard let original = try itemVersion(member.itemID, contentHash: member.contentHash) else {
                        fail("item_id", "the stored record of \(vote.itemID) is missing"); continue
                    }
                    switch revision(of: original.item, vote.revision) {
                    case .success(let item):
                        if !revisedInFile.insert(vote.itemID).inserted {
                            fail("revised_question", "\(vote.itemID) is revised twice in this file; revise it once and decide on the new version")
                        }
                        revised = item
                    case .failure(let error): fail(error.field, error.message)
                    }
                } else if let revision = vote.revision, !revision.isEmpty {
                    fail("revised_question", "revised text goes with the decision 'revise', not '\(decision.rawValue)'")
                }
                let existing = try database.rows("SELECT seq, decision, COALESCE(reason, '') AS reason, COALESCE(revision_hash, '') AS revision_hash FROM decisions WHERE item_id = ? AND content_hash = ? AND round = ? AND reviewer = ?",
                                                  [member.itemID, member.contentHash, round.name, reviewer.id]).first
                if let existing {
                    let seq: Int64 = existing["seq"], previous: String = existing["decision"]
                    let storedLabels = Dictionary(grouping: try database.rows("SELECT name, value FROM labels WHERE decision = ? ORDER BY name, value", [seq]),
                                                  by: { $0["name"] as String }).mapValues { $0.map { $0["value"] as String } }
                    let same = previous == decision.rawValue && existing["reason"] == (vote.reason ?? "")
                        && storedLabels == labels.mapValues { $0.sorted() } && existing["revision_hash"] == (revised?.contentHash ?? "")
                    if same {
                        report.unchanged += 1
                        notes.append((index, round.name))
                        continue
                    }
                    // A reviewer may change their mind until the round settles the item; a revision
                    // made a version others decide on, so it is neither taken back nor made late.
                    if previous == ReviewDecision.revise.rawValue || decision == .revise {
                        fail("decision", "\(reviewer.id) decided '\(previous)' on \(vote.itemID) in round \(round.name); a revision cannot be made or taken back by changing a decision")
                    } else if try isSettled(round: round.name, itemID: member.itemID, contentHash: member.contentHash, orClosed: true) {
                        fail("decision", "round \(round.name) has settled \(vote.itemID); \(reviewer.id)'s '\(previous)' can no longer change")
                    } else if let current = current[vote.itemID], current.contentHash != member.contentHash {
                        fail("content_hash", "stale: \(vote.itemID) was changed after batch \(batch.id) was made (now version \(current.version)); decide on the new version")
                    } else {
                        accepted.append((index, round.name, labels, nil, seq))
                        notes.append((index, round.name))
                    }
                    continue
                }
                // Checked after the identical-line case, so that importing a file twice stays harmless.
                if let current = current[vote.itemID], current.contentHash != member.contentHash {
                    fail("content_hash", "stale: \(vote.itemID) was changed after batch \(batch.id) was made (now version \(current.version)); decide on the new version")
                    continue
                }
                if try isSettled(round: round.name, itemID: member.itemID, contentHash: member.contentHash) {
                    fail("decision", "round \(round.name) has already settled \(vote.itemID)")
                    continue
                }
                accepted.append((index, round.name, labels, revised, nil))
                notes.append((index, round.name))
            }
            // Reading and checking problems together, in file order.
            diagnostics = Diagnostics(diagnostics.errors.enumerated().sorted { a, b in
                (a.element.location.file, a.element.location.line ?? 0, a.offset) < (b.element.location.file, b.element.location.line ?? 0, b.offset)
            }.map(\.element))
            try diagnostics.check()

            for (index, round, labels, revised, changing) in accepted {
                let vote = votes[index]
                if let changing {
                    // The row is rewritten and audited again: the log keeps the first decision and the change.
                    try database.execute("UPDATE decisions SET decision = ?, reason = ?, batch = ? WHERE seq = ?",
                                       [vote.decision!.rawValue, vote.reason, vote.batch, changing])
                    try database.execute("DELETE FROM labels WHERE decision = ?", [changing])
                    for (name, values) in labels {
                        for value in values { try database.execute("INSERT INTO labels (decision, name, value) VALUES (?, ?, ?)", [changing, name, value]) }
                    }
                    try audit(actor: vote.reviewer, action: "decision.changed", table: .decisions, key: String(changing))
                    report.changed += 1
                    continue
                }
                var revisionHash: String?
                if let revised {
                    revisionHash = revised.contentHash
                    try insertVersion(of: revised, version: try nextVersion(of: revised.id), hash: revised.contentHash,
                                      record: try JSONLines.line(for: revised), author: vote.reviewer, revisedIn: round,
                                      actor: vote.reviewer, action: "item.revised")
                    // The candidate shows the revision wherever it showed the version revised.
                    try database.execute("UPDATE pool SET current_hash = ? WHERE item_id = ? AND current_hash = ?",
                                       [revised.contentHash, vote.itemID, vote.contentHash])
                    report.revised.append(vote.itemID)
                }
                let row = ([vote.itemID, vote.contentHash, round, vote.reviewer, vote.decision!.rawValue, vote.reason, vote.batch,
                            revisionHash] as [String?]).map(\.databaseValue)
                try database.insert(Self.decisionInsert, row)
                let seq = database.lastInsertedRowID
                for (name, values) in labels {
                    for value in values { try database.execute("INSERT INTO labels (decision, name, value) VALUES (?, ?, ?)", [seq, name, value]) }
                }
                try appendAudit(actor: vote.reviewer, action: "decision.\(vote.decision!.rawValue)", subject: "\(AuditedTable.decisions.rawValue):\(seq)",
                                detail: Self.decisionDetail([seq.databaseValue] + row, labels: labels))
                report.recorded += 1
            }
            for (index, round) in notes {
                // A vote stands only on the version its batch holds: its own content hash.
                let vote = votes[index]
                if try setComment(vote.comment, by: vote.reviewer, on: vote.itemID, contentHash: vote.contentHash, round: round) { report.comments += 1 }
            }
            if !report.revised.isEmpty || report.recorded > 0 || report.changed > 0 || report.comments > 0 {
                try appendAudit(actor: actor, action: "votes.submitted", subject: "submission",
                                detail: "\(report.recorded) recorded, \(report.changed) changed, \(report.unchanged) unchanged, \(report.undecided) undecided")
            }
            return report
        }
    }

    static let decisionInsert = """
        INSERT INTO decisions (item_id, content_hash, round, reviewer, decision, reason, batch, revision_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// What a decision's audit entry records, made from the values written as `canonicalRow`
    /// reads them back (`verify` compares the two): its row, `seq` first and then the columns of
    /// `decisionInsert`, and its labels by name and value as SQLite orders text, by its bytes.
    /// Reading each decision and its labels back was a sixth of importing a million votes.
    static func decisionDetail(_ row: [DatabaseValue], labels: [String: [String]]) -> String {
        let labelRows = labels.flatMap { name, values in values.map { (name: name, value: $0) } }
            .sorted { a, b in
                let names = TextOrder.compareBytes(a.name, b.name)
                return names != 0 ? names < 0 : TextOrder.compareBytes(a.value, b.value) < 0
            }
            .map { [$0.name.databaseValue, $0.value.databaseValue] }
        return auditDetail(([row] + labelRows).map(AuditedTable.canonicalRow).joined(separator: "\n"), table: .decisions)
    }

    /// Stores, changes or (when empty) removes a reviewer's comment on a version of an item;
    /// nil leaves it as it is. Returns whether anything changed. Call inside a transaction.
    func setComment(_ text: String?, by reviewer: String, on itemID: String, contentHash: String, round: String) throws -> Bool {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines) else { return false }
        let key = [round, itemID, contentHash, reviewer] as StatementArguments
        let stored: String? = try database.value("SELECT text FROM comments WHERE round = ? AND item_id = ? AND content_hash = ? AND reviewer = ?", key)
        guard stored != (text.isEmpty ? nil : text) else { return false }
        let auditKey = "\(round)/\(itemID)/\(contentHash)/\(reviewer)"
        if text.isEmpty {
            try database.execute("DELETE FROM comments WHERE round = ? AND item_id = ? AND content_hash = ? AND reviewer = ?", key)
            try appendAudit(actor: reviewer, action: "comment.removed", subject: "comments:\(auditKey)", detail: "")
        } else {
            try database.execute("""
                INSERT INTO comments (round, item_id, content_hash, reviewer, text) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (round, item_id, content_hash, reviewer) DO UPDATE SET text = excluded.text
                """, key + [text])
            try audit(actor: reviewer, action: stored == nil ? "comment.written" : "comment.changed", table: .comments, key: auditKey)
        }
        return true
    }

    /// Whether a round has a result for this version of an item; with `orClosed`, or is closed.
    func isSettled(round: String, itemID: String, contentHash: String, orClosed: Bool = false) throws -> Bool {
        !(try database.rows("""
            SELECT 1 FROM outcomes WHERE round = ? AND item_id = ? AND content_hash = ?
            UNION ALL SELECT 1 FROM rounds WHERE name = ? AND status = 'closed' AND ?
            """, [round, itemID, contentHash, round, orClosed ? 1 : 0]).isEmpty)
    }

    /// The item a revision makes, or what is wrong with it.
    func revision(of item: Item, _ revision: Vote.Revision?) -> Result<Item, InputError> {
        func error(_ field: String, _ message: String) -> Result<Item, InputError> {
            .failure(InputError(file: "", field: field, message))
        }
        guard let revision, !revision.isEmpty else { return error("revised_question", "'revise' needs the revised text (question, choices or answer)") }
        var revised = item
        if let question = revision.question { revised.question = question.nfc.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let choices = revision.choices { revised.choices = choices.map { $0.nfc.trimmingCharacters(in: .whitespacesAndNewlines) } }
        if let answer = revision.answer { revised.answer = answer.trimmingCharacters(in: .whitespaces).uppercased() }
        if revised.question.isEmpty { return error("revised_question", "the revised question is empty") }
        if revised.choices.contains(where: \.isEmpty) { return error("revised_choices", "a revised choice is empty") }
        if Set(revised.choices).count != revised.choices.count { return error("revised_choices", "the revised choices repeat one another") }
        if item.task == .commonKnowledge {
            guard let letter = revised.answer, let index = Item.index(ofLetter: letter), index < revised.choices.count else {
                return error("revised_answer", "the answer must be the letter of one of the \(revised.choices.count) choices")
            }
        }
        if revised.contentHash == item.contentHash { return error("revised_question", "the revision changes nothing") }
        if item.translation != nil {
            // Aligned with the item it translates, letter for letter.
            if revised.choices.count != item.choices.count {
                return error("revised_choices", "a translation keeps the \(item.choices.count) choices of the item it translates")
            }
            if revised.answer != item.answer { return error("revised_answer", "a translation keeps the answer letter (\(item.answer ?? "none")) of the item it translates") }
            // A person corrected the machine's text.
            if revised.translation?.origin == .machine { revised.translation?.origin = .postEdited }
        }
        if !revised.flags.contains("revised") { revised.flags.append("revised") }
        return .success(revised)
    }
}

extension InputError {
    var field: String { location.field ?? "" }
}
