import DatasetCore
import Foundation
import Synchronization
import Testing
@testable import ReviewServer
import ReviewStore

/// The review page served on a free port, and a browser on it.
struct LivePage {
    let origin: String
    let browser: WebDriver
    let fixture: ServerFixture

    /// Signs `reviewer` in through a new one-time link, as they would from their mail.
    func signIn(_ reviewer: String) async throws {
        try await browser.go("\(origin)/sign-in/\(try fixture.store.issueSignInToken(reviewer: reviewer))")
        _ = try await browser.waitForURL { $0 == "\(origin)/" }
    }

    func go(_ path: String) async throws { try await browser.go(origin + path) }

    /// Controls with no name a screen reader could say.
    func unlabelledControls() async throws -> [String] {
        try await browser.script("""
            return [...document.querySelectorAll('input, select, textarea, button')]
              .filter(e => e.type !== 'hidden')
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
              .map(e => e.outerHTML)
            """) as? [String] ?? ["(the script failed)"]
    }

    /// How wide the page is laid out, and how wide the window is.
    func widths() async throws -> [Int] {
        try await browser.script("return [document.documentElement.scrollWidth, window.innerWidth]") as? [Int] ?? []
    }
}

func withLivePage(_ fixture: ServerFixture, _ routes: ReviewRoutes, phoneWidth: Int? = nil,
                  _ body: (LivePage) async throws -> Void) async throws {
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let server = Task { try await routes.run(host: "127.0.0.1", port: 0) { port in portSink.yield(port) } }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    let browser = try await WebDriver.start(phoneWidth: phoneWidth)
    do {
        try await body(LivePage(origin: "http://127.0.0.1:\(port)", browser: browser, fixture: fixture))
    } catch {
        await browser.quit()
        throw error
    }
    await browser.quit()
}

@Suite(.enabled(if: browserTestsEnabled, "needs chromium and chromium-driver"), .serialized)
struct ReviewPageBrowserTests {
    static let founding = "1392년 이성계가 조선을 세웠다."

    static func plan(reviewers: Int) -> ReviewPlan {
        var round = ReviewRound(name: "check", reviewersPerItem: reviewers, batchSize: 10, labels: [LabelSpec.known("time_sensitive")!])
        round.guidelines = "Check the **key** against the passage.\n\n- One answer only"
        return ReviewPlan(rounds: [round])
    }

    @Test func aReviewerFollowsARowReadsGuidelinesAndPassageAndChangesADecision() async throws {
        let fixture = try ServerFixture(plan: Self.plan(reviewers: 1), items: 3)
        defer { fixture.remove() }
        let batch = try fixture.batch, reviewer = try fixture.firstReviewer
        try await withLivePage(fixture, try fixture.routes()) { page in
            let browser = page.browser
            try await page.signIn(reviewer)
            try await page.go("/batches/\(batch)")
            #expect(try await browser.text("#guidelines").contains("Check the key against the passage."))
            try await browser.click("ol.rows li:nth-child(2) a")
            #expect(try await browser.waitForURL { $0.hasSuffix("/items/2") }.hasSuffix("/batches/\(batch)/items/2"))
            #expect(try await browser.text(".question").contains("조선을 세운 사람은 누구인가? 1"))
            #expect(try await browser.text(".passage").contains(Self.founding))
            try await browser.click("#guidelines summary")
            #expect(try await browser.text("#guidelines").contains("One answer only"))

            // Refused (a rejection needs a reason): the label chosen and the note typed stay.
            let noLabel = #"input[name="label.time_sensitive"][value="false"]"#
            try await browser.click(noLabel)
            try await browser.type("#comment", "보기 D가 애매함")
            try await browser.click("#reject")
            #expect(try await browser.waitForText(".error") { $0.contains("reason") }.contains("reason"))
            // Said again beside the field it is about.
            #expect(try await browser.text("#error-reason") == "a rejection needs a reason")
            #expect(try await browser.script("return document.getElementById('reason').getAttribute('aria-describedby')") as? String == "error-reason")
            #expect(try await browser.isSelected(noLabel))
            #expect(try await browser.script("return document.getElementById('comment').value") as? String == "보기 D가 애매함")
            try await browser.type("#reason", "연도가 틀림")
            try await browser.click("#reject")
            _ = try await browser.waitForURL { $0.contains("saved=reject") }

            // Back on the card: what was chosen is shown, and can be changed.
            try await page.go("/batches/\(batch)/items/2")
            #expect(try await browser.text("#chosen").contains("Your decision: reject (연도가 틀림)"))
            #expect(try await browser.isSelected(noLabel))
            try await browser.click("#approve")
            _ = try await browser.waitForURL { $0.contains("saved=approve") }
            try await page.go("/batches/\(batch)/items/2")
            let chosen = try await browser.text("#chosen")
            #expect(chosen.contains("Your decision: approve") && chosen.contains("changed"))
        }
        #expect(try fixture.store.decisions().map(\.decision) == ["approve"])
        #expect(try fixture.store.auditEntries(subjectPrefix: "decisions:").map(\.action) == ["decision.reject", "decision.changed"])
        #expect(try fixture.store.verifyAudit().isEmpty)
    }

