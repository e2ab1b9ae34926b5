import Foundation
import Testing
import DatasetCore
@testable import Pilot
import Statistics

/// A small target: four knowledge items (two CS, two CA) and two social-value items.
enum PilotFixture {
    static func knowledge(_ index: Int, sensitivity: CulturalSensitivity) -> Item {
        Item(id: "ck-\(index)", task: .commonKnowledge, subject: index < 2 ? "history" : "science", language: "ko",
             question: "question \(index)", choices: ["w", "x", "y", "z"], answer: "A", choicesOrdered: false,
             culturalSensitivity: sensitivity, source: source)
    }

    static func social(_ index: Int, distribution: [Double]) -> Item {
        Item(id: "sv-\(index)", task: .socialValue, subject: "values", language: "ko", question: "opinion \(index)",
             choices: ["SD", "D", "N", "A", "SA"], answer: Item.letter(distribution.indices.max { distribution[$0] < distribution[$1] }!),
             choicesOrdered: true, source: source,
             survey: SurveyResult(distribution: distribution, distributionWithNonresponse: distribution + [0], nonresponseOptions: ["DK"],
                                  distribution3: [distribution[0] + distribution[1], distribution[2], distribution[3] + distribution[4]],
                                  scale3: ["disagree", "neutral", "agree"], levels3: [0, 0, 1, 2, 2], n: 100, nEffective: 90,
                                  marginOfError: 0.1, contested: false, weighting: "none"))
    }

    static let source = ItemSource(kind: "authored", sourceID: "s", document: "d", element: "e", license: nil, revision: "r",
                                   position: nil, author: nil, passage: nil, fields: [])

    static let target = PilotTarget(key: "release 1.0.0", directory: URL(fileURLWithPath: "/nonexistent"), items: [
        PilotItem(item: knowledge(0, sensitivity: .sensitive), config: "common_knowledge", split: "test"),
        PilotItem(item: knowledge(1, sensitivity: .sensitive), config: "common_knowledge", split: "test"),
        PilotItem(item: knowledge(2, sensitivity: .agnostic), config: "common_knowledge", split: "test"),
        PilotItem(item: knowledge(3, sensitivity: .agnostic), config: "common_knowledge", split: "test"),
        PilotItem(item: social(0, distribution: [0.1, 0.2, 0.4, 0.2, 0.1]), config: "social_value", split: "test"),
        PilotItem(item: social(1, distribution: [0.05, 0.05, 0.1, 0.2, 0.6]), config: "social_value", split: "test"),
    ])

    /// model → item → choice index.
    static func answers(_ choices: [String: [String: Int]]) -> [String: [String: PilotResponse]] {
        choices.mapValues { byItem in
            Dictionary(uniqueKeysWithValues: byItem.map { ($0.key, PilotResponse(itemID: $0.key, choice: $0.value, loglikelihoods: nil)) })
        }
    }
}

@Suite struct PilotAnalysisTests {
    @Test func socialValueScoresFollowTheirDefinitions() throws {
        let contested = PilotFixture.social(0, distribution: [0.1, 0.2, 0.4, 0.2, 0.1])
        let neutral = PilotAnalysis.itemScores(contested, PilotResponse(itemID: "sv-0", choice: 2, loglikelihoods: nil))
        #expect(neutral["accuracy"] == 1 && neutral["sva"] == 0.4 && neutral["sva_3"] == 0.4)
        // No choice above half: the neutral choice counts as right.
        #expect(neutral["n_sva"] == 1)
        let agree = PilotAnalysis.itemScores(contested, PilotResponse(itemID: "sv-0", choice: 4, loglikelihoods: [0, 0, 0, 0, 0]))
        #expect(agree["sva"] == 0.1 && abs(agree["sva_3"]! - 0.3) < 1e-12 && agree["n_sva"] == 0.1)
        // A uniform model against the distribution: 1 − JSD(uniform, p), base 2.
        let expected = 1 - Divergence.jensenShannonDistance([0.2, 0.2, 0.2, 0.2, 0.2], [0.1, 0.2, 0.4, 0.2, 0.1])
        #expect(abs(agree["one_minus_jsd"]! - expected) < 1e-12)
        let settled = PilotFixture.social(1, distribution: [0.05, 0.05, 0.1, 0.2, 0.6])
        #expect(PilotAnalysis.itemScores(settled, PilotResponse(itemID: "sv-1", choice: 2, loglikelihoods: nil))["n_sva"] == 0.1)
    }

