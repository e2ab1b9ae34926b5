import Foundation
import Testing
@testable import Dedup
import DatasetCore

struct CLIcKItem: Decodable {
    var id: String
    var question: String
    var choices: [String]
    var answer: String

    /// The question without the file's boilerplate first line ("다음은 한국사회에 대한 문제이다.").
    var stem: String { question.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? question }

    static func load() throws -> [CLIcKItem] {
        try ["History_KHB", "Society_KIIP", "Tradition_KIIP"].flatMap { name in
            let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
            return try JSONDecoder().decode([CLIcKItem].self, from: Data(contentsOf: url))
        }
    }
}

@Suite struct NearDuplicateTests {
    @Test(arguments: [(0.9, 128, 5, 25), (0.7, 128, 14, 9), (0.7, 256, 25, 10)])
    func bandingIsChosenForTheThresholdAsDatasketchDoes(threshold: Double, permutations: Int, bands: Int, rows: Int) {
        #expect(LSHBanding.optimal(threshold: threshold, permutations: permutations) == LSHBanding(bands: bands, rows: rows))
    }

    @Test func jaccardAndTheMinHashEstimateOnTheDatasketchExample() throws {
        struct Vector: Decodable {
            struct Expected: Decodable { var exact_jaccard: Double }
            var data1: [String]; var data2: [String]; var expected: Expected
        }
        struct File: Decodable { var minhash: [Vector] }
        let url = try #require(Bundle.module.url(forResource: "test_vectors", withExtension: "json", subdirectory: "Fixtures"))
        let vector = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).minhash[0]
        // Word shingles, as in the example: each word hashed like a one-character shingle would be.
        let hash = { (words: [String]) in Array(Set(words.map { Shingles.mix(UInt64(truncatingIfNeeded: $0.hashValue)) })).sorted() }
        let (a, b) = (hash(vector.data1), hash(vector.data2))
        #expect(abs(Shingles.jaccard(a, b) - vector.expected.exact_jaccard) < 1e-12)
        // The estimate's standard error at 256 permutations is about 0.03.
        let hasher = MinHasher(permutations: 256, seed: 1)
        #expect(abs(MinHasher.estimate(hasher.signature(a), hasher.signature(b)) - vector.expected.exact_jaccard) < 0.1)
    }

    @Test func shinglesAreCharactersOfTheNormalizedText() {
        // Full-width letters, case, punctuation and spacing fold away; Hangul needs no word boundaries.
        #expect(Shingles.hashes(of: "ＡＢＣ　가나다!", n: 3) == Shingles.hashes(of: "abc 가나다", n: 3))
        #expect(Shingles.hashes(of: "한국의 수도는?", n: 3).count == "한국의 수도는".count - 2)
        #expect(Shingles.hashes(of: "가", n: 5).count == 1)
        #expect(Shingles.hashes(of: "...", n: 5).isEmpty)
        // A repeated n-gram counts once in the set, sorted.
        #expect(Shingles.ngramHashes(of: "abab", n: 2).count == 3)
        #expect(Shingles.hashes(of: "abab", n: 2) == Shingles.distinctSorted(Shingles.ngramHashes(of: "abab", n: 2)))
        #expect(Shingles.hashes(of: "abab", n: 2).count == 2)
        #expect(Shingles.distinctSorted([3, 1, 3, 2, 1]) == [1, 2, 3] && Shingles.distinctSorted([]).isEmpty)
    }

    @Test func findsTheRepeatedStemsOfTheKoreanCLIcKQuestionsLikeAllPairsDoes() throws {
        let items = try CLIcKItem.load()
        let settings = NearDuplicateSettings(ngram: 5, permutations: 128, threshold: 0.7, seed: 20261123)
        let shingles = items.map { Shingles.hashes(of: $0.stem, n: settings.ngram) }
        let result = NearDuplicateFinder(settings: settings).clusters(shingles: shingles)
        // Every pair at or above the threshold, by exact Jaccard over all pairs.
        var truth = Set<[Int]>()
        for i in shingles.indices {
            for j in (i + 1)..<shingles.count where Shingles.jaccard(shingles[i], shingles[j]) >= settings.threshold { truth.insert([i, j]) }
        }
        let found = Set(result.pairs.map { [$0.first, $0.second] })
        #expect(found.isSubset(of: truth), "every reported pair is verified")
        // 16 pairs, all between 0.70 and 0.90: so near the threshold a banding misses a pair now
        // and then (the chosen 20 × 6 finds a pair at 0.72 with probability 0.95).
        #expect(truth.count == 16)
        #expect(Double(found.count) / Double(truth.count) >= 0.9, "recall \(found.count)/\(truth.count)")
        #expect(NearDuplicateFinder(settings: settings).banding == LSHBanding(bands: 20, rows: 6))
        // Hashes in the text's order with repeats, as the dedup stage gives them: the same
        // signatures, so the same pairs and clusters.
        let unsorted = items.map { Shingles.ngramHashes(of: $0.stem, n: settings.ngram) }
        #expect(unsorted.contains { $0 != Shingles.distinctSorted($0) })
        let fromUnsorted = NearDuplicateFinder(settings: settings).clusters(count: unsorted.count, shingles: { unsorted[$0] })
        #expect(fromUnsorted.pairs == result.pairs && fromUnsorted.clusters == result.clusters && fromUnsorted.candidates == result.candidates)
        let ids = result.clusters.map { $0.map { items[$0].id } }
        #expect(ids.contains(["KIIP_society_194", "KIIP_society_195", "KIIP_society_196"]))
        #expect(ids.contains { Set(["KIIP_society_22", "KIIP_society_24", "KIIP_society_25", "KIIP_society_26"]).isSubset(of: $0) })
        #expect(ids.contains(["KIIP_tradition_42", "KIIP_tradition_62"]))
        // The holidays share a template but not an answer: near-duplicate stems, different items.
        let holidays = try #require(result.clusters.first { $0.contains { items[$0].id == "KIIP_society_22" } })
        #expect(Set(holidays.map { items[$0].answer }).count == holidays.count)
    }

    /// Items that share every band's bucket propose each of their pairs in every band: each
    /// pair is a candidate once, checked once, and the items are one cluster.
    @Test func itemsInOneBucketOfEveryBandAreCheckedOncePerPair() {
        let copies = Array(repeating: "다음 중 조선의 수도는 어디인가? 한양 경주 개경 평양", count: 60)
        let texts = copies + ["an unrelated question about the weather in Busan", "다음 중 고려의 수도는 어디인가? 개경 한양 경주 평양"]
        let finder = NearDuplicateFinder(settings: NearDuplicateSettings(ngram: 5, threshold: 0.8))
        let result = finder.clusters(of: texts)
        #expect(result.candidates == 60 * 59 / 2)
        #expect(result.pairs.count == 60 * 59 / 2)
        #expect(result.pairs.map { [$0.first, $0.second] } == (0..<60).flatMap { a in (a + 1..<60).map { [a, $0] } })
        #expect(result.clusters == [Array(0..<60)])
        // Pairs that `comparing` turns down are neither candidates nor pairs, in any band.
        let shingles = texts.map { Shingles.hashes(of: $0, n: 5) }
        let evenOnly = finder.clusters(shingles: shingles) { low, high in low % 2 == 0 && high % 2 == 0 }
        #expect(evenOnly.candidates == 30 * 29 / 2)
        #expect(evenOnly.clusters == [Array(stride(from: 0, to: 60, by: 2))])
    }

    @Test func aClusterIsAChainOfVerifiedPairsOnly() {
        let texts = ["the quick brown fox jumps over the lazy dog", "the quick brown fox jumps over the lazy dog!",
                     "the quick brown fox jumped over the lazy dog", "completely different sentence about statistics"]
        let result = NearDuplicateFinder(settings: NearDuplicateSettings(ngram: 3, threshold: 0.7)).clusters(of: texts)
        #expect(result.clusters == [[0, 1, 2]])
        #expect(result.pairs.allSatisfy { $0.similarity >= 0.7 })
        #expect(result.pairs.first { $0.first == 0 && $0.second == 1 }?.similarity == 1)

        // Only the pairs asked for are checked: here, none within the first two.
        let finder = NearDuplicateFinder(settings: NearDuplicateSettings(ngram: 3, threshold: 0.7))
        let shingles = texts.map { Shingles.hashes(of: $0, n: 3) }
        let across = finder.clusters(shingles: shingles) { low, high in !(low == 0 && high == 1) }
        #expect(across.pairs.map { [$0.first, $0.second] } == [[0, 2], [1, 2]])
        #expect(across.candidates == result.candidates - 1)
    }
}

