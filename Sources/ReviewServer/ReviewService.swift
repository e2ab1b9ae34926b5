public import Foundation
public import DatasetCore
public import ReviewStore

/// A request the page refuses: the status to answer with and the reason that is logged.
public struct AccessDenied: Error, Sendable, Equatable {
    public enum Status: Sendable, Equatable { case unauthorized, forbidden, notFound, conflict }
    public var status: Status
    public var reason: String
}

/// What the review page does, over the same review database as the command line. An actor:
/// requests arrive concurrently, the store is used by one at a time, and each write is one
/// SQLite transaction, so the command line can import batch files meanwhile.
public actor ReviewService {
    /// The actor runs on a queue of its own, not on Swift's shared threads: a store call may
    /// wait up to the busy timeout for another process's write lock, and must not hold one of
    /// the few threads every request's task needs while it does.
    private let executor = QueueExecutor(label: "review-service")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    let store: ReviewStore
    /// The curator's round reports, read on a connection and a queue of their own.
    let reporter: RoundReporter
    let plan: ReviewPlan
    /// Passages by "document#element", as an item's source names the one it was written from.
    let passages: [String: Passage]
    let sessionLifetime: TimeInterval
    /// The time sign-in links and sessions are checked against.
    let now: @Sendable () -> Date

    public init(databaseURL: URL, plan: ReviewPlan, passages: [Passage] = [], sessionLifetime: TimeInterval = 12 * 3600,
                now: @escaping @Sendable () -> Date = Date.init) throws {
        store = try ReviewStore(url: databaseURL)
        reporter = try RoundReporter(databaseURL: databaseURL)
        self.plan = plan
        self.passages = Dictionary(passages.map { ("\($0.document)#\($0.element)", $0) }, uniquingKeysWith: { first, _ in first })
        self.sessionLifetime = sessionLifetime
        self.now = now
    }

    // MARK: Sessions

    public func signIn(token: String) throws -> (id: String, session: ReviewSession)? {
        try store.redeemSignInToken(token, sessionLifetime: sessionLifetime, now: now())
    }

    public func session(_ id: String) throws -> ReviewSession? { try store.session(id, now: now()) }

    public func signOut(_ id: String) throws { try store.endSession(id) }

    public func refuse(reviewer: String?, request: String, reason: String) throws {
        try store.recordRefusal(reviewer: reviewer, request: request, reason: reason)
    }

    // MARK: Pages

    public func dashboard(for reviewer: Reviewer) async throws -> DashboardPage {
        var page = DashboardPage(reviewer: reviewer)
        page.batches = try store.snapshot {
            try store.batches().filter { $0.reviewers.contains(reviewer.id) }.map { batch in
                let members = try current(batch.id)
                let decided = try store.decidedItems(reviewer: reviewer.id, batch: batch.id)
                return .init(id: batch.id, round: batch.round, kind: batch.kind.rawValue, items: members.count,
                             decided: members.filter { decided.contains($0.itemID) }.count, closed: try store.roundIsClosed(batch.round))
            }
        }
        if reviewer.role == .curator {
            page.rounds = try await reporter.rounds(plan: plan)
            page.linkRequests = try store.linkRequests()
        }
        return page
    }

    /// Every version of an item with the votes and notes on it: for the curator, and for leads.
    public func itemOverview(_ itemID: String, for reviewer: Reviewer) throws -> ItemOverviewPage {
        guard reviewer.role == .curator || reviewer.role == .lead else {
            throw AccessDenied(status: .forbidden, reason: "\(reviewer.id) is a \(reviewer.role.rawValue); an item's votes are for leads and the curator")
        }
        let versions = try store.versions(of: itemID)
        guard !versions.isEmpty else { throw AccessDenied(status: .notFound, reason: "unknown item \(itemID)") }
        let current = try store.currentVersions(of: [itemID])[itemID]?.contentHash
        let votes = Dictionary(grouping: try store.decisions(on: itemID), by: \.contentHash)
        return ItemOverviewPage(itemID: itemID, versions: try versions.reversed().map { version in
            let decided = votes[version.contentHash] ?? []
            var comments: [(round: String, reviewer: String, text: String)] = []
            for round in Set(decided.map(\.round)).sorted() {
                comments += try store.comments(on: itemID, contentHash: version.contentHash, round: round).map { (round, $0.reviewer, $0.text) }
            }
            return .init(version: version.version, item: version.item, current: version.contentHash == current, votes: decided, comments: comments)
        })
    }

    /// Records that the reviewer of an ended session asks for a new sign-in link.
    public func requestNewLink(session id: String) throws -> Reviewer? {
        try store.requestNewLink(session: id, now: now())
    }

    public func batchPage(_ batchID: String, for reviewer: Reviewer) throws -> BatchPage {
        try store.snapshot { try readBatchPage(batchID, for: reviewer) }
    }

    func readBatchPage(_ batchID: String, for reviewer: Reviewer) throws -> BatchPage {
        let (batch, round) = try access(batchID, reviewer)
        let members = try store.currentBatchItems(batchID)
        let decided = try store.decidedItems(reviewer: reviewer.id, batch: batchID)
        let viewed = try store.viewedItems(reviewer: reviewer.id, batch: batchID)
        let rows = members.enumerated().map { index, member in
            BatchPage.Row(position: index + 1, id: member.item.id, question: member.item.question,
                          decided: decided.contains(member.item.id), shown: viewed.contains(member.item.id),
                          subject: member.item.subject, flagged: !member.item.flags.filter { $0 != "revised" }.isEmpty)
        }
        let open = rows.filter { !$0.decided }
        return BatchPage(batch: batch, round: round, rows: rows,
                         canApproveRest: !open.isEmpty && open.allSatisfy(\.shown) && round.decisions.contains(.approve)
                            && !round.labels.contains(where: \.required))
    }

    /// The card of the item at `position` (from 1) of a batch; it counts as shown from now on.
    public func itemPage(_ batchID: String, position: Int, for reviewer: Reviewer) throws -> ItemPage {
        let page = try store.snapshot { try readItemPage(batchID, position: position, for: reviewer) }
        try store.recordView(reviewer: reviewer.id, batch: batchID, item: page.member.item.id)
        return page
    }

    func readItemPage(_ batchID: String, position: Int, for reviewer: Reviewer) throws -> ItemPage {
        let (batch, round) = try access(batchID, reviewer)
        let members = try current(batchID)
        guard members.indices.contains(position - 1),
              let member = try store.itemVersion(members[position - 1].itemID, contentHash: members[position - 1].contentHash) else {
            throw AccessDenied(status: .notFound, reason: "no item \(position) in batch \(batchID)")
        }
        // Other reviewers' votes are shown only to the lead who settles a disagreement.
        var votes: [ItemPage.OtherVote] = []
        if batch.kind != .review {
            votes = try store.votes(on: member.item.id, contentHash: member.contentHash, round: batch.round, except: reviewer.id)
                .map { ItemPage.OtherVote(reviewer: $0.reviewer, decision: $0.decision, reason: $0.reason) }
        }
        let decided = try store.decidedItems(reviewer: reviewer.id, batch: batchID)
        // Others' comments are shown to a lead settling a disagreement, and to a reviewer who has
        // decided on this version (so that no note sways a first decision).
        let comments = try store.comments(on: member.item.id, contentHash: member.contentHash, round: batch.round)
        let chosen = try store.decision(by: reviewer.id, on: member.item.id, contentHash: member.contentHash, round: batch.round)
        let othersComments = batch.kind != .review || chosen != nil ? comments.filter { $0.reviewer != reviewer.id } : []
        // What this version replaced: a reviewer's revision names its base; otherwise the raw
        // files changed the item since the last version decided on.
        let earlier = try store.earlierVersions(of: member.item.id, except: member.contentHash)
        var changedFrom: (version: Int, item: Item, note: String)?
        if let base = try store.revisionBase(of: member.item.id, contentHash: member.contentHash) {
            changedFrom = (base.version.version, base.version.item, "Revised by \(base.reviser) in round \(base.round)" + (base.reason.isEmpty ? "." : ": \(base.reason)"))
        } else if let last = earlier.last(where: { $0.version < member.version }) {
            changedFrom = (last.version, last.item, "Changed in the raw files since version \(last.version) was decided on.")
        }
        return ItemPage(batch: batch, round: round, member: member, position: position, count: members.count,
                        passage: member.item.source.passage.flatMap { passages["\(member.item.source.document)#\($0)"] }, otherVotes: votes,
                        earlier: earlier, decided: decided.contains(member.item.id),
                        chosen: chosen, changedFrom: changedFrom,
                        ownComment: comments.first { $0.reviewer == reviewer.id }?.text ?? "", comments: othersComments,
                        original: try member.item.translation.flatMap { try store.currentVersion(of: $0.group) })
    }

    // MARK: Decisions

    /// Stores one decision from the item form. Returns the position of the next undecided item, if any.
    public func decide(_ batchID: String, itemID: String, form: FormFields, reviewer: Reviewer) throws -> Int? {
        let (_, round) = try access(batchID, reviewer)
        guard let member = try current(batchID).first(where: { $0.itemID == itemID }) else {
            throw AccessDenied(status: .notFound, reason: "item \(itemID) is not in batch \(batchID) as it stands")
        }
        guard form["content_hash"] == member.contentHash else {
            throw AccessDenied(status: .conflict, reason: "item \(itemID) changed since the page was shown; reload it")
        }
        guard let decision = form["decision"].flatMap(ReviewDecision.init(rawValue:)) else {
            throw ReviewError("choose approve, reject or revise")
        }
        var revision: Vote.Revision?
        if decision == .revise, let original = try store.itemVersion(itemID, contentHash: member.contentHash) {
            let choices = (0..<original.item.choices.count).map { form["choice_\($0)"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
            revision = Vote.Revision(question: form["question"].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) },
                                     choices: choices.allSatisfy(\.isEmpty) ? nil : choices,
                                     answer: form["answer"].flatMap { $0.isEmpty ? nil : $0 })
        }
        var labels: [String: [String]] = [:]
        for label in round.labels {
            let values = form.all("label.\(label.name)").filter { !$0.isEmpty }
            if !values.isEmpty { labels[label.name] = values }
        }
        let vote = Vote(location: SourceLocation(file: "review page", field: itemID), batch: batchID, itemID: itemID,
                        contentHash: member.contentHash, reviewer: reviewer.id, decision: decision,
                        reason: form["reason"].flatMap { $0.isEmpty ? nil : $0 }, revision: revision, labels: labels,
                        comment: form["comment"] ?? "")
        try store.submit([vote], plan: plan, actor: reviewer.id)
        return try nextUndecided(batchID, reviewer: reviewer, after: itemID)
    }

    /// Approves every item of the batch the reviewer has not decided on, once every one of
    /// them has been shown; refused otherwise.
    /// The items "approve the rest" would approve, for the reviewer to confirm; refused as
    /// `approveRest` refuses.
    public func itemsToApprove(_ batchID: String, reviewer: Reviewer) throws -> (page: BatchPage, open: [BatchPage.Row]) {
        let page = try batchPage(batchID, for: reviewer)
        let open = page.rows.filter { !$0.decided }
        guard page.canApproveRest else {
            let unseen = open.filter { !$0.shown }.count
            throw AccessDenied(status: .conflict, reason: unseen > 0
                               ? "\(unseen) items of batch \(batchID) have not been shown yet"
                               : "this round cannot approve without labels or has nothing left to approve")
        }
        return (page, open)
    }

    /// Approves the reviewer's undecided items of a batch, once they confirmed `confirmed` of
    /// them: when the batch changed since (another number is open now), nothing is approved.
    public func approveRest(_ batchID: String, reviewer: Reviewer, confirmed: Int) throws -> Int {
        let (_, open) = try itemsToApprove(batchID, reviewer: reviewer)
        guard open.count == confirmed else {
            throw AccessDenied(status: .conflict, reason: "\(open.count) items of batch \(batchID) are open now, not the \(confirmed) confirmed; look at the batch again")
        }
        let hashes = Dictionary(uniqueKeysWithValues: try current(batchID).map { ($0.itemID, $0.contentHash) })
        let votes = open.map { row in
            Vote(location: SourceLocation(file: "review page", field: row.id), batch: batchID, itemID: row.id,
                 contentHash: hashes[row.id]!, reviewer: reviewer.id, decision: .approve)
        }
        return try store.submit(votes, plan: plan, actor: reviewer.id).recorded
    }

    // MARK: Helpers

    /// The batch and its round, if the reviewer may work on it: assigned, with a role the
    /// round (or, for disagreements, a lead's) allows, and the round still open.
    func access(_ batchID: String, _ reviewer: Reviewer) throws -> (BatchSummary, ReviewRound) {
        guard let batch = try store.batch(batchID) else { throw AccessDenied(status: .notFound, reason: "unknown batch \(batchID)") }
        guard try store.isAssigned(reviewer.id, to: batchID) else {
            throw AccessDenied(status: .forbidden, reason: "\(reviewer.id) is not assigned to batch \(batchID)")
        }
        guard let round = plan.round(batch.round) else {
            throw AccessDenied(status: .notFound, reason: "round \(batch.round) is no longer in the pipeline")
        }
        let allowed: [ReviewerRole] = batch.kind == .adjudication ? [.lead] : round.roles
        guard allowed.contains(reviewer.role) else {
            throw AccessDenied(status: .forbidden, reason: "role \(reviewer.role.rawValue) does not act in round \(round.name)")
        }
        guard try !store.roundIsClosed(batch.round) else {
            throw AccessDenied(status: .conflict, reason: "round \(batch.round) is closed")
        }
        return (batch, round)
    }

    /// The batch's members that are still the content their item shows (a revision or a raw edit replaces one).
    func current(_ batchID: String) throws -> [ReviewStore.BatchMember] {
        try store.batchMembers(batchID).filter(\.isCurrent)
    }

    /// The position (from 1) of an item among a batch's current members.
    func position(of itemID: String, in batchID: String, for reviewer: Reviewer) throws -> Int {
        _ = try access(batchID, reviewer)
        guard let index = try current(batchID).firstIndex(where: { $0.itemID == itemID }) else {
            throw AccessDenied(status: .notFound, reason: "item \(itemID) is not in batch \(batchID) as it stands")
        }
        return index + 1
    }

    func nextUndecided(_ batchID: String, reviewer: Reviewer, after itemID: String) throws -> Int? {
        let members = try current(batchID)
        let decided = try store.decidedItems(reviewer: reviewer.id, batch: batchID)
        let start = (members.firstIndex { $0.itemID == itemID } ?? -1) + 1
        let order = Array(members.indices[start...]) + Array(members.indices[..<start])
        return order.first { !decided.contains(members[$0].itemID) }.map { $0 + 1 }
    }
}

