import Foundation
import Testing
import DatasetCore
@testable import Release

@Suite struct QualityDossierTests {
    func item(_ id: String, question: String = "", choices: [String] = ["하나", "둘", "셋", "넷"], answer: String? = "A",
              subject: String = "history", task: ItemTask = .commonKnowledge) -> Item {
        Item(id: id, task: task, subject: subject, language: "ko", question: question.isEmpty ? "질문 \(id)은 무엇인가?" : question,
             choices: choices, answer: answer, choicesOrdered: false,
             source: ItemSource(kind: "authored", sourceID: "bank", document: "raw/bank.csv", element: id, license: "CC-BY-4.0", revision: "r"))
    }

    func check(_ dossier: QualityDossier, _ kind: QualityDossier.Check.Kind) -> QualityDossier.Check {
        dossier.checks.first { $0.name == kind }!
    }

    @Test func personalDataPatternsFindPhonesRegistrationNumbersAndAddressesButNotYearsOrCounts() {
        #expect(PersonalDataPatterns.kinds(in: "연락처는 010-1234-5678입니다") == ["phone"])
        #expect(PersonalDataPatterns.kinds(in: "서울 02-123-4567로 전화") == ["phone"])
        #expect(PersonalDataPatterns.kinds(in: "call +1 212 555 0199 now") == ["phone"])
        #expect(PersonalDataPatterns.kinds(in: "주민등록번호 900101-1234567") == ["resident_registration_number"])
        #expect(PersonalDataPatterns.kinds(in: "write to kim.minji@example.co.kr") == ["email"])
        for clean in ["한국 전쟁은 1950-1953년에 있었다", "인구는 51,780,579명이다", "ISBN 978-89-01-12345-6", "3.14159265 and 2.71828",
                      "@ 표시는 골뱅이라고 부른다", "기원전 2333년"] {
            #expect(PersonalDataPatterns.kinds(in: clean).isEmpty, "\(clean)")
        }
        // An item's choices are read as their lines joined: digits spread over them count together.
        for choices in [["010-1234-5678", "가"], ["010-1234", "5678"], ["0101", "234", "5678"], ["a@b", "c.kr"], ["x", "a@b.kr"],
                        ["900101-1234567"], [], ["1", "2", "3"]] {
            #expect(PersonalDataPatterns.kinds(inLines: choices) == PersonalDataPatterns.kinds(in: choices.joined(separator: "\n")), "\(choices)")
        }
        #expect(PersonalDataPatterns.kinds(inLines: ["연락", "010-1234-5678"]) == ["phone"])
        let flagged = QualityDossier.measure([item("ck-1", question: "담당자 이메일 hong@example.org 로 문의하시오"), item("ck-2")],
                                             inputs: QualityInputs(name: "t"))
        #expect(flagged.personalData == [.init(item: "ck-1", kind: "email", field: "question")])
        #expect(check(flagged, .identifiability).value == 0.5 && check(flagged, .identifiability).status == "fail")
    }

    @Test func aThresholdFromThePipelineDecidesAndABlockingFailureIsListed() {
        let items = [item("ck-1"), item("ck-2")]
        var inputs = QualityInputs(name: "t")
        var dossier = QualityDossier.measure(items, inputs: inputs)
        #expect(check(dossier, .labelCompleteness).value == 0 && check(dossier, .labelCompleteness).status == "fail")
        #expect(dossier.blocking.isEmpty, "nothing blocks unless the pipeline says so")
        inputs.settings.checks[.labelCompleteness] = .init(threshold: 0, block: true)
        dossier = QualityDossier.measure(items, inputs: inputs)
        #expect(check(dossier, .labelCompleteness).status == "pass" && dossier.blocking.isEmpty)
        inputs.settings.checks[.labelCompleteness] = .init(threshold: 0.5, block: true)
        dossier = QualityDossier.measure(items, inputs: inputs)
        #expect(dossier.blocking.map(\.name) == [.labelCompleteness])
        #expect(check(dossier, .agreement).status == "not_applicable" && check(dossier, .agreement).value == nil)
        #expect(check(dossier, .agreement).detail == "no item has two or more votes in a round")
        var unanimous = items
        for index in unanimous.indices {
            unanimous[index].review = ReviewSummary(status: "approved", rounds: ["final"], votes: ["kim", "lee"].map {
                ReviewVote(round: "final", reviewer: $0, decision: "approve", adjudication: false, labels: [])
            })
        }
        let same = check(QualityDossier.measure(unanimous, inputs: inputs), .agreement)
        #expect(same.status == "not_applicable" && same.detail.contains("alpha is undefined"))
    }