    @Test func scoresRanksReferencesAndFlags() throws {
        // "strong" is right on CA items, "weak" on CS items; both right on ck-0 in every
        // model: ck-0 is too easy once three models answer.
        let answers = PilotFixture.answers([
            "strong": ["ck-0": 0, "ck-1": 1, "ck-2": 0, "ck-3": 0, "sv-0": 2, "sv-1": 4],
            "weak": ["ck-0": 0, "ck-1": 0, "ck-2": 1, "ck-3": 1, "sv-0": 0, "sv-1": 0],
            "middle": ["ck-0": 0, "ck-1": 1, "ck-2": 0, "ck-3": 1, "sv-0": 2, "sv-1": 3],
        ])
        var settings = PilotSettings()
        settings.referenceScores = [.commonKnowledge: 0.6]
        settings.resamples = 200
        let report = PilotAnalysis.analyze(target: PilotFixture.target, answers: answers, settings: settings, seed: 7)
        func score(_ model: String, _ subset: String, _ metric: String = "accuracy", task: String = "common_knowledge") -> PilotReport.Score? {
            report.scores.first { $0.model == model && $0.subset == subset && $0.metric == metric && $0.task == task }
        }
        #expect(score("strong", "all")?.value == 0.75)
        #expect(score("strong", "cultural_sensitivity=CS")?.value == 0.5)
        #expect(score("weak", "cultural_sensitivity=CS")?.value == 1)
        #expect(score("strong", "all", "sva", task: "social_value")?.value == 0.5)
        let interval = try #require(score("strong", "all"))
        #expect(interval.lower <= interval.value && interval.value <= interval.upper && interval.lower >= 0 && interval.upper <= 1)

        let references = Dictionary(uniqueKeysWithValues: report.references.map { ($0.model, $0.result) })
        #expect(references == ["strong": "pass", "weak": "fail", "middle": "fail"])

        let onCA = try #require(report.rankings.first { $0.task == "common_knowledge" && $0.subset == "cultural_sensitivity=CA" })
        let onCS = try #require(report.rankings.first { $0.task == "common_knowledge" && $0.subset == "cultural_sensitivity=CS" })
        #expect(onCA.order == ["strong", "middle", "weak"])
        // strong and middle tie on CS (0.5): the tie goes by name.
        #expect(onCS.order == ["weak", "middle", "strong"])
        let change = try #require(report.rankChanges.first { $0.task == "common_knowledge" && $0.from == "cultural_sensitivity=CA" })
        // Tau-b with one tied pair: (0 − 2) / √(3 · 2).
        #expect(abs(change.kendallTau! + 2 / 6.0.squareRoot()) < 1e-12)
        #expect(change.moved.map(\.model) == ["strong", "weak"])

        let items = Dictionary(uniqueKeysWithValues: report.items.map { ($0.id, $0) })
        #expect(items["ck-0"]?.flags == ["too_easy", "dead_distractor"])
        #expect(items["ck-0"]?.deadDistractors == ["B", "C", "D"])
        #expect(items["ck-0"]?.discrimination == nil)
        // ck-1 is right only for the model weakest on the other items.
        #expect(items["ck-1"]?.flags.contains("negative_discrimination") == true)
        #expect(report.items.count == 4)
        #expect(!report.irt.fitted && report.irt.note.contains("at least 20"))

        // Same inputs, same report, intervals included.
        #expect(PilotAnalysis.analyze(target: PilotFixture.target, answers: answers, settings: settings, seed: 7) == report)
    }

    @Test func fewModelsFlagNothing() {
        let answers = PilotFixture.answers(["only": ["ck-0": 0, "ck-1": 0, "ck-2": 1, "ck-3": 0]])
        let report = PilotAnalysis.analyze(target: PilotFixture.target, answers: answers, settings: PilotSettings(), seed: 1)
        #expect(report.items.allSatisfy { $0.flags.isEmpty })
        #expect(report.scores.allSatisfy { $0.task == "common_knowledge" })
    }

