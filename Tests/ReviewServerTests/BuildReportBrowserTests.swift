import DatasetCore
import Foundation
import Release
import Testing

/// The build report in a real browser at a phone's width: nothing wider than the screen.
@Suite(.enabled(if: browserTestsEnabled, "needs chromium and chromium-driver"), .serialized)
struct BuildReportBrowserTests {
    func items() -> [(item: Item, split: String)] {
        var result: [(item: Item, split: String)] = []
        for index in 0..<12 {
            var item = Item(id: "ck-\(index)", task: .commonKnowledge, subject: "korean_history_and_traditional_culture_\(index % 3)", language: "ko",
                            question: "조선 시대에 편찬된 역사서 가운데 왕의 재위 기간 동안의 일을 날짜 순서대로 기록한 책의 이름은 무엇인가? (\(index))",
                            choices: ["조선왕조실록", "삼국사기", "고려사절요", "동국통감"], answer: Item.letter(index % 4), choicesOrdered: false,
                            source: ItemSource(kind: "authored", sourceID: "bank", document: "raw/bank.csv", element: "\(index)", license: "CC-BY-4.0", revision: "r"))
            item.review = ReviewSummary(status: "approved", rounds: ["cultural-labels"], votes: ["kim", "lee", "park"].map { reviewer in
                ReviewVote(round: "cultural-labels", reviewer: reviewer, decision: "approve", adjudication: false,
                           labels: [ReviewLabel(name: "required_knowledge", value: (index + reviewer.count) % 3 == 0 ? "none" : "cultural")])
            })
            result.append((item, index % 4 == 0 ? "dev" : "test"))
        }
        let survey = SurveyResult(distribution: [0.05, 0.2, 0.3, 0.35, 0.1], distributionWithNonresponse: [0.05, 0.2, 0.3, 0.35, 0.1],
                                  nonresponseOptions: [], distribution3: nil, scale3: nil, n: 1000, nEffective: 812.5, marginOfError: 0.033,
                                  contested: true, weighting: "raking(region,age,gender)")
        result.append((Item(id: "sv-1", task: .socialValue, subject: "social_values", language: "ko",
                            question: "우리 사회에서 성공하려면 부모의 경제력이 무엇보다 중요하다는 의견에 얼마나 동의하십니까?",
                            choices: ["전혀 동의하지 않는다", "동의하지 않는 편이다", "보통이다", "동의하는 편이다", "매우 동의한다"], answer: "D",
                            choicesOrdered: true, source: ItemSource(kind: "survey", sourceID: "survey", document: "raw/q.yaml", element: "q1",
                                                                     license: "CC-BY-4.0", revision: "r"), survey: survey), "test"))
        return result
    }

    @Test func theReportFitsAPhone() async throws {
        let released = items()
        var inputs = QualityInputs(name: "kornat-example")
        inputs.funnel = [.init(stage: "ingest", itemsIn: 61, itemsOut: 39, setAside: ["not_multiple_choice": 19, "solution_not_a_letter": 2]),
                         .init(stage: "release", itemsIn: 39, itemsOut: 13, setAside: ["reserve_unused": 26])]
        inputs.quotas = [.init(stratum: "common_knowledge/korean_history_and_traditional_culture_0/CS", target: 10, available: 4, selected: 4, shortfall: 6)]
        let html = BuildReport.html(name: "kornat-example", version: "1.0.0", items: released,
                                    quality: QualityDossier.measure(released.map(\.item), inputs: inputs))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)
        let browser = try await WebDriver.start(phoneWidth: 390)
        do {
            try await browser.go(page.absoluteString)
            let widths = try await browser.script("return [document.documentElement.scrollWidth, window.innerWidth]") as? [Int] ?? []
            #expect(widths.count == 2 && widths[0] <= widths[1], "the page is \(widths) wide")
            // A wider page would make the phone zoom out (a long identifier in a paragraph once did).
            #expect(widths.last == 390, "laid out at a phone's width: \(widths)")
            let charts = try await browser.script("return Array.from(document.querySelectorAll('svg')).map(s => Math.ceil(s.getBoundingClientRect().width))") as? [Int] ?? []
            #expect(!charts.isEmpty && charts.allSatisfy { $0 <= 390 }, "charts \(charts)")
            #expect(try await browser.script("return document.title") as? String == "kornat-example 1.0.0 build report")
            #expect(try await browser.text("#quality").contains("Quality checks"))
            try await browser.screenshot(named: "build-report-phone")
        } catch {
            await browser.quit()
            throw error
        }
        await browser.quit()
    }
}
