/// Allocation of a total sample to strata (Cochran 1977, §5.5 and §5.9).
public enum Allocation {
    public enum Method: String, Sendable, CaseIterable {
        /// n_h = n · N_h / N
        case proportional
        /// n_h = n · N_h·S_h / Σ N_k·S_k
        case neyman
        /// n_h = n / H
        case equal
    }

    /// Whole-number sizes per stratum that sum to `total`, rounded by the largest-remainder
    /// method (ties to the earlier stratum), so that no stratum is rounded up at another's expense
    /// more than once. `deviations` (S_h) are needed for Neyman allocation.
    public static func allocate(total: Int, populations: [Double], deviations: [Double]? = nil,
                                method: Method) -> [Int] {
        guard !populations.isEmpty else { return [] }
        let weights: [Double]
        switch method {
        case .proportional:
            weights = populations
        case .neyman:
            let spreads = deviations ?? Array(repeating: 0.5, count: populations.count)
            weights = zip(populations, spreads).map { $0 * $1 }
        case .equal:
            weights = Array(repeating: 1, count: populations.count)
        }
        return largestRemainder(total: total, weights: weights)
    }

    /// Splits `total` in proportion to `weights` into whole numbers summing to `total`.
    public static func largestRemainder(total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return Array(repeating: 0, count: weights.count) }
        let exact = weights.map { Double(total) * $0 / sum }
        var sizes = exact.map { Int($0.rounded(.down)) }
        let remainders = exact.enumerated().map { ($0.offset, $0.element - $0.element.rounded(.down)) }
            .sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        for (index, _) in remainders.prefix(total - sizes.reduce(0, +)) { sizes[index] += 1 }
        return sizes
    }
}
