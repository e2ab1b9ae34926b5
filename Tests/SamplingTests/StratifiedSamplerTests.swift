import Testing
import Foundation
import DatasetCore
@testable import Sampling

@Suite struct StratifiedSamplerTests {
    var plan: SamplingPlan {
        var plan = SamplingPlan()
        plan.strata = ["subject"]
        return plan
    }

    @Test func quotasAreMetExactlyWhereThePoolAllows() {
        var plan = plan
        plan.quotas = .counts(["history": 30, "math": 20, "art": 5])
        let pool = items(50, subject: "history") + items(12, subject: "math") + items(9, subject: "music")
        let result = StratifiedSampler.sample(pool, plan: plan, seed: 9)
        #expect(result.items.filter { $0.subject == "history" }.count == 30)
        #expect(result.items.filter { $0.subject == "math" }.count == 12)
        #expect(result.items.filter { $0.subject == "music" }.count == 9)
        let report = Dictionary(uniqueKeysWithValues: result.report.map { ($0.stratum, $0) })
        #expect(report["history"] == StratumReport(stratum: "history", target: 30, available: 50, selected: 30, reserve: 0, shortfall: 0))
        #expect(report["math"] == StratumReport(stratum: "math", target: 20, available: 12, selected: 12, reserve: 0, shortfall: 8))
        #expect(report["art"] == StratumReport(stratum: "art", target: 5, available: 0, selected: 0, reserve: 0, shortfall: 5))
        #expect(report["music"]?.target == nil)
        #expect(result.notSelected.count == 20)
        #expect(result.notSelected.allSatisfy { $0.reason == "over_quota" })
    }

    /// A stratum is named by its fields' values joined by "/", and holds its items' positions
    /// in their order, also when values holding "/" join into the name of another combination.
    @Test func strataAreNamedByTheirFieldsAndKeepTheItemsOrder() {
        var plan = plan
        plan.strata = ["subject", "topic", "language"]
        let pool = items(2, subject: "a", topic: "b/c") + items(1, subject: "x") + items(2, subject: "a/b", topic: "c")
            + items(1, subject: "a", prefix: "other", topic: "b/c")
        let strata = StratifiedSampler.strata(pool, plan: plan)
        #expect(strata == ["a/b/c/ko": [0, 1, 3, 4, 5], "x/-/ko": [2]])
        // The same as naming every item's stratum and grouping by the names.
        let named = Dictionary(grouping: pool.indices) { plan.strata.map(pool[$0].field).joined(separator: "/") }
        #expect(strata == named)
        plan.strata = []
        #expect(StratifiedSampler.strata(pool, plan: plan) == ["": Array(pool.indices)])
    }

    @Test func sameSeedSameSelectionAndAnotherSeedAnother() {
        var plan = plan
        plan.quotas = .counts(["history": 10])
        let pool = items(50, subject: "history")
        let a = StratifiedSampler.sample(pool, plan: plan, seed: 1).items.map(\.id)
        let b = StratifiedSampler.sample(pool.reversed(), plan: plan, seed: 1).items.map(\.id)
        let c = StratifiedSampler.sample(pool, plan: plan, seed: 2).items.map(\.id)
        #expect(a == b)
        #expect(Set(a) != Set(c))
    }

    @Test func aTotalIsAllocatedOverTheStrata() {
        var proportional = plan
        proportional.quotas = .total(40, .proportional, deviations: [:])
        let pool = items(60, subject: "history") + items(20, subject: "math")
        let result = StratifiedSampler.sample(pool, plan: proportional, seed: 1)
        #expect(result.report.map(\.target) == [30, 10])
        var equal = plan
        equal.quotas = .total(40, .equal, deviations: [:])
        #expect(StratifiedSampler.sample(pool, plan: equal, seed: 1).report.map(\.selected) == [20, 20])
        var neyman = plan
        neyman.quotas = .total(40, .neyman, deviations: ["history": 1, "math": 3])
        #expect(StratifiedSampler.sample(pool, plan: neyman, seed: 1).report.map(\.target) == [20, 20])
    }

