import Testing
import DatasetCore

/// `characterCount` counts scalars where each is a character of its own; it must always give
/// what `count` (Swift's grapheme breaking) gives.
@Suite struct CharacterCountTests {
    /// Every scalar of the Basic Multilingual Plane (where all the scalars counted without grapheme
    /// breaking are), beside scalars of every kind those are taken with, on either side.
    @Test func everyPairOfAScalarAndATakenOneIsCountedAsSwiftCountsIt() {
        // A line feed, a tab, a control, a letter, Latin-1, a spacing modifier, a zero-width
        // space, a word joiner, a pictographic double exclamation mark, an ideographic space,
        // kana, a compatibility jamo, an ideograph, an LV and an LVT syllable, a full-width letter.
        let neighbours: [Unicode.Scalar] = ["\n", "\t", "\u{1}", "a", "é", "\u{2B0}", "\u{200B}", "\u{2060}", "\u{203C}", "\u{3000}",
                                            "か", "ㄱ", "漢", "가", "각", "Ａ"]
        var mismatches: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for neighbour in neighbours {
                for pair in [[scalar, neighbour], [neighbour, scalar]] {
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: pair)
                    let text = String(view)
                    if text.characterCount != text.count { mismatches.append(RandomText.scalars(text).joined(separator: " ")) }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test(arguments: [
        ("", 0), ("abc", 3), ("\r\n", 1), ("a\r\nb", 3), ("가\u{11A8}", 1), ("\u{1100}\u{1161}\u{11A8}", 1), ("e\u{301}", 1),
        ("🇰🇷", 1), ("👩\u{200D}💻", 1), ("a\u{200D}b", 2), ("か\u{3099}", 1), ("한국어 문장입니다.", 10), ("ｶ\u{FF9E}", 1),
    ])
    func countsCharactersAsSwiftDoes(text: String, characters: Int) {
        #expect(text.count == characters)
        #expect(text.characterCount == characters)
    }

    @Test func equalsSwiftsCountOnRandomMixedText() {
        // Scalars from inside and just outside the ranges counted without grapheme breaking, mixed.
        let pools: [ClosedRange<UInt32>] = [0x0A...0x0D, 0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F, 0x1100...0x11FF, 0x2000...0x2070,
                                           0x3000...0x30FF, 0x3130...0x3190, 0x4E00...0x4E40, 0xAC00...0xAC40, 0xD7A0...0xD7FF,
                                           0xFE00...0xFE0F, 0xFF00...0xFFA0, 0x1F1E6...0x1F1FF, 0x1F600...0x1F64F]
        var generator = SplitMix64(seed: 17)
        for _ in 0..<20_000 {
            let text = RandomText.mixed(from: pools, using: &generator)
            #expect(text.characterCount == text.count, "\(RandomText.scalars(text))")
        }
    }
}
