public import DatasetCore

// What a translation must keep of the item it translates.

extension Validator {
    /// The rules only translations are checked against, in the order they are checked.
    public static let translationRuleNames = ["translation_choices", "translation_answer", "translation_numbers",
                                              "translation_placeholders", "untranslated"]

    /// Every way `translation` fails to keep what `original` has: the number of choices, the
    /// answer's position, the numbers and placeholders of the text, and being translated at all.
    public static func translationProblems(_ translation: Item, original: Item) -> [Problem] {
        var problems: [Problem] = []
        func fail(_ rule: String, _ detail: String) { problems.append(Problem(rule: rule, detail: detail)) }
        if translation.choices.count != original.choices.count {
            fail("translation_choices", "\(translation.choices.count) choices where the item translated has \(original.choices.count)")
        }
        if translation.answer != original.answer {
            fail("translation_answer", "the answer is \(translation.answer ?? "none") where the item translated has \(original.answer ?? "none")")
        }
        let texts = (translation: [translation.question] + translation.choices, original: [original.question] + original.choices)
        let numbers = (translation: texts.translation.flatMap(Self.numbers), original: texts.original.flatMap(Self.numbers))
        if numbers.translation.sorted() != numbers.original.sorted() {
            fail("translation_numbers", "numbers differ: \(Self.difference(numbers.original, numbers.translation))")
        }
        let placeholders = (translation: texts.translation.flatMap(Self.placeholders), original: texts.original.flatMap(Self.placeholders))
        if placeholders.translation.sorted() != placeholders.original.sorted() {
            fail("translation_placeholders", "placeholders differ: \(Self.difference(placeholders.original, placeholders.translation))")
        }
        if translation.question.comparisonKey == original.question.comparisonKey {
            fail("untranslated", "the question is the same text as the item translated")
        } else {
            let kept = (0..<min(translation.choices.count, original.choices.count)).filter { index in
                let key = original.choices[index].comparisonKey
                return key.contains(where: \.isLetter) && key.count > 3 && translation.choices[index].comparisonKey == key
                    && !key.unicodeScalars.allSatisfy(\.isASCII) && translation.language != original.language
            }
            if !kept.isEmpty {
                fail("untranslated", "choice\(kept.count == 1 ? "" : "s") \(kept.map { Item.letter($0) }.joined(separator: ", ")) kept the item translated's text")
            }
        }
        return problems
    }

    /// Runs of digits (with inner separators: 1,000 and 3.14 are one number each), the
    /// separators dropped, since languages write them differently.
    static func numbers(in text: String) -> [String] {
        var result: [String] = [], current = "", pendingSeparator = false
        for character in text {
            if character.isASCII, character.isNumber {
                current.append(character)
                pendingSeparator = false
            } else if !current.isEmpty, !pendingSeparator, character == "," || character == "." {
                pendingSeparator = true
            } else {
                if !current.isEmpty { result.append(current) }
                current = ""
                pendingSeparator = false
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// `{name}`, `{{name}}`, `%s`/`%d`/`%1$s` and blanks (two or more underscores, as one blank).
    static func placeholders(in text: String) -> [String] {
        // Made here: a Regex is not Sendable, and only translations are checked.
        let pattern = try! Regex(#"\{\{?[A-Za-z0-9_]*\}?\}|%(?:[0-9]+\$)?[sdif@]|_{2,}"#)
        return text.matches(of: pattern).map { match in
            let value = String(text[match.range])
            return value.hasPrefix("__") ? "___" : value
        }
    }

    /// What one list has that the other lacks, each side named.
    static func difference(_ original: [String], _ translation: [String]) -> String {
        var counts: [String: Int] = [:]
        for value in original { counts[value, default: 0] += 1 }
        for value in translation { counts[value, default: 0] -= 1 }
        let missing = counts.filter { $0.value > 0 }.keys.sorted(), added = counts.filter { $0.value < 0 }.keys.sorted()
        return [missing.isEmpty ? nil : "missing \(missing.joined(separator: ", "))",
                added.isEmpty ? nil : "added \(added.joined(separator: ", "))"].compactMap { $0 }.joined(separator: "; ")
    }
}
