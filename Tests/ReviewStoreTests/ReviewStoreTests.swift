import Foundation
import Testing
import DatasetCore
import GRDB
@testable import ReviewStore

func reviewItem(_ id: String, question: String = "질문입니다?", subject: String = "s", author: String? = nil) -> Item {
    Item(id: id, task: .commonKnowledge, subject: subject, language: "ko", question: question, choices: ["가", "나", "다", "라"],
         answer: "A", choicesOrdered: false,
         source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r", author: author))
}

func temporaryStore() throws -> (ReviewStore, URL) {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)/r.sqlite")
    return (try ReviewStore(url: url), url)
}

/// A store with reviewers and registered items, and helpers to vote through the public API.
struct Fixture {
    let store: ReviewStore
    let url: URL
    var plan: ReviewPlan

    init(plan: ReviewPlan, items: [Item], reviewers: [Reviewer]) throws {
        (store, url) = try temporaryStore()
        self.plan = plan
        for reviewer in reviewers { try store.addReviewer(reviewer, actor: "test") }
        try store.register(items, actor: "test")
    }

    /// Items ck-1 … ck-`count` in the `cultural-labels` round, opened and its batches assigned.
    static func assignedRound(items count: Int = 3) throws -> Fixture {
        let fixture = try Fixture(plan: ReviewPlan(rounds: [culturalLabels]), items: (1...count).map { reviewItem("ck-\($0)") }, reviewers: people)
        try fixture.store.open("cultural-labels", plan: fixture.plan, actor: "test")
        _ = try fixture.store.assign(round: "cultural-labels", plan: fixture.plan, actor: "test")
        return fixture
    }

    func remove() { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }

    /// Runs SQL on the database file from a connection of its own, as someone editing it by hand would.
    func editByHand(_ sql: String) throws {
        try DatabaseQueue(path: url.path).writeWithoutTransaction { try $0.execute(sql: sql) }
    }

    /// The votes of `reviewer` on every item of `batch` that is current and they have not decided on.
    func votes(_ batch: String, _ reviewer: String, _ decide: (Item) -> (ReviewDecision?, [String: [String]], Vote.Revision?)) throws -> [Vote] {
        let latest = try store.currentVersions()
        let decided = Set(try store.decisions().filter { $0.reviewer == reviewer }.map { $0.itemID + $0.contentHash })
        return try store.batchItems(batch).enumerated().filter { _, member in
            latest[member.item.id]?.contentHash == member.contentHash && !decided.contains(member.item.id + member.contentHash)
        }.map { index, member in
            let (decision, labels, revision) = decide(member.item)
            return Vote(location: SourceLocation(file: "\(batch)-\(reviewer).csv", line: index + 2), batch: batch, itemID: member.item.id,
                        contentHash: member.contentHash, reviewer: reviewer, decision: decision,
                        reason: decision == .reject ? "wrong key" : nil, revision: revision, labels: labels)
        }
    }

    /// Every batch of a round with its reviewers, each voting `decide`.
    @discardableResult
    func voteAll(_ round: String, kind: BatchSummary.Kind = .review,
                 _ decide: (String, Item) -> (ReviewDecision?, [String: [String]], Vote.Revision?)) throws -> SubmitReport {
        var all: [Vote] = []
        for batch in try store.batches(round: round) where batch.kind == kind {
            for reviewer in batch.reviewers { all += try votes(batch.id, reviewer) { decide(reviewer, $0) } }
        }
        return try store.submit(all, plan: plan, actor: "test")
    }
}

let people = [Reviewer(id: "kim", name: "Kim", role: .reviewer), Reviewer(id: "lee", name: "Lee", role: .reviewer),
              Reviewer(id: "park", name: "Park", role: .reviewer), Reviewer(id: "han", name: "Han", role: .lead)]

let factCheck = ReviewRound(name: "fact-check", reviewersPerItem: 2, batchSize: 10, rule: .unanimous, onDisagreement: .adjudicate)
let culturalLabels = ReviewRound(name: "cultural-labels", reviewersPerItem: 3, batchSize: 10, decisions: [.approve, .reject],
                                 rule: .majority(threshold: 0.5), labels: ["required_knowledge", "region", "time_sensitive"].compactMap(LabelSpec.known))