    @Test func answerBalanceTestsEachSubjectOnItsUsualNumberOfChoices() throws {
        let answers = ["A", "B", "B", "C", "C", "D"]
        var items = answers.enumerated().map { item("ck-\($0.offset)", answer: $0.element) }
        items.append(item("ck-3way", choices: ["가", "나", "다"], answer: "C"))
        let balance = try #require(QualityDossier.answerBalance(items).first)
        #expect(balance.counts == [1, 2, 2, 1])
        #expect(abs(balance.chiSquare - 2.0 / 3) < 1e-12)
        // scipy.stats.chi2.sf(2/3, 3)
        #expect(abs(balance.pValue - 0.8810148425137847) < 1e-12)
        // A translation repeats its item's letter and adds nothing to the count, nor to a subject's diversity.
        var translated = item("ck-en", question: "Which is it?", choices: ["one", "two", "three", "four"], answer: "B")
        translated.language = "en"
        translated.translation = ItemTranslation(group: "ck-1", sourceLanguage: "ko", origin: .human)
        #expect(QualityDossier.answerBalance(items + [translated]).first?.counts == [1, 2, 2, 1])
        let inputs = QualityInputs(name: "t")
        #expect(QualityDossier.diversity(items + [translated], inputs: inputs) == QualityDossier.diversity(items, inputs: inputs))
    }

    @Test func diversityCountsTemplatesAndSamplesLargeSubjectsTheSameWayEachTime() throws {
        let template = (0..<6).map { item("ck-t\($0)", question: "다음 중 조선의 \($0 + 1)대 왕은 누구인가?") }
        let distinct = ["고려를 세운 사람은?", "훈민정음을 반포한 해는?", "임진왜란이 일어난 해는?"].enumerated().map {
            item("ck-d\($0.offset)", question: $0.element, choices: ["\($0.offset)가", "\($0.offset)나", "\($0.offset)다", "\($0.offset)라"], subject: "other")
        }
        let dossier = QualityDossier.measure(template + distinct, inputs: QualityInputs(name: "t"))
        let history = try #require(dossier.diversity.first { $0.stratum == "common_knowledge/history" })
        let other = try #require(dossier.diversity.first { $0.stratum == "common_knowledge/other" })
        #expect(history.templated == 6 && other.templated == 0)
        #expect(history.vendiPerItem < other.vendiPerItem && other.vendiPerItem > 0.9)
        #expect(check(dossier, .diversity).value == history.vendiPerItem)

        var inputs = QualityInputs(name: "t")
        inputs.settings.diversitySample = 4
        inputs.seed = 7
        let first = QualityDossier.diversity(template, inputs: inputs), second = QualityDossier.diversity(template.reversed(), inputs: inputs)
        #expect(first == second && first[0].measured == 4 && first[0].items == 6)
    }

    @Test func completenessAndReviewFiguresCountTheReleasedRecords() {
        var approved = item("ck-1")
        approved.review = ReviewSummary(status: "approved", rounds: ["final"])
        let keyless = item("ck-2", answer: nil)
        let dossier = QualityDossier.measure([approved, keyless], inputs: QualityInputs(name: "t"))
        #expect(check(dossier, .completeness).value == 0.5)
        #expect(check(dossier, .completeness).detail == "1 of 2 items lack a field their task needs (answer 1)")
        #expect(check(dossier, .reviewAccuracy).value == 0.5 && check(dossier, .reviewAccuracy).detail == "approved 1, unreviewed 1")
        #expect(dossier.authorship == [.init(stratum: "common_knowledge/history", authors: ["source:bank": 2], generated: 0, revised: 0)])
    }

