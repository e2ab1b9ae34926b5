import DatasetCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import ReviewServer
import ReviewStore

/// A review database with reviewers, items and one opened and assigned round, and the page over it.
/// Used by one test at a time; the closures that capture it run while the test awaits them.
struct ServerFixture: @unchecked Sendable {
    let url: URL
    let store: ReviewStore
    let plan: ReviewPlan
    let items: [Item]

    init(plan: ReviewPlan = ServerFixture.plan, items count: Int = 3, more: [Item] = []) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("review-page-\(UUID().uuidString)/r.sqlite")
        store = try ReviewStore(url: url)
        self.plan = plan
        items = (0..<count).map { index in
            Item(id: "ck-\(index)", task: .commonKnowledge, subject: "history", language: "ko",
                 question: "조선을 세운 사람은 누구인가? \(index)", choices: ["이성계", "왕건", "세종", "정도전"], answer: "A",
                 choicesOrdered: false,
                 source: ItemSource(kind: "authored", sourceID: "s", document: "items.xml", element: "q\(index)", license: "CC-BY-4.0",
                                    revision: "r", passage: "founding"))
        } + more
        for reviewer in [Reviewer(id: "kim", name: "김민지", role: .reviewer), Reviewer(id: "lee", name: "Lee", role: .reviewer),
                         Reviewer(id: "han", name: "Han", role: .lead), Reviewer(id: "cur", name: "Curator", role: .curator)] {
            try store.addReviewer(reviewer, actor: "test")
        }
        try store.register(items, actor: "test")
        _ = try store.open("check", plan: plan, actor: "test")
        _ = try store.assign(round: "check", plan: plan, actor: "test")
    }

    /// The passage the fixture's items were written from.
    static let passage = Passage(sourceID: "s", document: "items.xml", element: "founding", headings: ["조선의 건국"], language: "ko",
                                 text: "1392년 이성계가 조선을 세웠다.")

    static let plan = ReviewPlan(rounds: [ReviewRound(name: "check", reviewersPerItem: 2, batchSize: 10, labels: [LabelSpec.known("time_sensitive")!])])

    var batch: String { get throws { try #require(try store.batches(round: "check").first?.id) } }

    /// A round "check" of one reviewer per item, in batches of ten.
    static func oneReviewer(labels: [LabelSpec] = []) -> ReviewPlan {
        ReviewPlan(rounds: [ReviewRound(name: "check", reviewersPerItem: 1, batchSize: 10, labels: labels)])
    }

    /// The first reviewer of the first batch: with `oneReviewer()`, its only one.
    var firstReviewer: String { get throws { try #require(try store.batch(try batch)?.reviewers.first) } }

    func routes(plan: ReviewPlan? = nil, sessionLifetime: TimeInterval = 3600,
                now: @escaping @Sendable () -> Date = Date.init) throws -> ReviewRoutes {
        ReviewRoutes(service: try ReviewService(databaseURL: url, plan: plan ?? self.plan, passages: [Self.passage],
                                                sessionLifetime: sessionLifetime, now: now))
    }

    func remove() { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }

    /// Signs `reviewer` in through a one-time link: the Cookie header and the page's CSRF token.
    func signIn(_ reviewer: String, _ client: some TestClientProtocol) async throws -> (cookie: HTTPFields, csrf: String) {
        let token = try store.issueSignInToken(reviewer: reviewer)
        let response = try await client.execute(uri: "/sign-in/\(token)", method: .get)
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        let value = try #require(setCookie.split(separator: ";").first.map(String.init))
        let cookie: HTTPFields = [.cookie: value]
        let home = try await client.execute(uri: "/", method: .get, headers: cookie)
        let csrf = try #require(String(buffer: home.body).firstMatch(of: /name="csrf" value="([^"]+)"/)?.1)
        return (cookie, String(csrf))
    }

    func refusals() throws -> [String] { try store.refusals().map { "\($0.reviewer ?? "-") \($0.request): \($0.reason)" } }
}

func form(_ fields: [(String, String)], cookie: HTTPFields) -> (HTTPFields, ByteBuffer) {
    var headers = cookie
    headers[.contentType] = "application/x-www-form-urlencoded"
    let body = fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
        .joined(separator: "&")
    return (headers, ByteBuffer(string: body))
}

@Suite struct ReviewRoutesTests {
    @Test func aSignInLinkWorksOnceAndSetsASecureHttpOnlyCookie() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let token = try fixture.store.issueSignInToken(reviewer: "kim")
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let response = try await client.execute(uri: "/sign-in/\(token)", method: .get)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("bd_session="))
            for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] { #expect(cookie.contains(attribute), "\(attribute)") }
            let again = try await client.execute(uri: "/sign-in/\(token)", method: .get)
            #expect(again.status == .forbidden)
            #expect(again.headers[.setCookie] == nil)
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .unauthorized)
            let forged = try await client.execute(uri: "/", method: .get, headers: [.cookie: "bd_session=forged"])
            #expect(forged.status == .unauthorized)
        }
        #expect(try fixture.refusals() == ["- GET /sign-in: sign-in link unknown, used or expired",
                                           "- GET /: not signed in (no session, or it expired)",
                                           "- GET /: not signed in (no session, or it expired)"])
    }

    @Test func aSessionExpires() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let clock = Mutex(Date())
        let routes = try fixture.routes(sessionLifetime: 600) { clock.withLock { $0 } }
        try await Application(router: routes.router()).test(.router) { client in
            let (cookie, _) = try await fixture.signIn("kim", client)
            clock.withLock { $0 += 599 }
            #expect(try await client.execute(uri: "/", method: .get, headers: cookie).status == .ok)
            clock.withLock { $0 += 2 }
            let expired = try await client.execute(uri: "/", method: .get, headers: cookie)
            #expect(expired.status == .unauthorized)
            // The page says how to get back in: the used link will not work again.
            let page = String(buffer: expired.body)
            #expect(page.contains("A sign-in link works only once: if you have used yours, you need a new one from the curator."))
            #expect(page.contains(#"<form method="post" action="/link-request"><button id="ask-link">"#))
            // The ended session says who asks; without one nobody can ask in another's name.
            let asked = try await client.execute(uri: "/link-request", method: .post, headers: cookie)
            #expect(asked.status == .ok && String(buffer: asked.body).contains("the curator now sees that you need a new sign-in link"))
            #expect(try await client.execute(uri: "/link-request", method: .post, headers: [.cookie: "bd_session=forged"]).status == .unauthorized)
            #expect(try fixture.store.linkRequests().map(\.reviewer) == ["kim"])
            let curator = try await fixture.signIn("cur", client)
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: curator.cookie).body)
            #expect(dashboard.contains("<li><strong>kim</strong>, asked "))
            #expect(dashboard.contains("<code>build-dataset review reviewers link kim</code>"))
            // A new link answers the request.
            _ = try fixture.store.issueSignInToken(reviewer: "kim")
            #expect(try fixture.store.linkRequests().isEmpty)
        }
        #expect(try fixture.refusals() == ["- GET /: not signed in (no session, or it expired)",
                                           "- POST /link-request: no session, ended or live, to ask for"])
    }

    @Test func aReviewerSeesTheirBatchesAndTheItemCardButNotOthersVotes() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let lee = try await fixture.signIn("lee", client)
            // lee approves the first item, then kim looks at it.
            let (headers, body) = form([("csrf", lee.csrf), ("content_hash", fixture.items[0].contentHash), ("decision", "reject"),
                                        ("reason", "출처 불명")], cookie: lee.cookie)
            let decided = try await client.execute(uri: "/batches/\(batch)/items/ck-0/decision", method: .post, headers: headers, body: body)
            #expect(decided.status == .seeOther)
            #expect(decided.headers[.location] == "/batches/\(batch)/items/2?saved=reject")

            let kim = try await fixture.signIn("kim", client)
            let home = String(buffer: try await client.execute(uri: "/", method: .get, headers: kim.cookie).body)
            #expect(home.contains("href=\"/batches/\(batch)\""))
            #expect(home.contains("김민지"))
            let card = try await client.execute(uri: "/batches/\(batch)/items/1", method: .get, headers: kim.cookie)
            #expect(card.status == .ok)
            let html = String(buffer: card.body)
            #expect(html.contains("조선을 세운 사람은 누구인가? 0"))
            #expect(html.contains("이성계") && html.contains("<span class=\"badge\">key</span>"))
            #expect(html.contains("items.xml#q0") && html.contains("CC-BY-4.0"))
            #expect(html.contains("<blockquote class=\"passage\" lang=\"ko\"><p class=\"meta\">조선의 건국</p>1392년 이성계가 조선을 세웠다.</blockquote>"))
            #expect(!html.contains("출처 불명") && !html.contains("reject</li>"), "another reviewer's vote is not shown before voting")
            #expect(card.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            // Out of range.
            #expect(try await client.execute(uri: "/batches/\(batch)/items/9", method: .get, headers: kim.cookie).status == .notFound)

            // Every row of the batch page links to its item's card in this batch.
            let page = String(buffer: try await client.execute(uri: "/batches/\(batch)", method: .get, headers: kim.cookie).body)
            let links = page.matches(of: /<li[^>]*><a href="([^"]+)">/).map { String($0.1) }
            #expect(links == (1...3).map { "/batches/\(batch)/items/\($0)" })
            for (index, link) in links.enumerated() {
                let card = String(buffer: try await client.execute(uri: link, method: .get, headers: kim.cookie).body)
                #expect(card.contains("조선을 세운 사람은 누구인가? \(index)"))
            }
        }
    }

    @Test func aReviewerCannotReadOrDecideABatchNotAssignedToThem() async throws {
        // One reviewer per item: kim and lee get separate batches.
        let plan = ReviewPlan(rounds: [ReviewRound(name: "check", reviewersPerItem: 1, batchSize: 2)])
        let fixture = try ServerFixture(plan: plan, items: 4)
        defer { fixture.remove() }
        let batches = try fixture.store.batches(round: "check")
        let leesBatch = try #require(batches.first { $0.reviewers == ["lee"] })
        let item = try #require(try fixture.store.batchItems(leesBatch.id).first)
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            #expect(try await client.execute(uri: "/batches/\(leesBatch.id)", method: .get, headers: kim.cookie).status == .forbidden)
            #expect(try await client.execute(uri: "/batches/\(leesBatch.id)/items/1", method: .get, headers: kim.cookie).status == .forbidden)
            let (headers, body) = form([("csrf", kim.csrf), ("content_hash", item.contentHash), ("decision", "approve")], cookie: kim.cookie)
            let post = try await client.execute(uri: "/batches/\(leesBatch.id)/items/\(item.item.id)/decision", method: .post,
                                                headers: headers, body: body)
            #expect(post.status == .forbidden)
            let home = String(buffer: try await client.execute(uri: "/", method: .get, headers: kim.cookie).body)
            #expect(!home.contains(leesBatch.id))
        }
        #expect(try fixture.store.decisions().isEmpty)
        #expect(try fixture.refusals().filter { $0.hasPrefix("kim") }.count == 3)
        #expect(try fixture.refusals().allSatisfy { $0.hasSuffix("kim is not assigned to batch \(leesBatch.id)") })
    }

    @Test func aFormWithoutItsCSRFTokenIsRefusedAndNothingIsStored() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            for fields in [[("content_hash", fixture.items[0].contentHash), ("decision", "approve")],
                           [("csrf", "replayed-from-another-session"), ("content_hash", fixture.items[0].contentHash), ("decision", "approve")]] {
                let (headers, body) = form(fields, cookie: kim.cookie)
                let response = try await client.execute(uri: "/batches/\(batch)/items/ck-0/decision", method: .post, headers: headers, body: body)
                #expect(response.status == .forbidden)
            }
            // Sign-out needs the token too.
            let (headers, body) = form([], cookie: kim.cookie)
            #expect(try await client.execute(uri: "/sign-out", method: .post, headers: headers, body: body).status == .forbidden)
        }
        #expect(try fixture.store.decisions().isEmpty)
        #expect(try fixture.refusals().filter { $0.hasSuffix("missing or wrong CSRF token") }.count == 3)
    }

    @Test func aReviewerCannotActInARoundTheirRoleIsNotIn() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        // The pipeline now gives the round to leads only.
        var leadsOnly = fixture.plan
        leadsOnly.rounds[0].roles = [.lead]
        try await Application(router: try fixture.routes(plan: leadsOnly).router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            let page = try await client.execute(uri: "/batches/\(batch)", method: .get, headers: kim.cookie)
            #expect(page.status == .forbidden)
            #expect(String(buffer: page.body).contains("role reviewer does not act in round check"))
        }
        #expect(try fixture.refusals() == ["kim GET /batches/\(batch): role reviewer does not act in round check"])
    }

    @Test func approvingTheRestNeedsEveryItemShownFirst() async throws {
        let plan = ServerFixture.oneReviewer()
        let fixture = try ServerFixture(plan: plan, items: 3)
        defer { fixture.remove() }
        let batch = try fixture.batch
        let reviewer = try fixture.firstReviewer
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let session = try await fixture.signIn(reviewer, client)
            let (headers, body) = form([("csrf", session.csrf)], cookie: session.cookie)
            let early = try await client.execute(uri: "/batches/\(batch)/approve-rest", method: .post, headers: headers, body: body)
            #expect(early.status == .conflict)
            #expect(String(buffer: early.body).contains("3 items of batch \(batch) have not been shown yet"))
            #expect(!String(buffer: try await client.execute(uri: "/batches/\(batch)", method: .get, headers: session.cookie).body)
                .contains("approve-rest"))
            for position in 1...3 { _ = try await client.execute(uri: "/batches/\(batch)/items/\(position)", method: .get, headers: session.cookie) }
            #expect(String(buffer: try await client.execute(uri: "/batches/\(batch)", method: .get, headers: session.cookie).body)
                .contains("Approve the rest of this batch (3)"))
            // The button asks first, naming how many and which.
            let asked = try await client.execute(uri: "/batches/\(batch)/approve-rest", method: .post, headers: headers, body: body)
            #expect(asked.status == .ok && String(buffer: asked.body).contains("Approve the 3 items you have not decided in batch \(batch)?"))
            #expect(String(buffer: asked.body).contains("조선을 세운 사람은 누구인가? 2"))
            #expect(try fixture.store.decisions().isEmpty)
            // A confirmation of another number (the batch changed meanwhile) approves nothing.
            let (stale, staleBody) = form([("csrf", session.csrf), ("confirm", "yes"), ("count", "2")], cookie: session.cookie)
            #expect(try await client.execute(uri: "/batches/\(batch)/approve-rest", method: .post, headers: stale, body: staleBody).status == .conflict)
            let (confirmed, confirmedBody) = form([("csrf", session.csrf), ("confirm", "yes"), ("count", "3")], cookie: session.cookie)
            let done = try await client.execute(uri: "/batches/\(batch)/approve-rest", method: .post, headers: confirmed, body: confirmedBody)
            #expect(done.status == .seeOther)
        }
        #expect(try fixture.store.decisions().filter { $0.decision == "approve" }.count == 3)
    }

    @Test func aRevisionMakesANewVersionAndABadDecisionIsExplained() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            let hash = fixture.items[1].contentHash
            // A reject without a reason is refused with the store's own message, on the item page.
            var (headers, body) = form([("csrf", kim.csrf), ("content_hash", hash), ("decision", "reject")], cookie: kim.cookie)
            let bad = try await client.execute(uri: "/batches/\(batch)/items/ck-1/decision", method: .post, headers: headers, body: body)
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains("class=\"error\""))
            (headers, body) = form([("csrf", kim.csrf), ("content_hash", hash), ("decision", "revise"),
                                    ("question", "조선을 건국한 사람은 누구인가?"), ("choice_0", "이성계"), ("choice_1", "왕건"),
                                    ("choice_2", "세종"), ("choice_3", "정도전"), ("answer", "A"), ("label.time_sensitive", "false")],
                                   cookie: kim.cookie)
            let revised = try await client.execute(uri: "/batches/\(batch)/items/ck-1/decision", method: .post, headers: headers, body: body)
            #expect(revised.status == .seeOther)
            // The old version's page is stale now.
            let stale = try await client.execute(uri: "/batches/\(batch)/items/ck-1/decision", method: .post, headers: headers, body: body)
            #expect(stale.status == .notFound)
        }
        let versions = try fixture.store.versions(of: "ck-1")
        #expect(versions.map(\.item.question) == ["조선을 세운 사람은 누구인가? 1", "조선을 건국한 사람은 누구인가?"])
        #expect(versions.last?.author == "kim")
        let decisions = try fixture.store.decisions().filter { $0.itemID == "ck-1" }
        #expect(decisions.map(\.decision) == ["revise"])
        #expect(decisions.map(\.labels) == [["time_sensitive": ["false"]]])
    }

    @Test func anItemChangedInItsRawFileComesBackWithTheDecisionsOnItsEarlierText() async throws {
        let fixture = try ServerFixture(plan: ServerFixture.oneReviewer(), items: 1)
        defer { fixture.remove() }
        let store = fixture.store, plan = fixture.plan
        let first = try fixture.batch, reviewer = try fixture.firstReviewer
        let original = fixture.items[0]
        try store.submit([Vote(location: SourceLocation(file: "test"), batch: first, itemID: original.id, contentHash: original.contentHash,
                               reviewer: reviewer, decision: .reject, reason: "왕건은 고려를 세웠다")], plan: plan, actor: "test")
        var edited = original
        edited.question = "조선을 건국한 왕은 누구인가?"
        try store.register([edited], actor: "test")
        let second = try #require(try store.open("check", plan: plan, actor: "test").first?.id)
        _ = try store.assign(round: "check", plan: plan, actor: "test")
        let assigned = try #require(try store.batch(second)?.reviewers.first)
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let session = try await fixture.signIn(assigned, client)
            let page = String(buffer: try await client.execute(uri: "/batches/\(second)/items/1", method: .get, headers: session.cookie).body)
            #expect(page.contains("조선을 건국한 왕은 누구인가?"))
            #expect(page.contains("Decisions on earlier text"))
            #expect(page.contains("Version 1 (from the raw files): 조선을 세운 사람은 누구인가? 0"))
            #expect(page.contains("check: \(reviewer) reject — 왕건은 고려를 세웠다"))
        }
    }

    @Test func aRefusedFormKeepsWhatWasChosenAndADecisionCanBeChangedUntilTheRoundSettles() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            let hash = fixture.items[0].contentHash
            func post(_ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String) {
                let (headers, body) = form([("csrf", kim.csrf), ("content_hash", hash)] + fields, cookie: kim.cookie)
                let response = try await client.execute(uri: "/batches/\(batch)/items/ck-0/decision", method: .post, headers: headers, body: body)
                return (response.status, String(buffer: response.body))
            }
            // Refused (a rejection needs a reason): the label chosen is still chosen.
            let (refused, page) = try await post([("decision", "reject"), ("label.time_sensitive", "true")])
            #expect(refused == .unprocessableContent && page.contains("a rejection needs a reason"))
            #expect(page.contains(#"value="true" checked"#) && !page.contains(#"value="false" checked"#))
            // Approved, then shown as chosen, with the label.
            #expect(try await post([("decision", "approve"), ("label.time_sensitive", "false")]).0 == .seeOther)
            var card = String(buffer: try await client.execute(uri: "/batches/\(batch)/items/1", method: .get, headers: kim.cookie).body)
            #expect(card.contains("Your decision: <strong>approve</strong>") && card.contains(#"value="false" checked"#))
            // Changed to a rejection: the card says so.
            #expect(try await post([("decision", "reject"), ("reason", "근거 없음"), ("label.time_sensitive", "false")]).0 == .seeOther)
            card = String(buffer: try await client.execute(uri: "/batches/\(batch)/items/1?saved=reject", method: .get, headers: kim.cookie).body)
            #expect(card.contains("Your decision: <strong>reject</strong> (근거 없음), changed "))
            #expect(card.contains("Saved: reject on the previous item."))
            #expect(card.contains(#"value="근거 없음""#))
        }
        #expect(try fixture.store.auditEntries(subjectPrefix: "decisions:").map(\.action) == ["decision.approve", "decision.changed"])
    }

    @Test func wordDiffsGiveBackBothTexts() {
        let segments = WordDiff.segments(old: "조선을 세운 사람은 누구인가?", new: "조선을 건국한 사람은  누구인가? (태조)")
        #expect(segments == [.init(kind: .same, text: "조선을 "), .init(kind: .removed, text: "세운"), .init(kind: .added, text: "건국한"),
                             .init(kind: .same, text: " 사람은"), .init(kind: .removed, text: " "), .init(kind: .added, text: "  "),
                             .init(kind: .same, text: "누구인가?"), .init(kind: .added, text: " (태조)")])
        #expect(segments.filter { $0.kind != .added }.map(\.text).joined() == "조선을 세운 사람은 누구인가?")
        #expect(segments.filter { $0.kind != .removed }.map(\.text).joined() == "조선을 건국한 사람은  누구인가? (태조)")
        #expect(WordDiff.segments(old: "", new: "새 질문") == [.init(kind: .added, text: "새 질문")])
    }

    @Test func aRevisedItemComesBackWithAWordDiffAndWhoRevisedItAndWhy() async throws {
        let plan = ServerFixture.oneReviewer()
        let fixture = try ServerFixture(plan: plan, items: 1)
        defer { fixture.remove() }
        let store = fixture.store, first = try fixture.batch, reviser = try fixture.firstReviewer
        let original = fixture.items[0]
        try store.submit([Vote(location: SourceLocation(file: "test"), batch: first, itemID: original.id, contentHash: original.contentHash,
                               reviewer: reviser, decision: .revise, reason: "'세운'보다 '건국한'이 정확하다",
                               revision: Vote.Revision(question: "조선을 건국한 사람은 누구인가? 0", choices: ["이성계", "왕건", "세종", "정조"]))],
                         plan: plan, actor: "test")
        let second = try #require(try store.open("check", plan: plan, actor: "test").first?.id)
        _ = try store.assign(round: "check", plan: plan, actor: "test")
        let checker = try #require(try store.batch(second)?.reviewers.first)
        #expect(checker != reviser)
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let session = try await fixture.signIn(checker, client)
            let page = String(buffer: try await client.execute(uri: "/batches/\(second)/items/1", method: .get, headers: session.cookie).body)
            #expect(page.contains("<h2>Changed since version 1</h2>"))
            #expect(page.contains("Revised by \(reviser) in round check: &#39;세운&#39;보다 &#39;건국한&#39;이 정확하다")
                    || page.contains("Revised by \(reviser) in round check: &#x27;세운&#x27;보다"))
            #expect(page.contains("조선을 <del>세운</del><ins>건국한</ins> 사람은 누구인가? 0"))
            #expect(page.contains("<li>D: 정도전 → 정조</li>"))
        }
    }

    @Test func theRoundsGuidelinesAndLabelNamesAreWhatReviewersRead() async throws {
        var round = ReviewRound(name: "check", reviewersPerItem: 2, batchSize: 10,
                                labels: [LabelSpec.known("time_sensitive")!, LabelSpec.known("required_knowledge")!])
        round.guidelines = "Check the **key**.\n\n- One answer only\n- <script>alert(1)</script> is text"
        let fixture = try ServerFixture(plan: ReviewPlan(rounds: [round]))
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            let page = String(buffer: try await client.execute(uri: "/batches/\(batch)", method: .get, headers: kim.cookie).body)
            #expect(page.contains("<h2>Guidelines for round check</h2><p>Check the <strong>key</strong>.</p><ul><li>One answer only</li>"))
            #expect(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert(1)"))
            let card = String(buffer: try await client.execute(uri: "/batches/\(batch)/items/1", method: .get, headers: kim.cookie).body)
            #expect(card.contains("<details class=\"guidelines\" id=\"guidelines\"><summary>Guidelines for round check</summary><p>Check the <strong>key</strong>."))
            #expect(card.contains("<legend>Time-sensitive <span aria-label=\"required\">*</span></legend>"))
            #expect(card.contains("Could the correct answer change over time"))
            #expect(card.contains(#"value="true" data-key="1"> Yes <kbd>1</kbd>"#))
            #expect(card.contains("<legend>Knowledge needed to answer"))
            #expect(card.contains(#"value="dialect" data-key="5"> Dialect <kbd>5</kbd> <small>a regional or social variety of the language</small>"#))
        }
    }

    @Test func aCommentIsSeenByOtherReviewersOnlyOnceTheyHaveDecided() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client), lee = try await fixture.signIn("lee", client)
            let hash = fixture.items[0].contentHash
            func decide(_ session: (cookie: HTTPFields, csrf: String), _ comment: String) async throws {
                let (headers, body) = form([("csrf", session.csrf), ("content_hash", hash), ("decision", "approve"),
                                            ("label.time_sensitive", "false"), ("comment", comment)], cookie: session.cookie)
                let response = try await client.execute(uri: "/batches/\(batch)/items/ck-0/decision", method: .post, headers: headers, body: body)
                #expect(response.status == .seeOther, "\(String(buffer: response.body))")
            }
            func card(_ session: (cookie: HTTPFields, csrf: String)) async throws -> String {
                String(buffer: try await client.execute(uri: "/batches/\(batch)/items/1", method: .get, headers: session.cookie).body)
            }
            try await decide(kim, "정도전도 답이 될 수 있다")
            #expect(try await card(kim).contains(">정도전도 답이 될 수 있다</textarea>"))
            // lee has not decided: kim's note does not sway them.
            #expect(!(try await card(lee)).contains("정도전도"))
            try await decide(lee, "")
            let seen = try await card(lee)
            #expect(seen.contains("<h2>Reviewers' notes</h2>") && seen.contains("<strong>kim</strong>: <span lang=\"ko\">정도전도 답이 될 수 있다</span>"))
            // kim empties the note: it is gone.
            try await decide(kim, "  ")
            #expect(!(try await card(lee)).contains("정도전도"))
        }
        #expect(try fixture.store.auditEntries(subjectPrefix: "comments:").map(\.action) == ["comment.written", "comment.removed"])
        #expect(try fixture.store.verifyAudit().isEmpty)
    }

    @Test func aReviewerFiltersTheirBatchByStateSubjectAndText() async throws {
        // Batches are made per subject: the flagged item is a history item too.
        var flagged = Item(id: "ck-9", task: .commonKnowledge, subject: "history", language: "ko", question: "‘훈민정음’을  만든 왕은?",
                           choices: ["세종", "태조", "세조", "정조"], answer: "A", choicesOrdered: false,
                           source: ItemSource(kind: "authored", sourceID: "s", document: "items.xml", element: "q9", license: nil, revision: "r"))
        flagged.flags = ["answer_longest"]
        let fixture = try ServerFixture(items: 3, more: [flagged])
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let kim = try await fixture.signIn("kim", client)
            let (headers, body) = form([("csrf", kim.csrf), ("content_hash", fixture.items[0].contentHash), ("decision", "approve"),
                                        ("label.time_sensitive", "false")], cookie: kim.cookie)
            _ = try await client.execute(uri: "/batches/\(batch)/items/ck-0/decision", method: .post, headers: headers, body: body)
            func rows(_ query: String) async throws -> [String] {
                let page = String(buffer: try await client.execute(uri: "/batches/\(batch)?\(query)", method: .get, headers: kim.cookie).body)
                return page.matches(of: /<li value="([0-9]+)"/).map { String($0.1) }
            }
            let position = { (id: String) in String(fixture.items.firstIndex { $0.id == id }! + 1) }
            #expect(try await rows("show=all").count == 4)
            #expect(try await rows("show=decided") == [position("ck-0")])
            #expect(try await rows("show=undecided").count == 3)
            #expect(try await rows("show=flagged") == [position("ck-9")])
            #expect(try await rows("subject=history").count == 4)
            #expect(try await rows("subject=law").isEmpty)
            // Text is matched as the tool compares it: quotes, spacing and width folded; '+' is a space.
            #expect(try await rows("q=%ED%9B%88%EB%AF%BC%EC%A0%95%EC%9D%8C%EC%9D%84+%EB%A7%8C%EB%93%A0") == [position("ck-9")])
            #expect(try await rows("q=%EC%A1%B0%EC%84%A0%EC%9D%84+%EC%84%B8%EC%9A%B4&show=undecided").count == 2)
            let page = String(buffer: try await client.execute(uri: "/batches/\(batch)?show=flagged", method: .get, headers: kim.cookie).body)
            #expect(page.contains("1 of 4 items.") && page.contains("<option value=\"flagged\" selected>"))
        }
    }

    /// Keeps the messages logged to it.
    final class LogLines: Sendable {
        let lines = Mutex<[String]>([])
    }

    struct RecordingLogHandler: LogHandler {
        let store: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { metadata[key] } set { metadata[key] = newValue } }
        func log(event: LogEvent) {
            store.lines.withLock { $0.append(event.message.description) }
        }
    }

    @Test func everyRequestIsLoggedWithoutTheSignInToken() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let lines = LogLines()
        let handler = RecordingLogHandler(store: lines)
        let logger = Logger(label: "test") { _ in handler }
        let token = try fixture.store.issueSignInToken(reviewer: "kim")
        let routes = ReviewRoutes(service: try ReviewService(databaseURL: fixture.url, plan: fixture.plan, passages: []), accessLog: logger)
        try await Application(router: routes.router()).test(.router) { client in
            _ = try await client.execute(uri: "/sign-in/\(token)", method: .get)
            _ = try await client.execute(uri: "/batches/nowhere", method: .get)
        }
        let logged = lines.lines.withLock { $0 }
        #expect(logged.count == 2)
        #expect(logged.first?.hasPrefix("GET /sign-in/… 303 ") == true && logged.first?.hasSuffix(" ms") == true)
        #expect(logged.last?.hasPrefix("GET /batches/nowhere 401 ") == true)
        #expect(!logged.joined().contains(token))
    }

    @Test func aLeadSeesTheVotesOfADisagreementToSettle() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let batch = try fixture.batch
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            for (reviewer, decision) in [("kim", "approve"), ("lee", "reject")] {
                let session = try await fixture.signIn(reviewer, client)
                for item in fixture.items {
                    let (headers, body) = form([("csrf", session.csrf), ("content_hash", item.contentHash), ("decision", decision),
                                                ("reason", "틀린 보기"), ("label.time_sensitive", "false")], cookie: session.cookie)
                    let response = try await client.execute(uri: "/batches/\(batch)/items/\(item.id)/decision", method: .post,
                                                            headers: headers, body: body)
                    #expect(response.status == .seeOther, "\(String(buffer: response.body))")
                }
            }
        }
        _ = try fixture.store.close("check", plan: fixture.plan, actor: "cur")
        _ = try fixture.store.assign(round: "check", plan: fixture.plan, actor: "cur")
        let adjudication = try #require(try fixture.store.batches(round: "check").first { $0.kind == .adjudication })
        #expect(adjudication.reviewers == ["han"])
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let han = try await fixture.signIn("han", client)
            let html = String(buffer: try await client.execute(uri: "/batches/\(adjudication.id)/items/1", method: .get, headers: han.cookie).body)
            #expect(html.contains("kim: approve") && html.contains("lee: reject 틀린 보기"))
            // The lead's decision settles the item; no label is asked of an adjudication.
            let settled = try #require(try fixture.store.batchItems(adjudication.id).first)
            let (headers, body) = form([("csrf", han.csrf), ("content_hash", settled.contentHash), ("decision", "approve")], cookie: han.cookie)
            let response = try await client.execute(uri: "/batches/\(adjudication.id)/items/\(settled.item.id)/decision", method: .post,
                                                    headers: headers, body: body)
            #expect(response.status == .seeOther, "\(String(buffer: response.body))")
            // A reviewer is not let into the lead's batch.
            let kim = try await fixture.signIn("kim", client)
            #expect(try await client.execute(uri: "/batches/\(adjudication.id)", method: .get, headers: kim.cookie).status == .forbidden)
            // The curator sees progress and agreement.
            let curator = try await fixture.signIn("cur", client)
            let home = String(buffer: try await client.execute(uri: "/", method: .get, headers: curator.cookie).body)
            #expect(home.contains("<h2>Rounds</h2>") && home.contains("Krippendorff α [95% interval]"))
            // kim approved and lee rejected every item: α = 1 − 1/0.6, the same in every resample, read as not reliable.
            #expect(home.contains("<th scope=\"row\">decision</th><td>3</td><td>-0.667 [-0.667, -0.667]</td><td>not reliable</td>"))
            #expect(!home.contains("-0.000"))
            // Each disagreement links to the item, where every vote on it is listed.
            #expect(home.contains("3 items on which reviewers disagree"))
            #expect(home.contains(#"<li><a href="/items/ck-1">조선을 세운 사람은 누구인가? 1</a> <span class="meta">kim: approve (time_sensitive=false); lee: reject (time_sensitive=false)</span></li>"#))
            let overview = String(buffer: try await client.execute(uri: "/items/\(settled.item.id)", method: .get, headers: curator.cookie).body)
            #expect(overview.contains("<td>check</td><td>lee</td><td>reject</td><td>time_sensitive: false</td><td lang=\"ko\">틀린 보기</td>"))
            #expect(overview.contains("<td>check</td><td>han</td><td>approve</td>"))
            // Votes on an item are for leads and the curator only.
            #expect(try await client.execute(uri: "/items/ck-0", method: .get, headers: kim.cookie).status == .forbidden)
            #expect(try await client.execute(uri: "/items/nothing", method: .get, headers: curator.cookie).status == .notFound)
        }
        let report = try fixture.store.close("check", plan: fixture.plan, actor: "cur")
        #expect(report.disputed.count == 2, "the two items the lead has not settled yet")
        #expect(try fixture.store.outcomes().map { [$0.itemID, $0.outcome] }
                    == [[try fixture.store.batchItems(adjudication.id).first?.item.id, "approved"]])
    }

    @Test func staticFilesAndSigningOut() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let css = try await client.execute(uri: "/static/app.css", method: .get)
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(String(buffer: css.body).contains(":lang(ko)"))
            let script = try await client.execute(uri: "/static/app.js", method: .get)
            #expect(script.status == .ok && String(buffer: script.body).contains("keydown"))

            let kim = try await fixture.signIn("kim", client)
            let (headers, body) = form([("csrf", kim.csrf)], cookie: kim.cookie)
            let out = try await client.execute(uri: "/sign-out", method: .post, headers: headers, body: body)
            #expect(out.status == .ok)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The session is over on the server too: the old cookie no longer works.
            #expect(try await client.execute(uri: "/", method: .get, headers: kim.cookie).status == .unauthorized)
        }
        #expect(try fixture.refusals() == ["- GET /: not signed in (no session, or it expired)"])
    }

    @Test func unknownBatchesAndClosedRoundsAreRefused() async throws {
        let plan = ServerFixture.oneReviewer()
        let fixture = try ServerFixture(plan: plan, items: 1)
        defer { fixture.remove() }
        let batch = try fixture.batch
        let reviewer = try fixture.firstReviewer
        let member = try #require(try fixture.store.batchItems(batch).first)
        try fixture.store.submit([Vote(location: SourceLocation(file: "test"), batch: batch, itemID: member.item.id,
                                       contentHash: member.contentHash, reviewer: reviewer, decision: .approve)],
                                 plan: plan, actor: reviewer)
        _ = try fixture.store.close("check", plan: plan, actor: "cur")
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let session = try await fixture.signIn(reviewer, client)
            #expect(try await client.execute(uri: "/batches/nope", method: .get, headers: session.cookie).status == .notFound)
            let closed = try await client.execute(uri: "/batches/\(batch)/items/1", method: .get, headers: session.cookie)
            #expect(closed.status == .conflict)
            let home = String(buffer: try await client.execute(uri: "/", method: .get, headers: session.cookie).body)
            #expect(home.contains("\(batch) (closed)") && !home.contains("href=\"/batches/\(batch)\""))
        }
        #expect(try fixture.refusals() == ["\(reviewer) GET /batches/nope: unknown batch nope",
                                           "\(reviewer) GET /batches/\(batch)/items/1: round check is closed"])
    }

    @Test func aSocialValueCardShowsTheWeightedDistribution() async throws {
        let plan = ServerFixture.oneReviewer()
        let survey = SurveyResult(distribution: [0.625, 0.25, 0.125], distributionWithNonresponse: [0.6, 0.24, 0.12, 0.04],
                                  nonresponseOptions: ["모름"], distribution3: nil, scale3: nil, n: 1000, nEffective: 812.4,
                                  marginOfError: 0.0333, contested: true, weighting: "raking(region,age,gender)")
        let item = Item(id: "sv-1", task: .socialValue, subject: "family", language: "ko", question: "부모를 모시는 것은 자녀의 의무이다.",
                        choices: ["동의", "보통", "반대"], answer: "A", choicesOrdered: true,
                        source: ItemSource(kind: "survey", sourceID: "kgss", document: "tallies.csv", element: "Q1",
                                           license: "KOGL-1", revision: "2024"),
                        survey: survey)
        let fixture = try ServerFixture(plan: plan, items: 0, more: [item])
        defer { fixture.remove() }
        let batch = try fixture.batch
        let reviewer = try fixture.firstReviewer
        try await Application(router: try fixture.routes().router()).test(.router) { client in
            let session = try await fixture.signIn(reviewer, client)
            let html = String(buffer: try await client.execute(uri: "/batches/\(batch)/items/1", method: .get, headers: session.cookie).body)
            #expect(html.contains("동의") && html.contains("<span class=\"bar\"><span style=\"width: 62.5%\"></span></span> 62.5%"))
            #expect(html.contains("width: 12.5%"))
            #expect(html.contains("n = 1000, effective n = 812, margin of error ±3.3 points"))
            #expect(html.contains("lang=\"ko\""))
            // The modal answer is the most chosen, not a key; contested is explained; a survey item is not revised.
            #expect(html.contains("<span class=\"badge\">most chosen</span>") && !html.contains(">key<"))
            #expect(html.contains("<strong>Contested:</strong> the most chosen answer leads the next by no more than the margin of error"))
            #expect(html.contains("weighting: raking(region,age,gender)"))
            #expect(!html.contains("id=\"revise\"") && !html.contains("Answer: <strong>"))
        }
        // Nor through a batch file.
        let member = try #require(try fixture.store.currentBatchItems(batch).first)
        #expect {
            try fixture.store.submit([Vote(location: SourceLocation(file: "b.csv", line: 2), batch: batch, itemID: "sv-1", contentHash: member.contentHash,
                                           reviewer: reviewer, decision: .revise, revision: Vote.Revision(question: "다른 질문"))],
                                     plan: plan, actor: "test")
        } throws: { error in
            error.inputErrors?.map(\.description) == ["b.csv:2: 'decision': sv-1 is a survey item: its text is the questionnaire's, so it can be approved or rejected, not revised"]
        }
    }
}
