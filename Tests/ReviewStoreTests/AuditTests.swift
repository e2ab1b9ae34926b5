import Foundation
import Testing
import DatasetCore
import GRDB
@testable import ReviewStore

@Suite struct AuditTests {
    /// A store with one round voted and closed.
    func reviewedStore() throws -> Fixture {
        let fixture = try Fixture(plan: ReviewPlan(rounds: [culturalLabels]), items: [reviewItem("ck-1"), reviewItem("ck-2")], reviewers: people)
        try fixture.store.open("cultural-labels", plan: fixture.plan, actor: "test")
        _ = try fixture.store.assign(round: "cultural-labels", plan: fixture.plan, actor: "test")
        try fixture.voteAll("cultural-labels") { _, _ in (.approve, ["required_knowledge": ["cultural"], "time_sensitive": ["no"]], nil) }
        _ = try fixture.store.close("cultural-labels", plan: fixture.plan, actor: "test")
        return fixture
    }

    @Test func theLogIsAppendOnly() throws {
        let fixture = try reviewedStore()
        defer { fixture.remove() }
        #expect(try fixture.store.verifyAudit().isEmpty)
        #expect(throws: DatabaseError.self) { try fixture.editByHand("UPDATE audit_log SET actor = 'x' WHERE seq = 1") }
        #expect(throws: DatabaseError.self) { try fixture.editByHand("DELETE FROM audit_log") }
    }

    @Test(arguments: [
        ("UPDATE decisions SET decision = 'reject' WHERE seq = 1", "decisions:1", "the row differs from what the audit log recorded"),
        ("DELETE FROM labels WHERE decision = 2 AND name = 'time_sensitive'", "decisions:2", "the row differs from what the audit log recorded"),
        ("UPDATE outcomes SET outcome = 'rejected' WHERE item_id = 'ck-2'", "outcomes:", "the row differs from what the audit log recorded"),
        ("DELETE FROM assignments WHERE reviewer = 'park'", "assignments:cultural-labels-001/park", "the row was deleted"),
        ("UPDATE items SET record = replace(record, '질문', '짐문') WHERE id = 'ck-1'", "items:ck-1/1", "the row differs from what the audit log recorded"),
        ("INSERT INTO reviewers (id, name, role) VALUES ('mallory', 'M', 'lead')", "reviewers:mallory", "the row has no audit entry"),
        // A key of text may be NULL in SQLite: the row is still found, under an empty key.
        ("INSERT INTO reviewers (id, name, role) VALUES (NULL, 'N', 'lead')", "reviewers:", "the row has no audit entry"),
        ("UPDATE rounds SET status = 'open'", "rounds:cultural-labels", "the row differs from what the audit log recorded"),
        ("INSERT INTO comments (round, item_id, content_hash, reviewer, text) VALUES ('cultural-labels', 'ck-1', 'h', 'kim', '좋다')",
         "comments:cultural-labels/ck-1/h/kim", "the row has no audit entry"),
    ])
    func aHandEditOfAnyReviewTableIsDetected(sql: String, subject: String, message: String) throws {
        let fixture = try reviewedStore()
        defer { fixture.remove() }
        try fixture.editByHand(sql)
        let problems = try fixture.store.verifyAudit()
        #expect(problems.count == 1)
        #expect(problems.first?.subject.hasPrefix(subject) == true, "\(problems)")
        #expect(problems.first?.message == message)
    }

