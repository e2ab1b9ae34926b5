import Testing
import DatasetCore
@testable import Release

@Suite struct BuildReportTests {
    func item(_ id: String, votes: [(String, String, String)]) -> Item {
        var item = Item(id: id, task: .commonKnowledge, subject: "s", language: "ko", question: "질문?", choices: ["가", "나"],
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
        let html = BuildReport.agreementTable(items)
        // CS/CA agree on every item (regional and cultural are both CS). The decisions split on one:
        // coincidences o(a,a) = o(r,r) = 2, o(a,r) = o(r,a) = 1, n = 6, nₐ = nᵣ = 3, so
        // Dₒ = 2/6, Dₑ = 2·3·3/(6·5) = 0.6 and α = 1 − (1/3)/0.6 = 0.444.
        #expect(html.contains("<tr><td>labels</td><td>0.444 (3 items)</td><td>1.000 (3 items)</td></tr>"))
        #expect(BuildReport.agreementTable([item("ck-1", votes: [])]) == "<p>No review votes are recorded for these items.</p>\n")
    }
}
