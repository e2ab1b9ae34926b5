import Foundation
import Testing
import DatasetCore
@testable import Dedup

func item(_ id: String, _ question: String, _ choices: [String] = ["a", "b", "c", "d"], answer: String = "A",
          flags: [String] = [], license: String? = nil) -> Item {
    Item(id: id, task: .commonKnowledge, subject: "s", language: "ko", question: question, choices: choices, answer: answer,
         choicesOrdered: false,
         source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: license, revision: "r"),
         flags: flags)
}

@Suite struct ExactDeduplicatorTests {
    @Test func keepsOneOfEachExactDuplicateGroup() {
        let items = [
            item("ck-3", "신라가 삼국을 통일하는 과정에서 당나라 군대를 몰아낸 전쟁은?"),
            item("ck-1", "신라가 삼국을 통일하는 과정에서 당나라 군대를 몰아낸 전쟁은"),
            item("ck-2", "다른 질문이다?"),
        ]
        let result = ExactDeduplicator.deduplicate(items)
        #expect(result.unique.map(\.id) == ["ck-3", "ck-2"])
        #expect(result.dropped.map(\.id) == ["ck-1"])
        #expect(result.dropped[0].detail == "same question, choices and answer as ck-3")
        #expect(result.clusters == [DuplicateCluster(kind: "duplicate", key: result.clusters[0].key, representative: "ck-3", members: ["ck-1", "ck-3"])])
    }

    @Test func theRepresentativeRuleDoesNotDependOnInputOrder() {
        let a = item("ck-a", "같은 질문이다?", flags: ["answer_longest"])
        let b = item("ck-b", "같은 질문이다?", license: "CC-BY-4.0")
        let c = item("ck-c", "같은 질문이다?")
        for order in [[a, b, c], [c, b, a], [b, a, c]] {
            #expect(ExactDeduplicator.deduplicate(order).unique.map(\.id) == ["ck-b"])
        }
    }

    @Test func sameStemWithDifferentChoicesOrAnswerIsAConflictNotAMerge() {
        let items = [
            item("ck-1", "대한민국의 수도는?", ["서울", "부산", "대구", "인천"], answer: "A"),
            item("ck-2", "대한민국의 수도는?", ["서울", "부산", "대구", "인천"], answer: "B"),
            item("ck-3", "대한민국의 수도는?", ["서울", "세종", "대구", "인천"], answer: "A"),
        ]
        let result = ExactDeduplicator.deduplicate(items)
        #expect(result.unique.count == 3)
        #expect(result.dropped.isEmpty)
        #expect(result.clusters.map(\.kind) == ["conflict"])
        #expect(result.clusters[0].members == ["ck-1", "ck-2", "ck-3"])
    }

    /// Thousands of items over a few hundred stems, in several chunks of keys: the same result as
    /// grouping every item by its key in one dictionary of lists, which is what the grouping does
    /// without making those lists.
    @Test func manyItemsGroupAsOneListPerKeyWouldGroupThem() {
        var generator = SplitMix64(seed: 17)
        let items = (0..<5_000).map { index in
            let stem = Int(generator.next() % 400)
            let answer = ["A", "B"][Int(generator.next() % 8 == 0 ? 1 : 0)]
            return item(String(format: "ck-%05d", (index * 7_919) % 5_000), "질문 \(stem)번은 무엇인가?", answer: answer)
        }
        let result = ExactDeduplicator.deduplicate(items)
        var groups: [String: [Item]] = [:]
        for item in items { groups["common_knowledge\u{1F}" + item.question.comparisonKeyKeepingNumbers, default: []].append(item) }
        var dropped: Set<String> = []
        var conflicts = 0
        for group in groups.values where group.count > 1 {
            let variants = Dictionary(grouping: group, by: { $0.answer ?? "" })
            if variants.count > 1 { conflicts += 1 }
            for members in variants.values { dropped.formUnion(members.sorted(by: KeepRule().prefers).dropFirst().map(\.id)) }
        }
        #expect(Set(result.dropped.map(\.id)) == dropped)
        #expect(result.unique.map(\.id) == items.filter { !dropped.contains($0.id) }.map(\.id))
        #expect(result.clusters.filter { $0.kind == "conflict" }.count == conflicts)
        #expect(conflicts > 100 && dropped.count > 3_000)
    }

