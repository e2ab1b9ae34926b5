import Foundation
import Testing
import GRDB
@testable import ReviewStore

@Suite struct SessionTests {
    @Test func aSignInTokenWorksOnceBeforeItExpiresAndOnlyItsHashIsStored() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try store.addReviewer(Reviewer(id: "kim", name: "Kim", role: .reviewer), actor: "curator")
        #expect(throws: ReviewError.self) { try store.issueSignInToken(reviewer: "nobody") }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try store.issueSignInToken(reviewer: "kim", lifetime: 3600, now: now)
        #expect(token.count == 43, "256 bits in base64url")
        let stored = try DatabaseQueue(path: url.path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sign_in_tokens WHERE token_hash = ?", arguments: [token]) }
        #expect(stored == 0)
        // Expired: refused, and still unused.
        #expect(try store.redeemSignInToken(token, now: now + 3601) == nil)
        let (id, session) = try #require(try store.redeemSignInToken(token, sessionLifetime: 600, now: now + 60))
        #expect(session.reviewer.id == "kim")
        #expect(try store.redeemSignInToken(token, now: now + 61) == nil, "a token works once")
        #expect(try store.session(id, now: now + 120)?.csrfToken == session.csrfToken)
        #expect(try store.session(id, now: now + 661) == nil, "sessions expire")
        #expect(try store.session("forged", now: now + 120) == nil)
        try store.endSession(id)
        #expect(try store.session(id, now: now + 120) == nil)
    }

    @Test func viewsAndRefusalsAreRecorded() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try store.recordView(reviewer: "kim", batch: "b1", item: "ck-1")
        try store.recordView(reviewer: "kim", batch: "b1", item: "ck-1")
        try store.recordView(reviewer: "kim", batch: "b1", item: "ck-2")
        #expect(try store.viewedItems(reviewer: "kim", batch: "b1") == ["ck-1", "ck-2"])
        #expect(try store.viewedItems(reviewer: "lee", batch: "b1").isEmpty)
        try store.recordRefusal(reviewer: "lee", request: "GET /batches/b1", reason: "not assigned to this batch")
        try store.recordRefusal(reviewer: nil, request: "POST /batches/b1/items/ck-1", reason: "no session")
        #expect(try store.refusals().map(\.reason) == ["not assigned to this batch", "no session"])
        #expect(try store.refusals().first?.reviewer == "lee")
        // A stranger's long URLs are stored cut to a bound, so the table does not grow with them.
        let long = "GET /" + String(repeating: "a", count: 100_000)
        for _ in 0..<300 { try store.recordRefusal(reviewer: nil, request: long, reason: "not signed in") }
        let stored = try store.refusals().last!.request
        #expect(stored.count == ReviewStore.refusalFieldLimit && stored.hasSuffix("…") && long.hasPrefix(stored.dropLast()))
        // The database with its write-ahead log, copied into it (each commit logs whole pages).
        _ = try DatabaseQueue(path: url.path).writeWithoutTransaction { try $0.checkpoint(.truncate) }
        let size = try ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: url.path + suffix)[.size] as? Int) ?? 0)
        }
        #expect(size < 2_000_000, "\(size) bytes after 300 long refusals")
        // Only the latest refusals are kept.
        for index in 0..<20 { try store.recordRefusal(reviewer: nil, request: "GET /\(index)", reason: "flood", keeping: 5) }
        #expect(try store.refusals().map(\.request) == (15..<20).map { "GET /\($0)" })
    }
}