@Suite struct ReviewStoreTests {
    @Test func registeringIsIdempotentAndAChangedItemIsANewVersion() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        func poolUpdates() throws -> Int { try store.auditEntries(subjectPrefix: "pool").filter { $0.action == "pool.updated" }.count }
        #expect(try store.register([reviewItem("ck-1"), reviewItem("ck-2")], actor: "test") == 2)
        #expect(try poolUpdates() == 1)
        // The same items in another order: nothing registered, the pool left as it is.
        #expect(try store.register([reviewItem("ck-2"), reviewItem("ck-1")], actor: "test") == 0)
        #expect(try poolUpdates() == 1)
        #expect(try store.register([reviewItem("ck-1", question: "고친 질문입니다?")], actor: "test") == 1)
        #expect(try poolUpdates() == 2)
        // The pool's entry records the SHA-256 of its rows' text in id order, parts joined by 0x1F.
        let poolRows = try store.database.rows("SELECT item_id, source_hash, current_hash FROM pool ORDER BY item_id")
        let poolText = poolRows.flatMap { row in [row[0], row[1], row[2]] as [String] }.joined(separator: "\u{1F}")
        #expect(poolRows.count == 1 && poolText.hasPrefix("ck-1\u{1F}"))
        let recorded: String? = try store.database.value("SELECT detail FROM audit_log WHERE action = 'pool.updated' ORDER BY seq DESC LIMIT 1")
        #expect(recorded == Hashing.sha256Hex(poolText))
        let versions = try store.currentVersions()
        #expect(versions["ck-1"]?.version == 2)
        #expect(versions["ck-2"]?.version == 1)
        // The pool is the latest run's items only.
        #expect(try store.poolItems().map(\.item.id) == ["ck-1"])
        let reopened = try ReviewStore(url: url)
        #expect(try reopened.currentVersions().count == 2)
        #expect(try reopened.verifyAudit().isEmpty)
        // Of two items with one id, the first one given is the pool's, wherever the other sorts.
        #expect(try store.register([reviewItem("ck-3", question: "나중 질문?"), reviewItem("ck-1"), reviewItem("ck-3", question: "가 질문?")], actor: "test") == 2)
        #expect(try store.poolItems().map(\.item.question) == [reviewItem("ck-1").question, "나중 질문?"])
        #expect(try store.versions(of: "ck-3").map(\.version) == [1, 2])
        // Two new contents of a registered id take the versions after its latest, in turn.
        #expect(try store.register([reviewItem("ck-2", question: "셋째 질문?"), reviewItem("ck-1"), reviewItem("ck-2", question: "넷째 질문?")], actor: "test") == 2)
        #expect(try store.versions(of: "ck-2").map(\.item.question) == ["질문입니다?", "셋째 질문?", "넷째 질문?"])
        #expect(try store.versions(of: "ck-2").map(\.version) == [1, 2, 3])
    }

    /// The pool the reports and round commands read comes from the items table's columns and
    /// from the records as SQLite reads them, without decoding an item: it says what the
    /// decoded items say, for items in their own language and translations, raw and changed.
    @Test func thePoolReadWithoutDecodingSaysWhatTheDecodedItemsSay() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        var english = reviewItem("ck-2-en", question: "A question?", subject: "history")
        english.language = "en"
        english.translation = ItemTranslation(group: "ck-2", sourceLanguage: "ko", origin: .machine, system: "mt")
        var survey = reviewItem("sv-1", subject: "social_values")
        survey.task = .socialValue
        _ = try store.register([reviewItem("ck-1", author: "kim"), reviewItem("ck-2", subject: "history"), english, survey], actor: "test")
        _ = try store.register([reviewItem("ck-1", question: "고친 질문입니다?"), reviewItem("ck-2", subject: "history"), english, survey], actor: "test")
        let members = try store.poolMembers()
        #expect(members == (try store.poolItems()).map(PoolMember.init))
        #expect(members.map(\.id) == ["ck-1", "ck-2", "ck-2-en", "sv-1"])
        #expect(members.map(\.version) == [2, 1, 1, 1])
        #expect(members.map(\.language) == ["ko", "ko", "en", "ko"])
        #expect(members.map(\.isTranslation) == [false, false, true, false])
        #expect(members.map(\.task) == [.commonKnowledge, .commonKnowledge, .commonKnowledge, .socialValue])
        // The snapshot built on them sends each to the rounds that apply to it.
        var translations = ReviewRound(name: "t", rule: .any)
        translations.translations = .only
        var own = ReviewRound(name: "o", rule: .any, tasks: [.commonKnowledge])
        own.translations = .exclude
        let snapshot = try ReviewSnapshot(store: store, plan: ReviewPlan(rounds: [translations, own]))
        #expect(snapshot.members(of: translations).map(\.id) == ["ck-2-en"])
        #expect(snapshot.members(of: own).map(\.id) == ["ck-1", "ck-2"])
    }

    /// A record edited by hand into something that is not JSON, or whose language is not text,
    /// is named by item and version when the reports read the pool.
    @Test func aDamagedRecordInThePoolIsNamedByItemAndVersion() throws {
        for (edit, message) in [("substr(record, 1, 40)", "its record is not valid JSON"),
                                ("json_set(record, '$.language', 7)", "its record's language is missing or not text")] {
            let fixture = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: [reviewItem("ck-1"), reviewItem("ck-2")], reviewers: people)
            defer { fixture.remove() }
            try fixture.editByHand("UPDATE items SET record = \(edit) WHERE id = 'ck-2'")
            let error = try #require(throws: ReviewError.self) { try fixture.store.status(plan: fixture.plan) }
            #expect(error.description.contains("item ck-2 version 1: \(message)"), "\(error)")
        }
    }

    /// Review finds each item's registered version by walking the items and the pool side by
    /// side in id order: items in any order, ids whose case and letters sort them apart, an id
    /// given twice and an item never registered each get what the database holds for them.
    @Test func reviewFindsEachItemsVersionWhateverOrderTheItemsComeIn() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        _ = try store.register(["ck-b", "CK-a", "ck-é", "ck-a", "ck-10", "ck-9"].map { reviewItem($0) }, actor: "test")
        func changed(_ id: String) -> Item { reviewItem(id, question: "고친 질문입니다?") }
        let given = [reviewItem("ck-9"), changed("ck-a"), reviewItem("ck-é"), changed("CK-a"), changed("ck-b"), reviewItem("ck-10"), changed("ck-b")]
        #expect(try store.register(given, actor: "test") == 3)
        let unregistered = reviewItem("ck-0")
        let outcome = try store.review(given + [unregistered], plan: ReviewPlan(rounds: []))
        #expect(outcome.dropped.isEmpty)
        #expect(outcome.kept.map(\.id) == given.map(\.id) + ["ck-0"])
        #expect(outcome.kept.prefix(given.count).map(\.review.version) == [1, 2, 1, 2, 2, 1, 2])
        #expect(outcome.kept.prefix(given.count).allSatisfy { $0.review.status == "unreviewed" && !$0.flags.contains("revised") })
        #expect(outcome.kept.map(\.question) == (given + [unregistered]).map(\.question))
        #expect(outcome.kept.last == unregistered)
    }

    /// Review takes the hashes and id order the registration made when it is given the very
    /// array registered, once; any other array, even of equal items, is hashed anew.
    @Test func reviewReusesTheHashesOfTheItemsJustRegisteredOnce() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let items = ["ck-2", "ck-1"].map { reviewItem($0) }
        func same(_ a: ItemsInHand?, _ b: ItemsInHand?) -> Bool {
            guard let a, let b else { return false }
            return a.hashes.withUnsafeBufferPointer { x in b.hashes.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
        }
        _ = try store.register(items, actor: "test")
        let registered = try #require(store.registeredInHand)
        #expect(try same(store.itemsInHand(items), registered))
        #expect(store.registeredInHand == nil, "let go once taken")
        #expect(try !same(store.itemsInHand(items), registered))

        _ = try store.register(items, actor: "test")
        let equal = items.map { reviewItem($0.id) }
        let other = try store.itemsInHand(equal)
        #expect(!same(other, registered) && store.registeredInHand == nil)
        #expect(other.hashes == registered.hashes && other.byID == [1, 0])

        _ = try store.register(items, actor: "test")
        let outcome = try store.review(items, plan: ReviewPlan(rounds: []))
        #expect(store.registeredInHand == nil)
        #expect(outcome.kept.map(\.id) == ["ck-2", "ck-1"] && outcome.kept.allSatisfy { $0.review.version == 1 })
    }

    /// A large registration's log is copied into the database after it returns: readers see
    /// every item meanwhile, SQLite's own copying is back on for the next commits, and a store
    /// let go right after leaves everything in the database file, not in the log.
    @Test func aLargeRegistrationIsCopiedIntoTheDatabaseFileInTheBackground() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)/r.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let items = (0..<ReviewStore.largeRegistration).map { reviewItem(String(format: "ck-%05d", $0)) }
        let wal = URL(fileURLWithPath: url.path + "-wal")
        do {
            let store = try ReviewStore(url: url)
            #expect(try store.register(items, actor: "test") == items.count)
            let reader = try ReviewStore(url: url)
            #expect(try reader.currentVersions().count == items.count)
            // Work queued on the writer after the copy, committing nothing: by its turn the
            // database file holds the items (about 2 kB each), and SQLite copies again on commit.
            let writer = try store.database.pool.writeWithoutTransaction { db in
                (autocheckpoint: try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint"), size: try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
            }
            #expect(writer.autocheckpoint == StoreDatabase.autocheckpointBytes / StoreDatabase.pageSize)
            #expect((writer.size ?? 0) > items.count * 1_000, "database file: \(writer.size ?? 0) bytes")
            #expect(FileManager.default.fileExists(atPath: wal.path))
        }
        #expect(!FileManager.default.fileExists(atPath: wal.path))
        let reopened = try ReviewStore(url: url)
        #expect(try reopened.currentVersions().count == items.count)
        #expect(try reopened.verifyAudit().isEmpty)
    }

    /// A registration marks the source it came from only where the last mark names another:
    /// the mark is looked for before the registration's own entries are added, in a database
    /// just made as in one that has them.
    @Test func aRegistrationMarksItsSourceOnlyWhenTheLastMarkNamesAnother() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let made = folder.appendingPathComponent("made.sqlite")
        let store = try #require(try ReviewStore.create(at: made, registering: { [reviewItem("ck-1"), reviewItem("ck-2")] },
                                                          actor: "test", from: "sample-a"))
        func marks() throws -> [String] {
            try DatabaseQueue(path: made.path).read { db in
                try String.fetchAll(db, sql: "SELECT detail FROM audit_log WHERE action = 'pool.registered' ORDER BY seq")
            }
        }
        #expect(try marks() == ["sample-a"])
        try store.register([reviewItem("ck-1"), reviewItem("ck-2"), reviewItem("ck-3")], actor: "test", from: "sample-a")
        #expect(try marks() == ["sample-a"], "the same source again is not marked again, though its items were new")
        try store.register([reviewItem("ck-4")], actor: "test", from: "sample-b")
        try store.register([reviewItem("ck-5")], actor: "test")
        try store.register([reviewItem("ck-5")], actor: "test", from: "sample-a")
        #expect(try marks() == ["sample-a", "sample-b", "sample-a"])
        #expect(try store.registeredSource() == "sample-a")
    }

    /// A pipeline's first registration makes the database (built without SQLite's log under a
    /// temporary name, then moved into place): it holds what registering into a new database
    /// holds, is in the WAL mode the store opens it in, leaves no other file, and is made only
    /// where there is no database; a build that fails leaves none.
    @Test func aNewDatabaseMadeWithItsFirstRegistrationHoldsWhatRegisteringIntoOneHolds() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let items = [reviewItem("ck-2"), reviewItem("ck-1", author: "kim"), reviewItem("ck-3", question: "다른 질문?"), reviewItem("ck-1")]
        let made = folder.appendingPathComponent("made.sqlite"), registered = folder.appendingPathComponent("registered.sqlite")
        // What a build that was killed left behind is replaced.
        try Data("not a database".utf8).write(to: folder.appendingPathComponent(".made.sqlite.new"))
        #expect(try ReviewStore.decisionStateHash(at: made) == ReviewStore(url: registered).decisionStateHash())
        #expect(!FileManager.default.fileExists(atPath: made.path), "the state of no database is read without making one")

        let store = try #require(try ReviewStore.create(at: made, registering: { items }, actor: "test", from: "sample-1"))
        #expect(store.registeredInHand?.ids.count == items.count, "review reuses the registration's hashes")
        try ReviewStore(url: registered).register(items, actor: "test", from: "sample-1")
        func contents(_ url: URL) throws -> [[String]] {
            try DatabaseQueue(path: url.path).read { db in
                try ["SELECT id, version, content_hash, task, subject, record, author FROM items ORDER BY id, version",
                     "SELECT * FROM pool ORDER BY item_id",
                     "SELECT actor, action, subject, detail FROM audit_log ORDER BY seq"].flatMap { sql in
                    try Row.fetchAll(db, sql: sql).map { $0.databaseValues.map(\.canonicalText) }
                }
            }
        }
        let held = try contents(made)
        #expect(held == (try contents(registered)))
        #expect(held.count == 3 + 3 + 5, "3 items, the pool of 3, an audit entry for each item, the pool and its source")
        #expect(try store.verifyAudit().isEmpty)
        #expect(try store.registeredSource() == "sample-1")
        #expect(try store.decisionStateHash() == ReviewStore.decisionStateHash(at: made))
        #expect(try DatabaseQueue(path: made.path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("made") || $0.hasPrefix(".made") }
        #expect(Set(files).isSubset(of: ["made.sqlite", "made.sqlite.key", "made.sqlite-wal", "made.sqlite-shm"]), "\(files)")

        // Where there is a database, nothing is read or made.
        var asked = false
        #expect(try ReviewStore.create(at: made, registering: { asked = true; return items }, actor: "test") == nil)
        #expect(!asked)
        #expect(try held == contents(made))

        let failed = folder.appendingPathComponent("failed.sqlite")
        #expect(throws: ReviewError.self) {
            try ReviewStore.create(at: failed, registering: { throw ReviewError("the sample cannot be read") }, actor: "test")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("failed.sqlite") && !$0.hasSuffix(".key") }.isEmpty)
    }

    /// Review applied right after the database is built takes the pool from the registration
    /// (the first item of each id, version 1) instead of reading it back; it is what reading it
    /// back gives, and once anything is audited after the build, the pool is read back.
    @Test func thePoolOfADatabaseJustBuiltIsWhatReadingItBackGives() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let items = [reviewItem("ck-2"), reviewItem("ck-1", author: "kim"), reviewItem("ck-3", question: "다른 질문?"),
                     reviewItem("ck-1", question: "같은 id, 다른 질문?"), reviewItem("ck-10", author: "lee")]
        func pools(_ name: String, change: (ReviewStore) throws -> Void = { _ in }) throws -> (built: [ReviewStore.ItemVersion]?, read: [ReviewStore.ItemVersion]) {
            let store = try #require(try ReviewStore.create(at: folder.appendingPathComponent(name), registering: { items }, actor: "test"))
            try change(store)
            let hand = try store.itemsInHand(items)
            return (try store.builtPool(of: hand), try store.poolItems(known: hand))
        }
        func rows(_ pool: [ReviewStore.ItemVersion]) -> [String] {
            pool.map { "\($0.item.id) \($0.item.question) v\($0.version) \($0.contentHash) \($0.author ?? "-") \($0.revisedIn ?? "-")" }
        }
        let fresh = try pools("fresh.sqlite")
        let built = try #require(fresh.built)
        #expect(rows(built) == rows(fresh.read))
        #expect(built.map(\.item.id) == ["ck-1", "ck-10", "ck-2", "ck-3"])
        #expect(built.map(\.author) == ["kim", "lee", nil, nil])

        let changed = try pools("changed.sqlite") { try $0.addReviewer(Reviewer(id: "park", name: "Park", role: .reviewer), actor: "test") }
        #expect(changed.built == nil, "an audit entry after the build: the pool is read back")
        #expect(rows(changed.read) == rows(fresh.read))

        // Review applied with the pool taken from the build is review applied with it read back.
        func reviewed(_ name: String, change: (ReviewStore) throws -> Void = { _ in }) throws -> [String] {
            let store = try #require(try ReviewStore.create(at: folder.appendingPathComponent(name), registering: { items }, actor: "test"))
            try change(store)
            let result = try store.review(items, plan: ReviewPlan(rounds: [factCheck], includeUnreviewed: true))
            var writer = JSONWriter()
            return result.kept.map { writer.line(for: $0) } + result.dropped.map(\.id)
        }
        let fromBuild = try reviewed("review-built.sqlite")
        #expect(fromBuild.count == items.count)
        #expect(fromBuild == (try reviewed("review-read.sqlite") { try $0.addReviewer(Reviewer(id: "park", name: "Park", role: .reviewer), actor: "test") }))
    }

    @Test func aRoundApprovesRejectsAndSendsDisagreementsToALead() throws {
        let items = (1...4).map { reviewItem("ck-\($0)") }
        let fixture = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: items, reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        #expect(try store.open("fact-check", plan: plan, actor: "test").map(\.items) == [4])
        #expect(try store.open("fact-check", plan: plan, actor: "test").isEmpty)
        let assigned = try store.assign(round: "fact-check", plan: plan, actor: "test")
        // Leads are not in this round's roles.
        #expect(assigned.assigned.map(\.reviewer) == ["kim", "lee"])
        try fixture.voteAll("fact-check") { reviewer, item in
            switch item.id {
            case "ck-2": (.reject, [:], nil)
            case "ck-3": (reviewer == "kim" ? .approve : .reject, [:], nil)
            default: (.approve, [:], nil)
            }
        }
        let first = try store.close("fact-check", plan: plan, actor: "test")
        #expect((first.approved, first.rejected, first.disputed, first.closed) == (2, 1, ["ck-3"], false))
        #expect(first.newBatches.map(\.kind) == [.adjudication])
        #expect(try store.assign(round: "fact-check", plan: plan, actor: "test").assigned.map(\.reviewer) == ["han"])
        try fixture.voteAll("fact-check", kind: .adjudication) { _, _ in (.approve, [:], nil) }
        let second = try store.close("fact-check", plan: plan, actor: "test")
        #expect((second.approved, second.alreadySettled, second.closed) == (1, 3, true))

        let reviewed = try store.review(items, plan: plan)
        #expect(reviewed.kept.map(\.id) == ["ck-1", "ck-3", "ck-4"])
        #expect(reviewed.dropped.map(\.detail) == ["rejected in round fact-check"])
        let adjudicated = try #require(reviewed.kept.first { $0.id == "ck-3" })
        #expect(adjudicated.review.status == "approved")
        #expect(adjudicated.review.votes.map { "\($0.reviewer):\($0.decision):\($0.adjudication)" }
            == ["kim:approve:false", "lee:reject:false", "han:approve:true"])
        #expect(try store.verifyAudit().isEmpty)
    }

    @Test func aRevisionMakesANewVersionThatIsQueuedAgainAndTheReviserMayNotApprove() throws {
        let item = reviewItem("ck-1")
        let fixture = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: [item], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try store.open("fact-check", plan: plan, actor: "test")
        _ = try store.assign(round: "fact-check", plan: plan, actor: "test")
        let revision = Vote.Revision(question: "고친 질문입니다?", answer: "B")
        let kimVotes = try fixture.votes("fact-check-001", "kim") { _ in (.revise, [:], revision) }
        let leeVotes = try fixture.votes("fact-check-001", "lee") { _ in (.approve, [:], nil) }
        #expect(try store.submit(kimVotes, plan: plan, actor: "test").revised == ["ck-1"])
        // Lee's approval of the old text is stale now.
        #expect {
            try store.submit(leeVotes, plan: plan, actor: "test")
        } throws: { error in
            error.inputErrors?.map(\.message).first?.hasPrefix("stale: ck-1 was changed after batch fact-check-001 was made (now version 2)") == true
        }
        let versions = try store.versions(of: "ck-1")
        #expect(versions.map(\.version) == [1, 2])
        #expect(try store.currentVersions(of: ["ck-1", "unknown"]).mapValues(\.version) == ["ck-1": 2])
        #expect(try store.currentVersions(of: ["ck-1"])["ck-1"]?.contentHash == versions[1].contentHash)
        #expect(try store.batchMembers("fact-check-001").map { "\($0.itemID) v\($0.version) current \($0.isCurrent)" } == ["ck-1 v1 current false"])
        // The replaced version is no longer offered for a decision (batch files, the page).
        #expect(try store.batchItems("fact-check-001").count == 1 && store.currentBatchItems("fact-check-001").isEmpty)
        #expect(try store.itemVersion("ck-1", contentHash: versions[0].contentHash)?.version == 1)
        #expect(versions[0].item.question == item.question)
        #expect(versions[1].item.question == "고친 질문입니다?" && versions[1].item.answer == "B" && versions[1].author == "kim")
        #expect(try store.close("fact-check", plan: plan, actor: "test").pending == ["ck-1"])

        let requeued = try store.open("fact-check", plan: plan, actor: "test")
        #expect(requeued.map(\.id) == ["fact-check-002"])
        let second = try store.assign(round: "fact-check", plan: plan, actor: "test")
        #expect(Set(second.assigned.map(\.reviewer)) == ["lee", "park"])
        #expect(throws: ReviewError.self) { try store.assign(batch: "fact-check-002", reviewer: "kim", plan: plan, actor: "test") }
        try fixture.voteAll("fact-check") { _, _ in (.approve, [:], nil) }
        #expect(try store.close("fact-check", plan: plan, actor: "test").closed)
        let released = try store.review([item], plan: plan).kept[0]
        #expect(released.question == "고친 질문입니다?" && released.answer == "B")
        #expect(released.flags.contains("revised"))
        #expect(released.review.version == 2 && released.review.status == "approved")
    }

    /// One review round with one reviewer, for the raw-edit rule.
    static let quickCheck = ReviewRound(name: "fact-check", reviewersPerItem: 1, batchSize: 10, rule: .unanimous, onDisagreement: .adjudicate)

    /// Opens the round, assigns it, and has its reviewer decide on every current item.
    func decideAll(_ fixture: Fixture, _ decide: @escaping (Item) -> (ReviewDecision?, [String: [String]], Vote.Revision?)) throws {
        try fixture.store.open("fact-check", plan: fixture.plan, actor: "test")
        _ = try fixture.store.assign(round: "fact-check", plan: fixture.plan, actor: "test")
        try fixture.voteAll("fact-check") { _, item in decide(item) }
        _ = try fixture.store.close("fact-check", plan: fixture.plan, actor: "test")
    }

    @Test func aRawFileRevertedToEarlierContentBringsThatContentAndItsDecisionsBack() throws {
        let original = reviewItem("ck-1")
        var wrongKey = original
        wrongKey.answer = "C"
        let fixture = try Fixture(plan: ReviewPlan(rounds: [Self.quickCheck]), items: [original], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try decideAll(fixture) { _ in (.approve, [:], nil) }
        #expect(try store.review([original], plan: plan).kept[0].review.status == "approved")

        // The raw key is changed: a new version of the same item, back in review.
        #expect(try store.register([wrongKey], actor: "test") == 1)
        let edited = try store.review([wrongKey], plan: plan)
        #expect(edited.dropped.map(\.detail) == ["waiting in round fact-check"])
        #expect(edited.dropped[0].item.answer == "C" && edited.dropped[0].item.review.version == 2)
        #expect(try store.earlierVersions(of: "ck-1", except: wrongKey.contentHash).map { "v\($0.version) \($0.decisions.map(\.decision))" } == ["v1 [\"approve\"]"])

        // Restored: the first content, with its approval, is the candidate again; nothing is written.
        #expect(try store.register([original], actor: "test") == 0)
        let restored = try store.review([original], plan: plan)
        #expect(restored.kept.map(\.answer) == ["A"])
        #expect(restored.kept[0].review.status == "approved" && restored.kept[0].review.version == 1)
        #expect(try store.currentVersions()["ck-1"]?.version == 1)
        #expect(restored.rawEditConflicts.isEmpty)
        #expect(try store.verifyAudit().isEmpty)
    }

    @Test func aRawEditAfterAReviewersRevisionIsAConflictAndRevertingTheEditBringsTheRevisionBack() throws {
        let original = reviewItem("ck-1")
        let fixture = try Fixture(plan: ReviewPlan(rounds: [Self.quickCheck]), items: [original], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try decideAll(fixture) { _ in (.revise, [:], Vote.Revision(question: "고친 질문입니다?")) }
        // The same raw content again: the reviewer's revision stands.
        try store.register([original], actor: "test")
        var reviewed = try store.review([original], plan: plan)
        #expect(reviewed.dropped.map(\.item.question) == ["고친 질문입니다?"])
        #expect(reviewed.rawEditConflicts.isEmpty)

        // The raw file changes the item the reviewer revised: the raw text stands, and it is a conflict.
        let rawEdit = reviewItem("ck-1", question: "원문을 고친 질문입니다?")
        #expect(try store.register([rawEdit], actor: "test") == 1)
        reviewed = try store.review([rawEdit], plan: plan)
        #expect(reviewed.dropped.map(\.item.question) == ["원문을 고친 질문입니다?"])
        #expect(reviewed.rawEditConflicts == ["ck-1"])
        #expect(try store.earlierVersions(of: "ck-1", except: rawEdit.contentHash).map(\.version) == [1])

        // The raw edit undone: the content the reviewer revised is back, and so is the revision.
        try store.register([original], actor: "test")
        reviewed = try store.review([original], plan: plan)
        #expect(reviewed.dropped.map(\.item.question) == ["고친 질문입니다?"])
        #expect(reviewed.rawEditConflicts.isEmpty)
        #expect(try store.currentVersions()["ck-1"]?.version == 2)

        // A reviewer who decides on the raw edit settles the conflict.
        try store.register([rawEdit], actor: "test")
        _ = try store.open("fact-check", plan: plan, actor: "test")
        _ = try store.assign(round: "fact-check", plan: plan, actor: "test")
        try fixture.voteAll("fact-check") { _, _ in (.approve, [:], nil) }
        _ = try store.close("fact-check", plan: plan, actor: "test")
        reviewed = try store.review([rawEdit], plan: plan)
        #expect(reviewed.rawEditConflicts.isEmpty)
        #expect(reviewed.kept.map(\.question) == ["원문을 고친 질문입니다?"])
        #expect(try store.verifyAudit().isEmpty)
    }

    @Test func labelsHoldAtHalfTheReviewersAndMakeAnItemCulturallySensitive() throws {
        let items = [reviewItem("ck-1"), reviewItem("ck-2"), reviewItem("ck-3")]
        let fixture = try Fixture(plan: ReviewPlan(rounds: [culturalLabels]), items: items, reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try store.open("cultural-labels", plan: plan, actor: "test")
        _ = try store.assign(round: "cultural-labels", plan: plan, actor: "test")
        let knowledge: [String: [String: String]] = [
            "ck-1": ["kim": "cultural", "lee": "cultural;regional", "park": "none"],
            "ck-2": ["kim": "none", "lee": "none", "park": "dialect"],
            "ck-3": ["kim": "regional", "lee": "none", "park": "cultural"],
        ]
        try fixture.voteAll("cultural-labels") { reviewer, item in
            (.approve, ["required_knowledge": [knowledge[item.id]![reviewer]!], "time_sensitive": [reviewer == "park" ? "no" : "yes"],
                        "region": [reviewer == "kim" ? "Seoul" : " seoul "]], nil)
        }
        #expect(try store.close("cultural-labels", plan: plan, actor: "test").closed)
        let reviewed = try store.review(items, plan: plan).kept
        #expect(reviewed.map(\.requiredKnowledge) == [["cultural"], ["none"], []])
        #expect(reviewed.map(\.culturalSensitivity) == [.sensitive, .agnostic, .agnostic])
        #expect(reviewed.map(\.timeSensitive) == [true, true, true])
        // Text labels compare after folding case only for agreement; the held value is the most given spelling.
        #expect(reviewed[0].region == "seoul")
        #expect(reviewed[0].review.votes.count == 3)
        #expect(reviewed[0].review.votes[1].labels.contains(ReviewLabel(name: "required_knowledge", value: "regional")))
    }

    @Test func aSplitVoteGoesToAnotherReviewerWhenTheRoundSaysSo() throws {
        let round = ReviewRound(name: "check", reviewersPerItem: 2, rule: .majority(threshold: 0.5), onDisagreement: .anotherReviewer)
        let fixture = try Fixture(plan: ReviewPlan(rounds: [round]), items: [reviewItem("ck-1")], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try store.open("check", plan: plan, actor: "test")
        _ = try store.assign(round: "check", plan: plan, actor: "test")
        try fixture.voteAll("check") { reviewer, _ in (reviewer == "kim" ? .approve : .reject, [:], nil) }
        let split = try store.close("check", plan: plan, actor: "test")
        #expect(split.newBatches.map(\.id) == ["check-tie-001"])
        #expect(try store.assign(round: "check", plan: plan, actor: "test").assigned.map(\.reviewer) == ["park"])
        #expect(try store.close("check", plan: plan, actor: "test").pending == ["ck-1"])
        try fixture.voteAll("check", kind: .tiebreak) { _, _ in (.approve, [:], nil) }
        let settled = try store.close("check", plan: plan, actor: "test")
        #expect((settled.approved, settled.closed) == (1, true))
    }

    @Test func nobodyReviewsAnItemTheyWrote() throws {
        let plan = ReviewPlan(rounds: [ReviewRound(name: "check", reviewersPerItem: 2)])
        let fixture = try Fixture(plan: plan, items: [reviewItem("ck-1", author: "kim")], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store
        try store.open("check", plan: plan, actor: "test")
        #expect(try store.assign(round: "check", plan: plan, actor: "test").assigned.map(\.reviewer) == ["lee", "park"])
        #expect(throws: ReviewError.self) { try store.assign(batch: "check-001", reviewer: "kim", plan: plan, actor: "test") }
        // A line claiming kim's vote is refused even had the assignment slipped through.
        try fixture.editByHand("INSERT INTO assignments (batch, reviewer) VALUES ('check-001', 'kim')")
        let votes = try fixture.votes("check-001", "kim") { _ in (.approve, [:], nil) }
        #expect {
            try store.submit(votes, plan: plan, actor: "test")
        } throws: { error in
            error.inputErrors?.map(\.description) == ["check-001-kim.csv:2: 'reviewer': kim wrote ck-1 and may not decide on it"]
        }
    }

    /// A vote's values of a choice label are read back in the order the label declares them
    /// (cultural, regional, dialect, none), not in the database's order.
    @Test func aVotesChoiceValuesComeBackInTheirDeclaredOrder() throws {
        let fixture = try Fixture.assignedRound()
        defer { fixture.remove() }
        let votes = try fixture.votes("cultural-labels-001", "kim") { _ in (.approve, ["required_knowledge": ["dialect", "regional"], "time_sensitive": ["no"]], nil) }
        #expect(try fixture.store.submit(votes, plan: fixture.plan, actor: "test").recorded == 3)
        let snapshot = try ReviewSnapshot(store: fixture.store, plan: fixture.plan)
        let read = snapshot.pool.map { snapshot.votes(in: "cultural-labels", on: $0).first?.labels["required_knowledge"] }
        #expect(read == Array(repeating: ["regional", "dialect"], count: 3))
    }

    /// A run reads the decision state once for the stages that key on it: given back while the
    /// audit log's newest entry is the same, read again once a vote is recorded.
    @Test func theDecisionStateIsReadAgainOnlyOnceTheAuditLogHasGrown() throws {
        let fixture = try Fixture.assignedRound()
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        let read = try store.decisionState(reusing: nil)
        #expect(read.hash == (try store.decisionStateHash()))
        // Not read again: a state held for the same newest entry comes back as it was.
        let held = ReviewStore.DecisionState(auditHead: read.auditHead, hash: "held")
        #expect(try store.decisionState(reusing: held) == held)
        let votes = try fixture.votes("cultural-labels-001", "kim") { _ in (.approve, ["required_knowledge": ["cultural"], "time_sensitive": ["no"]], nil) }
        #expect(try store.submit(votes, plan: plan, actor: "test").recorded == 3)
        let after = try store.decisionState(reusing: held)
        #expect(after.auditHead != read.auditHead)
        #expect(after.hash == (try store.decisionStateHash()) && after.hash != read.hash)
    }

    /// The decision state hashes the same parts as reading each decision's labels and batch
    /// kind with a query of its own would: labels of several names and values, given in another
    /// order, each decision's in name and value order; a rejection with no labels; a decision
    /// outside any batch.
    @Test func theDecisionStateHashesEachDecisionWithItsLabelsInOrderAndItsBatchesKind() throws {
        let fixture = try Fixture.assignedRound(items: 6)
        defer { fixture.remove() }
        try fixture.voteAll("cultural-labels") { reviewer, item in
            let labels: [String: [String]] = switch (reviewer, item.id) {
            case ("kim", _): ["time_sensitive": ["no"], "required_knowledge": ["regional", "dialect", "cultural"], "region": ["seoul"]]
            case ("lee", "ck-2"): [:]
            default: ["required_knowledge": [item.id == "ck-1" ? "none" : "cultural"], "time_sensitive": ["yes"]]
            }
            return (labels.isEmpty ? .reject : .approve, labels, nil)
        }
        try fixture.editByHand("UPDATE decisions SET batch = NULL WHERE seq = (SELECT MAX(seq) FROM decisions)")
        let store = try ReviewStore(url: fixture.url)
        let perDecision = """
            SELECT d.item_id, d.content_hash, d.round, d.reviewer, d.decision, COALESCE(d.reason, ''), COALESCE(d.revision_hash, ''), \
            COALESCE(b.kind, ''), (SELECT group_concat(name || '=' || value, ';') FROM (SELECT name, value FROM labels WHERE decision = d.seq \
            ORDER BY name, value)) FROM decisions d LEFT JOIN batches b ON b.id = d.batch ORDER BY d.item_id, d.content_hash, d.round, d.reviewer
            """
        let rows = try DatabaseQueue(path: fixture.url.path).read { try Row.fetchAll($0, sql: perDecision) }
        #expect(rows.count == 18)
        #expect(rows.contains { ($0[8] as String?) == "region=seoul;required_knowledge=cultural;required_knowledge=dialect;required_knowledge=regional;time_sensitive=false" })
        #expect(rows.contains { ($0[8] as String?) == nil } && rows.contains { ($0[7] as String) == "" })
        var parts = ["review-state", "table 0"]
        for row in rows { parts += (0..<9).map { (row[$0] as String?) ?? "" } }
        parts += ["table 1", "table 2"]
        #expect(try store.decisionStateHash() == Hashing.sha256Hex(parts: parts))
    }

    @Test func aBadFileIsRefusedWholeWithEveryBadLineListedAndNothingWritten() throws {
        let fixture = try Fixture.assignedRound()
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        var votes = try fixture.votes("cultural-labels-001", "kim") { _ in (.approve, ["required_knowledge": ["cultural"], "time_sensitive": ["no"]], nil) }
        votes[0].itemID = "ck-404"
        votes[1].labels["required_knowledge"] = ["folklore"]
        votes[2].reviewer = "han"
        votes.append(votes[2])
        votes[3].reviewer = "kim"
        votes[3].contentHash = String(repeating: "0", count: 64)
        votes[3].location.line = 5
        let state = try store.decisionStateHash(), entries = try store.auditEntries().count
        #expect {
            try store.submit(votes, plan: plan, actor: "test")
        } throws: { error in
            error.inputErrors?.map(\.description) == [
                "cultural-labels-001-kim.csv:2: 'item_id': item 'ck-404' is not in batch cultural-labels-001",
                "cultural-labels-001-kim.csv:3: 'required_knowledge': 'folklore' is not one of cultural, regional, dialect, none",
                "cultural-labels-001-kim.csv:4: 'reviewer': han is not assigned to batch cultural-labels-001",
                "cultural-labels-001-kim.csv:5: 'content_hash': does not match the version of ck-3 in batch cultural-labels-001 (was the line edited?)",
            ]
        }
        #expect(try store.decisionStateHash() == state)
        #expect(try store.auditEntries().count == entries)
        // The same file, corrected, goes in; importing it twice changes nothing.
        let good = try fixture.votes("cultural-labels-001", "kim") { _ in (.approve, ["required_knowledge": ["cultural"], "time_sensitive": ["no"]], nil) }
        #expect(try store.submit(good, plan: plan, actor: "test").recorded == 3)
        #expect(try store.submit(good, plan: plan, actor: "test") == SubmitReport(recorded: 0, unchanged: 3))
        // A changed line changes that decision (the round has not settled it).
        var changed = good
        changed[0].decision = .reject
        changed[0].reason = "출처가 없다"
        changed[0].labels = [:]
        #expect(try store.submit(changed, plan: plan, actor: "test") == SubmitReport(recorded: 0, unchanged: 2, changed: 1))
        #expect(try store.verifyAudit().isEmpty)
    }

    @Test func aReviewerChangesTheirDecisionUntilTheRoundSettlesTheItem() throws {
        let fixture = try Fixture(plan: ReviewPlan(rounds: [Self.quickCheck]), items: [reviewItem("ck-1"), reviewItem("ck-2")], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try store.open("fact-check", plan: plan, actor: "test")
        _ = try store.assign(round: "fact-check", plan: plan, actor: "test")
        let reviewer = try #require(try store.batch("fact-check-001")?.reviewers.first)
        let approvals = try fixture.votes("fact-check-001", reviewer) { _ in (.approve, [:], nil) }
        try store.submit(approvals, plan: plan, actor: "test")
        var rejection = approvals
        rejection[0].decision = .reject
        rejection[0].reason = "보기가 둘 다 맞다"
        #expect(try store.submit([rejection[0]], plan: plan, actor: "test").changed == 1)
        let stored = try #require(try store.decision(by: reviewer, on: "ck-1", contentHash: approvals[0].contentHash, round: "fact-check"))
        #expect(stored.decision == "reject" && stored.reason == "보기가 둘 다 맞다" && stored.changed && !stored.at.isEmpty)
        // The audit log keeps the first decision and the change.
        #expect(try store.auditEntries(subjectPrefix: "decisions:").map(\.action) == ["decision.approve", "decision.approve", "decision.changed"])
        #expect(try store.verifyAudit().isEmpty)
        // A revision is not made by changing a decision.
        var revision = approvals[1]
        revision.decision = .revise
        revision.revision = Vote.Revision(question: "고친 질문입니다?")
        #expect { try store.submit([revision], plan: plan, actor: "test") } throws: { error in
            error.inputErrors?.first?.message.contains("a revision cannot be made or taken back by changing a decision") == true
        }
        // Once the round has settled the item, the decision stands.
        _ = try store.close("fact-check", plan: plan, actor: "test")
        #expect { try store.submit([approvals[0]], plan: plan, actor: "test") } throws: { error in
            error.inputErrors?.first?.message == "round fact-check has settled ck-1; \(reviewer)'s 'reject' can no longer change"
        }
        #expect(try store.review([reviewItem("ck-1"), reviewItem("ck-2")], plan: plan).dropped.map(\.reason) == ["rejected"])
    }

    @Test func anExportNeverShowsAnotherReviewersVote() throws {
        let fixture = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: [reviewItem("ck-1")], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        try store.open("fact-check", plan: plan, actor: "test")
        _ = try store.assign(round: "fact-check", plan: plan, actor: "test")
        var votes = try fixture.votes("fact-check-001", "kim") { _ in (.reject, [:], nil) }
        votes[0].reason = "the key is wrong: 다"
        try store.submit(votes, plan: plan, actor: "test")
        let batch = try #require(try store.batch("fact-check-001"))
        for format in BatchFiles.Format.allCases {
            let text = String(decoding: try BatchFiles.export(batch: batch, items: store.batchItems(batch.id), reviewer: "lee",
                                                              round: factCheck, format: format), as: UTF8.self)
            #expect(!text.contains("reject") && !text.contains("the key is wrong") && !text.contains("kim"))
            #expect(text.contains("lee") && text.contains("질문입니다?"))
        }
    }

    @Test func aSpreadsheetCellThatWouldRunAsAFormulaIsWrittenAsTextAndReadBackAsItWas() throws {
        var item = reviewItem("ck-1", question: "=HYPERLINK(\"http://x\", \"클릭\")")
        item.choices = ["-1", "@home", "+82", "'인용'"]
        let fixture = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: [item], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store
        try store.open("fact-check", plan: fixture.plan, actor: "test")
        _ = try store.assign(round: "fact-check", plan: fixture.plan, actor: "test")
        let batch = try #require(try store.batch("fact-check-001"))
        let reviewer = try #require(batch.reviewers.first)
        let text = String(decoding: try BatchFiles.export(batch: batch, items: store.batchItems(batch.id), reviewer: reviewer,
                                                          round: factCheck, format: .csv), as: UTF8.self)
        let cells = try CSVTable(text: text, file: "f.csv").records[1].fields
        #expect(cells.contains(#"'=HYPERLINK("http://x", "클릭")"#))
        #expect(cells.contains("'-1") && cells.contains("'@home") && cells.contains("'+82") && cells.contains("''인용'"))
        // The reviewer revises the question into another formula-like text and one choice; the
        // blank revised choices keep the item's own, read back without the quotes.
        var rows = text.components(separatedBy: "\r\n")
        let header = rows[0].split(separator: ",").map(String.init)
        var fields = try CSVTable(text: rows[1], file: "f.csv").records[0].fields
        fields[header.firstIndex(of: "decision")!] = "revise"
        fields[header.firstIndex(of: "revised_question")!] = "'=1+1은 무엇인가?"
        fields[header.firstIndex(of: "revised_choice_B")!] = "'@office"
        // Written back as a spreadsheet writes cells: quoted where needed, nothing more.
        rows[1] = fields.map { $0.contains(where: { ",\"\n".contains($0) }) ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
            .joined(separator: ",")
        let url = fixture.url.deletingLastPathComponent().appendingPathComponent("filled.csv")
        try Data(rows.joined(separator: "\r\n").utf8).write(to: url)
        let read = try BatchFiles.read(url, displayName: "filled.csv")
        #expect(read.problems.isEmpty)
        #expect(read.votes.first?.revision?.question == "=1+1은 무엇인가?")
        #expect(read.votes.first?.revision?.choices == ["-1", "@office", "+82", "'인용'"])
    }

    /// A JSON Lines batch file: blank and space-only lines are skipped, each vote keeps the line
    /// it was on, and a file that is not UTF-8 is refused whole, by name.
    @Test func aJSONLinesBatchFileSkipsBlankLinesAndRefusesBytesThatAreNotUTF8() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let vote = #"{"batch": "b-1", "reviewer": "kim", "item_id": "ck-1", "content_hash": "abc", "decision": "approve"}"#
        let url = folder.appendingPathComponent("votes.jsonl")
        try Data("\n  \t \n\(vote)\n\u{3000}\n\(vote.replacingOccurrences(of: "ck-1", with: "ck-2"))\n".utf8).write(to: url)
        let read = try BatchFiles.read(url, displayName: "votes.jsonl")
        #expect(read.problems.isEmpty)
        #expect(read.votes.map(\.itemID) == ["ck-1", "ck-2"])
        #expect(read.votes.map(\.location.line) == [3, 5])
        try (Data(vote.utf8) + Data([0x0A, 0xC3, 0x28, 0x0A])).write(to: url)
        #expect { try BatchFiles.read(url, displayName: "votes.jsonl") } throws: { error in
            error.inputErrors?.map(\.description) == ["votes.jsonl: the file is not UTF-8"]
        }
    }

    /// Every bad line of a JSON Lines vote file is said with its line and field, in line order
    /// (lines are read on every core); good lines around them, with CRLF ends, are read.
    @Test func aJSONLinesBatchFileSaysEachBadLineWithItsFieldInLineOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let head = #""batch": "b-1", "reviewer": "kim", "content_hash": "abc""#
        let lines = [
            #"{\#(head), "item_id": "ck-1", "decision": "approve", "labels": {"region": "busan", "required_knowledge": ["cultural", "regional"], "time_sensitive": false, "note": null}}"#,
            #"{\#(head), "item_id": "ck-2", "item_id": "ck-3", "decision": "approve"}"#,
            #"{\#(head), "item_id": "ck-4""#,
            #"[\#(head)]"#,
            #"{"batch": "b-1", "reviewer": 7, "content_hash": "abc", "decision": "approve"}"#,
            #"{\#(head), "item_id": "ck-5", "decision": "maybe", "labels": {"z": 1, "a": [1]}, "revised": {"choices": ["가", 2]}}"#,
            #"{\#(head), "item_id": "ck-6", "decision": "revise", "revised": "shorter", "labels": "none", "comment": "  "}"#,
        ]
        let url = folder.appendingPathComponent("votes.jsonl")
        try Data((lines.joined(separator: "\r\n") + "\r\n").utf8).write(to: url)
        let read = try BatchFiles.read(url, displayName: "votes.jsonl")
        #expect(read.problems.map(\.description) == [
            "votes.jsonl:2: 'item_id': the key appears twice in one object",
            "votes.jsonl:3: not a JSON object",
            "votes.jsonl:4: not a JSON object",
            "votes.jsonl:5: 'reviewer': must be a string",
            "votes.jsonl:5: 'reviewer': missing",
            "votes.jsonl:5: 'item_id': missing",
            "votes.jsonl:6: 'decision': unknown decision 'maybe' (one of: approve, reject, revise)",
            "votes.jsonl:6: 'revised.choices': must be a list of strings",
            "votes.jsonl:6: 'labels.a': must be a string, a list of strings or a boolean",
            "votes.jsonl:6: 'labels.z': must be a string, a list of strings or a boolean",
            "votes.jsonl:7: 'revised': must be an object with question, choices, answer",
            "votes.jsonl:7: 'labels': must be an object",
        ])
        #expect(read.votes.map(\.itemID) == ["ck-1", "ck-5", "ck-6"])
        #expect(read.votes.map(\.location.line) == [1, 6, 7])
        #expect(read.votes[0].labels == ["region": ["busan"], "required_knowledge": ["cultural", "regional"], "time_sensitive": ["false"]])
        #expect(read.votes[0].decision == .approve && read.votes[2].comment == nil)
    }

    @Test func laterRoundsTakeOnlyItemsApprovedBeforeAndARevisionInALaterRoundKeepsEarlierResults() throws {
        let final = ReviewRound(name: "final", reviewersPerItem: 1, roles: [.lead], rule: .any)
        let plan = ReviewPlan(rounds: [factCheck, final])
        let items = [reviewItem("ck-1"), reviewItem("ck-2")]
        let fixture = try Fixture(plan: plan, items: items, reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store
        try store.open("fact-check", plan: plan, actor: "test")
        _ = try store.assign(round: "fact-check", plan: plan, actor: "test")
        try fixture.voteAll("fact-check") { _, item in (item.id == "ck-2" ? .reject : .approve, [:], nil) }
        _ = try store.close("fact-check", plan: plan, actor: "test")
        #expect(try store.open("final", plan: plan, actor: "test").map(\.items) == [1])
        _ = try store.assign(round: "final", plan: plan, actor: "test")
        try fixture.voteAll("final") { _, _ in (.revise, [:], Vote.Revision(choices: ["가", "나", "다", "마"])) }
        #expect(try store.open("final", plan: plan, actor: "test").map(\.items) == [1])
        // The lead wrote version 2, so another lead is needed.
        #expect(try store.assign(round: "final", plan: plan, actor: "test").unfilled.count == 1)
        try store.addReviewer(Reviewer(id: "yoon", name: "Yoon", role: .lead), actor: "test")
        #expect(try store.assign(round: "final", plan: plan, actor: "test").assigned.map(\.reviewer) == ["yoon"])
        try fixture.voteAll("final") { _, _ in (.approve, [:], nil) }
        #expect(try store.close("final", plan: plan, actor: "test").closed)
        let reviewed = try store.review(items, plan: plan)
        #expect(reviewed.kept.map(\.id) == ["ck-1"])
        #expect(reviewed.kept[0].review.rounds == ["fact-check", "final"])
        #expect(reviewed.kept[0].choices.last == "마")
    }

    @Test func withoutIncludeUnreviewedOnlyApprovedItemsPass() throws {
        let plan = ReviewPlan(rounds: [factCheck])
        let fixture = try Fixture(plan: plan, items: [reviewItem("ck-1")], reviewers: people)
        defer { fixture.remove() }
        let held = try fixture.store.review([reviewItem("ck-1")], plan: plan)
        #expect(held.kept.isEmpty && held.dropped.map(\.reason) == ["not_approved"])
        var lenient = plan
        lenient.includeUnreviewed = true
        #expect(try fixture.store.review([reviewItem("ck-1")], plan: lenient).kept.map(\.review.status) == ["unreviewed"])
    }
}

