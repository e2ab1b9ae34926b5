import Foundation

/// Tail probabilities and quantiles of the chi-square and Student t distributions, through the
/// regularized incomplete gamma and beta functions (series and Lentz continued fractions, as in
/// Numerical Recipes §6.2 and §6.4), accurate to about 1e-12.
public enum Distributions {
    /// P(X ≥ x) for X chi-square with `degreesOfFreedom`.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom: Double) -> Double {
        guard x > 0 else { return 1 }
        return regularizedGammaQ(degreesOfFreedom / 2, x / 2)
    }

    /// P(T ≤ t) for T Student t with `degreesOfFreedom`.
    public static func studentTCDF(_ t: Double, degreesOfFreedom v: Double) -> Double {
        let tail = 0.5 * regularizedBeta(v / (v + t * t), a: v / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The p quantile of Student's t with `degreesOfFreedom`, by bisection on the CDF.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom v: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        var low = -1.0, high = 1.0
        while studentTCDF(low, degreesOfFreedom: v) > p { low *= 2 }
        while studentTCDF(high, degreesOfFreedom: v) < p { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if studentTCDF(middle, degreesOfFreedom: v) < p { low = middle } else { high = middle }
            if high - low < 1e-13 * max(1, abs(middle)) { break }
        }
        return (low + high) / 2
    }

    /// Q(a, x) = Γ(a, x) / Γ(a).
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        if x < a + 1 {
            // The series for P(a, x).
            var term = 1 / a, sum = term, denominator = a
            for _ in 0..<1000 {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(-x + a * log(x) - lgamma(a)))
        }
        // The continued fraction for Q(a, x).
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...1000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// I_x(a, b), the regularized incomplete beta function.
    static func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let front = exp(a * log(x) + b * log(1 - x) - logBeta)
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return front * betaFraction(x, a, b) / a }
        return 1 - front * betaFraction(1 - x, b, a) / b
    }

    static func betaFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...1000 {
            let m = Double(m)
            var aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}
