import Foundation

/// The two-parameter logistic IRT model, P(right | θ) = 1 / (1 + exp(−a(θ − b))), fitted by
/// marginal maximum likelihood over a standard normal ability, as girth's `twopl_mml` fits it
/// (without its look-up table): 41 Gauss–Legendre points on [−4.5, 4.5]; every item starts at
/// a = 1, b = −1; then, item after item, a is the value in [0.2, 5] that maximizes the
/// marginal likelihood of all responses, with b for each a the difficulty at which the model's
/// share right over the ability distribution equals the item's observed share; until no a
/// moves by 1e-3 (at most 25 passes). The same estimator as the Python library the field uses,
/// so that the two can be checked against each other.
public enum TwoParameterLogistic {
    public struct Parameters: Sendable, Equatable {
        /// Discrimination: how sharply the chance of a right answer rises with ability.
        public var a: Double
        /// Difficulty: the ability at which the chance is one half.
        public var b: Double

        /// Fisher information at ability θ: a²P(1 − P).
        public func information(at theta: Double) -> Double {
            let p = 1 / (1 + exp(-a * (theta - b)))
            return a * a * p * (1 - p)
        }
    }

    public static let discriminationBounds = (lower: 0.2, upper: 5.0)
    public static let difficultyBounds = (lower: -6.0, upper: 6.0)

    /// Fits every item of `responses[item][respondent]`. Every item must have been answered
    /// right by some respondents and wrong by others (otherwise its difficulty is unbounded).
    public static func fit(_ responses: [[Bool]], maxPasses: Int = 25) -> [Parameters] {
        let items = responses.count
        guard items > 0 else { return [] }
        let persons = responses[0].count
        let (theta, weights) = gaussLegendre(count: 41, lower: -4.5, upper: 4.5)
        let points = theta.count
        let prior = zip(theta, weights).map { x, w in exp(-x * x / 2) / (2 * Double.pi).squareRoot() * w }
        let shares = responses.map { row in Double(row.filter { $0 }.count) / Double(persons) }
        var parameters = [Parameters](repeating: Parameters(a: 1, b: -1), count: items)

        // P(right | θ_q) at each point.
        func rightProbabilities(_ p: Parameters) -> [Double] {
            theta.map { 1 / (1 + exp(-p.a * ($0 - p.b))) }
        }
        func difficulty(discrimination a: Double, share: Double) -> Double {
            let decay = theta.map { exp(-a * $0) }
            return minimizeBounded(lower: difficultyBounds.lower, upper: difficultyBounds.upper, tolerance: 1e-4) { b in
                let scale = exp(a * b)
                var model = 0.0
                for q in 0..<points { model += prior[q] / (1 + scale * decay[q]) }
                return (share - model) * (share - model)
            }
        }
        // Each respondent's likelihood at each point over all items, times the prior; an item's
        // factor is divided out while its parameters are sought. Updated in place, not copied
        // for each evaluation.
        var joint = [Double](repeating: 1, count: persons * points)
        func scale(by item: Int, _ right: [Double], dividing: Bool) {
            for person in 0..<persons {
                let answeredRight = responses[item][person]
                for q in 0..<points {
                    let factor = answeredRight ? right[q] : 1 - right[q]
                    if dividing { joint[person * points + q] /= factor } else { joint[person * points + q] *= factor }
                }
            }
        }

        for _ in 0..<maxPasses {
            let previous = parameters
            for index in joint.indices { joint[index] = 1 }
            for item in 0..<items { scale(by: item, rightProbabilities(parameters[item]), dividing: false) }
            for person in 0..<persons { for q in 0..<points { joint[person * points + q] *= prior[q] } }

            for item in 0..<items {
                scale(by: item, rightProbabilities(previous[item]), dividing: true)
                let a = minimizeBounded(lower: discriminationBounds.lower, upper: discriminationBounds.upper, tolerance: 1e-5) { a in
                    let right = rightProbabilities(Parameters(a: a, b: difficulty(discrimination: a, share: shares[item])))
                    var negativeLog = 0.0
                    for person in 0..<persons {
                        let answeredRight = responses[item][person]
                        var marginal = 0.0
                        for q in 0..<points { marginal += (answeredRight ? right[q] : 1 - right[q]) * joint[person * points + q] }
                        negativeLog -= log(marginal)
                    }
                    return negativeLog
                }
                parameters[item] = Parameters(a: a, b: difficulty(discrimination: a, share: shares[item]))
                scale(by: item, rightProbabilities(parameters[item]), dividing: false)
            }
            if zip(parameters, previous).map({ abs($0.a - $1.a) }).max()! < 1e-3 { break }
        }
        return parameters
    }

