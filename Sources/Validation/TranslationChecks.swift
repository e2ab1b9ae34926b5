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
                    && !key.unicodeScalars.allSatisfy(\.isASCII)
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

    /// `{name}`, `{{name}}`, `%s`/`%d`/`%1$s` and blanks (two or more underscores, as one blank):
    /// what `\{\{?[A-Za-z0-9_]*\}?\}|%(?:[0-9]+\$)?[sdif@]|_{2,}` matches, scanned by hand because
    /// compiling that Regex for every text made validation ten times slower with 25,000
    /// translations in a 100,000-item run (a Regex is not Sendable, so it cannot be shared).
    static func placeholders(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        func at(_ index: Int) -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        func isWord(_ scalar: Unicode.Scalar?) -> Bool {
            guard let scalar, scalar.isASCII else { return false }
            return scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
        }
        var result: [String] = [], index = 0
        while index < scalars.count {
            var end: Int?
            switch scalars[index] {
            case "{":
                var close = index + (at(index + 1) == "{" ? 2 : 1)
                while isWord(at(close)) { close += 1 }
                if at(close) == "}" { end = at(close + 1) == "}" ? close + 2 : close + 1 }
            case "%":
                var digits = index + 1
                while let scalar = at(digits), ("0"..."9").contains(scalar) { digits += 1 }
                let conversion = digits > index + 1 && at(digits) == "$" ? digits + 1 : index + 1
                if let scalar = at(conversion), "sdif@".unicodeScalars.contains(scalar) { end = conversion + 1 }
            case "_":
                var run = index
                while at(run) == "_" { run += 1 }
                if run - index >= 2 { end = run }
            default:
                break
            }
            if let end {
                let value = String(String.UnicodeScalarView(scalars[index..<end]))
                result.append(value.hasPrefix("__") ? "___" : value)
                index = end
            } else {
                index += 1
            }
        }
        return result
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
