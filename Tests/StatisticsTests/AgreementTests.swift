import Foundation
import Testing
@testable import Statistics

/// The agreement vectors of `Fixtures/test_vectors.json` (see its README for their sources).
struct AgreementVectors: Decodable {
    struct Fleiss: Decodable {
        struct Expected: Decodable { var kappa: Double; var P_i: [Double]; var p_j: [Double]; var P_bar: Double; var P_e: Double }
        var counts: [[Double]]
        var expected: Expected
    }
    struct Cohen: Decodable {
        struct Unweighted: Decodable { var kappa: Double; var ase: Double; var ci95: [Double]; var ase_h0: Double; var z: Double }
        struct Weighted: Decodable { var kappa: Double }
        struct Simple: Decodable { var p_o: Double; var p_e: Double; var kappa: Double }
        var id: String
        var table: [[Double]]
        var expected_unweighted: Unweighted?
        var expected_linear_weighted_scores_0_1_2: Weighted?
        var expected: Simple?
    }
    struct Krippendorff: Decodable {
        var data: [[Int?]]
        var expected: [String: Double]
    }
    var fleiss_kappa: [Fleiss]
    var cohen_kappa: [Cohen]
    var krippendorff_alpha: [Krippendorff]

    static func load() throws -> AgreementVectors {
        let url = try #require(Bundle.module.url(forResource: "test_vectors", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(AgreementVectors.self, from: Data(contentsOf: url))
    }
}

/// Whether `value` prints as `published` at the published number of decimals.
func matches(_ value: Double, _ published: Double, decimals: Int) -> Bool {
    let scale = pow(10, Double(decimals))
    return abs((value * scale).rounded() - published * scale) < 0.5
}

