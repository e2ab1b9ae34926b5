import Foundation
import Testing
import DatasetCore
@testable import ReviewStore

func reviewItem(_ id: String, question: String = "질문입니다?") -> Item {
    Item(id: id, task: .commonKnowledge, subject: "s", language: "ko", question: question, choices: ["가", "나", "다", "라"],
         answer: "A", choicesOrdered: false,
         source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"))
}

func temporaryStore() throws -> (ReviewStore, URL) {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)/r.sqlite")
    return (try ReviewStore(url: url), url)
}

@Suite struct ReviewStoreTests {
    @Test func registeringIsIdempotentAndARevisionIsANewVersion() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        #expect(try store.register([reviewItem("ck-1"), reviewItem("ck-2")], actor: "test") == 2)
        #expect(try store.register([reviewItem("ck-1"), reviewItem("ck-2")], actor: "test") == 0)
        #expect(try store.register([reviewItem("ck-1", question: "고친 질문입니다?")], actor: "test") == 1)
        let versions = try store.latestVersions()
        #expect(versions["ck-1"]?.version == 2)
        #expect(versions["ck-2"]?.version == 1)
        // Reopening runs no migration twice and keeps the data.
        let reopened = try ReviewStore(url: url)
        #expect(try reopened.latestVersions().count == 2)
    }

    @Test func decisionsBindToTheContentTheReviewerSaw() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let kept = reviewItem("ck-1"), rejected = reviewItem("ck-2"), revised = reviewItem("ck-3")
        try store.register([kept, rejected, revised], actor: "test")
        let before = try store.decisionStateHash()
        try store.record(.approve, itemID: kept.id, contentHash: kept.contentHash, round: "fact-check", reviewer: "kim")
        try store.record(.reject, itemID: rejected.id, contentHash: rejected.contentHash, round: "fact-check", reviewer: "kim", reason: "wrong key")
        try store.record(.approve, itemID: revised.id, contentHash: revised.contentHash, round: "fact-check", reviewer: "kim")
        #expect(try store.decisionStateHash() != before)
        // ck-3 changed after its approval: the approval is stale.
        let changed = reviewItem("ck-3", question: "고친 질문입니다?")
        let outcome = try store.applyDecisions(to: [kept, rejected, changed])
        #expect(outcome.kept.map(\.id) == ["ck-1", "ck-3"])
        #expect(outcome.kept[0].review == ReviewSummary(status: "approved", rounds: ["fact-check"]))
        #expect(outcome.kept[1].review == .unreviewed)
        #expect(outcome.rejected.map(\.id) == ["ck-2"])
    }

    @Test func registeringDoesNotChangeTheDecisionState() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let before = try store.decisionStateHash()
        try store.register([reviewItem("ck-1")], actor: "test")
        #expect(try store.decisionStateHash() == before)
    }

    @Test func theAuditLogIsAppendOnlyAndAHandEditIsDetected() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try store.register([reviewItem("ck-1"), reviewItem("ck-2")], actor: "test")
        #expect(try store.verifyAuditChain() == nil)
        #expect(throws: SQLiteError.self) { try store.database.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1") }
        #expect(throws: SQLiteError.self) { try store.database.execute("DELETE FROM audit_log") }
        // Someone drops the guard and edits a row by hand.
        try store.database.execute("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'forged' WHERE seq = 2")
        #expect(try store.verifyAuditChain() == 2)
    }

    @Test func aFailedTransactionLeavesNothing() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.database.transaction {
                try store.database.query("INSERT INTO items (id, version, content_hash, task, subject, record) VALUES ('x', 1, 'h', 't', 's', '{}')")
                throw Stop()
            }
        }
        #expect(try store.latestVersions().isEmpty)
    }
}
