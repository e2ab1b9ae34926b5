import Testing
@testable import DatasetCore

@Suite struct WhitespaceTests {
    /// The white space the fast byte-level paths must recognize, and look-alikes they must not.
    static let spaces: [Character] = [" ", "\n", "\t", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}",
                                      "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}"]
    static let others: [Character] = ["a", "Z", "가", "힣", ".", "\u{01}", "\u{1F}", "©", "\u{800}", "\u{1000}", "\u{200B}",
                                      "\u{2030}", "\u{3001}", "표"]

    /// Splitting on the white space above and joining with one space.
    func reference(_ text: String) -> String {
        text.split(whereSeparator: { Self.spaces.contains($0) || $0 == "\r" }).joined(separator: " ")
    }

    @Test func collapsingMatchesASplitAndJoinOnRandomTextOfEveryLength() {
        var generator = SplitMix64(seed: 7)
        for length in 0..<48 {
            for _ in 0..<60 {
                var text = ""
                for _ in 0..<length {
                    let useSpace = generator.next() % 3 == 0
                    let pool = useSpace ? Self.spaces : Self.others
                    text.append(pool[Int(generator.next() % UInt64(pool.count))])
                }
                #expect(text.collapsingWhitespace == reference(text), "\(Array(text.unicodeScalars).map { String($0.value, radix: 16) })")
            }
        }
    }

    @Test func alreadyCollapsedTextIsReturnedAsItIs() {
        for text in ["", "a", "one two three", "표본 평균과 모집단 평균", String(repeating: "ab c", count: 50)] {
            var copy = text
            #expect(copy.withUTF8 { String.isCollapsed($0) })
            #expect(text.collapsingWhitespace == text)
        }
        for text in [" a", "a ", "a  b", "a\nb", "a\u{A0}b", "a\u{3000}", String(repeating: "abcdefg ", count: 4) + " x"] {
            var copy = text
            #expect(!copy.withUTF8 { String.isCollapsed($0) }, "\(text)")
        }
    }

    @Test func theNewlineByteCheckAgreesWithCharactersOnRandomText() {
        // Look-alikes share lead bytes with the newlines: U+0080 and U+00A0 with U+0085, U+2027 and U+202A with U+2028.
        let alphabet = Self.spaces + Self.others + ["\r", "\u{80}", "\u{2027}", "\u{202A}", "\u{2080}", "…"]
        var generator = SplitMix64(seed: 11)
        var found = 0
        for length in 0..<24 {
            for _ in 0..<200 {
                let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
                let expected = text.contains(where: \.isNewline)
                #expect(String.containsNewline(text.utf8) == expected, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
                if expected { found += 1 }
            }
        }
        #expect(found > 1_000)
    }

    /// The byte check that lets a text skip reading its numbers skips only texts whose key the
    /// numbers would not change: on random text of digits, the marks a number may carry,
    /// look-alikes sharing their first bytes (U+2211, U+20AC, U+FF04) and Korean.
    @Test func theNumberMarkCheckAgreesWithReadingTheNumbers() {
        let alphabet: [Character] = ["1", "7", "0", "-", "+", ".", "%", "\u{2212}", "\u{FF05}", "\u{2211}", "\u{20AC}", "\u{FF04}",
                                     "\u{FF11}", "가", "a", " "]
        var generator = SplitMix64(seed: 13)
        var marked = 0, skipped = 0
        for length in 0..<16 {
            for _ in 0..<300 {
                let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
                let full = String.keepingNumbers(text.comparisonKey, of: text)
                #expect(text.comparisonKeyKeepingNumbers == full, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
                if full != text.comparisonKey { marked += 1 }
                var bytes = text
                if !bytes.withUTF8(String.mayMarkNumbers) { skipped += 1 }
            }
        }
        #expect(marked > 1_000 && skipped > 1_000)
    }
}