    /// Every kind of mismatch at once, across tables: those of an entry in the order of the
    /// entries, then rows without one, table by table in key order. A comment its reviewer
    /// removed and someone put back is found as such.
    @Test func problemsComeInEntryOrderThenRowsWithoutAnEntryInKeyOrder() throws {
        let fixture = try Fixture.assignedRound()
        defer { fixture.remove() }
        var votes = try fixture.votes("cultural-labels-001", "kim") { _ in (.approve, ["required_knowledge": ["cultural"], "time_sensitive": ["no"]], nil) }
        votes[0].comment = "좋다"
        _ = try fixture.store.submit(votes, plan: fixture.plan, actor: "test")
        votes[0].comment = ""
        _ = try fixture.store.submit([votes[0]], plan: fixture.plan, actor: "test")
        #expect(try fixture.store.verifyAudit().isEmpty)
        let removed = try #require(try fixture.store.auditEntries(subjectPrefix: "comments:").last)
        let key = removed.subject.dropFirst("comments:".count).split(separator: "/").map { "'\($0)'" }.joined(separator: ", ")
        try fixture.editByHand("INSERT INTO comments (round, item_id, content_hash, reviewer, text) VALUES (\(key), '좋다')")
        try fixture.editByHand("INSERT INTO reviewers (id, name, role) VALUES ('zed', 'Z', 'lead'), ('amy', 'A', 'lead')")
        try fixture.editByHand("UPDATE decisions SET decision = 'reject' WHERE seq = (SELECT MAX(seq) FROM decisions)")
        try fixture.editByHand("DELETE FROM assignments WHERE reviewer = 'park'")
        let problems = try fixture.store.verifyAudit()
        #expect(problems.map(\.message) == ["the row was deleted", "the row differs from what the audit log recorded",
                                             "the row was removed, but is there", "the row has no audit entry", "the row has no audit entry"])
        #expect(problems.map(\.subject).suffix(3) == [removed.subject, "reviewers:amy", "reviewers:zed"])
        #expect(problems[2].seq == removed.seq)
        #expect(problems[0].subject == "assignments:cultural-labels-001/park" && problems[1].subject.hasPrefix("decisions:"))
        #expect(problems.prefix(3).map { $0.seq! } == problems.prefix(3).map { $0.seq! }.sorted())
    }

    /// A decision's entry is made from the values written, not read back: with labels of
    /// several names and values, a rejection's reason, a revision's hash, and none, each entry
    /// is what reading its row and labels back gives.
    @Test func decisionEntriesMatchTheRowsReadBack() throws {
        let fixture = try Fixture.assignedRound(items: 4)
        defer { fixture.remove() }
        try fixture.voteAll("cultural-labels") { reviewer, item in
            if reviewer == "lee" && item.id == "ck-2" { return (.reject, [:], nil) }
            return (.approve, ["time_sensitive": ["no"], "required_knowledge": ["regional", "dialect", "cultural"], "region": ["서울"]], nil)
        }
        let revising = try Fixture(plan: ReviewPlan(rounds: [factCheck]), items: [reviewItem("ck-9")], reviewers: people)
        defer { revising.remove() }
        try revising.store.open("fact-check", plan: revising.plan, actor: "test")
        _ = try revising.store.assign(round: "fact-check", plan: revising.plan, actor: "test")
        let revision = Vote.Revision(question: "고친 질문입니다?", answer: "B")
        _ = try revising.store.submit(try revising.votes("fact-check-001", "kim") { _ in (.revise, [:], revision) }, plan: revising.plan, actor: "test")
        for fixture in [fixture, revising] {
            let entries = try fixture.store.auditEntries(subjectPrefix: "decisions:")
            #expect(!entries.isEmpty)
            for entry in entries {
                let key = String(entry.subject.dropFirst("decisions:".count))
                let detail = try DatabaseQueue(path: fixture.url.path).read {
                    try String.fetchOne($0, sql: "SELECT detail FROM audit_log WHERE seq = ?", arguments: [entry.seq])
                }
                #expect(detail == (try fixture.store.canonicalRow(.decisions, key: key)), "\(entry.subject)")
            }
            #expect(try fixture.store.verifyAudit().isEmpty)
        }
        let reasons = try DatabaseQueue(path: fixture.url.path).read { try String?.fetchAll($0, sql: "SELECT reason FROM decisions") }
        #expect(reasons.contains("wrong key") && reasons.contains(nil))
        #expect(try DatabaseQueue(path: revising.url.path).read { try String.fetchOne($0, sql: "SELECT revision_hash FROM decisions") } != nil)
    }

    /// Rows and entries are matched in the order of their keys as text, which is not the order
    /// of the tables' keys: version 10 comes before 2, and "ck-1-a/1" before "ck-1/1".
    @Test func rowsAreMatchedToEntriesInTheOrderOfTheirKeysAsText() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        for version in 1...11 {
            try store.register([reviewItem("ck-1", question: "질문 \(version)?"), reviewItem("ck-1-a", question: "질문 \(version)?")], actor: "test")
        }
        #expect(try store.verifyAudit().isEmpty)
        try DatabaseQueue(path: url.path).write { try $0.execute(sql: "UPDATE items SET subject = 'x' WHERE id = 'ck-1' AND version = 2") }
        #expect(try store.verifyAudit().map(\.subject) == ["items:ck-1/2"])
    }

    /// Keys are matched by their bytes, as SQLite orders them: an id whose accent a hand edit
    /// decomposed is another row (without an entry), and the entry's own row is gone, though
    /// `String` would call the two ids equal.
    @Test func keysThatDifferOnlyInTheirNormalizationAreDifferentRows() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try store.register([reviewItem("ck-\u{E9}")], actor: "test")
        #expect(try store.verifyAudit().isEmpty)
        try DatabaseQueue(path: url.path).write { try $0.execute(sql: "UPDATE items SET id = ? WHERE id = ?", arguments: ["ck-e\u{301}", "ck-\u{E9}"]) }
        let problems = try store.verifyAudit()
        #expect(problems.map(\.message) == ["the row was deleted", "the row has no audit entry"])
        #expect(problems.map { Array($0.subject.utf8) } == [Array("items:ck-\u{E9}/1".utf8), Array("items:ck-e\u{301}/1".utf8)])
    }

    /// A registration's audit entries commit to rows made from the values inserted, not read
    /// back: with and without an author, and a reviewer's revision (a round named, another
    /// author), they are what reading each row back gives.
    /// The text every audit entry's digest is made of: older databases' entries hold it.
    @Test func aCanonicalRowIsItsValuesTextsJoinedByUnitSeparators() {
        let values: [DatabaseValue] = ["ck-1".databaseValue, 3.databaseValue, .null, "e\u{301} 한글".databaseValue, (-42).databaseValue,
                                       Data("blob".utf8).databaseValue, 1.5.databaseValue, "".databaseValue]
        #expect(AuditedTable.canonicalRow(values) == "ck-1\u{1F}3\u{1F}\u{2400}\u{1F}e\u{301} 한글\u{1F}-42\u{1F}blob\u{1F}1.5\u{1F}")
        #expect(ReviewStore.auditDetail(AuditedTable.canonicalRow(values), table: .items)
                    == "sha256:" + Hashing.sha256Hex("ck-1\u{1F}3\u{1F}\u{2400}\u{1F}e\u{301} 한글\u{1F}-42\u{1F}blob\u{1F}1.5\u{1F}"))
    }

    @Test func entriesMadeWhileRegisteringMatchTheRowsReadBack() throws {
        let oneReviewer = ReviewRound(name: "fact-check", reviewersPerItem: 1, batchSize: 10, rule: .unanimous, onDisagreement: .adjudicate)
        let fixture = try Fixture(plan: ReviewPlan(rounds: [oneReviewer]), items: [reviewItem("ck-1", author: "저자 김"), reviewItem("ck-2")],
                                  reviewers: people)
        defer { fixture.remove() }
        try fixture.store.open("fact-check", plan: fixture.plan, actor: "test")
        _ = try fixture.store.assign(round: "fact-check", plan: fixture.plan, actor: "test")
        try fixture.voteAll("fact-check") { _, item in
            item.id == "ck-1" ? (.revise, [:], Vote.Revision(question: "고친 질문입니다?")) : (.approve, [:], nil)
        }
        let store = fixture.store
        let versions = try store.versions(of: "ck-1")
        #expect(versions.count == 2 && versions[0].author == "저자 김" && people.map(\.id).contains(versions[1].author ?? ""))
        #expect(versions.last?.revisedIn == "fact-check")
        for key in ["ck-1/1", "ck-1/2", "ck-2/1"] {
            let row = try #require(try store.canonicalRow(.items, key: key))
            let entries = try store.database.rows("SELECT detail FROM audit_log WHERE subject = ?", ["items:\(key)"])
            #expect(entries.map { $0["detail"] as String } == [ReviewStore.auditDetail(row, table: .items)], "\(key)")
        }
        #expect(try store.verifyAudit().isEmpty)
    }

    /// Rows inserted with SQLite's own binding: every kind of value reads back as written, and
    /// a refused row is an error naming the constraint, with nothing of it stored.
    @Test func rowsInsertedDirectlyReadBackAndRefusalsAreErrors() throws {
        let fixture = try Fixture(plan: ReviewPlan(rounds: []), items: [reviewItem("ck-1")], reviewers: people)
        defer { fixture.remove() }
        let database = fixture.store.database
        try database.transaction {
            try database.executeScript("CREATE TABLE scratch (a TEXT PRIMARY KEY, b INTEGER, c REAL, d BLOB, e TEXT)")
            try database.insert("INSERT INTO scratch (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)",
                                ["한국어 e\u{301} end".databaseValue, Int64.max.databaseValue, 0.1.databaseValue,
                                 Data([0, 1, 255]).databaseValue, .null])
        }
        let row = try #require(try database.rows("SELECT a, b, c, d, e, typeof(e) AS t FROM scratch").first)
        #expect(row["a"] as String == "한국어 e\u{301} end" && row["b"] as Int64 == .max && row["c"] as Double == 0.1)
        #expect(row["d"] as Data == Data([0, 1, 255]) && row["t"] as String == "null")
        #expect {
            try database.transaction {
                try database.insert("INSERT INTO scratch (a, b) VALUES (?, ?)", ["new".databaseValue, 1.databaseValue])
                try database.insert("INSERT INTO scratch (a, b) VALUES (?, ?)", ["한국어 e\u{301} end".databaseValue, 2.databaseValue])
            }
        } throws: { "\($0)".contains("UNIQUE constraint failed: scratch.a") }
        #expect(try database.rows("SELECT a FROM scratch").count == 1)
    }

    /// Rows bound from bytes read back as `insert` stores them: empty text is text, not NULL;
    /// text stops at a NUL; a refused row is an error naming the constraint, with nothing of
    /// its transaction stored.
    @Test func rowsBoundFromBytesReadBackAsInsertedOnesAndRefusalsAreErrors() throws {
        let fixture = try Fixture(plan: ReviewPlan(rounds: []), items: [reviewItem("ck-1")], reviewers: people)
        defer { fixture.remove() }
        let database = fixture.store.database
        let values: [[DatabaseValue]] = [["한국어 e\u{301}".databaseValue, 7.databaseValue, "".databaseValue],
                                         ["a\u{0}b".databaseValue, Int64.max.databaseValue, .null]]
        try database.transaction {
            try database.executeScript("CREATE TABLE direct (a TEXT PRIMARY KEY, b INTEGER, c TEXT); CREATE TABLE bound (a TEXT PRIMARY KEY, b INTEGER, c TEXT)")
            for row in values { try database.insert("INSERT INTO direct (a, b, c) VALUES (?, ?, ?)", row) }
            var rows = StoreDatabase.BoundRows(width: 3)
            for row in values { rows.append(row) }
            var inserter = try database.inserter("INSERT INTO bound (a, b, c) VALUES (?, ?, ?)")
            try rows.forEach { row in
                #expect(row.text(1) == nil && row.text(0) != nil)
                for column in 0..<3 { try row.bind(column, to: &inserter) }
                try inserter.step()
            }
            // Bytes without an address (an empty buffer) are empty text too.
            try database.insert("INSERT INTO direct (a, b, c) VALUES (?, ?, ?)", ["z".databaseValue, 0.databaseValue, "".databaseValue])
            try inserter.text("z")
            try inserter.int(0)
            try inserter.text(UnsafeRawBufferPointer(start: nil, count: 0))
            try inserter.step()
        }
        let query = "SELECT a, b, c, typeof(c) AS t FROM %@ ORDER BY rowid"
        let direct = try database.rows(query.replacingOccurrences(of: "%@", with: "direct"))
        #expect(try database.rows(query.replacingOccurrences(of: "%@", with: "bound")) == direct)
        #expect(direct.map { $0["t"] as String } == ["text", "null", "text"] && direct[1]["a"] as String == "a")
        #expect {
            try database.transaction {
                var inserter = try database.inserter("INSERT INTO bound (a, b, c) VALUES (?, ?, ?)")
                for text in ["new", "한국어 e\u{301}"] {
                    try inserter.text(text)
                    try inserter.int(1)
                    try inserter.null()
                    try inserter.step()
                }
            }
        } throws: { "\($0)".contains("UNIQUE constraint failed: bound.a") }
        #expect(try database.rows("SELECT a FROM bound").count == 3)
    }

    /// Entries appended in bulk chain and seal as entries appended one at a time: the log
    /// verifies (the second block hashed before the first is inserted, and chained to its last
    /// entry), and an entry appended after them in the same transaction chains to the last.
    @Test func entriesAppendedInBulkChainAsOthersDo() throws {
        let fixture = try Fixture(plan: ReviewPlan(rounds: []), items: [reviewItem("ck-1")], reviewers: people)
        defer { fixture.remove() }
        let store = fixture.store
        let before = try store.auditEntries().count
        try store.database.transaction {
            try store.appendAudit(actor: "test", action: "one.before", subject: "x", detail: "first")
            try store.appendAudits(actor: "test", action: "many") { audits in
                let blocks = [[("s-1", "d"), ("s-2", "")], [("감사", "e\u{301}")]]
                @Sendable func entries(_ block: [(String, String)], _ entry: (ReviewStore.AuditBlocks.Entry) -> Void) {
                    for (subject, detail) in block { Self.bytes(subject, detail) { entry(($0, $1)) } }
                }
                let sealed = blocks.map { audits.hash($0, entries: entries) }
                for (block, sealed) in zip(blocks, sealed) {
                    try audits.append(sealed) { insert in
                        for (subject, detail) in block { try Self.bytes(subject, detail) { try insert(($0, $1)) } }
                    }
                }
            }
            try store.appendAudit(actor: "test", action: "one.after", subject: "y", detail: "last")
        }
        let entries = try store.auditEntries().dropFirst(before)
        #expect(entries.map(\.action) == ["one.before", "many", "many", "many", "one.after"])
        #expect(entries.map(\.subject) == ["x", "s-1", "s-2", "감사", "y"])
        #expect(try store.verifyAudit().isEmpty)
        try store.database.transaction { try store.appendAudits(actor: "test", action: "none") { _ in } }
        try store.appendAudit(actor: "test", action: "one.later", subject: "z", detail: "")
        #expect(try store.verifyAudit().isEmpty)
    }

    private static func bytes(_ first: String, _ second: String,
                              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try Array(first.utf8).withUnsafeBytes { first in try Array(second.utf8).withUnsafeBytes { try body(first, $0) } }
    }

    @Test func anEditedAuditEntryBreaksTheChain() throws {
        let fixture = try reviewedStore()
        defer { fixture.remove() }
        try fixture.editByHand("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'forged' WHERE seq = 3")
        #expect(try fixture.store.verifyAudit().map(\.seq) == [3])
    }

    @Test func aSchemaOneDatabaseIsMigratedWithItsRowsAudited() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("r.sqlite")
        // A database as the first schema left it: items, decisions and audit entries in its format.
        do {
            let database = try DatabaseQueue(path: url.path)
            try database.writeWithoutTransaction { try $0.execute(sql: #"""
            CREATE TABLE items (id TEXT NOT NULL, version INTEGER NOT NULL, content_hash TEXT NOT NULL, task TEXT NOT NULL, subject TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (id, version), UNIQUE (id, content_hash));
            CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE decisions (seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL, content_hash TEXT NOT NULL, round TEXT NOT NULL, reviewer TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'revise')), reason TEXT);
            PRAGMA user_version = 1;
            """#) }
            let record = try JSONLines.line(for: reviewItem("ck-1"))
            let hash = Hashing.sha256Hex(parts: ["", "pipeline", "item.registered", "ck-1", "version 1"])
            try database.write { db in
                try db.execute(sql: "INSERT INTO items VALUES ('ck-1', 1, ?, 'common_knowledge', 's', ?)", arguments: [reviewItem("ck-1").contentHash, record])
                try db.execute(sql: "INSERT INTO decisions (item_id, content_hash, round, reviewer, decision) VALUES ('ck-1', ?, 'fact-check', 'kim', 'approve')",
                               arguments: [reviewItem("ck-1").contentHash])
                try db.execute(sql: "INSERT INTO audit_log (actor, action, subject, detail, previous_hash, hash) VALUES ('pipeline', 'item.registered', 'ck-1', 'version 1', '', ?)",
                               arguments: [hash])
            }
        }
        let store = try ReviewStore(url: url)
        let applied = try DatabaseQueue(path: url.path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ReviewStore.migrations.map(\.name))
        #expect(try store.verifyAudit().isEmpty)
        #expect(try store.auditEntries().map(\.action) == ["item.registered", "item.audited", "decision.audited"])
        try DatabaseQueue(path: url.path).write { try $0.execute(sql: "UPDATE decisions SET decision = 'reject'") }
        #expect(try store.verifyAudit().map(\.subject) == ["decisions:1"])
    }
}

@Suite struct MigrationTests {
    /// A copy of a database the store wrote before it used GRDB's migrator.
    func databaseBeforeGRDB() throws -> URL {
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/review-before-grdb", withExtension: "sqlite"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)/example.sqlite")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: url)
        return url
    }

    @Test func aDatabaseFromBeforeGRDBMigratesInPlaceWithEveryDecisionAndAuditEntryKept() throws {
        let url = try databaseBeforeGRDB()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let store = try ReviewStore(url: url)
        // The eight migrations it had are recorded by name, and the ones after them ran.
        let applied = try DatabaseQueue(path: url.path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(applied == ReviewStore.migrations.map(\.name))
        // What that version's release recorded of the review state (the fixture's README).
        #expect(try store.decisionStateHash() == "d46aaaa69bc9e9af68435b383e1de64bfa83ff39dc5ed822a5a0c7a5c7d19866")
        #expect(try store.auditEntries().count == 76)
        #expect(try store.verifyAudit().isEmpty)
        let decisions = try store.decisions()
        #expect(decisions.count == 11)
        #expect(decisions.filter { $0.decision == "reject" }.map(\.reason) == ["연도가 틀림"])
        #expect(try store.outcomes().filter { $0.outcome == "approved" }.count == 4)
        #expect(try store.reviewers().map(\.id) == ["han", "kim", "lee"])
        // Writes go on from where it was, and stay audited.
        try store.addReviewer(Reviewer(id: "park", name: "Park", role: .reviewer), actor: "test")
        #expect(try store.verifyAudit().isEmpty)
        // Opened again, nothing is migrated twice; its pages stay the size it was made with.
        let again = try ReviewStore(url: url)
        #expect(try again.auditEntries().count == 77)
        #expect(try DatabaseQueue(path: url.path).read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == 4_096)
    }

    @Test func aDatabaseFromANewerToolIsRefusedByName() throws {
        let url = try databaseBeforeGRDB()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        _ = try ReviewStore(url: url)
        try DatabaseQueue(path: url.path).write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('from the future')") }
        let error = #expect(throws: ReviewError.self) { try ReviewStore(url: url) }
        #expect(error?.description.contains("newer build-dataset") == true)
    }

    @Test func twoStoresOpeningANewDatabaseAtOnceBothMigrateIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("r.sqlite")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try ReviewStore(url: url) } }
            try await group.waitForAll()
        }
        #expect(try ReviewStore(url: url).verifyAudit().isEmpty)
        let pageSize = try await DatabaseQueue(path: url.path).read { try Int.fetchOne($0, sql: "PRAGMA page_size") }
        #expect(pageSize == StoreDatabase.pageSize)
    }
}
