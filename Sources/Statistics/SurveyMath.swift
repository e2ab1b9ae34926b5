import Foundation

/// Survey-sampling formulas (Kish 1965; Cochran 1977), as used for every social-value distribution.
public enum SurveyMath {
    /// Kish effective sample size: (Σw)² / Σw².
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        let sum = weights.reduce(0, +)
        let squares = weights.reduce(0) { $0 + $1 * $1 }
        return squares > 0 ? sum * sum / squares : 0
    }

    /// Kish design effect of unequal weights: n·Σw² / (Σw)².
    public static func designEffect(_ weights: [Double]) -> Double {
        let effective = effectiveSampleSize(weights)
        return effective > 0 ? Double(weights.count) / effective : .nan
    }

    /// Margin of error of a share `p`: z·sqrt(deff·p(1−p)/n), times the finite-population
    /// correction sqrt((N−n)/(N−1)) when the population size N is known.
    public static func marginOfError(p: Double, n: Double, designEffect: Double = 1, confidence: Double = 0.95,
                                     populationSize: Double? = nil) -> Double {
        guard n > 0 else { return .nan }
        var margin = normalQuantile(0.5 + confidence / 2) * (designEffect * p * (1 - p) / n).squareRoot()
        if let population = populationSize, population > 1 {
            margin *= (max(population - n, 0) / (population - 1)).squareRoot()
        }
        return margin
    }

    /// Sample size for a target margin: n0 = z²·p(1−p)/e², then n = n0 / (1 + (n0−1)/N), rounded up.
    public static func sampleSize(margin: Double, confidence: Double = 0.95, p: Double = 0.5,
                                  designEffect: Double = 1, populationSize: Double? = nil) -> Int {
        let z = normalQuantile(0.5 + confidence / 2)
        var n = designEffect * z * z * p * (1 - p) / (margin * margin)
        if let population = populationSize, population > 0 {
            n = n / (1 + (n - 1) / population)
        }
        // A tiny epsilon keeps an exact integer result (e.g. 384.0000000001) from rounding up.
        return Int((n - 1e-9).rounded(.up))
    }

    /// Weighted shares of each category (0..<categories) from per-respondent categories and weights.
    public static func weightedShares(categories: [Int], weights: [Double], count: Int) -> [Double] {
        var totals = Array(repeating: 0.0, count: count)
        for (category, weight) in zip(categories, weights) { totals[category] += weight }
        let sum = totals.reduce(0, +)
        return totals.map { sum > 0 ? $0 / sum : 0 }
    }

    /// The standard normal quantile (inverse CDF), by Acklam's rational approximation with one
    /// Halley refinement step: accurate to about 1e-15.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let error = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}
