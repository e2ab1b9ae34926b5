import DatasetCore

/// Synthetic items for the benchmarks: Korean and English questions with four choices, and
/// copies of them that are reformatted (full-width, spacing, punctuation; the same after
/// normalization) or edited by a number of character changes (similarity spread out).
public struct ItemGenerator {
    var random: SplitMix64

    public init(seed: UInt64 = 20_261_123) {
        random = SplitMix64(seed: seed)
    }

    let englishWords = """
        the of and to in is was for on that by with as from at which this are be or an its were
        following statement correct true false about most likely what who when where why how not all
        country city river law court school history science economy culture festival holiday food
        population election president king dynasty war treaty language letter number market price
        """.split(whereSeparator: \.isWhitespace).map(String.init)
    let koreanParticles = ["은", "는", "이", "가", "을", "를", "의", "에", "에서", "으로", "와", "과", "도"]
    let koreanStems = ["다음 중", "다음 설명 중", "다음 자료에 대한 설명으로", "밑줄 친 내용과 관련된", "다음을 읽고"]
    let koreanEnds = ["옳은 것은?", "옳지 않은 것은?", "가장 적절한 것은?", "해당하는 것은?"]
    let englishStems = ["Which of the following", "According to the passage,", "What is", "Who was", "Which statement about"]

    public mutating func int(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    public mutating func syllable() -> Character {
        let final = int(10) < 6 ? 0 : 1 + int(27)
        return Character(Unicode.Scalar(0xAC00 + (int(19) * 21 + int(21)) * 28 + final)!)
    }

    mutating func koreanWord() -> String {
        var word = String((0..<(1 + int(3))).map { _ in syllable() })
        if int(2) == 0 { word += koreanParticles[int(koreanParticles.count)] }
        return word
    }

    mutating func englishWord() -> String {
        if int(2) == 0 { return englishWords[int(englishWords.count)] }
        let letters = Array("etaoinshrdlucmfwypvbgkjqxz")
        // The smaller of two draws: letters earlier in the list (the frequent ones) come up more.
        return String((0..<(2 + int(8))).map { _ in letters[min(int(26), int(26))] })
    }

    mutating func words(_ range: ClosedRange<Int>, korean: Bool) -> String {
        (0..<(range.lowerBound + int(range.count))).map { _ in korean ? koreanWord() : englishWord() }.joined(separator: " ")
    }

    /// A question and four choices.
    public mutating func original() -> (question: String, choices: [String]) {
        original(korean: int(2) == 0)
    }

    public mutating func original(korean: Bool) -> (question: String, choices: [String]) {
        let question = korean
            ? "\(koreanStems[int(koreanStems.count)]) \(words(6...14, korean: true)) \(koreanEnds[int(koreanEnds.count)])"
            : "\(englishStems[int(englishStems.count)]) \(words(6...14, korean: false))?"
        return (question, (0..<4).map { _ in words(1...4, korean: korean) })
    }

    public mutating func reformatted(_ text: String) -> String {
        var output = ""
        for character in text {
            if let ascii = character.asciiValue, ascii > 0x20, ascii < 0x7F, int(3) == 0 {
                output.unicodeScalars.append(Unicode.Scalar(0xFF00 + UInt32(ascii) - 0x20)!)
            } else if character == " ", int(4) == 0 {
                output += "  "
            } else {
                output.append(character)
            }
        }
        return output + (int(2) == 0 ? "!" : "")
    }

    public mutating func edited(_ text: String, edits: Int) -> String {
        var characters = Array(text)
        for _ in 0..<edits where !characters.isEmpty {
            let position = int(characters.count)
            let replacement = characters[position].isASCII ? Character(Unicode.Scalar(0x61 + UInt8(int(26)))) : syllable()
            switch int(3) {
            case 0: characters[position] = replacement
            case 1: characters.insert(replacement, at: position)
            default: characters.remove(at: position)
            }
        }
        return String(characters)
    }
}

