import Foundation
import Testing
@testable import Statistics

@Suite struct SurveyMathTests {
    @Test func normalQuantileMatchesTables() {
        #expect(abs(SurveyMath.normalQuantile(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(SurveyMath.normalQuantile(0.95) - 1.644853626951472) < 1e-12)
        #expect(abs(SurveyMath.normalQuantile(0.005) + 2.5758293035489) < 1e-9)
        #expect(abs(SurveyMath.normalQuantile(0.5)) < 1e-15)
    }

    @Test func marginOfErrorMatchesThePublishedFigures() {
        // REFERENCES.md: n = 1000, p = 0.5, 95%: ±3.10 points; with a design effect of 1.5: ±3.80.
        let simple = SurveyMath.marginOfError(p: 0.5, n: 1000)
        #expect((simple * 10000).rounded() / 100 == 3.10)
        let weighted = SurveyMath.marginOfError(p: 0.5, n: 1000, designEffect: 1.5)
        #expect((weighted * 10000).rounded() / 100 == 3.80)
    }

    @Test func finitePopulationCorrectionShrinksTheMargin() {
        let infinite = SurveyMath.marginOfError(p: 0.5, n: 1000)
        let finite = SurveyMath.marginOfError(p: 0.5, n: 1000, populationSize: 5000)
        #expect(abs(finite - infinite * ((5000.0 - 1000) / 4999).squareRoot()) < 1e-15)
        #expect(SurveyMath.marginOfError(p: 0.5, n: 1000, populationSize: 1000) == 0)
    }

    @Test func sampleSizeForAMargin() {
        // n0 = 1.96² · 0.25 / 0.03² = 1067.07 → 1068; with N = 10,000: 1068/(1+1067/10000) → 965.
        #expect(SurveyMath.sampleSize(margin: 0.03) == 1068)
        #expect(SurveyMath.sampleSize(margin: 0.05) == 385)
        #expect(SurveyMath.sampleSize(margin: 0.03, populationSize: 10_000) == 965)
    }

    @Test func kishEffectiveSampleSizeAndDesignEffect() {
        #expect(SurveyMath.effectiveSampleSize([1, 1, 1, 1]) == 4)
        // (1+1+2+4)² / (1+1+4+16) = 64/22
        #expect(abs(SurveyMath.effectiveSampleSize([1, 1, 2, 4]) - 64.0 / 22) < 1e-12)
        #expect(abs(SurveyMath.designEffect([1, 1, 2, 4]) - 4 * 22.0 / 64) < 1e-12)
    }

    @Test func weightedShares() {
        let shares = SurveyMath.weightedShares(categories: [0, 1, 1, 2], weights: [2, 1, 1, 4], count: 3)
        #expect(shares == [0.25, 0.25, 0.5])
    }
}

@Suite struct AllocationTests {
    @Test func proportionalAllocationSumsToTheTotal() {
        // 1,000 over strata of 50%, 30%, 20%.
        #expect(Allocation.allocate(total: 1000, populations: [5, 3, 2], method: .proportional) == [500, 300, 200])
        // 10 over thirds: remainders go to the earlier strata.
        #expect(Allocation.allocate(total: 10, populations: [1, 1, 1], method: .proportional) == [4, 3, 3])
        let sizes = Allocation.allocate(total: 1068, populations: [17_985_966, 7_540_246, 9_718_962, 1_520_200], method: .proportional)
        #expect(sizes.reduce(0, +) == 1068)
        #expect(sizes == [523, 219, 282, 44])
    }

    @Test func neymanAllocationFavoursVariableStrata() {
        // Cochran's textbook form: n_h ∝ N_h·S_h. N = (400, 600), S = (30, 10): 12000 : 6000.
        #expect(Allocation.allocate(total: 90, populations: [400, 600], deviations: [30, 10], method: .neyman) == [60, 30])
        #expect(Allocation.allocate(total: 9, populations: [1, 2, 3], method: .equal) == [3, 3, 3])
    }
}

@Suite struct DivergenceTests {
    @Test func jensenShannonInBitsMatchesWorkedValues() {
        #expect(Divergence.jensenShannon([0.5, 0.5], [0.5, 0.5]) == 0)
        #expect(abs(Divergence.jensenShannon([1, 0], [0, 1]) - 1) < 1e-12)
        // P = (0.1, 0.9), Q = (0.9, 0.1): M = (0.5, 0.5); KL(P‖M) = 0.1·log2(0.2) + 0.9·log2(1.8).
        let kl = 0.1 * log2(0.2) + 0.9 * log2(1.8)
        #expect(abs(Divergence.jensenShannon([0.1, 0.9], [0.9, 0.1]) - kl) < 1e-12)
        #expect(abs(Divergence.jensenShannonDistance([0.1, 0.9], [0.9, 0.1]) - kl.squareRoot()) < 1e-12)
        // Counts are normalized first.
        #expect(Divergence.jensenShannon([10, 90], [0.1, 0.9]) < 1e-15)
    }
}

@Suite struct PostStratificationTests {
    @Test func weightsMatchPopulationShares() throws {
        let weights = try PostStratification.weights(sample: ["m": 60, "f": 40], population: ["m": 0.48, "f": 0.52])
        #expect(abs(weights["m"]! - 0.8) < 1e-12)
        #expect(abs(weights["f"]! - 1.3) < 1e-12)
        #expect(abs(60 * weights["m"]! + 40 * weights["f"]! - 100) < 1e-9)
    }

    @Test func unmatchedLevelsAreErrors() {
        #expect(throws: PostStratification.Failure.emptyLevel("x")) {
            try PostStratification.weights(sample: ["m": 1], population: ["m": 1, "x": 1])
        }
        #expect(throws: PostStratification.Failure.missingTarget("nan")) {
            try PostStratification.weights(sample: ["m": 1, "nan": 2], population: ["m": 1])
        }
    }
}
