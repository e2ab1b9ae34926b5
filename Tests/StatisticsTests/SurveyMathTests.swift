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
