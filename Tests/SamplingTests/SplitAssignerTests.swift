import Testing
import DatasetCore
@testable import Sampling

func items(_ count: Int, subject: String, prefix: String = "ck") -> [Item] {
    (0..<count).map { index in
        Item(id: "\(prefix)-\(subject)-\(index)", task: .commonKnowledge, subject: subject, language: "ko",
             question: "질문 \(index)", choices: ["a", "b", "c", "d"], answer: "A", choicesOrdered: false,
             source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: "\(index)", license: nil, revision: "r"))
    }
}

@Suite struct SplitAssignerTests {
    @Test func devTakesKPerSubjectAndTestTheRest() {
        let pool = items(10, subject: "history") + items(3, subject: "math") + items(1, subject: "art")
        let splits = SplitAssigner(seed: 7, devPerSubject: 2).assign(pool)
        let dev = splits["dev"]!, test = splits["test"]!
        #expect(dev.filter { $0.subject == "history" }.count == 2)
        #expect(dev.filter { $0.subject == "math" }.count == 2)
        #expect(dev.filter { $0.subject == "art" }.count == 1)
        #expect(dev.count + test.count == pool.count)
        #expect(Set(dev.map(\.id)).isDisjoint(with: test.map(\.id)))
        #expect(dev.map(\.id) == dev.map(\.id).sorted())
    }

    @Test func sameSeedSameSplitsInAnyInputOrderAndAnotherSeedDiffers() {
        let pool = items(40, subject: "history")
        let first = SplitAssigner(seed: 1, devPerSubject: 5).assign(pool)
        let shuffled = SplitAssigner(seed: 1, devPerSubject: 5).assign(pool.reversed())
        let other = SplitAssigner(seed: 2, devPerSubject: 5).assign(pool)
        #expect(first["dev"]!.map(\.id) == shuffled["dev"]!.map(\.id))
        #expect(first["dev"]!.map(\.id) != other["dev"]!.map(\.id))
    }
}
