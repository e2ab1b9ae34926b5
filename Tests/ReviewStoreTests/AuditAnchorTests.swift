import Foundation
import Testing
import DatasetCore
import GRDB
@testable import ReviewStore

/// Forgeries made with a real database edit, as someone with the file but not the key would.
@Suite struct AuditAnchorTests {
    private func reviewed() throws -> Fixture {
        try AuditTests().reviewedStore()
    }

    /// Changes decision 1 to a rejection and appends an audit entry for it whose chain hash is
    /// computed exactly as the tool does; with `seal`, the entry carries that text as its seal.
    private func forgeDecision(_ fixture: Fixture, seal: (String) -> String?) throws {
        try fixture.editByHand("UPDATE decisions SET decision = 'reject', reason = 'forged' WHERE seq = 1")
        let row = try fixture.store.canonicalRow(.decisions, key: "1")!
        try DatabaseQueue(path: fixture.url.path).write { db in
            let previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")!
            let at = Date().formatted(.iso8601)
            let hash = ReviewStore.chainHash(previous: previous, actor: "kim", action: "decision.changed", subject: "decisions:1",
                                             detail: row, at: at)
            try db.execute(sql: "INSERT INTO audit_log (actor, action, subject, detail, previous_hash, hash, at, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: ["kim", "decision.changed", "decisions:1", row, previous, hash, at, seal(hash)])
        }
    }

    @Test func aChangedDecisionWithACorrectlyChainedEntryButNoKeyIsDetected() throws {
        for seal: (String) -> String? in [{ _ in nil }, { Hashing.sha256Hex($0) }] {
            let fixture = try reviewed()
            defer { fixture.remove() }
            #expect(try fixture.store.verifyAudit().isEmpty)
            try forgeDecision(fixture, seal: seal)
            let problems = try fixture.store.verifyAudit()
            #expect(problems.count == 1)
            #expect(problems.first?.subject == "audit_log")
            #expect(problems.first?.message.hasPrefix(seal("x") == nil ? "the entry has no seal" : "the entry's seal does not match") == true, "\(problems)")
        }
    }

    @Test func aRewriteByTheKeyHolderShowsAgainstTheHeadAReleaseRecorded() throws {
        let fixture = try reviewed()
        defer { fixture.remove() }
        let head = try #require(try fixture.store.auditChainHead())
        #expect(AuditHead(head.description) == head)
        // Whoever holds the key can append a sealed entry: nothing in the database tells it apart.
        try forgeDecision(fixture) { fixture.store.key.seal($0) }
        #expect(try fixture.store.verifyAudit().isEmpty, "a consistently sealed change is not detectable without an outside anchor")
        let problems = try fixture.store.verifyAudit(against: head)
        #expect(problems.isEmpty, "appending after the head is not a rewrite: \(problems)")
        // Rewriting the entry at the head itself is: the entries from it on are deleted and
        // written again, sealed, in another's name, so every row still matches its entry.
        let rewrittenEntries = try DatabaseQueue(path: fixture.url.path).writeWithoutTransaction { db in
            let rows = try Row.fetchAll(db, sql: "SELECT actor, action, subject, detail FROM audit_log WHERE seq >= ? ORDER BY seq", arguments: [head.seq])
            try db.execute(sql: "DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "DELETE FROM audit_log WHERE seq >= ?", arguments: [head.seq])
            return rows.map { (actor: $0["actor"] as String, action: $0["action"] as String, subject: $0["subject"] as String, detail: $0["detail"] as String) }
        }
        for entry in rewrittenEntries {
            try fixture.store.appendAudit(actor: "someone-else", action: entry.action, subject: entry.subject, detail: entry.detail)
        }
        #expect(try fixture.store.verifyAudit().isEmpty)
        let rewritten = try fixture.store.verifyAudit(against: head)
        #expect(rewritten.map(\.seq) == [head.seq])
        #expect(rewritten.first?.message.hasPrefix("the history up to here was rewritten") == true, "\(rewritten)")
        // A head past the end: the history was cut.
        #expect(try fixture.store.verifyAudit(against: AuditHead(seq: head.seq + 1_000, hash: head.hash)).first?.message
                .hasPrefix("the entry recorded as the head") == true)
    }

    @Test func anInsertedSessionRowSignsNobodyIn() throws {
        let fixture = try reviewed()
        defer { fixture.remove() }
        let id = "attacker-chosen-session-id"
        for stored in [Hashing.sha256Hex(id), Hashing.hmacSHA256Hex(key: Data(repeating: 0, count: 32), id)] {
            try fixture.editByHand("INSERT OR REPLACE INTO sessions (id_hash, reviewer, csrf, expires_at) VALUES ('\(stored)', 'kim', 'c', '2999-01-01T00:00:00.000Z')")
            #expect(try fixture.store.session(id) == nil)
        }
        try fixture.editByHand("INSERT INTO sign_in_tokens (token_hash, reviewer, expires_at) VALUES ('\(Hashing.sha256Hex("t"))', 'kim', '2999-01-01T00:00:00.000Z')")
        #expect(try fixture.store.redeemSignInToken("t") == nil)
        // What the store issues still works.
        let token = try fixture.store.issueSignInToken(reviewer: "kim")
        #expect(try fixture.store.redeemSignInToken(token)?.session.reviewer.id == "kim")
    }

    @Test func theKeyLivesBesideTheDatabaseReadableByItsOwnerOnly() throws {
        let fixture = try reviewed()
        defer { fixture.remove() }
        let keyFile = fixture.url.appendingPathExtension("key")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOf: keyFile, encoding: .utf8).count == 65)
        // Another key (a replaced file) makes every sealed entry unverifiable, and says so.
        try Data((String(repeating: "ab", count: 32) + "\n").utf8).write(to: keyFile)
        let problems = try ReviewStore(url: fixture.url).verifyAudit()
        #expect(problems.first?.message.contains("the key was replaced") == true)
        try Data("not a key".utf8).write(to: keyFile)
        #expect(throws: ReviewError.self) { try ReviewStore(url: fixture.url) }
    }
}