@Suite struct AgreementTests {
    @Test func fleissKappaMatchesTheWikipediaExample() throws {
        let vector = try AgreementVectors.load().fleiss_kappa[0]
        let result = try #require(Agreement.fleissKappa(counts: vector.counts))
        #expect(matches(result.kappa, vector.expected.kappa, decimals: 3))
        #expect(matches(result.meanAgreement, vector.expected.P_bar, decimals: 3))
        #expect(matches(result.chanceAgreement, vector.expected.P_e, decimals: 3))
        for (value, published) in zip(result.itemAgreement, vector.expected.P_i) { #expect(matches(value, published, decimals: 3)) }
        for (value, published) in zip(result.categoryShares, vector.expected.p_j) { #expect(matches(value, published, decimals: 3)) }
    }

    @Test func fleissKappaNeedsTheSameNumberOfRatersPerItem() {
        #expect(Agreement.fleissKappa(counts: [[2, 1], [1, 1]]) == nil)
        #expect(Agreement.fleissKappa(counts: [[1, 0], [0, 1]]) == nil)
    }

    @Test func cohenKappaMatchesTheSASPrintout() throws {
        let vector = try #require(try AgreementVectors.load().cohen_kappa.first { $0.id == "sas_3x3_table10" })
        let expected = try #require(vector.expected_unweighted)
        let result = try #require(Agreement.cohenKappa(table: vector.table))
        #expect(matches(result.kappa, expected.kappa, decimals: 4))
        #expect(matches(result.standardError, expected.ase, decimals: 3))
        #expect(matches(result.standardErrorNull, expected.ase_h0, decimals: 4))
        #expect(matches(result.z, expected.z, decimals: 4))
        let interval = result.interval()
        #expect(matches(interval.lowerBound, expected.ci95[0], decimals: 4))
        #expect(matches(interval.upperBound, expected.ci95[1], decimals: 4))
        let weighted = try #require(Agreement.linearWeightedKappa(table: vector.table))
        #expect(matches(weighted, try #require(vector.expected_linear_weighted_scores_0_1_2).kappa, decimals: 4))
    }

    @Test func cohenKappaMatchesTheWikipediaExampleFromLabels() throws {
        let vector = try #require(try AgreementVectors.load().cohen_kappa.first { $0.id == "wikipedia_cohen_2x2" })
        let expected = try #require(vector.expected)
        // Expand the table into two raters' labels, one slot per proposal.
        var a: [String?] = [], b: [String?] = []
        let names = ["yes", "no"]
        for (i, row) in vector.table.enumerated() {
            for (j, count) in row.enumerated() {
                for _ in 0..<Int(count) { a.append(names[i]); b.append(names[j]) }
            }
        }
        a.append(nil); b.append("yes") // an item only one rater labelled is left out
        let result = try #require(Agreement.cohenKappa(a, b))
        #expect(result.items == 50)
        #expect(matches(result.observed, expected.p_o, decimals: 3))
        #expect(matches(result.expected, expected.p_e, decimals: 3))
        #expect(matches(result.kappa, expected.kappa, decimals: 3))
    }

    @Test(arguments: Agreement.Level.allCases)
    func krippendorffAlphaMatchesThe2011ExampleWithMissingData(level: Agreement.Level) throws {
        let vector = try AgreementVectors.load().krippendorff_alpha[0]
        let alpha = try #require(Agreement.krippendorffAlpha(vector.data, level: level, numericValue: { Double($0) }))
        #expect(matches(alpha, try #require(vector.expected[level.rawValue]), decimals: 3), "\(level): \(alpha)")
    }

    @Test func krippendorffAlphaOnLabelsNeedsTheirOrderOnlyForOrdinal() throws {
        let vector = try AgreementVectors.load().krippendorff_alpha[0]
        // Words whose alphabetical order is not the scale's order.
        let words = ["very low", "low", "mid", "high", "very high"]
        let labelled = vector.data.map { $0.map { $0.map { words[$0 - 1] } } }
        let nominal = try #require(Agreement.krippendorffAlpha(labelled, level: .nominal))
        #expect(matches(nominal, 0.743, decimals: 3))
        let ranked = labelled.map { $0.map { $0.map { RankedWord(word: $0, scale: words) } } }
        #expect(matches(try #require(Agreement.krippendorffAlpha(ranked, level: .ordinal)), 0.815, decimals: 3))
        let alphabetical = try #require(Agreement.krippendorffAlpha(labelled, level: .ordinal))
        #expect(!matches(alphabetical, 0.815, decimals: 3))
    }

    /// A seeded generator for repeatable draws (xorshift64*).
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    @Test func theBootstrapIntervalOfAlphaHoldsItAndNarrowsWithMoreItems() throws {
        let vector = try AgreementVectors.load().krippendorff_alpha[0]
        var generator = SeededGenerator(state: 42)
        let interval = try #require(Agreement.krippendorffAlphaInterval(vector.data, level: .nominal, using: &generator))
        #expect(interval.low < 0.743 && 0.743 < interval.high && interval.high <= 1)
        var again = SeededGenerator(state: 42)
        #expect(Agreement.krippendorffAlphaInterval(vector.data, level: .nominal, using: &again)! == interval)
        // The same units ten times over: the same alpha, a much narrower interval.
        let larger = vector.data.map { row in Array(repeating: row, count: 10).flatMap { $0 } }
        #expect(matches(try #require(Agreement.krippendorffAlpha(larger, level: .nominal)), 0.743, decimals: 2))
        let narrower = try #require(Agreement.krippendorffAlphaInterval(larger, level: .nominal, using: &generator))
        #expect(narrower.high - narrower.low < (interval.high - interval.low) / 2)
        #expect(Agreement.alphaReading(0.81) == "reliable" && Agreement.alphaReading(0.7).hasPrefix("tentative") && Agreement.alphaReading(0.2) == "not reliable")
    }

    /// The bootstrap counts the drawn units of each pattern of votes instead of copying the drawn
    /// columns: with the same draws, it gives what alpha of each drawn matrix gives (exactly, with
    /// two votes a unit; to rounding with four, where weights are thirds).
    @Test func theBootstrapByPatternsEqualsAlphaOfEachDrawnMatrix() throws {
        let published = try AgreementVectors.load().krippendorff_alpha[0].data
        let twoRaters: [[String?]] = [(0..<300).map { $0 % 7 == 0 ? "reject" : "approve" },
                                      (0..<300).map { $0 % 5 == 0 ? "reject" : $0 % 11 == 0 ? nil : "approve" }]
        func drawnOneByOne<Value: Hashable & Comparable>(_ data: [[Value?]], replicates: Int, seed: UInt64) -> (Double, Double)? {
            var generator = SeededGenerator(state: seed)
            let unitCount = data.map(\.count).max() ?? 0
            let rows = data.map { row in row + Array(repeating: nil, count: unitCount - row.count) }
            var alphas: [Double] = []
            for _ in 0..<replicates {
                let draw = (0..<unitCount).map { _ in Int.random(in: 0..<unitCount, using: &generator) }
                if let alpha = Agreement.krippendorffAlpha(rows.map { row in draw.map { row[$0] } }, level: .nominal) { alphas.append(alpha) }
            }
            alphas.sort()
            func quantile(_ p: Double) -> Double { alphas[min(alphas.count - 1, max(0, Int((p * Double(alphas.count - 1)).rounded())))] }
            return alphas.count * 2 >= replicates ? (quantile(0.025), quantile(0.975)) : nil
        }
        var generator = SeededGenerator(state: 7)
        let expected = try #require(drawnOneByOne(twoRaters, replicates: 200, seed: 7))
        let interval = try #require(Agreement.krippendorffAlphaInterval(twoRaters, level: .nominal, replicates: 200, using: &generator))
        #expect(interval.low == expected.0 && interval.high == expected.1, "two votes a unit: the same sums, exactly")
        generator = SeededGenerator(state: 9)
        let fromPublished = try #require(drawnOneByOne(published, replicates: 200, seed: 9))
        let patterned = try #require(Agreement.krippendorffAlphaInterval(published, level: .nominal, replicates: 200, using: &generator))
        #expect(abs(patterned.low - fromPublished.0) < 1e-12 && abs(patterned.high - fromPublished.1) < 1e-12, "up to four votes a unit")
    }

    /// Agreement over many reviewers, each on a few items, found from the pairs within each item:
    /// the same figures as a reviewers × items matrix and a scan of every item for each pair.
    @Test func agreementAmongManyReviewersEqualsTheMatrixAndPairScans() throws {
        var generator = SeededGenerator(state: 11)
        let order = ["low", "mid", "high"]
        let reviewers = (0..<40).map { "r\($0)" }
        var units: [[(String, String)]] = (0..<3000).map { _ in
            let chosen = reviewers.shuffled(using: &generator).prefix(Int.random(in: 1...4, using: &generator))
            return chosen.map { ($0, order[Int.random(in: 0..<3, using: &generator)]) }
        }
        // A reviewer's second vote on an item is not a second rater: the first counts.
        units[0] = [("r1", "low"), ("r2", "high"), ("r1", "high")]
        var draws = SeededGenerator(state: 5)
        let measured = VariableAgreement.measure(variable: "level", scope: "all", order: order, raters: 2, units: units,
                                                 interval: true, using: &draws)

        let pairable = units.filter { $0.count >= 2 }
        let named = Array(Set(pairable.flatMap { $0.map(\.0) })).sorted()
        let matrix: [[String?]] = named.map { reviewer in pairable.map { unit in unit.first { $0.0 == reviewer }?.1 } }
        #expect(measured.items == pairable.count)
        #expect(measured.alphaNominal == Agreement.krippendorffAlpha(matrix, level: .nominal))
        #expect(measured.alphaOrdinal == Agreement.krippendorffAlpha(matrix.map { $0.map { $0.flatMap { order.firstIndex(of: $0) } } }, level: .ordinal))
        var again = SeededGenerator(state: 5)
        let interval = try #require(Agreement.krippendorffAlphaInterval(matrix, level: .nominal, using: &again))
        #expect(measured.alphaNominalInterval == [interval.low, interval.high])
        var pairs: [VariableAgreement.Pair] = []
        for (i, a) in named.enumerated() {
            for b in named[(i + 1)...] {
                let both = pairable.compactMap { unit -> (String, String)? in
                    guard let x = unit.first(where: { $0.0 == a })?.1, let y = unit.first(where: { $0.0 == b })?.1 else { return nil }
                    return (x, y)
                }
                if both.isEmpty { continue }
                var table = Array(repeating: Array(repeating: 0.0, count: 3), count: 3)
                for (x, y) in both { table[order.firstIndex(of: x)!][order.firstIndex(of: y)!] += 1 }
                pairs.append(.init(reviewers: [a, b], kappa: Agreement.cohenKappa(both.map(\.0), both.map(\.1))?.kappa,
                                   quadraticKappa: Agreement.weightedKappa(table: table, weights: .quadratic), items: both.count))
            }
        }
        #expect(pairs.count > 300, "most pairs of the forty reviewers share items")
        #expect(measured.cohen.count == pairs.count)
        #expect(Array(zip(measured.cohen, pairs).filter { $0 != $1 }.prefix(3)).isEmpty, "the first pairs that differ")
    }

    @Test func perfectAgreementIsOneAndNoVariationIsUndefined() {
        #expect(Agreement.krippendorffAlpha([[1, 2, 1], [1, 2, 1]] as [[Int?]], level: .nominal) == 1)
        #expect(Agreement.krippendorffAlpha([[1, 1], [1, 1]] as [[Int?]], level: .nominal) == nil)
        #expect(Agreement.krippendorffAlpha([[1, nil], [nil, 2]] as [[Int?]], level: .nominal) == nil)
    }
}

/// A word ranked by its place on a scale, not alphabetically.
struct RankedWord: Hashable, Comparable {
    var word: String
    var scale: [String]
    static func < (a: RankedWord, b: RankedWord) -> Bool { a.scale.firstIndex(of: a.word)! < b.scale.firstIndex(of: b.word)! }
}
