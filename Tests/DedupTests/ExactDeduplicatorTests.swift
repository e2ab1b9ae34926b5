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

    @Test func choiceOrderDoesNotMakeADifferentItem() {
        let items = [
            item("ck-1", "대한민국의 수도는?", ["서울", "부산", "대구", "인천"], answer: "A"),
            item("ck-2", "대한민국의 수도는?", ["부산", "서울", "대구", "인천"], answer: "B"),
        ]
        #expect(ExactDeduplicator.deduplicate(items).dropped.map(\.id) == ["ck-2"])
    }
}