    @Test func oversamplingKeepsARankedReserve() {
        var plan = plan
        plan.quotas = .counts(["history": 10])
        plan.oversample = 0.2
        let result = StratifiedSampler.sample(items(50, subject: "history"), plan: plan, seed: 4)
        #expect(result.items.count == 12)
        #expect(result.selections.filter(\.reserve).map(\.rank) == [11, 12])
        #expect(result.report[0].reserve == 2)
    }

    @Test func subQuotasSplitAStratumByAnotherField() {
        var plan = plan
        plan.quotas = .counts([:])
        plan.subQuotas["science"] = .init(field: "topic", counts: ["biology": 3, "physics": 3])
        let pool = items(10, subject: "science", prefix: "bio", topic: "biology") + items(2, subject: "science", prefix: "phy", topic: "physics")
        let result = StratifiedSampler.sample(pool, plan: plan, seed: 4)
        #expect(result.items.filter { $0.topic == "biology" }.count == 3)
        #expect(result.items.filter { $0.topic == "physics" }.count == 2)
        #expect(result.report.map(\.stratum) == ["science/topic=biology", "science/topic=physics"])
        #expect(result.report[1].shortfall == 1)
    }

    /// Each item kept and each set aside comes with its place in the pool, strata interleaved
    /// in the pool and a stratum split by a sub-quota alike; every place once.
    @Test func everyItemComesWithItsPlaceInThePool() {
        var plan = plan
        plan.quotas = .counts(["history": 7, "math": 3])
        plan.subQuotas["science"] = .init(field: "topic", counts: ["biology": 2, "physics": 1])
        let parts = [items(10, subject: "history"), items(6, subject: "math"),
                     items(5, subject: "science", prefix: "bio", topic: "biology") + items(3, subject: "science", prefix: "phy", topic: "physics")]
        let pool = (0..<10).flatMap { index in parts.compactMap { index < $0.count ? $0[index] : nil } }
        let result = StratifiedSampler.sample(pool, plan: plan, seed: 3)
        #expect(result.positions.count == result.items.count && result.notSelectedPositions.count == result.notSelected.count)
        #expect(zip(result.positions, result.items).allSatisfy { pool[$0] == $1 })
        #expect(zip(result.notSelectedPositions, result.notSelected).allSatisfy { pool[$0] == $1.item })
        #expect((result.positions + result.notSelectedPositions).sorted() == Array(pool.indices))
    }

    @Test func belowMinimumIsReported() {
        var plan = plan
        plan.minimum = 5
        let result = StratifiedSampler.sample(items(3, subject: "art") + items(8, subject: "math"), plan: plan, seed: 1)
        #expect(StratifiedSampler.belowMinimum(result.report, plan: plan).map(\.stratum) == ["art"])
    }
}

/// Selections' own JSON writer and reader against Foundation's `Codable` path.
@Suite struct SelectionJSONTests {
    static let selections = [
        Selection(id: "ck-1", stratum: "common_knowledge/역사", rank: 0, quota: 12, reserve: false),
        Selection(id: "sv-\"2\"\n", stratum: "social_value/e\u{301}", rank: 41, quota: nil, reserve: true),
    ]

    @Test func writesAndReadsWhatFoundationDoes() throws {
        let encoder = JSONLines.makeEncoder()
        let expected = try Self.selections.map { String(decoding: try encoder.encode($0), as: UTF8.self).nfc + "\n" }.joined()
        let written = try JSONLines.encode(Self.selections)
        #expect(String(decoding: written, as: UTF8.self) == expected)
        #expect(!expected.contains("null"))
        let read = try JSONLines.decode(Selection.self, from: written, file: "selection.jsonl")
        #expect(read.map(\.quota) == [12, nil])
        #expect(read[0] == Self.selections[0])
        #expect(read[1].stratum == "social_value/é")
    }

    @Test func aWrongFieldIsReportedByFoundationsDecoder() throws {
        let line = #"{"id":"a","rank":"first","reserve":false,"stratum":"s"}"#
        #expect {
            try JSONLines.decode(Selection.self, from: Data(line.utf8), file: "selection.jsonl")
        } throws: { error in
            "\(error)".contains("selection.jsonl:1") && "\(error)".contains("rank")
        }
    }
}
