import Testing
import DatasetCore
import Sampling
@testable import Pipeline

/// Translations in sampling and the release's final selection: quotas count items in their own
/// language, and a translation goes where its item goes, or nowhere.
@Suite struct TranslationSelectionTests {
    static func item(_ id: String, translating group: String? = nil) -> Item {
        Item(id: id, task: .commonKnowledge, subject: "history", language: group == nil ? "ko" : "en", question: "q \(id)",
             choices: ["a", "b"], answer: "A", choicesOrdered: false,
             source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"),
             translation: group.map { ItemTranslation(group: $0, sourceLanguage: "ko", origin: .human) })
    }

    @Test func quotasCountItemsInTheirOwnLanguageAndTranslationsComeAlong() {
        let originals = (0..<6).map { Self.item("ck-\($0)") }
        let translations = (0..<6).map { Self.item("ck-t\($0)", translating: "ck-\($0)") }
        var plan = SamplingPlan()
        plan.quotas = .counts(["common_knowledge/history": 2])
        plan.strata = ["task", "subject"]
        let result = StratifiedSampler.sample(originals + translations, plan: plan, seed: 7)
        #expect(result.report.map(\.available) == [6] && result.report.map(\.selected) == [2])
        let chosen = result.items.filter { $0.translation == nil }.map(\.id)
        #expect(chosen.count == 2)
        #expect(Set(result.items.compactMap(\.translation?.group)) == Set(chosen))
        #expect(result.selections.count == result.items.count)
        // Each translation right after its item, with the same rank.
        for (index, item) in result.items.enumerated() where item.translation != nil {
            #expect(result.items[index - 1].id == item.group && result.selections[index].rank == result.selections[index - 1].rank)
        }
        #expect(result.notSelected.filter { $0.item.translation != nil }.count == 4)
    }

    /// Each stratum keeps its quota of the reviewed items in rank order, strata in name order,
    /// whether the selections come as the sample stage writes them or in any other order.
    @Test func theFinalSelectionTakesEachStratumsQuotaInRankOrderWhateverTheSelectionsOrder() {
        let strata = [("social_value/values", 3), ("common_knowledge/arts", 4), ("common_knowledge/history", 2)]
        var selections: [Selection] = [], items: [Item] = []
        for (offset, (stratum, quota)) in strata.enumerated() {
            for rank in 1...6 {
                let id = "ck-\(offset)\(rank)"
                selections.append(Selection(id: id, stratum: stratum, rank: rank, quota: quota, reserve: rank > quota))
                // Review dropped the second of each stratum: the first reserve takes its place.
                if rank != 2 { items.append(Self.item(id)) }
            }
        }
        let written = selections.sorted { ($0.stratum, $0.rank) < ($1.stratum, $1.rank) }
        let expected = ["ck-11", "ck-13", "ck-14", "ck-15", "ck-21", "ck-23", "ck-01", "ck-03", "ck-04"]
        var generator = SplitMix64(seed: 3)
        for order in [written, selections, written.reversed(), written.shuffled(using: &generator)] {
            let final = Stage.finalSelection(items.shuffled(using: &generator), selections: order)
            #expect(final.items.map(\.id) == expected)
            #expect(final.shortfall.map(\.stratum) == ["common_knowledge/arts", "common_knowledge/history", "social_value/values"])
            #expect(final.shortfall.map(\.available) == [5, 5, 5] && final.reserveLeft == 1 + 3 + 2)
        }
    }

    @Test func aTranslationWhoseItemReviewDroppedIsNotReleased() {
        let kept = Self.item("ck-1"), rejected = Self.item("ck-2")
        let items = [kept, Self.item("ck-t1", translating: "ck-1"), Self.item("ck-t2", translating: "ck-2")]
        let selections = [kept, rejected].enumerated().map {
            Selection(id: $0.element.id, stratum: "common_knowledge/history", rank: $0.offset + 1, quota: 1, reserve: false)
        } + [Selection(id: "ck-t1", stratum: "common_knowledge/history", rank: 1, quota: 1, reserve: false),
             Selection(id: "ck-t2", stratum: "common_knowledge/history", rank: 2, quota: 1, reserve: false)]
        // Review rejected ck-2: it is not among the reviewed items, its translation is.
        let final = Stage.finalSelection(items, selections: selections)
        #expect(final.items.map(\.id) == ["ck-1", "ck-t1"])
        #expect(final.shortfall.map(\.selected) == [1] && final.reserveLeft == 0)
    }
}