@Suite struct RoundAgreementTests {
    @Test func anOrdinalLabelGivesKrippendorffsPublishedAlphasThroughTheStore() throws {
        // Krippendorff (2011), example C: 4 reviewers, 12 items, missing votes (the statistics fixtures hold it too).
        let data: [[Int?]] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
            [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
        ]
        let difficulty = LabelSpec(name: "difficulty", kind: .choice, values: ["1", "2", "3", "4", "5"], ordinal: true, required: true)
        // Two subjects make two batches, each with all four reviewers.
        let round = ReviewRound(name: "difficulty", reviewersPerItem: 4, batchSize: 12, rule: .majority(threshold: 0.5), labels: [difficulty])
        let reviewers = ["r1", "r2", "r3", "r4"].map { Reviewer(id: $0, name: $0, role: .reviewer) }
        let items = (0..<12).map { reviewItem(String(format: "ck-%02d", $0), question: "문항 \($0)?", subject: $0 < 6 ? "a" : "b") }
        let fixture = try Fixture(plan: ReviewPlan(rounds: [round]), items: items, reviewers: reviewers)
        defer { fixture.remove() }
        try fixture.store.open("difficulty", plan: fixture.plan, actor: "test")
        #expect(try fixture.store.assign(round: "difficulty", plan: fixture.plan, actor: "test").assigned.count == 8)
        try fixture.voteAll("difficulty") { reviewer, item in
            let value = data[Int(reviewer.dropFirst())! - 1][Int(item.id.dropFirst(3))!]
            return value.map { (.approve, ["difficulty": [String($0)]], nil) } ?? (nil, [:], nil)
        }
        let rows = try fixture.store.agreement(round: "difficulty", plan: fixture.plan)
        let all = try #require(rows.first { $0.variable == "difficulty" && $0.scope == "all" })
        #expect(all.items == 11)
        #expect(abs(try #require(all.alphaNominal) - 0.743) < 0.0005)
        #expect(abs(try #require(all.alphaOrdinal) - 0.815) < 0.0005)
        // Fleiss' kappa only on the items all four rated; Cohen's kappa for each pair.
        #expect(all.fleissItems == 8)
        #expect(all.cohen.count == 6)
        #expect(all.cohen.first { $0.reviewers == ["r1", "r2"] }?.items == 9)
        #expect(rows.contains { $0.variable == "difficulty" && $0.scope == "subject=b" })
        #expect(rows.first { $0.variable == "decision" && $0.scope == "all" }?.alphaNominal == nil)
        // The curator's page reads every round's progress and agreement from one snapshot: the same figures.
        let reports = try fixture.store.roundReports(plan: fixture.plan)
        #expect(reports.map(\.agreement) == [rows])
        #expect(reports.map(\.status) == (try fixture.store.status(plan: fixture.plan)))
        #expect(reports.first?.status.votesDone == data.joined().compactMap { $0 }.count)
    }

    /// The reports are read, not written: while another connection holds the write lock (a
    /// reviewer's decision being stored), a round's progress and agreement are read at once
    /// instead of waiting for it. A changed round is written first, and then waits its turn.
    @Test func roundReportsAreReadWhileAnotherConnectionWrites() throws {
        let fixture = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: (1...4).map { reviewItem("ck-\($0)") }, reviewers: people)
        defer { fixture.remove() }
        try fixture.store.open("fact-check", plan: fixture.plan, actor: "test")
        let expected = try fixture.store.roundReports(plan: fixture.plan)
        let other = try DatabaseQueue(path: fixture.url.path)
        try other.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            let started = Date()
            let reports = try fixture.store.roundReports(plan: fixture.plan)
            #expect(Date().timeIntervalSince(started) < 5)
            #expect(reports.map(\.status) == expected.map(\.status))
            #expect(reports.first?.status.items == 4)
            #expect(try fixture.store.status(plan: fixture.plan).map(\.waitingForBatch) == [0])
        }
    }
}
