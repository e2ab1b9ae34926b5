import Foundation
import Testing
import DatasetCore
@testable import Release

@Suite struct BuildReportTests {
    func item(_ id: String, votes: [(String, String, String)]) -> Item {
        var item = Item(id: id, task: .commonKnowledge, subject: "s", language: "ko", question: "질문 \(id)?", choices: ["가", "나"],
                        answer: "A", choicesOrdered: false,
                        source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"))
        item.review = ReviewSummary(status: "approved", rounds: ["labels"], votes: votes.map { reviewer, decision, knowledge in
            ReviewVote(round: "labels", reviewer: reviewer, decision: decision, adjudication: false,
                       labels: [ReviewLabel(name: "required_knowledge", value: knowledge)])
        })
        return item
    }

    @Test func theReportShowsAgreementPerRoundFromTheReleasedVotes() {
        let items = [
            item("ck-1", votes: [("kim", "approve", "cultural"), ("lee", "approve", "regional")]),
            item("ck-2", votes: [("kim", "approve", "none"), ("lee", "reject", "none")]),
            item("ck-3", votes: [("kim", "reject", "dialect"), ("lee", "reject", "cultural")]),
        ]
        let quality = QualityDossier.measure(items, inputs: QualityInputs(name: "t"))
        let html = BuildReport.html(name: "t", version: "1.2.0", items: items.map { ($0, "test") }, quality: quality)
        // CS/CA agree on every item (regional and cultural are both CS). The decisions split on one:
        // coincidences o(a,a) = o(r,r) = 2, o(a,r) = o(r,a) = 1, n = 6, nₐ = nᵣ = 3, so
        // Dₒ = 2/6, Dₑ = 2·3·3/(6·5) = 0.6 and α = 1 − (1/3)/0.6 = 0.444.
        #expect(html.contains("<tr><td>labels</td><td>decision</td><td class=\"number\">3</td><td>0.444 ["))
        #expect(html.contains("<tr><td>labels</td><td>cultural_sensitivity</td><td class=\"number\">3</td><td>1.000"))
        #expect(html.contains("<title>t 1.2.0 build report</title>"))
        let none = QualityDossier.measure([item("ck-1", votes: [])], inputs: QualityInputs(name: "t"))
        #expect(BuildReport.agreementSection(none.agreement).contains("No released item has two or more votes in a round."))
    }

    /// Without a dossier the report measures agreement itself, on the items in id order as the
    /// dossier does: the same section whatever order the items come in.
    @Test func aReportWithoutADossierMeasuresAgreementAsTheDossierDoes() {
        let decisions = ["approve", "reject"], knowledge = ["none", "cultural", "regional"]
        let items = (0..<40).map { index in
            item("ck-\(index)", votes: [("kim", decisions[index % 2], knowledge[index % 3]),
                                       ("lee", decisions[(index / 3) % 2], knowledge[(index / 2) % 3])])
        }
        let dossier = QualityDossier.measure(items, inputs: QualityInputs(name: "t"))
        let section = BuildReport.agreementSection(dossier.agreement)
        #expect(section.contains("<td>decision</td>"))
        for order in [items, items.reversed(), items.sorted { $0.question < $1.question }] {
            #expect(BuildReport.html(name: "t", version: nil, items: order.map { ($0, "test") }).contains(section))
        }
    }

    /// Counted on every core in parts, the review section of many items is what counting them
    /// one by one makes.
    @Test func theReviewCountsOfManyItemsAreThoseOfCountingThemInTurn() {
        let decisions = ["approve", "reject", "revise"], statuses = ["approved", "in_review", "unreviewed", "rejected"]
        let items = (0..<12_000).map { index in
            var made = item("ck-\(index)", votes: index % 5 == 0 ? [] : [("kim", decisions[index % 3], "none"), ("lee", decisions[index % 2], "cultural")])
            made.review.status = statuses[index % 4]
            made.review.rounds = index % 7 == 0 ? ["labels", "final"] : ["labels"]
            if index % 11 == 0 {
                made.review.votes.append(ReviewVote(round: "final", reviewer: "park", decision: "approve", adjudication: index % 22 == 0, labels: []))
            }
            return made
        }
        var inTurn = BuildReport.ReviewTally()
        for item in items { inTurn.add(item) }
        #expect(inTurn.votes["final"]?["adjudicated"] == 546 && inTurn.settled["final"] == 1_715)
        let html = BuildReport.html(name: "t", version: nil, items: items.map { ($0, "test") })
        #expect(html.contains(BuildReport.reviewSection(inTurn, pilotReview: [])))
    }

    /// The composition charts count each subject's items per split and per CS/CA label, the
    /// bars of a subject in the legend's order.
    @Test func theCompositionChartsCountItemsPerSubjectSplitAndLabel() {
        func placed(_ id: String, _ subject: String, _ label: CulturalSensitivity, _ split: String) -> (item: Item, split: String) {
            var item = item(id, votes: [])
            item.subject = subject
            item.culturalSensitivity = label
            return (item, split)
        }
        let html = BuildReport.html(name: "t", version: nil, items: [
            placed("ck-1", "history", .sensitive, "dev"), placed("ck-2", "math", .agnostic, "test"),
            placed("ck-3", "history", .agnostic, "test"), placed("ck-4", "history", .sensitive, "dev"),
        ])
        func chart(after heading: String) -> (rows: [String], bars: [String]) {
            guard let start = html.range(of: heading) else { return ([], []) }
            let section = html[start.upperBound...].components(separatedBy: "</svg>")[0]
            func all(_ open: String, _ close: String) -> [String] {
                section.components(separatedBy: open).dropFirst().map { $0.components(separatedBy: close)[0] }
            }
            return (all("<text x=\"0\" y=\"", "</text>").map { $0.components(separatedBy: "\">").last! }, all("<title>", "</title>"))
        }
        let perSplit = chart(after: "Items per subject and split</h2>")
        #expect(perSplit.rows == ["common_knowledge/history", "common_knowledge/math"])
        #expect(perSplit.bars == ["dev: 2", "test: 1", "test: 1"])
        let perLabel = chart(after: "Cultural sensitivity per subject</h2>")
        #expect(perLabel.rows == perSplit.rows)
        #expect(perLabel.bars == ["CS: 2", "CA: 1", "CA: 1"])
    }

    /// The review section counts each item's status once and each vote under its round and
    /// decision (an adjudication apart); the translations section counts translations per
    /// language and origin, and its link is in the navigation only when there are some.
    @Test func theReviewAndTranslationSectionsCountEveryReleasedItem() {
        var rejected = item("ck-3", votes: [("kim", "reject", "none")])
        rejected.review.status = "rejected"
        rejected.review.votes.append(ReviewVote(round: "labels", reviewer: "lead", decision: "approve", adjudication: true, labels: []))
        var translated = item("ck-1-en", votes: [])
        translated.language = "en"
        translated.translation = ItemTranslation(group: "ck-1", sourceLanguage: "ko", origin: .postEdited)
        let items = [item("ck-1", votes: [("kim", "approve", "none"), ("lee", "approve", "none")]),
                     item("ck-2", votes: [("kim", "approve", "none"), ("lee", "reject", "none")]), rejected, translated]
        let html = BuildReport.html(name: "t", version: nil, items: items.map { ($0, "test") })
        #expect(html.contains("Released items by review status: approved 3, rejected 1."))
        // Settled: the four items' rounds; votes: approve 3, reject 2, one adjudication.
        #expect(html.contains("<tr><td>labels</td><td class=\"number\">4</td><td class=\"number\">3</td><td class=\"number\">2</td>"
            + "<td class=\"number\">0</td><td class=\"number\">1</td></tr>"))
        #expect(html.contains("<a href=\"#translations\">Translations</a>"))
        #expect(html.contains("<tr><td>en</td><td class=\"number\">0</td><td class=\"number\">1</td><td class=\"number\">0</td>"))
        let untranslated = BuildReport.html(name: "t", version: nil, items: items.dropLast().map { ($0, "test") })
        #expect(!untranslated.contains("#translations") && !untranslated.contains("<h2 id=\"translations\">"))
    }

    @Test func everySurveyOptionHasItsMarginAndItsLabelClearsTheWhisker() throws {
        let survey = SurveyResult(distribution: [0.7, 0.3], distributionWithNonresponse: [0.7, 0.3], nonresponseOptions: [],
                                  distribution3: nil, scale3: nil, n: 100, nEffective: 100, marginOfError: 0.0898, contested: false, weighting: "unweighted")
        let item = Item(id: "sv-1", task: .socialValue, subject: "s", language: "ko", question: "?", choices: ["yes", "no"], answer: "A",
                        choicesOrdered: false, source: ItemSource(kind: "survey", sourceID: "s", document: "d", element: "q", license: nil, revision: "r"),
                        survey: survey)
        let svg = BuildReport.distribution(item)
        // ±1.96·√(0.7·0.3/100) = 9.0 points and ±9.0 for 0.3 as well.
        #expect(svg.contains(">70% ±9<") && svg.contains(">30% ±9<"))
        let whiskerEnd = try #require(svg.firstMatch(of: /x2="([0-9.]+)" y1="12.0"/)).1
        let label = try #require(svg.firstMatch(of: /<text x="([0-9.]+)" y="18.0">70%/)).1
        #expect(Double(label)! > Double(whiskerEnd)!)
        #expect(svg.contains("viewBox=\"0 0 "), "scales to a phone's width")
    }
}
