import Foundation
import Testing
@testable import DatasetCore

/// The loops that read eight bytes at a time give what reading one byte at a time gives, with
/// the byte that matters at every offset of a word and across words (the newline check's are
/// in `WhitespaceTests`).
@Suite struct ByteLanesTests {
    @Test func stringsAreEscapedAsFoundationEscapesThem() throws {
        // A byte to escape (or a look-alike that is not) at every offset of three words.
        let specials = ["\"", "\\", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", " ", "/", "가", "\u{2028}", "\r", "\u{8}", "\u{C}"]
        let encoder = JSONLines.makeEncoder()
        var generator = SplitMix64(seed: 22)
        for length in 0..<26 {
            for offset in 0...length {
                let special = specials[Int(generator.next() % UInt64(specials.count))]
                let plain = (0..<length).map { _ in generator.next() % 5 == 0 ? "한" : "x" }
                var pieces = plain
                pieces.insert(special, at: offset)
                let text = pieces.joined()
                var writer = JSONWriter()
                writer.string(text)
                #expect(writer.bytes == Array(try encoder.encode(text)), "\(text.debugDescription)")
            }
        }
    }
}
