import Foundation
import Testing
@testable import Statistics

@Suite struct ItemAnalysisTests {
    struct GirthFixture: Decodable {
        var responses: [[Int]]
        var discrimination: [Double]
        var difficulty: [Double]
    }

    @Test func twoParameterFitMatchesGirth() throws {
        let url = try #require(Bundle.module.url(forResource: "irt_2pl_girth", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(GirthFixture.self, from: Data(contentsOf: url))
        let fitted = TwoParameterLogistic.fit(fixture.responses.map { $0.map { $0 == 1 } })
        for (item, parameters) in fitted.enumerated() {
            #expect(abs(parameters.a - fixture.discrimination[item]) < 0.01, "item \(item): a \(parameters.a) vs girth \(fixture.discrimination[item])")
            #expect(abs(parameters.b - fixture.difficulty[item]) < 0.01, "item \(item): b \(parameters.b) vs girth \(fixture.difficulty[item])")
        }
    }

    @Test func gaussLegendreIntegratesPolynomialsExactly() {
        let (nodes, weights) = TwoParameterLogistic.gaussLegendre(count: 41, lower: -4.5, upper: 4.5)
        #expect(nodes.count == 41 && nodes == nodes.sorted())
        #expect(abs(weights.reduce(0, +) - 9) < 1e-12)
        // ∫ x⁴ over [−4.5, 4.5] = 2 · 4.5⁵ / 5.
        let integral = zip(nodes, weights).map { pow($0, 4) * $1 }.reduce(0, +)
        #expect(abs(integral - 2 * pow(4.5, 5) / 5) < 1e-9)
    }

    @Test func boundedMinimizationFindsTheMinimumOrTheBound() {
        let inside = TwoParameterLogistic.minimizeBounded(lower: 0, upper: 5, tolerance: 1e-8) { ($0 - 1.7) * ($0 - 1.7) }
        #expect(abs(inside - 1.7) < 1e-6)
        let atBound = TwoParameterLogistic.minimizeBounded(lower: 0.2, upper: 5, tolerance: 1e-5) { $0 }
        #expect(atBound < 0.2 + 1e-3)
    }

    @Test func informationPeaksAtTheDifficulty() {
        let item = TwoParameterLogistic.Parameters(a: 2, b: 0.5)
        #expect(abs(item.information(at: 0.5) - 1) < 1e-12)
        #expect(item.information(at: 1.5) < item.information(at: 0.5))
    }

    @Test func correctedPointBiserialLeavesTheItemOut() throws {
        // Four respondents, three items; item 0 is right for the two strongest.
        let scores: [[Bool?]] = [
            [true, true, false, false],
            [true, true, true, false],
            [true, false, false, nil],
        ]
        let values = ItemAnalysis.correctedPointBiserial(scores)
        // Rest scores for item 0: (1+1)/2, (1+0)/2, (1+0)/2, 0/1.
        let expected = try #require(ItemAnalysis.correlation([1, 1, 0, 0], [1, 0.5, 0.5, 0]))
        #expect(abs(try #require(values[0]) - expected) < 1e-12)
        #expect(abs(expected - 0.7071067811865475) < 1e-12)
        // A constant item has no correlation.
        #expect(ItemAnalysis.correctedPointBiserial([[true, true, true], [true, false, true]])[0] == nil)
    }

    @Test func kendallTauCountsPairs() {
        #expect(ItemAnalysis.kendallTau([3, 2, 1], [30, 20, 10]) == 1)
        #expect(ItemAnalysis.kendallTau([3, 2, 1], [10, 20, 30]) == -1)
        // One swapped pair of three: (2 − 1) / 3.
        #expect(abs(ItemAnalysis.kendallTau([3, 2, 1], [3, 1, 2])! - 1.0 / 3) < 1e-12)
        #expect(ItemAnalysis.kendallTau([1, 1], [1, 2]) == nil)
    }

    @Test func bootstrapIntervalIsReproducibleAndCoversTheMean() throws {
        struct LinearCongruential: RandomNumberGenerator {
            var state: UInt64
            mutating func next() -> UInt64 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return state
            }
        }
        func interval(seed: UInt64) -> (lower: Double, upper: Double)? {
            var generator = LinearCongruential(state: seed)
            return Bootstrap.meanInterval((0..<200).map { Double($0 % 7) }, resamples: 500, using: &generator)
        }
        let first = try #require(interval(seed: 1)), again = try #require(interval(seed: 1)), other = try #require(interval(seed: 2))
        #expect(first == again)
        #expect(first != other)
        let mean = Double((0..<200).map { $0 % 7 }.reduce(0, +)) / 200
        #expect(first.lower < mean && mean < first.upper)
        #expect(Bootstrap.percentile([1, 2, 3, 4], 0.5) == 2.5)
    }
}
