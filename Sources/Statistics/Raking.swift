/// Iterative proportional fitting (raking) of cell weights to population margins.
///
/// Each cell belongs to one level of every dimension (`levels[cell][dimension]`). Weights are
/// scaled to each dimension's margin in turn until no weight changes by more than `tolerance`
/// (relative) in a full pass; the weights then sum to the first dimension's total. With `trimRatio`, weights above `trimRatio` × their mean are capped
/// after convergence and the raking is repeated, as survey statisticians do.
public struct Raking: Sendable {
    public struct Dimension: Sendable {
        public var name: String
        public var levelNames: [String]
        /// Population totals (or shares) per level.
        public var targets: [Double]

        public init(name: String, levelNames: [String], targets: [Double]) {
            self.name = name
            self.levelNames = levelNames
            self.targets = targets
        }
    }

    public struct Report: Sendable {
        public var weights: [Double]
        public var iterations: Int
        /// Per dimension and level: fitted total ÷ target − 1 at the end.
        public var marginErrors: [[Double]]
        /// Cells whose per-respondent weight was capped in any round.
        public var trimmedCells: Int
        /// False when re-raking kept pushing a weight over the cap (a margin forces it).
        public var trimmingHeld: Bool
    }

    public enum Failure: Error, Sendable, CustomStringConvertible, Equatable {
        case emptyLevel(dimension: String, level: String)
        case invalidTarget(dimension: String, level: String, value: Double)
        case notConverged(iterations: Int, dimension: String, level: String, relativeError: Double)
        case shapeMismatch(String)

        public var description: String {
            switch self {
            case .emptyLevel(let dimension, let level):
                return "margin \(dimension)=\(level) has a population target but no respondents; merge it with a neighbouring level"
            case .invalidTarget(let dimension, let level, let value):
                return "margin \(dimension)=\(level) has target \(value); targets must be finite and not negative"
            case .notConverged(let iterations, let dimension, let level, let relativeError):
                return "raking did not converge in \(iterations) iterations: margin \(dimension)=\(level) is still off by \(relativeError * 100)%"
            case .shapeMismatch(let message):
                return message
            }
        }
    }

    public var dimensions: [Dimension]
    public var tolerance: Double
    public var maxIterations: Int
    public var trimRatio: Double?

    public init(dimensions: [Dimension], tolerance: Double = 1e-6, maxIterations: Int = 100, trimRatio: Double? = nil) {
        self.dimensions = dimensions
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.trimRatio = trimRatio
    }

    /// Rakes `initial` cell weights; `levels[cell][d]` is the cell's level index in dimension `d`.
    public func fit(initial: [Double], levels: [[Int]]) throws(Failure) -> Report {
        guard initial.count == levels.count else {
            throw .shapeMismatch("\(initial.count) weights but \(levels.count) cells")
        }
        for cell in levels where cell.count != dimensions.count {
            throw .shapeMismatch("a cell has \(cell.count) levels for \(dimensions.count) dimensions")
        }
        // Every dimension is scaled to the first one's total, so margins from slightly different
        // bases (or given as shares) agree; the fitted weights sum to that total.
        let total = dimensions.first.map { $0.targets.reduce(0, +) } ?? initial.reduce(0, +)
        var scaledTargets: [[Double]] = []
        for dimension in dimensions {
            for (level, value) in dimension.targets.enumerated() where !(value.isFinite && value >= 0) {
                throw .invalidTarget(dimension: dimension.name, level: dimension.levelNames[level], value: value)
            }
            let sum = dimension.targets.reduce(0, +)
            scaledTargets.append(dimension.targets.map { sum > 0 ? $0 / sum * total : 0 })
        }
        for (d, dimension) in dimensions.enumerated() {
            var present = Array(repeating: 0.0, count: dimension.targets.count)
            for (cell, weight) in zip(levels, initial) { present[cell[d]] += weight }
            for level in present.indices where present[level] == 0 && scaledTargets[d][level] > 0 {
                throw .emptyLevel(dimension: dimension.name, level: dimension.levelNames[level])
            }
        }

        var weights = initial
        var iterations = try rake(&weights, levels: levels, targets: scaledTargets)
        var trimmed = 0
        var held = true
        if let trimRatio {
            // Per-respondent weight of a cell = cell weight ÷ its respondents; capped at
            // trimRatio × the mean per-respondent weight, then re-raked, until the cap holds.
            let respondents = initial.reduce(0, +)
            held = false
            for _ in 0..<50 {
                let cap = trimRatio * weights.reduce(0, +) / respondents
                let over = weights.indices.filter { initial[$0] > 0 && weights[$0] / initial[$0] > cap * 1.001 }
                if over.isEmpty { held = true; break }
                trimmed = max(trimmed, over.count)
                for index in over { weights[index] = cap * initial[index] }
                iterations += try rake(&weights, levels: levels, targets: scaledTargets)
            }
        }
        return Report(weights: weights, iterations: iterations,
                      marginErrors: marginErrors(weights, levels: levels, targets: scaledTargets),
                      trimmedCells: trimmed, trimmingHeld: held)
    }

    private func rake(_ weights: inout [Double], levels: [[Int]], targets: [[Double]]) throws(Failure) -> Int {
        for iteration in 1...max(maxIterations, 1) {
            var largestChange = 0.0
            for d in dimensions.indices {
                var current = Array(repeating: 0.0, count: targets[d].count)
                for (cell, weight) in zip(levels, weights) { current[cell[d]] += weight }
                let factors = zip(targets[d], current).map { target, have in have > 0 ? target / have : 1 }
                for index in weights.indices {
                    let factor = factors[levels[index][d]]
                    largestChange = max(largestChange, abs(factor - 1))
                    weights[index] *= factor
                }
            }
            if largestChange < tolerance { return iteration }
        }
        let errors = marginErrors(weights, levels: levels, targets: targets)
        var worst = (dimension: 0, level: 0, error: 0.0)
        for (d, levelErrors) in errors.enumerated() {
            for (level, error) in levelErrors.enumerated() where abs(error) > abs(worst.error) {
                worst = (d, level, error)
            }
        }
        throw .notConverged(iterations: maxIterations, dimension: dimensions[worst.dimension].name,
                            level: dimensions[worst.dimension].levelNames[worst.level], relativeError: worst.error)
    }

    private func marginErrors(_ weights: [Double], levels: [[Int]], targets: [[Double]]) -> [[Double]] {
        dimensions.indices.map { d in
            var current = Array(repeating: 0.0, count: targets[d].count)
            for (cell, weight) in zip(levels, weights) { current[cell[d]] += weight }
            return zip(current, targets[d]).map { have, target in target > 0 ? have / target - 1 : 0 }
        }
    }
}
