public import DatasetCore
import Foundation

/// The content rules for one task's items; set in the pipeline file's `stages.validate`.
public struct ValidationRules: Sendable, Hashable {
    public var minChoices: Int
    public var maxChoices: Int
    public var minQuestionLength: Int = 5
    public var maxQuestionLength: Int = 2000
    public var maxChoiceLength: Int = 500
    /// Allow choices such as "all of the above" / "모두 정답".
    public var allowAllOfTheAbove: Bool = false
    /// Flag an item whose correct choice is this many times longer than the mean distractor.
    public var longAnswerRatio: Double = 1.8
    /// What each rule does when it fails, where not the rule's default (`drop`; `flag` for
    /// `answer_longest`).
    public var actions: [String: RuleAction] = [:]

    public init(minChoices: Int, maxChoices: Int) {
        self.minChoices = minChoices
        self.maxChoices = maxChoices
    }

    public static let commonKnowledgeDefault = ValidationRules(minChoices: 4, maxChoices: 4)
    public static let socialValueDefault = ValidationRules(minChoices: 2, maxChoices: 11)
}

/// What a failed rule does to an item.
public enum RuleAction: String, Sendable, CaseIterable {
    /// Hold the item back (in `dropped.jsonl`, with the reason).
    case drop
    /// Keep the item with the rule's name among its flags.
    case flag
    /// Do not apply the rule.
    case off
}

/// The outcome of validating items: those that pass (possibly with new flags) and those held back.
public struct ValidationResult: Sendable {
    public var valid: [Item] = []
    public var rejected: [DroppedItem] = []
}

public enum Validator {
    /// One failed rule: a short code and what exactly is wrong.
    public struct Problem: Sendable, Hashable {
        public var rule: String
        public var detail: String
    }

    /// Every rule, in the order they are checked.
    public static let ruleNames = ["needs_key", "answer_key", "choice_count", "empty_choice", "duplicate_choices", "question_length",
                                   "choice_length", "all_of_the_above", "answer_in_stem", "script", "distribution", "answer_longest", "personal_data"]
        + translationRuleNames

    /// Rules that flag an item unless the pipeline says otherwise; every other rule drops it.
    public static let flaggedByDefault: Set<String> = ["answer_longest", "personal_data", "untranslated", "translation_numbers"]

    /// `sourceActions` (source id → rule → action) overrides the task's actions for one source;
    /// `originals` holds the items that translations translate, by id.
    public static func validate(_ items: [Item], rules: [ItemTask: ValidationRules],
                                sourceActions: [String: [String: RuleAction]] = [:], originals: [String: Item] = [:]) -> ValidationResult {
        // Chunks of items on every core, joined in order: the result does not depend on scheduling.
        let parts = (try? Parallel.chunks(items.count) { range in
            validate(items[range], rules: rules, sourceActions: sourceActions, originals: originals)
        }) ?? []
        return ValidationResult(valid: parts.flatMap(\.valid), rejected: parts.flatMap(\.rejected))
    }

    static func validate(_ items: ArraySlice<Item>, rules: [ItemTask: ValidationRules],
                         sourceActions: [String: [String: RuleAction]], originals: [String: Item]) -> ValidationResult {
        var result = ValidationResult()
        for var item in items {
            let taskRules = rules[item.task] ?? (item.task == .commonKnowledge ? .commonKnowledgeDefault : .socialValueDefault)
            func action(_ rule: String) -> RuleAction {
                sourceActions[item.source.sourceID]?[rule] ?? taskRules.actions[rule] ?? (Self.flaggedByDefault.contains(rule) ? .flag : .drop)
            }
            var problems = check(item, rules: taskRules)
            if item.task == .commonKnowledge, hasLongAnswer(item, ratio: taskRules.longAnswerRatio) {
                problems.append(Problem(rule: "answer_longest", detail: "the correct choice is much longer than the others"))
            }
            if let group = item.translation?.group, let original = originals[group] {
                problems += translationProblems(item, original: original)
            }
            let dropping = problems.filter { action($0.rule) == .drop }
            if let first = dropping.first {
                result.rejected.append(DroppedItem(id: item.id, stage: "validate", reason: first.rule,
                                                   detail: dropping.map { "\($0.rule): \($0.detail)" }.joined(separator: "; "),
                                                   item: item))
                continue
            }
            let flags = Set(item.flags).union(problems.filter { action($0.rule) == .flag }.map(\.rule))
            if flags.count != item.flags.count { item.flags = flags.sorted() }
            result.valid.append(item)
        }
        return result
    }

