import Foundation

/// Divergences between answer distributions (GlobalOpinionQA compares a model to a country
/// by 1 − Jensen–Shannon distance).
public enum Divergence {
    /// Jensen–Shannon divergence with logarithms base 2, so it lies in [0, 1]:
    /// JSD(P, Q) = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q). Inputs are normalized to sum to 1.
    public static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
        precondition(p.count == q.count, "distributions must have the same length")
        let pSum = p.reduce(0, +), qSum = q.reduce(0, +)
        guard pSum > 0, qSum > 0 else { return .nan }
        var divergence = 0.0
        for (a, b) in zip(p, q) {
            let x = a / pSum, y = b / qSum
            let m = (x + y) / 2
            if x > 0 { divergence += 0.5 * x * log2(x / m) }
            if y > 0 { divergence += 0.5 * y * log2(y / m) }
        }
        return max(0, min(1, divergence))
    }

    /// Jensen–Shannon distance: the square root of the base-2 divergence, a metric in [0, 1].
    public static func jensenShannonDistance(_ p: [Double], _ q: [Double]) -> Double {
        jensenShannon(p, q).squareRoot()
    }
}