@Suite struct ExactSimilarityJoinTests {
    /// Random sets over a small vocabulary (so that tokens repeat across sets), with near copies.
    func sets(seed: UInt64) -> [[UInt64]] {
        var generator = SplitMix64(seed: seed)
        var sets: [[UInt64]] = []
        for index in 0..<400 {
            if index > 10, generator.next() % 3 == 0 {
                // A copy of an earlier set with a few tokens swapped out.
                var copy = Set(sets[Int(generator.next() % UInt64(sets.count))])
                for _ in 0..<Int(generator.next() % 4) {
                    if let drop = copy.first { copy.remove(drop) }
                    copy.insert(generator.next() % 300)
                }
                sets.append(copy.sorted())
            } else {
                sets.append(Set((0..<(3 + Int(generator.next() % 30))).map { _ in generator.next() % 300 }).sorted())
            }
        }
        sets.append([])
        return sets
    }

    @Test(arguments: [0.5, 0.7, 0.8, 0.9])
    func prefixFilteringFindsExactlyThePairsAllPairsComparisonFinds(threshold: Double) {
        for seed in UInt64(1)...3 {
            let input = sets(seed: seed)
            let truth = ExactSimilarityJoin.allPairs(input, threshold: threshold)
            #expect(truth.count > 20, "the input has pairs to find")
            #expect(ExactSimilarityJoin.pairs(input, threshold: threshold) == truth)
        }
        // A pair exactly at the threshold counts: 4 shared of 5 is 0.8.
        #expect(ExactSimilarityJoin.pairs([[1, 2, 3, 4, 5], [1, 2, 3, 4]], threshold: 0.8).count == 1)
    }
}