    /// kim revises ck-0 and approves ck-1 with a note; lee approves ck-0 and rejects ck-1. The
    /// revised ck-0 is batched again for lee, and ck-1 goes to the lead.
    func reviewedFixture() throws -> ServerFixture {
        let fixture = try ServerFixture(plan: Self.plan(reviewers: 2), items: 2)
        let store = fixture.store, plan = fixture.plan, batch = try fixture.batch
        func vote(_ reviewer: String, _ item: Item, _ decision: ReviewDecision, reason: String? = nil, label: String = "false",
                  revision: Vote.Revision? = nil, comment: String? = nil) -> Vote {
            Vote(location: SourceLocation(file: "test"), batch: batch, itemID: item.id, contentHash: item.contentHash,
                 reviewer: reviewer, decision: decision, reason: reason, revision: revision,
                 labels: decision == .approve ? ["time_sensitive": [label]] : [:], comment: comment)
        }
        let (first, second) = (fixture.items[0], fixture.items[1])
        try store.submit([vote("kim", first, .revise, reason: "'세운'보다 '건국한'이 정확하다",
                               revision: Vote.Revision(question: "조선을 건국한 사람은 누구인가? 0")),
                          vote("kim", second, .approve, comment: "출처를 확인해야 한다"),
                          vote("lee", first, .approve), vote("lee", second, .reject, reason: "연도가 틀림")], plan: plan, actor: "test")
        _ = try store.close("check", plan: plan, actor: "cur")
        _ = try store.open("check", plan: plan, actor: "cur")
        _ = try store.assign(round: "check", plan: plan, actor: "cur")
        return fixture
    }

