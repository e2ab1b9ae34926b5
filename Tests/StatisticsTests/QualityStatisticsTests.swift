import Foundation
import Testing
@testable import Statistics

/// AC1, Fleiss' kappa with its error, weighted kappa, the Vendi score and the t and chi-square
/// tails against irrCAC, statsmodels, vendi-score and scipy (`quality_packages.json`).
@Suite struct QualityStatisticsTests {
    struct Fixture: Decodable {
        struct Ratings: Decodable {
            var counts: [[Double]]
            var ac1: Double, ac1_se: Double, ac1_interval: [Double]
            var fleiss: Double, fleiss_se: Double, fleiss_interval: [Double]
        }
        struct Weighted: Decodable { var table: [[Double]]; var quadratic: Double; var linear: Double }
        struct Similarity: Decodable { var matrix: [[Double]]; var vendi: Double }
        struct Quantile: Decodable { var p: Double; var df: Double; var value: Double }
        struct Tail: Decodable { var x: Double; var df: Double; var value: Double }
        var agreement: [Ratings]
        var weighted_kappa: [Weighted]
        var vendi: [Similarity]
        var t_quantiles: [Quantile]
        var chi2_survival: [Tail]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "quality_packages", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func ac1AndFleissMatchIrrCAC() throws {
        for (index, case_) in try Self.fixture().agreement.enumerated() {
            let ac1 = try #require(Agreement.gwetAC1(counts: case_.counts))
            #expect(abs(ac1.value - case_.ac1) < 1e-9, "case \(index): AC1 \(ac1.value) vs \(case_.ac1)")
            #expect(abs(ac1.standardError - case_.ac1_se) < 1e-9, "case \(index): AC1 SE \(ac1.standardError) vs \(case_.ac1_se)")
            let interval = ac1.interval()
            #expect(abs(interval.lowerBound - case_.ac1_interval[0]) < 1e-8 && abs(interval.upperBound - case_.ac1_interval[1]) < 1e-8,
                    "case \(index): AC1 interval \(interval) vs \(case_.ac1_interval)")
            let fleiss = try #require(Agreement.fleissKappaWithError(counts: case_.counts))
            #expect(abs(fleiss.value - case_.fleiss) < 1e-9, "case \(index): Fleiss \(fleiss.value) vs \(case_.fleiss)")
            #expect(abs(fleiss.standardError - case_.fleiss_se) < 1e-9, "case \(index): Fleiss SE \(fleiss.standardError) vs \(case_.fleiss_se)")
            let fleissInterval = fleiss.interval()
            #expect(abs(fleissInterval.lowerBound - case_.fleiss_interval[0]) < 1e-8, "case \(index): \(fleissInterval)")
        }
    }

    @Test func generalizedFleissEqualsFleissWithEqualRaters() throws {
        // Wikipedia's worked example of Fleiss' kappa: 10 items, 14 raters, κ = 0.210.
        let counts: [[Double]] = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                                  [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
        let general = try #require(Agreement.fleissKappaWithError(counts: counts))
        let classic = try #require(Agreement.fleissKappa(counts: counts))
        #expect(abs(general.value - classic.kappa) < 1e-12)
        #expect(abs(general.value - 0.210) < 0.001)
    }

    @Test func ac1StaysHighWhereKappaCollapsesOnARareLabel() throws {
        // 48 items all CA by both raters, 2 split: kappa near 0, AC1 near 1.
        let counts = Array(repeating: [2.0, 0], count: 48) + [[1, 1], [1, 1]]
        let ac1 = try #require(Agreement.gwetAC1(counts: counts))
        let fleiss = try #require(Agreement.fleissKappaWithError(counts: counts))
        #expect(ac1.value > 0.95)
        #expect(fleiss.value < 0)
        // An item rated once counts in the category shares and the variance's n, not in observed agreement.
        let once = try #require(Agreement.gwetAC1(counts: [[2, 0], [1, 0]]))
        #expect(once.value == 1 && once.observed == 1 && once.chance == 0 && once.items == 2)
        #expect(Agreement.gwetAC1(counts: [[1, 0], [0, 1]]) == nil, "no item rated twice")
    }

    @Test func weightedKappaMatchesStatsmodels() throws {
        for case_ in try Self.fixture().weighted_kappa {
            let quadratic = try #require(Agreement.weightedKappa(table: case_.table, weights: .quadratic))
            #expect(abs(quadratic - case_.quadratic) < 1e-12, "\(quadratic) vs \(case_.quadratic)")
            let linear = try #require(Agreement.linearWeightedKappa(table: case_.table))
            #expect(abs(linear - case_.linear) < 1e-12)
        }
    }

    @Test func vendiMatchesTheVendiScorePackage() throws {
        for case_ in try Self.fixture().vendi {
            let n = case_.matrix.count
            let score = Vendi.score(similarity: case_.matrix.flatMap { $0 }, count: n)
            #expect(abs(score - case_.vendi) < 1e-9, "n = \(n): \(score) vs \(case_.vendi)")
        }
        // n unrelated items score n; n copies of one score 1.
        let identity = (0..<7).flatMap { i in (0..<7).map { $0 == i ? 1.0 : 0 } }
        #expect(abs(Vendi.score(similarity: identity, count: 7) - 7) < 1e-9)
        #expect(abs(Vendi.score(similarity: Array(repeating: 1, count: 36), count: 6) - 1) < 1e-9)
    }

    @Test func eigenvaluesOfAKnownMatrix() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3; a diagonal matrix its diagonal.
        #expect(SymmetricEigenvalues.of([2, 1, 1, 2], count: 2).map { ($0 * 1e9).rounded() / 1e9 } == [1, 3])
        let eigenvalues = SymmetricEigenvalues.of([4, 1, 0, 1, 3, 1, 0, 1, 2], count: 3)
        #expect(abs(eigenvalues.reduce(0, +) - 9) < 1e-12, "the trace")
        #expect(abs(eigenvalues.reduce(1, *) - 18) < 1e-9, "the determinant: 4·(6−1) − 1·(2) = 18")
    }