@Suite struct NearDuplicateDeduplicatorTests {
    func item(_ clique: CLIcKItem, id: String? = nil, question: String? = nil, reviewed: Bool = false) -> Item {
        var item = Item(id: id ?? "ck-" + clique.id, task: .commonKnowledge, subject: "korean", language: "ko",
                        question: question ?? clique.stem, choices: clique.choices,
                        answer: clique.choices.firstIndex(of: clique.answer).map(Item.letter), choicesOrdered: false,
                        source: ItemSource(kind: "authored", sourceID: "click", document: "click.json", element: clique.id, license: nil, revision: "r"))
        if reviewed { item.review = ReviewSummary(status: "approved", rounds: ["fact-check"]) }
        return item
    }

    @Test func aNearCopyIsDroppedForTheReviewedOneAndTemplatedQuestionsWithOtherAnswersAreConflicts() throws {
        let click = try CLIcKItem.load()
        var items = click.map { item($0) }
        // A reworded copy of a question, reviewed, beside the original.
        let original = try #require(click.first { $0.id == "KIIP_tradition_1" })
        items.append(item(original, id: "ck-reworded", question: original.stem.replacingOccurrences(of: "대표적인", with: "대표적"), reviewed: true))
        let result = NearDuplicateDeduplicator.deduplicate(items, settings: NearDuplicateSettings(ngram: 5, threshold: 0.7, seed: 7))
        let dropped = try #require(result.dropped.first { $0.id == "ck-KIIP_tradition_1" })
        #expect(dropped.reason == "near_duplicate")
        #expect(dropped.detail.hasPrefix("similar to ck-reworded (Jaccard 0."))
        let near = try #require(result.clusters.first { $0.kind == "near_duplicate" && $0.members.contains("ck-reworded") })
        #expect(near.representative == "ck-reworded")
        #expect(try #require(near.similarity?["ck-KIIP_tradition_1"]) >= 0.7)
        // 국립/공립/사립학교: one template, three different answers: kept, for a person to look at.
        let schools = try #require(result.clusters.first { $0.members.contains("ck-KIIP_society_194") })
        #expect(schools.kind == "conflict" && schools.representative == nil)
        #expect(["ck-KIIP_society_194", "ck-KIIP_society_195", "ck-KIIP_society_196"].allSatisfy { id in result.unique.contains { $0.id == id } })
        #expect(result.unique.count == items.count - result.dropped.count)
        // Deterministic: the same items and seed give the same clusters.
        #expect(NearDuplicateDeduplicator.deduplicate(items, settings: NearDuplicateSettings(ngram: 5, threshold: 0.7, seed: 7)).clusters == result.clusters)
    }

    /// Clusters are looked at on every core, and come out in the order found (by first member),
    /// each keeping the member the keep rule prefers: here, of each pair, the copy without the
    /// spacing artefact, whether it comes first or second.
    @Test func manyClustersComeOutInOrderEachKeepingTheRulesChoice() {
        let pairs = 3_000
        var state: UInt64 = 42
        func syllable() -> Character {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Character(Unicode.Scalar(0xAC00 + UInt32(state >> 33) % 11_172)!)
        }
        var items: [Item] = []
        for number in 0..<pairs {
            // Thirty syllables drawn at random: no two pairs are alike.
            let text = String((0..<30).map { _ in syllable() })
            let clean = DedupTests.item(String(format: "ck-%05d-clean", number), text + "?")
            let spaced = DedupTests.item(String(format: "ck-%05d-spaced", number), text.prefix(15) + " " + text.dropFirst(15) + "?")
            items += number.isMultiple(of: 2) ? [clean, spaced] : [spaced, clean]
        }
        let result = NearDuplicateDeduplicator.deduplicate(items, settings: NearDuplicateSettings(ngram: 3, threshold: 0.5, seed: 3))
        #expect(result.clusters.count == pairs)
        #expect(result.clusters.map(\.representative) == (0..<pairs).map { String(format: "ck-%05d-clean", $0) })
        #expect(result.dropped.map(\.id) == (0..<pairs).map { String(format: "ck-%05d-spaced", $0) })
        #expect(result.unique.map(\.id) == items.map(\.id).filter { $0.hasSuffix("clean") })
        let first = items[0...1].map { Shingles.hashes(of: NearDuplicateDeduplicator.comparedText($0), n: 3) }
        #expect(result.clusters[0].similarity == ["ck-00000-spaced": Shingles.jaccard(first[0], first[1])])
    }
}
