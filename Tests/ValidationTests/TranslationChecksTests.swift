import Testing
import DatasetCore
@testable import Validation

/// What a translation must keep of the item it translates, each failure with its reason.
@Suite struct TranslationChecksTests {
    static let original = item("1592년에 일본이 조선을 침략하여 일어난 전쟁은 {name}?", ["병자호란", "임진왜란", "정묘호란", "신미양요"], answer: "B")

    static func translation(_ question: String, _ choices: [String], answer: String? = "B") -> Item {
        var translated = item(question, choices, answer: answer, language: "en")
        translated.translation = ItemTranslation(group: original.id, sourceLanguage: "ko", origin: .machine, system: "mt")
        return translated
    }

    func problems(_ translated: Item) -> [String] { Validator.translationProblems(translated, original: Self.original).map(\.rule) }

    @Test func aFaithfulTranslationPasses() {
        #expect(problems(Self.translation("What war began when Japan invaded Joseon in 1592, {name}?",
                                          ["Byeongja Horan", "Imjin War", "Jeongmyo Horan", "Sinmiyangyo"])).isEmpty)
    }

    @Test func eachRuleNamesWhatDiffers() {
        let choices = ["Byeongja Horan", "Imjin War", "Jeongmyo Horan", "Sinmiyangyo"]
        #expect(problems(Self.translation("What war began in 1592, {name}?", Array(choices.prefix(3)))) == ["translation_choices"])
        #expect(problems(Self.translation("What war began in 1592, {name}?", choices, answer: "A")) == ["translation_answer"])
        let numbers = Validator.translationProblems(Self.translation("What war began in 1593, {name}?", choices), original: Self.original)
        #expect(numbers.map(\.rule) == ["translation_numbers"] && numbers[0].detail == "numbers differ: missing 1592; added 1593")
        let placeholders = Validator.translationProblems(Self.translation("What war began in 1592?", choices), original: Self.original)
        #expect(placeholders.map(\.rule) == ["translation_placeholders"] && placeholders[0].detail.contains("missing {name}"))
        #expect(problems(Self.translation(Self.original.question, choices)) == ["untranslated"])
        let kept = Validator.translationProblems(Self.translation("What war began in 1592, {name}?", ["Byeongja Horan", "임진왜란", "Jeongmyo Horan", "Sinmiyangyo"]),
                                                 original: Self.original)
        #expect(kept.map(\.rule) == ["untranslated"] && kept[0].detail == "choice B kept the item translated's text")
    }

    @Test func numbersKeepTheirDigitsWhateverTheSeparators() {
        #expect(Validator.numbers(in: "1,000명 중 3.5%가 2024년에") == ["1000", "35", "2024"])
        #expect(Validator.placeholders(in: "Fill ___ and {x}, {{y}}, %s, %1$d") == ["___", "{x}", "{{y}}", "%s", "%1$d"])
        // The scan finds what the pattern it stands for finds, tricky cases included.
        let pattern = try! Regex(#"\{\{?[A-Za-z0-9_]*\}?\}|%(?:[0-9]+\$)?[sdif@]|_{2,}"#)
        for text in ["Fill ___ and {x}, {{y}}, %s, %1$d", "{{x}", "{x}}", "{{}}", "{ x }", "{한}", "%%s", "%12", "%1$", "%1$z", "100%", "%@%d",
                     "a_b", "a__b___c", "{{{x}}}", "}{", "{x_1}{y}", "%3$s done", "50% 확률로 {name}은 ___를"] {
            let expected = text.matches(of: pattern).map { String(text[$0.range]) }.map { $0.hasPrefix("__") ? "___" : $0 }
            #expect(Validator.placeholders(in: text) == expected, "\(text)")
        }
    }

    @Test func aTranslationIsCheckedAgainstItsItemAndUntranslatedTextOnlyFlags() {
        // Korean left in an English item breaks the script rule too, and is set aside for it.
        let korean = Self.translation(Self.original.question, ["Byeongja Horan", "Imjin War", "Jeongmyo Horan", "Sinmiyangyo"])
        let rules: [ItemTask: ValidationRules] = [.commonKnowledge: .commonKnowledgeDefault]
        #expect(Validator.validate([korean], rules: rules, originals: [Self.original.id: Self.original]).rejected.map(\.reason) == ["script"])
        // Text a language shares with another is only flagged, for a reviewer to look at.
        let english = item("Which city is the capital of France?", ["Paris", "Lyon", "Nice", "Lille"], answer: "A", language: "en")
        var french = item("Which city is the capital of France?", ["Paris", "Lyon", "Nice", "Lille"], answer: "A", language: "fr")
        french.id = "ck-f0000001"
        french.translation = ItemTranslation(group: english.id, sourceLanguage: "en", origin: .machine)
        let result = Validator.validate([english, french], rules: rules, originals: [english.id: english])
        #expect(result.rejected.isEmpty)
        #expect(result.valid.last?.flags == ["untranslated"])
        let wrongAnswer = Self.translation("What war began in 1592, {name}?", ["Byeongja Horan", "Imjin War", "Jeongmyo Horan", "Sinmiyangyo"], answer: "C")
        #expect(Validator.validate([wrongAnswer], rules: rules, originals: [Self.original.id: Self.original]).rejected.map(\.reason) == ["translation_answer"])
    }
}