    @Test func informationSplitKeepsTheOrderOfModels() throws {
        let answers = PilotFixture.answers([
            "a": ["ck-0": 0, "ck-1": 0, "ck-2": 0, "ck-3": 0],
            "b": ["ck-0": 0, "ck-1": 0, "ck-2": 0, "ck-3": 1],
            "c": ["ck-0": 0, "ck-1": 1, "ck-2": 1, "ck-3": 1],
        ])
        var settings = PilotSettings()
        settings.informationItems = 2
        let report = PilotAnalysis.analyze(target: PilotFixture.target, answers: answers, settings: settings, seed: 3)
        let split = try #require(report.informationSplit)
        #expect(split.items.count == 2)
        #expect(split.agreement.first?.kendallTau == 1)
        // ck-0 (everyone right) says nothing about the order.
        #expect(!split.items.contains("ck-0"))
    }
}

@Suite struct PilotAnswerFileTests {
    let target = PilotFixture.target

    func read(_ text: String, partial: Bool = true) throws -> [PilotAnswerFile.Line] {
        try PilotAnswerFile.read(Data(text.utf8), displayName: "answers.jsonl", target: target, partial: partial)
    }

    @Test func readsHarnessSamplesAndPlainAnswers() throws {
        // As lm-eval 0.4 logs a multiple-choice sample: log-likelihoods as strings.
        let sample = #"{"doc_id": 0, "doc": {"id": "ck-2"}, "target": "0", "filtered_resps": [["-1.5", "False"], ["-0.25", "False"], ["-0.25", "False"], ["-3", "False"]]}"#
        let lines = try read(sample + "\n" + #"{"id": "ck-0", "choice": "C"}"# + "\n\n" + #"{"id": "sv-0", "loglikelihoods": [-1, -2, -0.5, -3, -4]}"# + "\n")
        #expect(lines.map(\.line) == [1, 2, 4])
        // The first of the tied highest log-likelihoods.
        #expect(lines[0].response == PilotResponse(itemID: "ck-2", choice: 1, loglikelihoods: [-1.5, -0.25, -0.25, -3]))
        #expect(lines[1].response == PilotResponse(itemID: "ck-0", choice: 2, loglikelihoods: nil))
        #expect(lines[2].response.choice == 2)
    }

    @Test func namesTheLineAndFieldOfEveryProblem() {
        let text = [
            #"{"id": "ck-0", "choice": "A"}"#,
            "{not json",
            #"{"id": "ck-9", "choice": "A"}"#,
            #"{"id": "ck-1", "choice": "E"}"#,
            #"{"id": "ck-2", "loglikelihoods": [1, 2]}"#,
            #"{"id": "ck-3", "answer": "A"}"#,
            #"{"id": "ck-0", "choice": "B"}"#,
            #"{"doc": {"id": "ck-3"}, "filtered_resps": [["x", "False"]]}"#,
        ].joined(separator: "\n")
        do {
            _ = try read(text)
            Issue.record("the file was accepted")
        } catch {
            let messages = (error.inputErrors ?? []).map(\.description)
            #expect(messages.count == 7)
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:2: not JSON") })
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:3: 'id': unknown item id 'ck-9'") })
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:4: 'choice': choice E is not one of") })
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:5: 'loglikelihoods': 2 log-likelihoods, but item 'ck-2' has 4 choices") })
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:6: 'answer': unknown field") })
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:7: 'id': item 'ck-0' is answered again, differently from line 1") })
            #expect(messages.contains { $0.hasPrefix("answers.jsonl:8: 'filtered_resps[0]'") })
        }
    }

    @Test func aFileOfGarbageStopsAfterFiftyProblems() {
        let text = String(repeating: "garbage\n", count: 80)
        do {
            _ = try read(text)
            Issue.record("the file was accepted")
        } catch {
            let messages = (error.inputErrors ?? []).map(\.description)
            #expect(messages.count == 51)
            #expect(messages.last == "answers.jsonl:51: stopped reading after 50 problems")
        }
    }

    @Test func aSplitAnsweredInPartNeedsPartial() throws {
        let text = #"{"id": "ck-0", "choice": "A"}"# + "\n"
        #expect(throws: InputError.self) { try read(text, partial: false) }
        do { _ = try read(text, partial: false) } catch {
            #expect("\(error)".contains("answers 1 of the 4 items of common_knowledge/test"))
        }
        #expect(try read(text, partial: true).count == 1)
        #expect(throws: InputError.self) { try read("\n") }
    }
}
