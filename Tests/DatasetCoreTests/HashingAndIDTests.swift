import Foundation
import Testing
@testable import DatasetCore

@Suite struct HashingAndIDTests {
    @Test func sha256MatchesTheFIPSExample() {
        #expect(Hashing.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hashing.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// RFC 4231, test cases 1 and 2; a key set up once gives the same code every time.
    @Test func hmacMatchesRFC4231AndAKeySetUpOnceIsReusable() {
        let key = Hashing.HMACKey(Data("Jefe".utf8))
        for _ in 0..<2 {
            #expect(key.hex("what do ya want for nothing?") == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        }
        #expect(Hashing.hmacSHA256Hex(key: Data(repeating: 0x0B, count: 20), "Hi There")
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    /// A labelled generator starts from the seed mixed with the first 64 bits of the label's
    /// SHA-256, as its definition says: "abc" gives 0xba7816bf8f01cfea (the FIPS example above).
    @Test func aLabelledGeneratorIsSeededFromTheLabelsSHA256() {
        for (seed, label) in [(UInt64(0), "abc"), (42, "split\u{1F}ck-1"), (.max, "한국어 라벨"), (7, "")] {
            var labelled = SplitMix64(seed: seed, label: label)
            var mixer = SplitMix64(seed: seed ^ UInt64(Hashing.sha256Hex(label).prefix(16), radix: 16)!)
            var expected = SplitMix64(seed: mixer.next())
            #expect((0..<4).map { _ in labelled.next() } == (0..<4).map { _ in expected.next() })
        }
        var mixer = SplitMix64(seed: 0xba78_16bf_8f01_cfea)
        var expected = SplitMix64(seed: mixer.next())
        var labelled = SplitMix64(seed: 0, label: "abc")
        #expect(labelled.next() == expected.next())
    }

    @Test func fileHashEqualsDataHash() throws {
        let data = Data((0..<3_000_000).map { UInt8($0 % 251) })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hash-\(UUID().uuidString)")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try Hashing.sha256Hex(fileAt: url)
        #expect(file.sha256 == Hashing.sha256Hex(data))
        #expect(file.bytes == data.count)
    }

    @Test func partsAreSeparated() {
        #expect(Hashing.sha256Hex(parts: ["ab", "c"]) != Hashing.sha256Hex(parts: ["a", "bc"]))
    }

    /// Parts hashed one at a time, and hashes written into buffers, give what the string forms give.
    @Test func streamedPartsAndHashesIntoBuffersMatchTheirStringForms() {
        for parts in [[], [""], ["", ""], ["ab", "c"], ["a", "bc"], ["한국어", "e\u{301}", "", "x\u{1F}y"]] {
            var stream = Hashing.PartsStream()
            for part in parts { stream.append(part) }
            #expect(stream.hex() == Hashing.sha256Hex(parts: parts), "\(parts)")
        }
        let key = Hashing.HMACKey(Data("Jefe".utf8))
        var output = [UInt8](repeating: 0, count: 64)
        for text in ["", "what do ya want for nothing?", "감사 기록 \u{0}"] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBytes { bytes in output.withUnsafeMutableBytes { Hashing.sha256Hex(bytes, into: $0) } }
            #expect(String(decoding: output, as: UTF8.self) == Hashing.sha256Hex(text))
            bytes.withUnsafeBytes { bytes in output.withUnsafeMutableBytes { key.hex(bytes, into: $0) } }
            #expect(String(decoding: output, as: UTF8.self) == key.hex(text))
        }
    }

    @Test func aKeyedElementKeepsItsIDWhenTheQuestionIsReworded() {
        let a = Item.stableID(task: .commonKnowledge, sourceID: "s", document: "d.xml", element: "e1", question: "세종은 누구인가?", elementIsKey: true)
        let b = Item.stableID(task: .commonKnowledge, sourceID: "s", document: "d.xml", element: "e1", question: "훈민정음을 만든 왕은?", elementIsKey: true)
        let c = Item.stableID(task: .commonKnowledge, sourceID: "s", document: "d.xml", element: "e2", question: "세종은 누구인가?", elementIsKey: true)
        let d = Item.stableID(task: .commonKnowledge, sourceID: "s", document: "other.xml", element: "e1", question: "세종은 누구인가?", elementIsKey: true)
        #expect(a == b)
        #expect(a != c && a != d)
        #expect(a.hasPrefix("ck-") && a.count == 19)
    }

    @Test func aPositionStandingInForAnIDTakesTheNormalizedQuestion() {
        func id(_ question: String) -> String {
            Item.stableID(task: .commonKnowledge, sourceID: "s", document: "d.xml", element: "question[1]", question: question, elementIsKey: false)
        }
        #expect(id("세종은  누구인가?") == id("세종은 누구인가"))
        #expect(id("세종은 누구인가?") != id("훈민정음을 만든 왕은?"))
        #expect(Item.stableID(task: .socialValue, sourceID: "s", document: "d", element: "q", question: "x", elementIsKey: true).hasPrefix("sv-"))
    }

    @Test func choicesBeyondZAreLetteredAsSpreadsheetColumnsAndReadBack() {
        #expect([0, 1, 25, 26, 27, 51, 52, 701, 702, Item.maxChoices - 1].map(Item.letter) == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "ZZZ"])
        #expect((0..<Item.maxChoices).allSatisfy { Item.index(ofLetter: Item.letter($0)) == $0 })
        for bad in ["", "a", "[", "AAAA", "A1", "Ä"] { #expect(Item.index(ofLetter: bad) == nil) }
        let source = ItemSource(kind: "survey", sourceID: "s", document: "d", element: "e", license: nil, revision: "r")
        let item = Item(id: "sv-1", task: .socialValue, subject: "s", language: "en", question: "Which country?",
                        choices: (0..<30).map { "country \($0)" }, answer: "AC", choicesOrdered: false, source: source)
        #expect(item.answerText == "country 28")
    }

    @Test func contentHashChangesWithQuestionChoicesOrAnswer() {
        let source = ItemSource(kind: "authored", sourceID: "s", document: "d", element: "e", license: nil, revision: "r")
        let item = Item(id: "ck-1", task: .commonKnowledge, subject: "s", language: "ko", question: "Q", choices: ["a", "b"],
                        answer: "A", choicesOrdered: false, source: source)
        var other = item
        other.answer = "B"
        #expect(item.contentHash != other.contentHash)
        other = item
        other.choices = ["a", "c"]
        #expect(item.contentHash != other.contentHash)
        other = item
        other.subject = "changed"
        #expect(item.contentHash == other.contentHash)
    }
}

@Suite struct TextNormalizationTests {
    @Test func comparisonKeyFoldsWidthCasePunctuationAndJamo() {
        #expect("ＡＢＣ　１２３！".comparisonKey == "abc 123")
        #expect("Hello,   World!!".comparisonKey == "hello world")
        // Conjoining jamo compose to the syllable; compatibility jamo fold by NFKC.
        #expect("\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}".comparisonKey == "한글")
        #expect("「세종」은 누구인가?".comparisonKey == "세종 은 누구인가")
        // Full case folding, not lower-casing.
        #expect("Straße".comparisonKey == "STRASSE".comparisonKey)
        #expect("ΣΊΣΥΦΟΣ".comparisonKey == "σίσυφος".comparisonKey)
        #expect("Ｓｔｒａẞｅ".comparisonKey == "strasse")
    }
}
