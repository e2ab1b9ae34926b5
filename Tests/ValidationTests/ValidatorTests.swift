import Testing
import DatasetCore
@testable import Validation

func item(_ question: String, _ choices: [String], answer: String? = "A", language: String = "ko",
          task: ItemTask = .commonKnowledge, flags: [String] = []) -> Item {
    Item(id: "ck-\(Hashing.sha256Hex(question).prefix(8))", task: task, subject: "s", language: language, question: question,
         choices: choices, answer: answer, choicesOrdered: task == .socialValue,
         source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: "e", license: nil, revision: "r"),
         flags: flags)
}

func rules(_ item: Item) -> [String] {
    Validator.check(item, rules: .commonKnowledgeDefault).map(\.rule)
}

@Suite struct ValidatorTests {
    @Test func aGoodItemPasses() {
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조", "정조"], answer: "B")).isEmpty)
    }

    @Test func answerKeyRules() {
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조", "정조"], answer: "E")) == ["answer_key"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조", "정조"], answer: "b")) == ["answer_key"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조", "정조"], answer: nil)) == ["answer_key"])
        let needsKey = item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조", "정조"], answer: nil, flags: ["key_commented_out", "needs_key"])
        let problems = Validator.check(needsKey, rules: .commonKnowledgeDefault)
        #expect(problems.map(\.rule) == ["needs_key"])
        #expect(problems[0].detail.contains("commented out"))
    }

    @Test func choiceCountDistinctnessAndLength() {
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조"])) == ["choice_count"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세종 ", "정조"])) == ["duplicate_choices"])
        #expect(rules(item("왕은?", ["태조", "세종", "세조", "정조"])) == ["question_length"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "", "정조"])) == ["empty_choice"])
        var long = ValidationRules.commonKnowledgeDefault
        long.maxChoiceLength = 3
        #expect(Validator.check(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종대왕님", "세조", "정조"]), rules: long).map(\.rule) == ["choice_length"])
    }

    @Test func catchAllChoicesUnlessAllowed() {
        let english = item("Which of these is a statistic?", ["the mean of a sample", "a population", "a parameter", "All of the above"], language: "en")
        #expect(rules(english) == ["all_of_the_above"])
        var allow = ValidationRules.commonKnowledgeDefault
        allow.allowAllOfTheAbove = true
        #expect(Validator.check(english, rules: allow).isEmpty)
        #expect(rules(item("다음 중 조선의 왕이 아닌 사람은?", ["태조", "세종", "왕건", "모두 정답"], answer: "C")) == ["all_of_the_above"])
    }

    @Test func answerTextInTheStem() {
        let leaked = item("The variable X is an example of a variable or a parameter?", ["variable", "sample", "statistic", "datum"], language: "en")
        // 'parameter' is not a choice, and 'variable' is the only choice in the stem.
        #expect(rules(leaked) == ["answer_in_stem"])
        let fair = item("Is X a variable or a statistic here?", ["variable", "sample", "statistic", "datum"], language: "en")
        #expect(rules(fair).isEmpty)
    }

    @Test func scriptMustMatchTheLanguage() {
        #expect(rules(item("Who created the Korean alphabet?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "ko")) == ["script"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종", "세조", "정조"], language: "en")) == ["script"])
        #expect(rules(item("Who created 한글?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "en")).isEmpty)
    }

    @Test func validateKeepsReasonsAndFlagsLongAnswers() {
        let longAnswer = item("Which describes a sample best?", ["a", "b", "a group of students randomly selected from the college", "d"],
                              answer: "C", language: "en")
        let bad = item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종"], answer: "C")
        let result = Validator.validate([longAnswer, bad], rules: [.commonKnowledge: .commonKnowledgeDefault])
        #expect(result.valid.map(\.id) == [longAnswer.id])
        #expect(result.valid[0].flags == ["answer_longest"])
        #expect(result.rejected.count == 1)
        #expect(result.rejected[0].reason == "answer_key")
        #expect(result.rejected[0].detail == "answer_key: answer C is not among the 2 choices; choice_count: 2 choices, expected 4")
    }

    @Test func socialValueItemsAreNotCheckedForKeysLeaksOrCatchAlls() {
        var survey = item("나이 든 부모를 부양하는 것은 자녀의 의무이다.", ["반대", "중립", "찬성", "모두 정답"], answer: "C", task: .socialValue)
        survey.survey = SurveyResult(distribution: [0.2, 0.3, 0.5, 0], distributionWithNonresponse: [0.2, 0.3, 0.5, 0],
                                     nonresponseOptions: [], distribution3: nil, scale3: nil, n: 100, nEffective: 90,
                                     marginOfError: 0.1, contested: false, weighting: "unweighted")
        #expect(Validator.check(survey, rules: .socialValueDefault).isEmpty)
        survey.survey?.distribution = [0.2, 0.3]
        #expect(Validator.check(survey, rules: .socialValueDefault).map(\.rule) == ["distribution"])
    }
}