    /// Gauss–Legendre nodes and weights on [lower, upper] (Newton's method on the Legendre
    /// polynomial from Chebyshev starting points).
    static func gaussLegendre(count n: Int, lower: Double, upper: Double) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = x
                for k in 2...n {
                    let p2 = (Double(2 * k - 1) * x * p1 - Double(k - 1) * p0) / Double(k)
                    p0 = p1
                    p1 = p2
                }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-15 { break }
            }
            nodes[n - 1 - i] = x
            weights[n - 1 - i] = 2 / ((1 - x * x) * derivative * derivative)
        }
        let half = (upper - lower) / 2
        return (nodes.map { half * ($0 + 1) + lower }, weights.map { $0 * half })
    }

    /// Brent's bounded minimization of a function of one variable (golden sections with
    /// parabolic steps), as `scipy.optimize.fminbound` does it.
    static func minimizeBounded(lower: Double, upper: Double, tolerance: Double, maxEvaluations: Int = 500,
                                _ f: (Double) -> Double) -> Double {
        let sqrtEpsilon = (2.2e-16).squareRoot()
        let goldenMean = 0.5 * (3 - 5.0.squareRoot())
        var a = lower, b = upper
        var fulc = a + goldenMean * (b - a)
        var nfc = fulc, xf = fulc
        var rat = 0.0, e = 0.0
        var fx = f(xf)
        var evaluations = 1
        var ffulc = fx, fnfc = fx
        var xm = 0.5 * (a + b)
        var tol1 = sqrtEpsilon * abs(xf) + tolerance / 3
        var tol2 = 2 * tol1
        while abs(xf - xm) > tol2 - 0.5 * (b - a) {
            var golden = true
            if abs(e) > tol1 {
                golden = false
                var r = (xf - nfc) * (fx - ffulc)
                var q = (xf - fulc) * (fx - fnfc)
                var p = (xf - fulc) * q - (xf - nfc) * r
                q = 2 * (q - r)
                if q > 0 { p = -p }
                q = abs(q)
                r = e
                e = rat
                if abs(p) < abs(0.5 * q * r) && p > q * (a - xf) && p < q * (b - xf) {
                    rat = p / q
                    let x = xf + rat
                    if x - a < tol2 || b - x < tol2 {
                        rat = tol1 * (xm - xf >= 0 ? 1 : -1)
                    }
                } else {
                    golden = true
                }
            }
            if golden {
                e = xf >= xm ? a - xf : b - xf
                rat = goldenMean * e
            }
            let x = xf + (rat >= 0 ? 1 : -1) * max(abs(rat), tol1)
            let fu = f(x)
            evaluations += 1
            if fu <= fx {
                if x >= xf { a = xf } else { b = xf }
                (fulc, ffulc) = (nfc, fnfc)
                (nfc, fnfc) = (xf, fx)
                (xf, fx) = (x, fu)
            } else {
                if x < xf { a = x } else { b = x }
                if fu <= fnfc || nfc == xf {
                    (fulc, ffulc) = (nfc, fnfc)
                    (nfc, fnfc) = (x, fu)
                } else if fu <= ffulc || fulc == xf || fulc == nfc {
                    (fulc, ffulc) = (x, fu)
                }
            }
            xm = 0.5 * (a + b)
            tol1 = sqrtEpsilon * abs(xf) + tolerance / 3
            tol2 = 2 * tol1
            if evaluations >= maxEvaluations { break }
        }
        return xf
    }
}