    /// Authorship is counted per task and subject: items by author, items without one by their
    /// source (`source:<id>`), generated, revised and translated items.
    @Test func authorshipCountsEachStratumsAuthorsSourcesAndOrigins() {
        func authored(_ id: String, subject: String = "history", task: ItemTask = .commonKnowledge, author: String?) -> Item {
            var made = item(id, subject: subject, task: task)
            made.source.author = author
            return made
        }
        var generated = authored("ck-3", author: "kim")
        generated.flags = ["generated"]
        var revised = authored("ck-4", subject: "geography", author: nil)
        revised.review = ReviewSummary(status: "approved", rounds: ["final"], version: 2)
        // An author named like a source counts with that source's items.
        var translated = authored("ck-5", subject: "geography", author: "source:bank")
        translated.translation = ItemTranslation(group: "ck-4", sourceLanguage: "ko", origin: .machine)
        var edited = authored("ck-6", subject: "geography", author: "lee")
        edited.translation = ItemTranslation(group: "ck-4", sourceLanguage: "ko", origin: .postEdited)
        let items = [authored("sv-1", subject: "values", task: .socialValue, author: nil), edited, translated, revised, generated,
                     authored("ck-2", author: nil), authored("ck-1", author: "kim")]
        #expect(QualityDossier.authorship(items) == [
            .init(stratum: "common_knowledge/geography", authors: ["lee": 1, "source:bank": 2], generated: 0, revised: 1,
                  translated: ["machine": 1, "post_edited": 1]),
            .init(stratum: "common_knowledge/history", authors: ["kim": 2, "source:bank": 1], generated: 1, revised: 0),
            .init(stratum: "social_value/values", authors: ["source:bank": 1], generated: 0, revised: 0),
        ])
    }

    @Test func representativenessIsTheLargestGapToThePopulationAfterWeighting() {
        var survey = item("sv-1", task: .socialValue)
        survey.survey = SurveyResult(distribution: [0.5, 0.5, 0, 0], distributionWithNonresponse: [0.5, 0.5, 0, 0], nonresponseOptions: [],
                                     distribution3: nil, scale3: nil, n: 100, nEffective: 80, marginOfError: 0.1, contested: false, weighting: "raking(gender)")
        var inputs = QualityInputs(name: "t")
        #expect(check(QualityDossier.measure([survey], inputs: inputs), .representativeness).status == "not_applicable")
        inputs.surveyWeighting = [
            SurveyWeighting(item: "sv-1", unweighted: [0.6, 0.4, 0, 0], margins: [
                .init(dimension: "gender", level: "f", population: 0.51, unweighted: 0.4, weighted: 0.5),
                .init(dimension: "gender", level: "m", population: 0.49, unweighted: 0.6, weighted: 0.5)]),
            SurveyWeighting(item: "sv-not-released", unweighted: [1], margins: [.init(dimension: "age", level: "20", population: 1, unweighted: 0, weighted: 0)]),
        ]
        let dossier = QualityDossier.measure([survey], inputs: inputs)
        let representativeness = check(dossier, .representativeness)
        #expect(abs(representativeness.value! - 0.01) < 1e-12 && representativeness.status == "pass", "0.01 is within the default 0.01")
        #expect(representativeness.detail.contains("before 0.110"))
        #expect(dossier.surveyWeighting.map(\.item) == ["sv-1"], "only released items")
        let html = BuildReport.html(name: "t", version: nil, items: [(survey, "test")], quality: dossier)
        #expect(html.contains("<title>before weighting 60%</title>"))
    }

    @Test func aFailingBlockingCheckStopsPublishingAndWritesNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("quality-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let candidate = root.appendingPathComponent("candidate")
        try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: true)
        var inputs = QualityInputs(name: "bench")
        inputs.settings.checks[.labelCompleteness] = .init(block: true)
        var blocked = metadata
        blocked.quality = QualityDossier.measure([item("ck-1")], inputs: inputs)
        try ReleaseWriter.writeCandidate(splits: ["test": [item("ck-1")]], metadata: blocked, to: candidate)
        #expect(try ReleaseWriter.verify(candidate).isEmpty)
        let releases = root.appendingPathComponent("releases")
        #expect {
            try ReleaseWriter.publish(candidate: candidate, releasesRoot: releases, version: "1.0.0")
        } throws: { error in
            "\(error)".contains("label_completeness 0.000, needs ≥ 1.000 (1 of 1 items are not labelled CS or CA)")
        }
        #expect(!FileManager.default.fileExists(atPath: releases.appendingPathComponent("bench/1.0.0").path))
    }
}