    @Test func aRevisionShowsItsDiffALeadReadsTheNotesAndTheCuratorFollowsADisagreement() async throws {
        let fixture = try reviewedFixture()
        defer { fixture.remove() }
        let batches = try fixture.store.batches(round: "check")
        let revised = try #require(batches.first { $0.kind == .review && $0.reviewers == ["lee"] && $0.id != batches[0].id })
        let adjudication = try #require(batches.first { $0.kind == .adjudication })
        #expect(adjudication.reviewers == ["han"])
        try await withLivePage(fixture, try fixture.routes()) { page in
            let browser = page.browser
            try await page.signIn("lee")
            try await page.go("/batches/\(revised.id)/items/1")
            #expect(try await browser.text("#change h2") == "Changed since version 1")
            #expect(try await browser.text("#change .meta").contains("Revised by kim in round check: '세운'보다 '건국한'이 정확하다"))
            #expect(try await browser.text("#change del") == "세운")
            #expect(try await browser.text("#change ins") == "건국한")
            try await browser.screenshot(named: "item-card")

            try await page.signIn("han")
            try await page.go("/batches/\(adjudication.id)/items/1")
            #expect(try await browser.text("#comments").contains("kim: 출처를 확인해야 한다"))
            #expect(try await browser.text(".votes").contains("lee: reject 연도가 틀림"))

            try await page.signIn("cur")
            let disagreements = try await browser.text("#disagreements-check")
            #expect(disagreements.contains("kim: approve (time_sensitive=false); lee: reject"))
            try await browser.screenshot(named: "curator-view")
            try await browser.click(#"#disagreements-check a[href="/items/ck-1"]"#)
            #expect(try await browser.waitForURL { $0.hasSuffix("/items/ck-1") }.hasSuffix("/items/ck-1"))
            #expect(try await browser.text("main").contains("연도가 틀림"))
        }
    }

    @Test func aSessionThatEndsWhileTheFormIsFilledInLosesNothing() async throws {
        let fixture = try ServerFixture(plan: Self.plan(reviewers: 1), items: 2)
        defer { fixture.remove() }
        let batch = try fixture.batch, reviewer = try fixture.firstReviewer
        let clock = Mutex(Date())
        let routes = try fixture.routes(sessionLifetime: 3600) { clock.withLock { $0 } }
        let yes = #"input[name="label.time_sensitive"][value="true"]"#
        try await withLivePage(fixture, routes) { page in
            let browser = page.browser
            try await page.signIn(reviewer)
            try await page.go("/batches/\(batch)/items/1")
            try await browser.click(yes)
            try await browser.type("#comment", "통계가 바뀔 수 있다")
            // Two hours at the card: the session ends before the form is sent.
            clock.withLock { $0 += 7200 }
            try await browser.click("#approve")
            #expect(try await browser.waitForText("h1") { $0 == "Please sign in" } == "Please sign in")
            #expect(try await browser.text("#draft-note").contains("kept in this browser"))
            try await browser.click("#ask-link")
            _ = try await browser.waitForURL { $0.hasSuffix("/link-request") }
            #expect(try await browser.text("main").contains("the curator now sees that you need a new sign-in link"))
            #expect(try fixture.store.linkRequests().map(\.reviewer) == [reviewer])
            #expect(try fixture.store.decisions().isEmpty)

            // The curator's new link (it answers the request); the form comes back filled in.
            try await page.signIn(reviewer)
            #expect(try fixture.store.linkRequests().isEmpty)
            try await browser.click("#resume")
            _ = try await browser.waitForURL { $0.hasSuffix("/items/1") }
            #expect(try await browser.text("#restored").contains("Your unsent decision (approve) is filled in again"))
            #expect(try await browser.isSelected(yes))
            #expect(try await browser.script("return document.getElementById('comment').value") as? String == "통계가 바뀔 수 있다")
            try await browser.click("#approve")
            _ = try await browser.waitForURL { $0.contains("saved=approve") }
            // Sent: nothing is offered back any more.
            try await page.go("/")
            #expect(try await browser.script("return document.getElementById('resume') === null") as? Bool == true)
        }
        let decisions = try fixture.store.decisions()
        #expect(decisions.map(\.decision) == ["approve"])
        #expect(decisions.first?.labels == ["time_sensitive": ["true"]])
        #expect(try fixture.store.comments(on: "ck-0", contentHash: fixture.items[0].contentHash, round: "check").map(\.text) == ["통계가 바뀔 수 있다"])
    }

    @Test func everyPageFitsAPhoneAndEveryControlHasAName() async throws {
        let fixture = try reviewedFixture()
        defer { fixture.remove() }
        let batches = try fixture.store.batches(round: "check").filter { $0.reviewers.contains("lee") }
        #expect(batches.count == 2)
        try await withLivePage(fixture, try fixture.routes(), phoneWidth: 390) { page in
            let browser = page.browser
            try await page.signIn("lee")
            #expect(try await page.widths().last == 390)
            for path in ["/", "/batches/\(batches[0].id)", "/batches/\(batches[0].id)/items/1", "/batches/\(batches[1].id)/items/1"] {
                try await page.go(path)
                let widths = try await page.widths()
                #expect(widths.count == 2 && widths[0] <= widths[1], "\(path) is \(widths) wide")
                #expect(try await page.unlabelledControls() == [], "\(path)")
                // The page speaks English; the item's text says it is Korean.
                #expect(try await browser.script("return document.documentElement.lang") as? String == "en")
            }
            #expect(try await browser.script("return document.querySelector('.card').lang") as? String == "ko")
            // The keyboard's focus is visible.
            try await browser.press("\u{E004}")
            #expect(try await browser.script("return getComputedStyle(document.activeElement).outlineStyle") as? String == "solid")
            try await page.signIn("cur")
            for path in ["/", "/items/ck-1"] {
                try await page.go(path)
                let widths = try await page.widths()
                #expect(widths.count == 2 && widths[0] <= widths[1], "\(path) is \(widths) wide")
                #expect(try await page.unlabelledControls() == [], "\(path)")
            }
        }
    }
}