    /// Every rule the item breaks, in a fixed order.
    public static func check(_ item: Item, rules: ValidationRules) -> [Problem] {
        var problems: [Problem] = []
        func fail(_ rule: String, _ detail: String) { problems.append(Problem(rule: rule, detail: detail)) }

        if item.flags.contains("needs_key") {
            fail("needs_key", item.flags.contains("key_commented_out")
                 ? "the source's solution is commented out; supply the answer key"
                 : "the source gives no answer key")
        } else if let answer = item.answer {
            if let index = Item.index(ofLetter: answer) {
                if index >= item.choices.count {
                    fail("answer_key", "answer \(answer) is not among the \(item.choices.count) choices")
                }
            } else {
                fail("answer_key", "answer '\(answer)' is not a single capital letter")
            }
        } else {
            fail("answer_key", "no answer key")
        }
        if item.choices.count < rules.minChoices || item.choices.count > rules.maxChoices {
            let wanted = rules.minChoices == rules.maxChoices ? "\(rules.minChoices)" : "\(rules.minChoices)–\(rules.maxChoices)"
            fail("choice_count", "\(item.choices.count) choices, expected \(wanted)")
        }
        let keys = item.choices.map(\.comparisonKeyKeepingNumbers)
        if let empty = keys.firstIndex(where: \.isEmpty) {
            fail("empty_choice", "choice \(Item.letter(empty)) is empty")
        }
        if hasRepeat(keys) {
            fail("duplicate_choices", "two choices are the same text")
        }
        if !hasLength(item.question, from: rules.minQuestionLength, to: rules.maxQuestionLength) {
            fail("question_length", "question has \(item.question.characterCount) characters, expected \(rules.minQuestionLength)–\(rules.maxQuestionLength)")
        }
        // A text has no more characters than UTF-8 bytes: only a choice longer in bytes is counted.
        if let long = item.choices.firstIndex(where: { $0.utf8.count > rules.maxChoiceLength && $0.characterCount > rules.maxChoiceLength }) {
            fail("choice_length", "choice \(Item.letter(long)) has \(item.choices[long].characterCount) characters, over \(rules.maxChoiceLength)")
        }
        if item.task == .commonKnowledge {
            if !rules.allowAllOfTheAbove, let index = keys.firstIndex(where: isCatchAll) {
                fail("all_of_the_above", "choice \(Item.letter(index)) is a catch-all ('\(item.choices[index])')")
            }
            if let leak = leakedAnswer(item) {
                fail("answer_in_stem", "the question contains the answer text '\(leak)'")
            }
        }
        if let script = scriptMismatch(item) {
            fail("script", script)
        }
        let personal = Set(PersonalDataPatterns.kinds(in: item.question) + PersonalDataPatterns.kinds(inLines: item.choices))
        if !personal.isEmpty {
            fail("personal_data", "the text holds what looks like \(personal.sorted().map { $0.replacingOccurrences(of: "_", with: " ") }.joined(separator: " and ")): review it")
        }
        if let survey = item.survey {
            let sum = survey.distribution.reduce(0, +)
            if survey.distribution.count != item.choices.count || abs(sum - 1) > 1e-4 {
                fail("distribution", "distribution has \(survey.distribution.count) shares summing to \(sum) for \(item.choices.count) choices")
            }
        }
        return problems
    }

    static let catchAllPhrases = [
        "all of the above", "none of the above", "both a and b", "all of these", "none of these",
        "모두 정답", "정답 없음", "위의 모든 것", "위 모두", "모두 맞다", "모두 옳다", "해당 없음",
    ]

    static let catchAllKeys = catchAllPhrases.map(\.comparisonKey)
    static let catchAllBytes = catchAllKeys.map { Array($0.utf8) }

