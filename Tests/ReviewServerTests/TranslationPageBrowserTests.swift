import DatasetCore
import Foundation
import Statistics
import Testing
@testable import ReviewServer
import ReviewStore

/// A translation round on the review page: each translation beside the item it translates,
/// Arabic laid out right to left, and an edit measured against the text as it came in.
@Suite(.enabled(if: browserTestsEnabled, "needs chromium and chromium-driver"), .serialized)
struct TranslationPageBrowserTests {
    static let arabicQuestion = "من أسس مملكة جوسون؟"
    static let englishQuestion = "Who founded Joseon? 1"

    /// ck-0 and ck-1 of the fixture (Korean), translated into Arabic and English; the round takes translations only.
    static func fixture() throws -> ServerFixture {
        func translation(_ id: String, of group: String, _ language: String, _ question: String, _ choices: [String],
                         origin: ItemTranslation.Origin) -> Item {
            Item(id: id, task: .commonKnowledge, subject: "history", language: language, question: question, choices: choices, answer: "A",
                 choicesOrdered: false,
                 source: ItemSource(kind: "translation", sourceID: "t", document: "translations.csv", element: group, license: "CC-BY-4.0", revision: "r"),
                 translation: ItemTranslation(group: group, sourceLanguage: "ko", origin: origin, system: origin == .machine ? "example-mt" : nil))
        }
        var round = ReviewRound(name: "check", reviewersPerItem: 1, batchSize: 10, decisions: [.approve, .reject, .revise], rule: .any)
        round.translations = .only
        return try ServerFixture(plan: ReviewPlan(rounds: [round]), items: 2, more: [
            translation("ck-a0", of: "ck-0", "ar", arabicQuestion, ["يي سونغ غي", "وانغ غون", "سيجونغ", "جونغ دو جون"], origin: .machine),
            translation("ck-e1", of: "ck-1", "en", englishQuestion, ["Yi Seong-gye", "Wang Geon", "Sejong", "Jeong Do-jeon"], origin: .human),
        ])
    }

    @Test func eachTranslationIsBesideItsItemArabicRightToLeftAndAnEditIsMeasured() async throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let batch = try fixture.batch, reviewer = try fixture.firstReviewer
        #expect(try fixture.store.currentBatchItems(batch).map(\.item.id) == ["ck-a0", "ck-e1"], "the round batches translations only")
        try await withLivePage(fixture, try fixture.routes()) { page in
            let browser = page.browser
            try await page.signIn(reviewer)
            try await page.go("/batches/\(batch)/items/1")
            #expect(try await browser.text("#item .question") == Self.arabicQuestion)
            #expect(try await browser.text("#original .question") == "조선을 세운 사람은 누구인가? 0")
            #expect(try await browser.text("#item .meta").contains("machine translation from ko (example-mt)"))
            // Side by side: the item translated on the left, level with the translation.
            let layout = try await browser.script("""
                const o = document.getElementById('original').getBoundingClientRect(), t = document.getElementById('item').getBoundingClientRect();
                const q = document.querySelector('#item .question'), range = document.createRange();
                range.selectNodeContents(q);
                const text = range.getBoundingClientRect(), box = q.getBoundingClientRect();
                return [o.right <= t.left, Math.abs(o.top - t.top) < 1, getComputedStyle(q).direction,
                        getComputedStyle(document.querySelector('#original .question')).direction,
                        Math.abs(text.right - box.right) < 2 && text.left - box.left > 20,
                        getComputedStyle(document.getElementById('revised-question')).direction]
                """) as? [Any]
            #expect(layout?[0] as? Bool == true && layout?[1] as? Bool == true, "\(String(describing: layout))")
            #expect(layout?[2] as? String == "rtl" && layout?[3] as? String == "ltr", "\(String(describing: layout))")
            #expect(layout?[4] as? Bool == true, "the Arabic line ends at the right edge: \(String(describing: layout))")
            #expect(layout?[5] as? String == "rtl", "the revision field is right to left too")
            try await browser.screenshot(named: "translation-side-by-side")

            // An English translation reads left to right beside the same layout.
            try await page.go("/batches/\(batch)/items/2")
            #expect(try await browser.script("return getComputedStyle(document.querySelector('#item .question')).direction") as? String == "ltr")

            // The Arabic translation corrected: a new version, measured against the machine's text.
            try await page.go("/batches/\(batch)/items/1")
            try await browser.click("#revise-panel summary")
            try await browser.type("#revised-question", "من الذي أسس مملكة جوسون؟", clear: true)
            try await browser.click("#revise")
            _ = try await browser.waitForURL { $0.contains("saved=revise") }
        }
        let review = try fixture.store.translationReview(round: "check", plan: fixture.plan)
        let arabic = try #require(review.rows.first { $0.language == "ar" && $0.subject == "all" })
        #expect(arabic.items == 1 && arabic.edited == 1 && arabic.accepted == 0)
        let edit = try #require(review.edits.first)
        let machine = ([Self.arabicQuestion] + ["يي سونغ غي", "وانغ غون", "سيجونغ", "جونغ دو جون"]).joined(separator: "\n")
        let edited = (["من الذي أسس مملكة جوسون؟"] + ["يي سونغ غي", "وانغ غون", "سيجونغ", "جونغ دو جون"]).joined(separator: "\n")
        #expect(edit.item == "ck-a0" && edit.origin == "machine" && edit.reviser == reviewer && edit.version == 2)
        #expect(edit.measures == EditRates.measure(machine: machine, edited: edited))
        #expect(edit.measures.characters == 5 && edit.measures.wordEdits == 1)
        // The corrected machine text is post-edited now.
        #expect(try fixture.store.currentVersion(of: "ck-a0")?.item.translation?.origin == .postEdited)
    }

    @Test func aPhoneStacksTheTwoTexts() async throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let batch = try fixture.batch, reviewer = try fixture.firstReviewer
        try await withLivePage(fixture, try fixture.routes(), phoneWidth: 390) { page in
            try await page.signIn(reviewer)
            try await page.go("/batches/\(batch)/items/1")
            let stacked = try await page.browser.script("""
                const o = document.getElementById('original').getBoundingClientRect(), t = document.getElementById('item').getBoundingClientRect();
                return o.bottom <= t.top
                """) as? Bool
            #expect(stacked == true)
            let widths = try await page.widths()
            #expect(widths.count == 2 && widths[0] <= widths[1], "\(widths)")
        }
    }
}
