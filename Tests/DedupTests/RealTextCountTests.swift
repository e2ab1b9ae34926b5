import Testing
@testable import DatasetCore

/// Character counts on real Korean items (the CLIcK banks among the fixtures): validation's
/// length checks must count as Swift does, and the count without grapheme breaking must be
/// the one these texts take, or it gains nothing on them.
@Suite struct RealTextCountTests {
    @Test func questionsAndChoicesOfTheCLIcKBanksCountAsSwiftCountsThem() throws {
        let texts = try CLIcKItem.load().flatMap { [$0.question] + $0.choices }
        #expect(texts.count > 1_000)
        var counted = 0
        for text in texts {
            #expect(text.characterCount == text.count, "\(text)")
            if case _?? = text.utf8.withContiguousStorageIfAvailable(String.scalarsIfEachIsACharacter) { counted += 1 }
        }
        // Counted without grapheme breaking: all but texts with a scalar outside the ranges taken.
        #expect(Double(counted) >= 0.95 * Double(texts.count), "\(counted) of \(texts.count)")
    }
}
