import Foundation
import Testing
@testable import Statistics

struct IPFVector: Decodable {
    var seed: [[Double]]
    var row_targets: [Double]
    var col_targets: [Double]
    var expected_fitted: [[Double]]
    var first_iteration_row_then_col: [[Double]]
}

func ipfVector() throws -> IPFVector {
    let url = try #require(Bundle.module.url(forResource: "test_vectors", withExtension: "json", subdirectory: "Fixtures"))
    struct File: Decodable { var raking_ipf: [IPFVector] }
    return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).raking_ipf[0]
}

/// The 4×4 table as cells with a row level and a column level.
func cells(of table: [[Double]]) -> (weights: [Double], levels: [[Int]]) {
    var weights: [Double] = []
    var levels: [[Int]] = []
    for (row, values) in table.enumerated() {
        for (column, value) in values.enumerated() {
            weights.append(value)
            levels.append([row, column])
        }
    }
    return (weights, levels)
}

@Suite struct RakingTests {
    /// Raking of the vector's table to its row and column targets.
    func raking(_ vector: IPFVector, tolerance: Double, maxIterations: Int) -> Raking {
        Raking(dimensions: [
            .init(name: "row", levelNames: ["1", "2", "3", "4"], targets: vector.row_targets),
            .init(name: "column", levelNames: ["1", "2", "3", "4"], targets: vector.col_targets),
        ], tolerance: tolerance, maxIterations: maxIterations)
    }

    @Test func reproducesTheWikipediaIPFExampleToFourDecimals() throws {
        let vector = try ipfVector()
        let (weights, levels) = cells(of: vector.seed)
        let report = try raking(vector, tolerance: 1e-12, maxIterations: 1000).fit(initial: weights, levels: levels)
        for (index, expected) in vector.expected_fitted.flatMap({ $0 }).enumerated() {
            // The published table prints six significant digits.
            #expect(abs(report.weights[index] - expected) < 0.5e-4 * max(1, expected / 10), "cell \(index): \(report.weights[index]) vs \(expected)")
        }
        for errors in report.marginErrors { for error in errors { #expect(abs(error) < 1e-9) } }
    }

    @Test func firstIterationMatchesThePublishedIntermediateTable() throws {
        let vector = try ipfVector()
        let (weights, levels) = cells(of: vector.seed)
        // Any change passes an infinite tolerance, so the fit stops after one row-then-column pass.
        let firstPass = try raking(vector, tolerance: .infinity, maxIterations: 100).fit(initial: weights, levels: levels)
        #expect(firstPass.iterations == 1)
        for (index, expected) in vector.first_iteration_row_then_col.flatMap({ $0 }).enumerated() {
            #expect(abs(firstPass.weights[index] - expected) < 1e-4, "cell \(index)")
        }
        // With a real tolerance, one pass is not enough: the fit fails and names a margin.
        #expect(throws: Raking.Failure.self) {
            try raking(vector, tolerance: 1e-12, maxIterations: 1).fit(initial: weights, levels: levels)
        }
    }

    @Test func nonConvergenceNamesTheMarginThatFailed() throws {
        // Two cells, both in row level 0 and in different columns, cannot meet row targets 50/50
        // when row level 1 has a cell only in column 0: the fit oscillates within 2 iterations.
        let raking = Raking(dimensions: [
            .init(name: "region", levelNames: ["north", "south"], targets: [1, 1]),
            .init(name: "age", levelNames: ["young", "old"], targets: [1, 3]),
        ], tolerance: 1e-12, maxIterations: 3)
        do {
            _ = try raking.fit(initial: [10, 10, 10], levels: [[0, 0], [0, 1], [1, 0]])
            Issue.record("expected non-convergence")
        } catch let failure {
            guard case .notConverged(let iterations, let dimension, _, let error) = failure else {
                Issue.record("unexpected \(failure)")
                return
            }
            #expect(iterations == 3)
            #expect(["region", "age"].contains(dimension))
            #expect(abs(error) > 1e-6)
            #expect(failure.description.contains("did not converge in 3 iterations"))
        }
    }

    @Test func aLevelWithATargetButNoRespondentsIsAnError() {
        let raking = Raking(dimensions: [.init(name: "region", levelNames: ["north", "south"], targets: [60, 40])])
        #expect(throws: Raking.Failure.emptyLevel(dimension: "region", level: "south")) {
            try raking.fit(initial: [10, 20], levels: [[0], [0]])
        }
    }

    @Test func trimmingCapsPerRespondentWeightsAndKeepsTheMargins() throws {
        // Age × gender with only 2 old women: untrimmed, each carries a very large weight.
        let dimensions: [Raking.Dimension] = [
            .init(name: "age", levelNames: ["young", "old"], targets: [50, 50]),
            .init(name: "gender", levelNames: ["m", "f"], targets: [50, 50]),
        ]
        let counts: [Double] = [40, 40, 18, 2]
        let levels = [[0, 0], [0, 1], [1, 0], [1, 1]]
        let untrimmed = try Raking(dimensions: dimensions, tolerance: 1e-10).fit(initial: counts, levels: levels)
        let mean = 1.0
        #expect(untrimmed.weights[3] / counts[3] > 3 * mean)
        let trimmed = try Raking(dimensions: dimensions, tolerance: 1e-10, maxIterations: 1000, trimRatio: 3)
            .fit(initial: counts, levels: levels)
        #expect(trimmed.trimmingHeld)
        #expect(trimmed.trimmedCells >= 1)
        #expect(trimmed.weights[3] / counts[3] <= 3 * 1.001 + 1e-9)
        for errors in trimmed.marginErrors { for error in errors { #expect(abs(error) < 1e-6) } }
    }

    @Test func trimmingThatAMarginForbidsIsReported() throws {
        // One respondent alone stands for half the population: no cap can hold with the margin.
        let raking = Raking(dimensions: [.init(name: "age", levelNames: ["young", "old"], targets: [50, 50])],
                            tolerance: 1e-9, trimRatio: 3)
        let report = try raking.fit(initial: [9, 1], levels: [[0], [1]])
        #expect(!report.trimmingHeld)
        #expect(abs(report.weights[1] - 50) < 1e-6)
    }

    @Test func sharesAndCountsGiveTheSameWeights() throws {
        let counts = Raking(dimensions: [.init(name: "g", levelNames: ["m", "f"], targets: [480, 520])])
        let shares = Raking(dimensions: [.init(name: "g", levelNames: ["m", "f"], targets: [0.48, 0.52])])
        let a = try counts.fit(initial: [30, 70], levels: [[0], [1]])
        let b = try shares.fit(initial: [30, 70], levels: [[0], [1]])
        #expect(abs(a.weights[0] - 480) < 1e-9)
        #expect(abs(b.weights[0] - 0.48) < 1e-12)
        #expect(zip(a.weights, b.weights).allSatisfy { abs($0 / 1000 - $1) < 1e-12 })
    }
}
