import Testing
import DatasetCore
@testable import Dedup

/// The rules both contamination scans share (the datatrove pipeline's ngram_overlap.py has them
/// in Python; CI compares the two scans' hits on a corpus).
@Suite struct NGramOverlapTests {
    func tokens(_ text: String) -> [String] {
        let cut = NGramText(text)
        return cut.tokens.map { range in String(String.UnicodeScalarView(cut.scalars[range])) }
    }

    @Test func textIsNormalizedAndCutIntoWordsAndSingleKoreanCharacters() {
        #expect(tokens("Hello, World! 대한민국 2024년") == ["hello", "world", "대", "한", "민", "국", "2024", "년"])
        #expect(tokens("ＡＢＣ ｘ１") == ["abc", "x1"], "full-width forms are NFKC-folded")
        #expect(tokens("ΟΔΟΣ οδος") == ["οδοσ", "οδοσ"], "final sigma is written as sigma")
        #expect(tokens("İ") == ["i\u{307}"], "the full lowercase mapping")
        let decomposed = "훈민정음".decomposedStringWithCanonicalMapping
        #expect(decomposed.unicodeScalars.count > 4)
        #expect(tokens(decomposed) == ["훈", "민", "정", "음"], "conjoining jamo are composed first")
        #expect(tokens("ひらがな、カタカナ。漢字") == ["ひ", "ら", "が", "な", "カ", "タ", "カ", "ナ", "漢", "字"])
        #expect(tokens("e\u{301}cole naïve") == ["école", "naïve"])
    }

    static func entry(_ id: String, _ question: String, _ choices: [String] = [], answer: String? = nil, language: String = "ko") -> NGramIndex.Entry {
        NGramIndex.Entry(id: id, contentHash: "h-" + id, language: language, n: NGramSizes().size(language: language), question: question,
                         choices: choices, answer: answer)
    }

    @Test func koreanIsFoundWhateverItsSpacingAndPunctuation() {
        let index = NGramIndex([Self.entry("ck-1", "훈민정음을 창제한 조선의 왕은 누구인가?", ["태조", "세종", "세조", "정조"])])
        let match = index.matches(in: "퀴즈: 훈민정음을창제한 조선의왕은 누구인가 — 정답은?")
        #expect(match.count == 1)
        #expect(match.first?.span == "훈민정음을창제한 조선의왕은 누구인가")
        #expect(match.first?.length == 17)
        #expect(match.first?.ngrams == 3)
        #expect(index.matches(in: "훈민정음을 만든 왕은 세종이다. 조선의 왕은 누구인가?").isEmpty, "no run of 15 characters is shared")
    }

    @Test func englishNeedsThirteenWordsInARow() {
        let question = "which of the following best describes the main purpose of the national assembly in a democracy"
        let index = NGramIndex([Self.entry("ck-en", question, language: "en")])
        let words = question.split(separator: " ")
        #expect(index.matches(in: words.prefix(12).joined(separator: " ") + " and more").isEmpty)
        let found = index.matches(in: "Quiz: " + words.prefix(13).joined(separator: " ").uppercased() + "!")
        #expect(found.map(\.length) == [13])
    }