    /// Items are grouped by their keys' hashes and then by the keys: when every hash collides,
    /// nothing more is merged and the result is the same. Keys in NFD meet their NFC twins.
    @Test func keysWhoseHashesCollideAreStillApart() {
        var generator = SplitMix64(seed: 5)
        var items = (0..<2_000).map { index in
            item(String(format: "ck-%04d", index), "질문 \(generator.next() % 300)번은 무엇인가?", answer: generator.next() % 6 == 0 ? "B" : "A")
        }
        items.append(item("ck-nfd", "질문 7번은 무엇인가?".decomposedStringWithCanonicalMapping))
        let result = ExactDeduplicator.deduplicate(items)
        let colliding = ExactDeduplicator.deduplicate(items, rule: KeepRule(), hash: { _ in 0 })
        #expect(colliding.unique.map(\.id) == result.unique.map(\.id))
        #expect(colliding.dropped == result.dropped)
        #expect(colliding.clusters == result.clusters)
        #expect(result.clusters.count > 250 && result.clusters.map(\.key) == result.clusters.map(\.key).sorted())
        #expect(result.clusters.contains { $0.members.contains("ck-nfd") })
    }

    @Test func choiceOrderDoesNotMakeADifferentItem() {
        let items = [
            item("ck-1", "대한민국의 수도는?", ["서울", "부산", "대구", "인천"], answer: "A"),
            item("ck-2", "대한민국의 수도는?", ["부산", "서울", "대구", "인천"], answer: "B"),
        ]
        #expect(ExactDeduplicator.deduplicate(items).dropped.map(\.id) == ["ck-2"])
    }
}

@Suite struct KeepRuleTests {
    @Test func theCuratorsSourcePriorityComesBeforeReviewFlagsAndLength() {
        var first = item("ck-1", "짧은 질문?")
        first.source.sourceID = "textbook"
        var second = item("ck-2", "훨씬 더 긴 질문입니다?")
        second.source.sourceID = "bank"
        second.review.status = "approved"
        #expect(KeepRule(sourcePriority: ["textbook", "bank"]).prefers(first, over: second))
        #expect(!KeepRule(sourcePriority: ["bank", "textbook"]).prefers(first, over: second))
        // Without a priority, review state decides.
        #expect(KeepRule().prefers(second, over: first))
    }

    @Test func pdfSpacingArtefactsDoNotWinOnLength() {
        // A KMMLU item and its copy with the spacing artefacts of PDF extraction.
        let clean = item("ck-9", "다음 중 사실의 착오에 해당하는 것은?")
        let spaced = item("ck-1", "다음 중 사실 의 착 오에 해당하는 것은?")
        #expect(KeepRule().prefers(clean, over: spaced))
        // Spacing is not folded by the comparison key, so the near-duplicate stage is the one that meets them.
        let near = NearDuplicateDeduplicator.deduplicate([spaced, clean], settings: NearDuplicateSettings(ngram: 3, threshold: 0.5, seed: 1))
        #expect(near.unique.map(\.id) == ["ck-9"])
        // The similarity reported is the exact Jaccard of the two texts' shingle sets.
        let sets = [clean, spaced].map { Shingles.hashes(of: NearDuplicateDeduplicator.comparedText($0), n: 3) }
        #expect(near.clusters.first?.similarity?["ck-1"] == Shingles.jaccard(sets[0], sets[1]))
    }