    /// The tridiagonal form is that of Numerical Recipes' `tred2` as printed (below), bit for
    /// bit, on Jaccard-like matrices, matrices with zero rows, and sizes 2 to 300.
    @Test func theTridiagonalFormIsTheTextbooksBitForBit() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for n in [2, 3, 4, 7, 31, 64, 150, 300] {
            var matrix = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                matrix[i * n + i] = 1
                for j in 0..<i {
                    // Rows 1 and 2 (when there are more than 3) are zero off the diagonal.
                    let value = n > 3 && (i <= 2 && i >= 1 || j >= 1 && j <= 2) ? 0 : (uniform() < 0.3 ? 0 : uniform())
                    matrix[i * n + j] = value
                    matrix[j * n + i] = value
                }
            }
            let scaled = matrix.map { $0 / Double(n) }
            let expected = Self.textbookTridiagonal(scaled, count: n)
            let found = SymmetricEigenvalues.tridiagonal(scaled, count: n)
            #expect(found.diagonal.map(\.bitPattern) == expected.diagonal.map(\.bitPattern), "n = \(n)")
            #expect(found.off.map(\.bitPattern) == expected.off.map(\.bitPattern), "n = \(n)")
            #expect(abs(SymmetricEigenvalues.of(scaled, count: n).reduce(0, +) - 1) < 1e-9, "n = \(n): the trace of K/n is 1")
        }
    }

    /// `tred2` of Numerical Recipes §11.2 (eigenvalues only), as printed.
    static func textbookTridiagonal(_ matrix: [Double], count n: Int) -> (diagonal: [Double], off: [Double]) {
        var a = matrix
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, to: 0, by: -1) {
            let l = i - 1
            var h = 0.0
            if l > 0 {
                var scale = 0.0
                for k in 0...l { scale += abs(a[i * n + k]) }
                if scale == 0 {
                    e[i] = a[i * n + l]
                } else {
                    for k in 0...l { a[i * n + k] /= scale; h += a[i * n + k] * a[i * n + k] }
                    var f = a[i * n + l]
                    let g = f >= 0 ? -h.squareRoot() : h.squareRoot()
                    e[i] = scale * g
                    h -= f * g
                    a[i * n + l] = f - g
                    f = 0
                    for j in 0...l {
                        var g = 0.0
                        for k in 0...j { g += a[j * n + k] * a[i * n + k] }
                        if j < l { for k in (j + 1)...l { g += a[k * n + j] * a[i * n + k] } }
                        e[j] = g / h
                        f += e[j] * a[i * n + j]
                    }
                    let hh = f / (h + h)
                    for j in 0...l {
                        let f = a[i * n + j]
                        let g = e[j] - hh * f
                        e[j] = g
                        for k in 0...j { a[j * n + k] -= f * e[k] + g * a[i * n + k] }
                    }
                }
            } else {
                e[i] = a[i * n + l]
            }
        }
        for i in 0..<n { d[i] = a[i * n + i] }
        return (d, e)
    }

    @Test func tailsMatchScipy() throws {
        let fixture = try Self.fixture()
        for q in fixture.t_quantiles {
            let value = Distributions.studentTQuantile(q.p, degreesOfFreedom: q.df)
            #expect(abs(value - q.value) < 1e-9 * max(1, abs(q.value)), "t(\(q.p), \(q.df)) = \(value) vs \(q.value)")
        }
        for tail in fixture.chi2_survival {
            let value = Distributions.chiSquareSurvival(tail.x, degreesOfFreedom: tail.df)
            #expect(abs(value - tail.value) < 1e-12, "chi2.sf(\(tail.x), \(tail.df)) = \(value) vs \(tail.value)")
        }
    }
}
