import Testing
import DatasetCore
@testable import Release

/// Translations in a release: configs per language, choice order and labels from the item translated, the language gate.
@Suite struct ParallelReleaseTests {
    static func item(_ id: String, language: String, choices: [String], answer: String, translating group: String? = nil,
                     origin: ItemTranslation.Origin = .machine) -> Item {
        Item(id: id, task: .commonKnowledge, subject: "history", language: language, question: "q \(id)", choices: choices, answer: answer,
             choicesOrdered: false, source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"),
             translation: group.map { ItemTranslation(group: $0, sourceLanguage: "ko", origin: origin) })
    }

    @Test func aTranslationTakesTheChoiceOrderBalancingGaveItsItem() {
        let before = Self.item("ck-0", language: "ko", choices: ["가", "나", "다", "라"], answer: "A")
        var after = before
        after.choices = ["다", "가", "라", "나"]
        after.answer = "B"
        let translation = Self.item("ck-1", language: "en", choices: ["ga", "na", "da", "ra"], answer: "A", translating: "ck-0")
        let aligned = ParallelRelease.alignChoices([translation], before: ["ck-0": before], after: ["ck-0": after])
        #expect(aligned[0].choices == ["da", "ga", "ra", "na"] && aligned[0].answer == "B")
    }

    @Test func labelsAreCarriedUnlessARoundLabelledTheTranslation() {
        var original = Self.item("ck-0", language: "ko", choices: ["a", "b"], answer: "A")
        original.culturalSensitivity = .sensitive
        original.requiredKnowledge = ["cultural"]
        original.country = "KR"
        let carried = ParallelRelease.carryLabels(Self.item("ck-1", language: "en", choices: ["a", "b"], answer: "A", translating: "ck-0"), from: original)
        #expect(carried.culturalSensitivity == .sensitive && carried.country == "KR" && carried.translation?.labelsFrom == "source")
        var own = Self.item("ck-2", language: "en", choices: ["a", "b"], answer: "A", translating: "ck-0")
        own.culturalSensitivity = .agnostic
        own.review.votes = [ReviewVote(round: "labels-en", reviewer: "kim", decision: "approve", adjudication: false,
                                       labels: [ReviewLabel(name: "required_knowledge", value: "none")])]
        let kept = ParallelRelease.carryLabels(own, from: original)
        #expect(kept.culturalSensitivity == .agnostic && kept.translation?.labelsFrom == "own")
    }

    @Test func aLanguageIsReleasedOnlyWithEnoughMadeOrCheckedByPeople() {
        var approved = Self.item("ck-3", language: "de", choices: ["a", "b"], answer: "A", translating: "ck-0")
        approved.review.status = "approved"
        let translations = [
            Self.item("ck-1", language: "en", choices: ["a", "b"], answer: "A", translating: "ck-0", origin: .human),
            Self.item("ck-2", language: "en", choices: ["a", "b"], answer: "A", translating: "ck-9", origin: .postEdited),
            approved,
            Self.item("ck-4", language: "de", choices: ["a", "b"], answer: "A", translating: "ck-9"),
            Self.item("ck-5", language: "fr", choices: ["a", "b"], answer: "A", translating: "ck-0"),
        ]
        let gate = ParallelRelease.gate(translations, minimum: 1)
        #expect(gate.kept.map(\.id) == ["ck-3", "ck-4", "ck-1", "ck-2"])
        #expect(gate.counts.map(\.language) == ["de", "en", "fr"])
        #expect(gate.counts.map(\.humanVerified) == [1, 2, 0] && gate.counts.map(\.included) == [true, true, false])
        #expect(gate.counts[0].machine == 2 && gate.counts[1].human == 1 && gate.counts[1].postEdited == 1)
    }

    @Test func aTaskWithTranslationsHasAConfigPerLanguage() {
        let items = [Self.item("ck-0", language: "ko", choices: ["a", "b"], answer: "A"),
                     Self.item("ck-1", language: "en", choices: ["a", "b"], answer: "A", translating: "ck-0")]
        let files = ReleaseWriter.layout(["test": items])
        #expect(files.map { ReleaseWriter.dataPath(config: $0.config, split: $0.split) } == ["common_knowledge_en/test.jsonl", "common_knowledge_ko/test.jsonl"])
        #expect(ParallelRelease.task(ofConfig: "common_knowledge_en") == .commonKnowledge && ParallelRelease.task(ofConfig: "social_value") == .socialValue)
        #expect(ReleaseWriter.layout(["test": [items[0]]]).map(\.config) == ["common_knowledge"])
    }
}