    @Test func sharedChoicesAloneFindNothingAndShortItemsAreListed() {
        let scale = ["전혀 동의하지 않는다", "동의하지 않는 편이다", "보통이다", "동의하는 편이다", "매우 동의한다"]
        let index = NGramIndex([
            Self.entry("sv-1", "병역 의무는 여성에게도 적용되어야 한다.", scale, answer: "보통이다"),
            Self.entry("ck-short", "임기는?", ["4년", "5년"]),
        ])
        #expect(index.tooShort == ["ck-short"])
        #expect(index.matches(in: scale.joined(separator: " ") + " " + scale.joined(separator: " ")).isEmpty,
                "a survey's answer scale is in many documents and names no item")
        #expect(index.matches(in: "임기는? 4년 5년").isEmpty)
        let found = index.matches(in: "설문: 병역 의무는 여성에게도 적용되어야 한다. 응답: 보통이다")
        #expect(found.map { index.entries[$0.entry].id } == ["sv-1"])
        #expect(found.first?.span == "병역 의무는 여성에게도 적용되어야 한다")
        #expect(found.first?.length == 17)
        #expect(found.first?.ngrams == 3)
    }

    @Test func theLongestRunOfOverlapsIsTheSpanAndEveryItemFoundIsListed() {
        let index = NGramIndex([
            Self.entry("a", "대한민국 헌법 제1조에 따르면 대한민국의 주권은 누구에게 있는가?", ["국민", "대통령"], answer: "국민"),
            Self.entry("b", "1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가?", ["임진왜란", "병자호란"]),
        ])
        // A short overlap of item a first, then its whole question; and item b.
        let document = "헌법 제1조에 따르면 대한민국의 이야기. 1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가? "
            + "대한민국 헌법 제1조에 따르면 대한민국의 주권은 누구에게 있는가? 국민"
        let found = index.matches(in: document)
        #expect(found.map(\.entry) == [0, 1])
        #expect(found[0].span == "대한민국 헌법 제1조에 따르면 대한민국의 주권은 누구에게 있는가? 국민")
        #expect(found[0].length == 30)
        #expect(found[1].span == "1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가")
    }

    @Test func hitsAreKeptOncePerItemCorpusShardAndDocumentTheLongestFirst() {
        func hit(_ item: String, _ document: String, _ length: Int) -> CorpusHit {
            CorpusHit(item: item, contentHash: "h", corpus: "c4", shard: "a.jsonl", document: document, span: "x", length: length, ngrams: 1)
        }
        let canonical = CorpusHit.canonical([hit("b", "d1", 3), hit("a", "d2", 5), hit("a", "d2", 9), hit("a", "d1", 4)])
        #expect(canonical.map { "\($0.item) \($0.document) \($0.length)" } == ["a d1 4", "a d2 9", "b d1 3"])
    }
}

@Suite struct CorpusHitApplyTests {
    func hit(_ item: Item, corpus: String = "web", document: String = "d1", hash: String? = nil) -> CorpusHit {
        CorpusHit(item: item.id, contentHash: hash ?? item.contentHash, corpus: corpus, shard: "s.jsonl", document: document,
                  span: item.question, length: 20, ngrams: 6)
    }

    @Test func foundItemsAreDroppedOrFlaggedWithTheCorpusAndAHitForEarlierTextDoesNotApply() {
        let found = item("ck-found", "훈민정음을 창제한 조선의 왕은 누구인가?")
        let reworded = item("ck-reworded", "임진왜란이 일어난 해는 언제인가?")
        let clean = item("ck-clean", "대한민국의 수도는 어디인가?")
        let hits = [hit(found), hit(found, corpus: "books", document: "d9"), hit(reworded, hash: "an earlier text's hash")]

        var dropping = DedupResult(unique: [found, reworded, clean])
        let dropped = dropping.apply(corpusHits: hits, drop: true)
        #expect(dropping.unique.map(\.id) == ["ck-reworded", "ck-clean"])
        #expect(dropping.dropped.map(\.id) == ["ck-found"])
        #expect(dropping.dropped.first?.reason == "contaminated")
        #expect(dropping.dropped.first?.detail.contains("books, web (2 documents)") == true, "\(dropping.dropped.first?.detail ?? "")")
        #expect(dropped.map(\.action) == ["dropped", "dropped"])

        var flagging = DedupResult(unique: [found, reworded, clean])
        _ = flagging.apply(corpusHits: hits, drop: false)
        #expect(flagging.unique.map(\.id) == ["ck-found", "ck-reworded", "ck-clean"])
        #expect(flagging.unique[0].flags.suffix(3) == ["contaminated", "contaminated:books", "contaminated:web"])
        #expect(!flagging.unique[1].flags.contains("contaminated"))
    }
}
