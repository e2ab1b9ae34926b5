import Testing
@testable import DatasetCore

/// Translations follow the item they translate out of a stage.
@Suite struct ParallelGroupsTests {
    static func item(_ id: String, translating group: String? = nil) -> Item {
        Item(id: id, task: .commonKnowledge, subject: "s", language: group == nil ? "ko" : "en", question: "q \(id)", choices: ["a", "b"],
             answer: "A", choicesOrdered: false,
             source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"),
             translation: group.map { ItemTranslation(group: $0, sourceLanguage: "ko", origin: .human) })
    }

    @Test func aTranslationWhoseItemIsGoneIsSetAsideWithTheReason() {
        let items = [Self.item("ck-1"), Self.item("ck-2", translating: "ck-1"), Self.item("ck-3", translating: "ck-9"), Self.item("ck-4")]
        let followed = ParallelGroups.removingOrphans(items, stage: "dedup")
        #expect(followed.kept.map(\.id) == ["ck-1", "ck-2", "ck-4"])
        #expect(followed.dropped.map(\.id) == ["ck-3"] && followed.dropped[0].reason == "source_set_aside" && followed.dropped[0].stage == "dedup")
        #expect(followed.dropped[0].detail.contains("ck-9"))
        #expect(ParallelGroups.originals(items).keys.sorted() == ["ck-1"])
        #expect(items[1].group == "ck-1" && items[0].group == "ck-1")
    }
}