    /// Both are comparison keys, so a prefix as characters is a prefix of the UTF-8 bytes: only
    /// a byte match is checked as characters (comparing characters for every choice and phrase
    /// was a quarter of validating an item), and bytes are compared with `memcmp` (comparing them
    /// through the generic `starts(with:)` was a twentieth).
    static func isCatchAll(_ key: String) -> Bool {
        var key = key
        let byBytes = key.withUTF8 { bytes in
            catchAllBytes.indices.filter { phrase in
                let prefix = catchAllBytes[phrase]
                return prefix.count <= bytes.count && prefix.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, prefix.count) == 0 }
            }
        }
        return byBytes.contains { key.hasPrefix(catchAllKeys[$0]) }
    }

    /// Whether two of `keys` are equal: a handful compared pair by pair, which a set of them
    /// (each key hashed, as Unicode requires, and stored) took about three times as long to say.
    static func hasRepeat(_ keys: [String]) -> Bool {
        guard keys.count <= 16 else { return Set(keys).count != keys.count }
        return keys.indices.contains { index in keys[(index + 1)...].contains(keys[index]) }
    }

    /// Whether `text` has `minimum`–`maximum` characters, counted only as far as the answer
    /// needs: a text has no more characters than UTF-8 bytes, so one no longer than `maximum` in
    /// bytes needs only its first `minimum` characters counted (counting every character of
    /// every question, grapheme breaks found in Hangul, was a thirteenth of validating an item).
    static func hasLength(_ text: String, from minimum: Int, to maximum: Int) -> Bool {
        if text.utf8.count <= maximum { return minimum <= 0 || text.prefix(minimum).count == minimum }
        let count = text.characterCount
        return count >= minimum && count <= maximum
    }

    /// Words that name an answer's form ("True/False", "O/X", "참/거짓"): a stem that asks for
    /// them does not give the answer away.
    static let answerFormatWords: Set<String> = ["true", "false", "yes", "no", "o", "x", "참", "거짓", "예", "아니오", "아니요", "맞다", "틀리다", "옳다", "옳지", "않다"]

    /// The answer text when it appears in the stem and no distractor does (at least 4 characters);
    /// an answer made only of answer-format words (True, False; 예, 아니오) is never a leak.
    static func leakedAnswer(_ item: Item) -> String? {
        guard let answer = item.answerText else { return nil }
        let key = answer.comparisonKey
        // Cheapest first: four characters counted, not all; the search of the stem, which most
        // answers fail, before splitting the answer into words (the other way round, the split
        // was over a third of this check).
        guard key.characterCount >= 4 else { return nil }
        let stem = item.question.comparisonKey
        guard contains(stem, key) else { return nil }
        if key.split(separator: " ").allSatisfy({ answerFormatWords.contains(String($0)) }) { return nil }
        let distractorInStem = item.choices.contains { choice in
            guard choice != answer else { return false }
            let key = choice.comparisonKey
            return key.characterCount >= 4 && contains(stem, key)
        }
        return distractorInStem ? nil : answer
    }

    /// Whether `text` contains `part` as characters. Both are comparison keys, which the same
    /// folding made, so a match as characters is a match of their UTF-8 bytes: most texts
    /// fail that byte search, and only a byte match is checked as characters (a search by
    /// characters at every position was a fifth of checking an item).
    static func contains(_ text: String, _ part: String) -> Bool {
        text.containsBytes(of: part) && text.contains(part)
    }

    /// A script: its name, its blocks, and the share of an item's letters that must be in them
    /// (names and terms of other scripts fit below it).
    struct Script: Sendable {
        var name: String
        var blocks: [ClosedRange<UInt32>]
        var share: Double
    }

    /// The script each language is written in, where this check knows it: made once, not for
    /// every item checked.
    static let scripts: [String: Script] = {
        let latin = Script(name: "Latin", blocks: [0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF], share: 0.9)
        let others: [(languages: [String], script: Script)] = [
            (["ar", "fa", "ur", "ps", "sd", "ug", "ckb"],
             Script(name: "Arabic", blocks: [0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF], share: 0.5)),
            (["he", "yi"], Script(name: "Hebrew", blocks: [0x590...0x5FF, 0xFB1D...0xFB4F], share: 0.5)),
            (["ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg"], Script(name: "Cyrillic", blocks: [0x400...0x52F], share: 0.5)),
            (["el"], Script(name: "Greek", blocks: [0x370...0x3FF, 0x1F00...0x1FFF], share: 0.5)),
            (["ja"], Script(name: "Japanese", blocks: [0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF], share: 0.5)),
            (["zh"], Script(name: "Han", blocks: [0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF], share: 0.5)),
            (["hi", "mr", "ne"], Script(name: "Devanagari", blocks: [0x900...0x97F], share: 0.5)),
            (["bn"], Script(name: "Bengali", blocks: [0x980...0x9FF], share: 0.5)),
            (["ta"], Script(name: "Tamil", blocks: [0xB80...0xBFF], share: 0.5)),
            (["te"], Script(name: "Telugu", blocks: [0xC00...0xC7F], share: 0.5)),
            (["th"], Script(name: "Thai", blocks: [0xE00...0xE7F], share: 0.5)),
            (["ka"], Script(name: "Georgian", blocks: [0x10A0...0x10FF], share: 0.5)),
            (["hy"], Script(name: "Armenian", blocks: [0x530...0x58F], share: 0.5)),
            (["am"], Script(name: "Ethiopic", blocks: [0x1200...0x137F], share: 0.5)),
        ]
        let latinLanguages = ["en", "fr", "de", "es", "it", "pt", "nl", "id", "ms", "vi", "tr", "sw", "pl", "cs", "ro", "sv", "fi", "da",
                              "no", "nb", "hu", "tl", "fil", "yo", "ha", "ig", "zu", "af", "ca", "lt", "lv", "et", "sk", "sl", "hr", "az",
                              "uz", "so", "mg"]
        return Dictionary(uniqueKeysWithValues: latinLanguages.map { ($0, latin) }
                            + others.flatMap { entry in entry.languages.map { ($0, entry.script) } })
    }()

    /// Checks that the item is written in the script of its language, by the share of its letters
    /// in that script: for `ko`, at least a third of the question's letters Hangul, Latin acronyms
    /// (KBS, MBC) left out, so that romanized names and terms fit (choices may be in any script);
    /// for a Latin-script language such as `en`, nine in ten letters of the question and choices
    /// Latin; for Arabic, Hebrew, Cyrillic, Greek, Japanese, Chinese and other scripts `scripts`
    /// knows, half of them. Languages it does not know are not checked.
    static func scriptMismatch(_ item: Item) -> String? {
        // The tag's first subtag, found in its bytes (splitting it as characters, and joining the
        // texts below into one, were two fifths of this check).
        let tag = item.language.utf8, hyphen = UInt8(ascii: "-")
        let start = tag.firstIndex { $0 != hyphen } ?? tag.endIndex
        let end = tag[start...].firstIndex(of: hyphen) ?? tag.endIndex
        let language = start == end ? item.language : String(item.language[start..<end]).lowercased()
        if language == "ko" { return hangulMismatch(item) }
        guard let expected = scripts[language] else { return nil }
        var letters = 0, inScript = 0
        // ASCII letters are counted without the blocks, which hold them all or none.
        let asciiInScript = expected.blocks.contains { $0.contains(0x41) && $0.contains(0x5A) } ? 1 : 0
        func count(_ text: String) {
            for scalar in text.unicodeScalars {
                if scalar.value < 0x80 {
                    if (scalar.value | 0x20) &- 0x61 < 26 {
                        letters += 1
                        inScript += asciiInScript
                    }
                } else if isLetter(scalar) {
                    letters += 1
                    if expected.blocks.contains(where: { $0.contains(scalar.value) }) { inScript += 1 }
                }
            }
        }
        count(item.question)
        for choice in item.choices { count(choice) }
        guard letters > 0, Double(inScript) < expected.share * Double(letters) else { return nil }
        return "language is \(item.language) but only \(inScript) of \(letters) letters are \(expected.name)"
    }

    /// Whether a scalar is a letter: ASCII and Hangul syllables without the property lookup,
    /// which was a fifth of checking an item.
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xAC00...0xD7A3: true
        case 0..<0x80: false
        default: scalar.properties.isAlphabetic
        }
    }

    /// Korean: at least a third of the question's letters Hangul, counted by words so that Latin
    /// acronyms (KBS, MBC: up to six capitals) are left out.
    static func hangulMismatch(_ item: Item) -> String? {
        var letters = 0, hangul = 0
        // Words are runs of letters, read scalar by scalar (no grapheme breaking: this runs on every item).
        var word = (letters: 0, hangul: 0, acronym: true)
        func endWord() {
            if word.letters > 0, !(word.letters <= 6 && word.acronym) {
                letters += word.letters
                hangul += word.hangul
            }
            word = (0, 0, true)
        }
        for scalar in item.question.unicodeScalars {
            guard isLetter(scalar) else { endWord(); continue }
            word.letters += 1
            if !(0x41...0x5A).contains(scalar.value) { word.acronym = false }
            switch scalar.value {
            case 0xAC00...0xD7A3, 0x1100...0x11FF, 0x3130...0x318F: word.hangul += 1
            default: break
            }
        }
        endWord()
        guard letters > 0, Double(hangul) * 3 < Double(letters) else { return nil }
        return "language is ko but only \(hangul) of \(letters) letters of the question are Hangul"
    }

    static func hasLongAnswer(_ item: Item, ratio: Double) -> Bool {
        guard let index = item.answer.flatMap(Item.index(ofLetter:)), index < item.choices.count, item.choices.count > 1 else {
            return false
        }
        var others = 0
        for (offset, choice) in item.choices.enumerated() where offset != index { others += choice.characterCount }
        let mean = Double(others) / Double(item.choices.count - 1)
        let length = item.choices[index].characterCount
        return Double(length) > ratio * mean && length - Int(mean) >= 10
    }
}
