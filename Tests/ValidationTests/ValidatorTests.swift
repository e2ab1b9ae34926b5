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
        // Counted in characters, not bytes: three syllables (nine bytes) and a letter with its
        // accent as two scalars (one character) are within three.
        #expect(Validator.check(item("훈민정음을 창제한 왕은 누구인가?", ["태조", "세종왕", "세조", "정e\u{301}"]), rules: long).isEmpty)
    }

    @Test func catchAllChoicesUnlessAllowed() {
        let english = item("Which of these is a statistic?", ["the mean of a sample", "a population", "a parameter", "All of the above"], language: "en")
        #expect(rules(english) == ["all_of_the_above"])
        var allow = ValidationRules.commonKnowledgeDefault
        allow.allowAllOfTheAbove = true
        #expect(Validator.check(english, rules: allow).isEmpty)
        #expect(rules(item("다음 중 조선의 왕이 아닌 사람은?", ["태조", "세종", "왕건", "모두 정답"], answer: "C")) == ["all_of_the_above"])
    }

    /// Counting only as far as needed gives what counting every character gives, at the bounds
    /// and past them, for texts whose characters are one byte, several bytes or several scalars.
    @Test func aQuestionsLengthIsCountedAsCharactersOnlyAsFarAsNeeded() {
        let texts = ["", "a", "왕은?", "왕은 누구?", "e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}", "ab\r\ncd", "👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦",
                     "훈민정음을 창제한 왕은 누구인가?", String(repeating: "가", count: 12)]
        for text in texts {
            for minimum in 0...7 {
                for maximum in [0, 4, 5, 6, 12, 20, 2000] {
                    let counted = text.count >= minimum && text.count <= maximum
                    #expect(Validator.hasLength(text, from: minimum, to: maximum) == counted, "\(text.debugDescription) \(minimum)–\(maximum)")
                }
            }
        }
        // Five characters in thirteen bytes: within 5–5, where bytes alone would say too long.
        var exact = ValidationRules.commonKnowledgeDefault
        (exact.minQuestionLength, exact.maxQuestionLength) = (5, 5)
        #expect(Validator.check(item("왕은 누구", ["태조", "세종", "세조", "정조"]), rules: exact).isEmpty)
        #expect(Validator.check(item("왕은 누구?", ["태조", "세종", "세조", "정조"]), rules: exact).map(\.detail) == ["question has 6 characters, expected 5–5"])
    }

    /// Choices repeat when two keys are equal as Swift's strings (and a set) see them, however
    /// many choices there are and wherever the two lie.
    @Test func repeatedKeysAreFoundPairByPairAsASetFindsThem() {
        let many = (0..<20).map { "choice \($0)" }
        for keys in [[], ["a"], ["a", "b", "c", "d"], ["a", "b", "c", "a"], ["x", "e\u{301}", "é"], many, many + ["choice 0"], ["b"] + many + ["b"]] {
            #expect(Validator.hasRepeat(keys) == (Set(keys).count != keys.count), "\(keys)")
        }
        #expect(Validator.hasRepeat(["x", "e\u{301}", "é"]))
    }

    /// A catch-all is a choice whose key begins with a phrase's, as characters: the bytes of
    /// "all of the above" followed by a combining mark begin the same but are another letter.
    @Test func aCatchAllIsAPrefixAsCharacters() {
        #expect(Validator.isCatchAll("all of the above"))
        #expect(Validator.isCatchAll("none of the above options"))
        #expect(Validator.isCatchAll("모두 정답"))
        #expect(!Validator.isCatchAll("all of the abov"))
        #expect(!Validator.isCatchAll("all of the above\u{301}"))
        #expect(!Validator.isCatchAll(""))
        #expect(!Validator.isCatchAll("a parameter"))
    }

    @Test func answerTextInTheStem() {
        let leaked = item("The variable X is an example of a variable or a parameter?", ["variable", "sample", "statistic", "datum"], language: "en")
        // 'parameter' is not a choice, and 'variable' is the only choice in the stem.
        #expect(rules(leaked) == ["answer_in_stem"])
        let fair = item("Is X a variable or a statistic here?", ["variable", "sample", "statistic", "datum"], language: "en")
        #expect(rules(fair).isEmpty)
    }

    /// The stem is searched by bytes first, and a byte match is confirmed as characters: a
    /// letter followed by a combining mark is not that letter.
    @Test func containsIsBySearchAsCharacters() {
        #expect(Validator.contains("who wrote the hunminjeongeum", "hunminjeongeum"))
        #expect(Validator.contains("훈민정음을 창제한 왕", "창제"))
        #expect(!Validator.contains("cafe\u{301} au lait", "cafe"))
        #expect(!Validator.contains("훈민정음", "세종"))
        #expect(!Validator.contains("ab", "abc"))
    }

    @Test func eachKnownLanguageIsWrittenInItsScript() {
        let choices = ["A1", "B2", "C3", "D4"]
        #expect(rules(item("من أنشأ الأبجدية الكورية؟", choices, language: "ar")).isEmpty)
        #expect(rules(item("מי יצר את האלפבית הקוריאני?", choices, language: "he")).isEmpty)
        #expect(rules(item("Кто создал корейский алфавит?", choices, language: "ru")).isEmpty)
        #expect(rules(item("韓国語のアルファベットを作ったのは誰ですか？", choices, language: "ja")).isEmpty)
        #expect(rules(item("Qui a créé l'alphabet coréen, le hangeul ?", choices, language: "fr")).isEmpty)
        #expect(rules(item("Ai đã tạo ra bảng chữ cái tiếng Hàn?", choices, language: "vi")).isEmpty)
        #expect(rules(item("Who created the Korean alphabet?", choices, language: "ar")) == ["script"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", choices, language: "fr")) == ["script"])
        #expect(rules(item("Кто создал корейский алфавит?", choices, language: "de-AT")) == ["script"])
        // Letters of the question and of every choice are counted; the tag's first subtag, in
        // any case, names the language.
        #expect(Validator.check(item("Кто создал корейский алфавит?", choices, language: "de-AT"), rules: .commonKnowledgeDefault).map(\.detail)
                == ["language is de-AT but only 4 of 29 letters are Latin"])
        #expect(rules(item("Who created the Korean alphabet?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "KO-kr")) == ["script"])
        #expect(rules(item("Who created the Korean alphabet?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "EN-gb")).isEmpty)
        // ASCII letters are counted as in a script's blocks when its blocks hold A to Z: each
        // script's blocks hold every ASCII letter or none.
        for script in Validator.scripts.values {
            let held = Set((0x41...0x5A).flatMap { [$0, $0 + 0x20] }.map { letter in script.blocks.contains { $0.contains(UInt32(letter)) } })
            let none = (0...0x7F).allSatisfy { byte in !script.blocks.contains { $0.contains(UInt32(byte)) } }
            #expect(held == [true] || none, "\(script.name)")
        }
        // A language this check does not know is not checked.
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", choices, language: "xx")).isEmpty)
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", choices, language: "")).isEmpty)
        // Empty subtags are skipped, as splitting the tag at its hyphens skips them; a tag of
        // hyphens only names no language.
        #expect(rules(item("Who created the Korean alphabet?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "-ko")) == ["script"])
        #expect(rules(item("Who created the Korean alphabet?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "--ko--KR")) == ["script"])
        #expect(rules(item("훈민정음을 창제한 왕은 누구인가?", choices, language: "---")).isEmpty)
    }

    @Test func scriptMustMatchTheLanguage() {
        // Letters beyond ASCII and Hangul are found by their Unicode property.
        #expect(rules(item("Ποιος δημιούργησε το κορεατικό αλφάβητο;", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "en")) == ["script"])
        #expect(rules(item("Who created the alphabet (1443–1446)?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], language: "en")).isEmpty)
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

/// Each rule on the real item that tripped it.
@Suite struct ValidationOnRealItemsTests {
    @Test func aSignOrAPercentMakesChoicesDifferent() {
        // A KMMLU-style economics item: 40% and -40% are different answers.
        let growth = item("물가가 20% 오르고 명목임금이 변하지 않았다면 실질임금의 변화율은 약 얼마인가?", ["40%", "-40%", "-17%", "20%"], answer: "C")
        #expect(rules(growth).isEmpty)
        #expect(rules(item("다음 중 가장 큰 수는 무엇인가?", ["3.5", "35", "0.35", "350"], answer: "D")).isEmpty)
        // Punctuation alone still does not make two choices different.
        #expect(rules(item("다음 중 가장 큰 수는 무엇인가?", ["40%", "40 %", "17%", "20%"])) == ["duplicate_choices"])
    }

    @Test func answerFormatWordsInTheStemAreNotTheAnswer() {
        // MMLU abstract_algebra: the statement pair names its answer format.
        let statements = item("Statement 1 | Every element of a group generates a cyclic subgroup of the group. Statement 2 | The symmetric group S_10 has 10 elements. True/False, True/False?",
                              ["True, True", "False, False", "True, False", "False, True"], answer: "C", language: "en")
        #expect(rules(statements).isEmpty)
    }

    @Test func koreanTextWithAcronymsOrRomanizationIsKorean() {
        #expect(rules(item("다음 중 공영 방송사가 아닌 것은?", ["KBS", "MBC", "SBS", "EBS"], answer: "C")).isEmpty)
        #expect(rules(item("Hangeul(한글)을 창제한 왕은 누구인가?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], answer: "B")).isEmpty)
        #expect(rules(item("Who created the Korean alphabet, Hangeul?", ["태조", "세종", "세조", "정조"], answer: "B")) == ["script"])
    }

    @Test func everyRuleCanDropFlagOrBeOffPerTaskAndPerSource() {
        let english = item("Who created the Korean alphabet?", ["Taejo", "Sejong", "Sejo", "Jeongjo"], answer: "B")
        var otherSource = english
        otherSource.id = "ck-other"
        otherSource.source.sourceID = "romanized"
        var flagging = ValidationRules.commonKnowledgeDefault
        flagging.actions = ["script": .flag]
        let flagged = Validator.validate([english], rules: [.commonKnowledge: flagging])
        #expect(flagged.rejected.isEmpty && flagged.valid.first?.flags == ["script"])
        flagging.actions = ["script": .off]
        #expect(Validator.validate([english], rules: [.commonKnowledge: flagging]).valid.first?.flags == [])
        // The source's setting wins over the task's, for that source only.
        let mixed = Validator.validate([english, otherSource], rules: [.commonKnowledge: .commonKnowledgeDefault],
                                       sourceActions: ["romanized": ["script": .off]])
        #expect(mixed.rejected.map(\.id) == [english.id] && mixed.valid.map(\.id) == ["ck-other"])
        // answer_longest flags by default, and can drop.
        let long = item("Which describes a sample best?", ["a", "b", "a group of students randomly selected from the college", "d"],
                        answer: "C", language: "en")
        var dropLong = ValidationRules.commonKnowledgeDefault
        dropLong.actions = ["answer_longest": .drop]
        #expect(Validator.validate([long], rules: [.commonKnowledge: dropLong]).rejected.map(\.reason) == ["answer_longest"])
    }

    @Test func personalDataIsFlaggedForReviewUnlessThePipelineDropsIt() {
        let phone = item("담당 교사 연락처 010-2345-6789로 문의한 학생이 물은 조선의 수도는?", ["한양", "개경", "평양", "경주"])
        let plain = item("조선의 수도는 어디인가?", ["한양", "개경", "평양", "경주"])
        let result = Validator.validate([phone, plain], rules: [.commonKnowledge: .commonKnowledgeDefault])
        #expect(result.rejected.isEmpty)
        #expect(result.valid.map(\.flags) == [["personal_data"], []])
        var dropping = ValidationRules.commonKnowledgeDefault
        dropping.actions = ["personal_data": .drop]
        let dropped = Validator.validate([phone], rules: [.commonKnowledge: dropping]).rejected
        #expect(dropped.map(\.reason) == ["personal_data"] && dropped[0].detail.contains("looks like phone: review it"))
    }
}