/// Reads every round's progress, agreement and disagreements for the curator's page, with a
/// store and a queue of its own: over half a million items this takes seconds, during which the
/// service goes on answering reviewers (and SQLite lets their decisions be written meanwhile).
actor RoundReporter {
    private let executor = QueueExecutor(label: "review-reports")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    let store: ReviewStore

    init(databaseURL: URL) throws {
        store = try ReviewStore(url: databaseURL)
    }

    func rounds(plan: ReviewPlan) throws -> [DashboardPage.Round] {
        let decisions = Dictionary(grouping: try store.decisions(), by: \.round)
        return try store.roundReports(plan: plan).map { status, agreement in
            DashboardPage.Round(status: status, agreement: agreement, disagreements: try disagreements(in: decisions[status.round] ?? []))
        }
    }

    /// The item versions of a round on which reviewers decided differently or chose other labels,
    /// in item order, each with its votes in a line.
    func disagreements(in decisions: [ReviewStore.DecisionEntry]) throws -> [DashboardPage.Disagreement] {
        let byVersion = Dictionary(grouping: decisions) { "\($0.itemID)/\($0.contentHash)" }
        return try byVersion.keys.sorted().compactMap { key in
            let votes = byVersion[key]!
            guard votes.count > 1, Set(votes.map(\.decision)).count > 1 || Set(votes.map(\.labels)).count > 1,
                  let version = try store.itemVersion(votes[0].itemID, contentHash: votes[0].contentHash) else { return nil }
            let line = votes.map { vote in
                let labels = vote.labels.keys.sorted().map { "\($0)=\(vote.labels[$0]!.joined(separator: "+"))" }
                return "\(vote.reviewer): \(vote.decision)" + (labels.isEmpty ? "" : " (\(labels.joined(separator: ", ")))")
            }.joined(separator: "; ")
            return DashboardPage.Disagreement(itemID: version.item.id, question: version.item.question, votes: line)
        }
    }
}

/// A serial executor on a dispatch queue of its own.
final class QueueExecutor: SerialExecutor, @unchecked Sendable {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}