    @Test func aFullWidthCopyLosesToItsPlainTwinEvenWithALongerStem() {
        // Two copies that are one under the comparison key (NFKC, punctuation folded): the
        // full-width one, with a character more, is the artefact.
        let plain = item("ck-9", "According to the passage, which law cites it?")
        let wide = item("ck-1", "Ａccorｄing ｔo the ｐａssaｇe, which law cｉteｓ it?!")
        #expect(plain.question.comparisonKey == wide.question.comparisonKey)
        #expect(KeepRule().prefers(plain, over: wide) && !KeepRule().prefers(wide, over: plain))
        for items in [[plain, wide], [wide, plain]] {
            let result = ExactDeduplicator.deduplicate(items, rule: KeepRule())
            #expect(result.unique.map(\.id) == ["ck-9"] && result.dropped.map(\.id) == ["ck-1"])
        }
        // Width variants and ligatures count; what Korean exam items write as it is does not.
        #expect(["Ａ", "ｚ", "？", "ﾡ", "ﬁ"].allSatisfy { KeepRule.isWidthVariantOrLigature($0.unicodeScalars.first!) })
        #expect(!["ㄱ", "①", "가", "é", "漢", "a"].contains { KeepRule.isWidthVariantOrLigature($0.unicodeScalars.first!) })
    }

    @Test func surveyOptionsInAnotherOrderAreAnotherQuestion() {
        func survey(_ id: String, _ options: [String]) -> Item {
            var value = item(id, "나이 든 부모를 부양하는 것은 자녀의 의무이다.", options)
            value.task = .socialValue
            return value
        }
        let agree = ["동의한다", "보통이다", "동의하지 않는다"]
        #expect(ExactDeduplicator.deduplicate([survey("sv-1", agree), survey("sv-2", agree)]).dropped.map(\.id) == ["sv-2"])
        #expect(ExactDeduplicator.deduplicate([survey("sv-1", agree), survey("sv-2", agree.reversed())]).dropped.isEmpty)
    }
}

@Suite struct DedupStagesAgreeTests {
    /// A CLIcK item and a copy with one distractor changed (as KIIP_law_23 and _27: same stem,
    /// 4년 against 5년): the exact stage keeps the pair as a conflict, and so must the near stage.
    @Test func aConflictOfTheExactStageIsKeptByTheNearStage() throws {
        let url = try #require(Bundle.module.url(forResource: "Society_KIIP", withExtension: "json", subdirectory: "Fixtures"))
        let records = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        let record = try #require(records.first { ($0["choices"] as? [String])?.count == 4 })
        let choices = record["choices"] as! [String]
        let answer = Item.letter(choices.firstIndex(of: record["answer"] as! String)!)
        let distractor = choices.indices.first { Item.letter($0) != answer }!
        var changed = choices
        changed[distractor] += " 이상"
        let original = item("ck-1", record["question"] as! String, choices, answer: answer)
        let variant = item("ck-2", record["question"] as! String, changed, answer: answer)
        let exact = ExactDeduplicator.deduplicate([original, variant])
        #expect(exact.clusters.map(\.kind) == ["conflict"])
        let settings = NearDuplicateSettings(ngram: 5, threshold: 0.5, seed: 1)
        let near = NearDuplicateDeduplicator.deduplicate(exact.unique, settings: settings, conflicts: exact.clusters)
        #expect(near.dropped.isEmpty)
        #expect(near.clusters.map(\.kind) == ["conflict"])
        // Without the exact stage's decision, the near stage alone would have dropped one of them.
        #expect(NearDuplicateDeduplicator.deduplicate(exact.unique, settings: settings).dropped.count == 1)
    }

    @Test func surveyNearDuplicatesAreReportedNotDroppedUnlessSetTo() {
        func survey(_ id: String, _ party: String) -> Item {
            var value = item(id, "How much, if at all, do you trust \(party) in Congress to do what is right?",
                             ["A great deal", "A fair amount", "Not too much", "Not at all"], answer: "B")
            value.task = .socialValue
            return value
        }
        let items = [survey("sv-1", "Democrats"), survey("sv-2", "Republicans")]
        let settings = NearDuplicateSettings(ngram: 5, threshold: 0.6, seed: 1)
        let reported = NearDuplicateDeduplicator.deduplicate(items, settings: settings, actions: [.socialValue: .report])
        #expect(reported.dropped.isEmpty && reported.clusters.map(\.kind) == ["similar"])
        #expect(NearDuplicateDeduplicator.deduplicate(items, settings: settings, actions: [.socialValue: .drop]).dropped.count == 1)
        #expect(NearDuplicateDeduplicator.deduplicate(items, settings: settings, actions: [.socialValue: .off]).clusters.isEmpty)
    }
}
