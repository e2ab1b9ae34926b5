import Foundation
import Testing
import DatasetCore

/// `nfc` skips Foundation's normalization for text it leaves unchanged; it must give the same
/// result as the normalization itself on any text.
@Suite struct NFCTests {
    @Test(arguments: [
        "plain ASCII", "café", "e\u{301}", "\u{1100}\u{1161}", "가\u{11A8}", "\u{2126}", "\u{212B}", "か\u{3099}", "\u{F900}",
        "한국어 문장입니다. 「引用」 ＡＢＣ ㄱㄴ", "\u{2000}\u{2001}", "a\u{302A}", "\u{0344}", "Ω and \u{0340}", "🙂 emoji",
        "\u{2F800}", "x\u{0327}\u{0301}", "",
    ])
    func equalsFoundationsNormalization(text: String) {
        #expect(text.nfc.unicodeScalars.elementsEqual(text.precomposedStringWithCanonicalMapping.unicodeScalars))
    }

    @Test func equalsFoundationsNormalizationOnRandomMixedText() {
        // Scalars from inside and just outside the ranges taken as they are, mixed.
        let pools: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F, 0x1100...0x11FF, 0x2000...0x2070,
                                           0x3000...0x30FF, 0x3130...0x3190, 0x4E00...0x4E40, 0xAC00...0xAC40, 0xD7A0...0xD7B0,
                                           0xF900...0xF910, 0xFF00...0xFF65]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let string = RandomText.mixed(from: pools, using: &generator)
            #expect(string.nfc.unicodeScalars.elementsEqual(string.precomposedStringWithCanonicalMapping.unicodeScalars),
                    "\(RandomText.scalars(string))")
        }
    }
}
