import Foundation

/// Chance-corrected agreement between reviewers: Cohen's kappa (two raters), Fleiss' kappa
/// (the same number of raters per item) and Krippendorff's alpha (any raters, missing values,
/// nominal to ratio scales). Formulas follow Cohen (1960), Fleiss (1971), Fleiss, Cohen and
/// Everitt (1969) for the standard errors, and Krippendorff (2011).
public enum Agreement {
    public struct CohenKappa: Sendable, Equatable {
        public var kappa: Double
        /// Observed and chance agreement.
        public var observed: Double
        public var expected: Double
        /// Asymptotic standard error, and the one under the null hypothesis κ = 0.
        public var standardError: Double
        public var standardErrorNull: Double
        /// κ / standardErrorNull.
        public var z: Double
        public var items: Int

        /// The confidence interval κ ± z·ASE at `confidence`.
        public func interval(confidence: Double = 0.95) -> ClosedRange<Double> {
            let z = SurveyMath.normalQuantile(0.5 + confidence / 2)
            return (kappa - z * standardError)...(kappa + z * standardError)
        }
    }

    /// Cohen's kappa from a square contingency table: rows are rater A's categories, columns
    /// rater B's, in the same order. Nil when the table is empty or chance agreement is 1.
    public static func cohenKappa(table: [[Double]]) -> CohenKappa? {
        let k = table.count
        guard k > 0, table.allSatisfy({ $0.count == k }) else { return nil }
        let total = table.joined().reduce(0, +)
        guard total > 0 else { return nil }
        let p = table.map { $0.map { $0 / total } }
        let rows = p.map { $0.reduce(0, +) }
        let columns = (0..<k).map { j in p.reduce(0) { $0 + $1[j] } }
        let observed = (0..<k).reduce(0) { $0 + p[$1][$1] }
        let expected = (0..<k).reduce(0) { $0 + rows[$1] * columns[$1] }
        guard expected < 1 else { return nil }
        let kappa = (observed - expected) / (1 - expected)

        var diagonal = 0.0, offDiagonal = 0.0
        for i in 0..<k {
            for j in 0..<k {
                if i == j {
                    diagonal += p[i][i] * pow(1 - (rows[i] + columns[i]) * (1 - kappa), 2)
                } else {
                    offDiagonal += p[i][j] * pow(columns[i] + rows[j], 2)
                }
            }
        }
        let variance = (diagonal + pow(1 - kappa, 2) * offDiagonal - pow(kappa - expected * (1 - kappa), 2))
            / (total * pow(1 - expected, 2))
        let nullSum = (0..<k).reduce(0) { $0 + rows[$1] * columns[$1] * (rows[$1] + columns[$1]) }
        let nullVariance = (expected + expected * expected - nullSum) / (total * pow(1 - expected, 2))
        let standardErrorNull = max(0, nullVariance).squareRoot()
        return CohenKappa(kappa: kappa, observed: observed, expected: expected,
                          standardError: max(0, variance).squareRoot(), standardErrorNull: standardErrorNull,
                          z: standardErrorNull > 0 ? kappa / standardErrorNull : .nan, items: Int(total.rounded()))
    }

    /// Weights of agreement between ordered categories i and j of k.
    public enum KappaWeights: Sendable {
        /// 1 − |i − j| / (k − 1).
        case linear
        /// 1 − (i − j)² / (k − 1)²: the usual choice for rating scales (Fleiss and Cohen 1973).
        case quadratic

        func weight(_ i: Int, _ j: Int, _ k: Int) -> Double {
            switch self {
            case .linear: 1 - Double(abs(i - j)) / Double(k - 1)
            case .quadratic: 1 - Double((i - j) * (i - j)) / Double((k - 1) * (k - 1))
            }
        }
    }

    /// Weighted kappa for ordered categories (Cohen 1968), from a square table whose rows and
    /// columns are the same categories in order.
    public static func weightedKappa(table: [[Double]], weights: KappaWeights) -> Double? {
        let k = table.count
        guard k > 1, table.allSatisfy({ $0.count == k }) else { return nil }
        let total = table.joined().reduce(0, +)
        guard total > 0 else { return nil }
        let rows = table.map { $0.reduce(0, +) / total }
        let columns = (0..<k).map { j in table.reduce(0) { $0 + $1[j] } / total }
        var observed = 0.0, expected = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let weight = weights.weight(i, j, k)
                observed += weight * table[i][j] / total
                expected += weight * rows[i] * columns[j]
            }
        }
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }

    /// Weighted kappa with linear weights.
    public static func linearWeightedKappa(table: [[Double]]) -> Double? { weightedKappa(table: table, weights: .linear) }

    /// A chance-corrected coefficient over any number of raters per item, with Gwet's (2008)
    /// standard error and a Student-t interval on n − 1 degrees of freedom, as irrCAC gives them.
    public struct MultiRaterCoefficient: Sendable, Equatable, Codable {
        public var value: Double
        /// Observed and chance agreement.
        public var observed: Double
        public var chance: Double
        public var standardError: Double
        /// Items with at least one rating: the n of the variance.
        public var items: Int

        enum CodingKeys: String, CodingKey { case value, observed, chance, standardError = "standard_error", items }

        public func interval(confidence: Double = 0.95) -> ClosedRange<Double> {
            let t = items > 1 ? Distributions.studentTQuantile(0.5 + confidence / 2, degreesOfFreedom: Double(items - 1)) : .infinity
            return (value - t * standardError)...min(1, value + t * standardError)
        }
    }

    /// Gwet's AC1 from an items × categories count matrix (raters may differ per item). Chance
    /// agreement is the propensity to agree on hard-to-rate items, so AC1 stays stable when one
    /// category is rare, where kappa collapses (the prevalence paradox). Nil with fewer than two
    /// categories or no item rated twice.
    public static func gwetAC1(counts: [[Double]]) -> MultiRaterCoefficient? {
        multiRater(counts: counts) { shares in
            shares.reduce(0) { $0 + $1 * (1 - $1) } / Double(shares.count - 1)
        } itemChance: { row, raters, shares in
            zip(row, shares).reduce(0) { $0 + $1.0 * (1 - $1.1) } / (Double(shares.count - 1) * raters)
        }
    }

    /// Fleiss' kappa generalized to items rated by different numbers of raters (Gwet 2014), with
    /// its standard error; equal to `fleissKappa` when every item has the same raters.
    public static func fleissKappaWithError(counts: [[Double]]) -> MultiRaterCoefficient? {
        multiRater(counts: counts) { shares in
            shares.reduce(0) { $0 + $1 * $1 }
        } itemChance: { row, raters, shares in
            zip(row, shares).reduce(0) { $0 + $1.0 * $1.1 } / raters
        }
    }

    /// The frame AC1 and Fleiss' kappa share: observed agreement over items rated at least twice,
    /// category shares averaged over rated items, and the linearized variance of both.
    static func multiRater(counts: [[Double]], chance: ([Double]) -> Double,
                           itemChance: (_ row: [Double], _ raters: Double, _ shares: [Double]) -> Double) -> MultiRaterCoefficient? {
        let rows = counts.filter { $0.reduce(0, +) > 0 }
        guard let q = rows.first?.count, q >= 2, rows.allSatisfy({ $0.count == q }) else { return nil }
        let raters = rows.map { $0.reduce(0, +) }
        let n = Double(rows.count)
        let itemAgreement = zip(rows, raters).map { row, r in
            r >= 2 ? row.reduce(0) { $0 + $1 * ($1 - 1) } / (r * (r - 1)) : 0
        }
        let paired = Double(raters.filter { $0 >= 2 }.count)
        guard paired > 0 else { return nil }
        let observed = itemAgreement.reduce(0, +) / paired
        var shares = Array(repeating: 0.0, count: q)
        for (row, r) in zip(rows, raters) { for k in 0..<q { shares[k] += row[k] / r / n } }
        let pe = chance(shares)
        guard pe < 1 else { return nil }
        let value = (observed - pe) / (1 - pe)
        var squares = 0.0
        for (index, row) in rows.enumerated() {
            let r = raters[index]
            let own = (n / paired) * (itemAgreement[index] - (r >= 2 ? pe : 0)) / (1 - pe)
            let linearized = own - 2 * (1 - value) * (itemChance(row, r, shares) - pe) / (1 - pe)
            squares += (linearized - value) * (linearized - value)
        }
        let variance = rows.count > 1 ? squares / (n * (n - 1)) : 0
        return MultiRaterCoefficient(value: value, observed: observed, chance: pe, standardError: variance.squareRoot(), items: rows.count)
    }

    /// Cohen's kappa for two raters' labels on the same items (nil entries are skipped pairwise).
    public static func cohenKappa<Label: Hashable & Comparable>(_ a: [Label?], _ b: [Label?]) -> CohenKappa? {
        precondition(a.count == b.count, "both raters need a label slot per item")
        let pairs = zip(a, b).compactMap { x, y in x.flatMap { x in y.map { (x, $0) } } }
        let categories = Array(Set(pairs.flatMap { [$0.0, $0.1] })).sorted()
        guard !categories.isEmpty else { return nil }
        let index = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        var table = Array(repeating: Array(repeating: 0.0, count: categories.count), count: categories.count)
        for (x, y) in pairs { table[index[x]!][index[y]!] += 1 }
        return cohenKappa(table: table)
    }

    public struct FleissKappa: Sendable, Equatable {
        public var kappa: Double
        /// Per-item agreement Pᵢ, category shares pⱼ, their mean P̄ and chance agreement P̄ₑ.
        public var itemAgreement: [Double]
        public var categoryShares: [Double]
        public var meanAgreement: Double
        public var chanceAgreement: Double
    }

    /// Fleiss' kappa from an items × categories count matrix in which every row sums to the
    /// same number of raters (at least 2). Nil otherwise, or when chance agreement is 1.
    public static func fleissKappa(counts: [[Double]]) -> FleissKappa? {
        guard let first = counts.first, !first.isEmpty else { return nil }
        let raters = first.reduce(0, +)
        guard raters >= 2, counts.allSatisfy({ $0.count == first.count && abs($0.reduce(0, +) - raters) < 1e-9 }) else { return nil }
        let items = Double(counts.count)
        let shares = (0..<first.count).map { j in counts.reduce(0) { $0 + $1[j] } / (items * raters) }
        let itemAgreement = counts.map { row in
            (row.reduce(0) { $0 + $1 * $1 } - raters) / (raters * (raters - 1))
        }
        let mean = itemAgreement.reduce(0, +) / items
        let chance = shares.reduce(0) { $0 + $1 * $1 }
        guard chance < 1 else { return nil }
        return FleissKappa(kappa: (mean - chance) / (1 - chance), itemAgreement: itemAgreement, categoryShares: shares,
                           meanAgreement: mean, chanceAgreement: chance)
    }

    /// The measurement level of Krippendorff's alpha, which fixes its difference function.
    public enum Level: String, Sendable, CaseIterable {
        case nominal, ordinal, interval, ratio
    }

    /// Krippendorff's alpha over a raters × units matrix of values (nil = missing). Values are
    /// ranked by `<` for the ordinal level and used as numbers for interval and ratio (via
    /// `numericValue`). Units with fewer than two values are not pairable and are left out.
    /// Nil when fewer than two pairable values exist or expected disagreement is zero.
    public static func krippendorffAlpha<Value: Hashable & Comparable>(
        _ data: [[Value?]], level: Level, numericValue: (Value) -> Double? = { _ in nil }
    ) -> Double? {
        krippendorffAlpha(units: columns(of: data), level: level, numericValue: numericValue)
    }

    /// Krippendorff's alpha over each unit's values (one a rater, in any order): what the matrix
    /// form reads, without a cell for every rater of every unit.
    public static func krippendorffAlpha<Value: Hashable & Comparable>(
        units values: [[Value]], level: Level, numericValue: (Value) -> Double? = { _ in nil }
    ) -> Double? {
        krippendorffAlpha(VotePatterns(values), level: level, numericValue: numericValue)
    }

    static func krippendorffAlpha<Value>(_ units: VotePatterns<Value>, level: Level, numericValue: (Value) -> Double? = { _ in nil }) -> Double? {
        var unitsOfPattern = [Int](repeating: 0, count: units.cells.count)
        for pattern in units.patternOfUnit where pattern >= 0 { unitsOfPattern[pattern] += 1 }
        return units.alpha(coincidence: units.coincidence(unitsOfPattern), level: level, numbers: units.values.map(numericValue))
    }

    /// A percentile bootstrap interval of Krippendorff's alpha: the units (columns) are drawn with
    /// replacement `replicates` times and alpha computed on each draw; the interval holds the
    /// middle `confidence` share of those alphas. Resampling whole units keeps each unit's votes
    /// together, as the data were collected. Nil when fewer than half the draws give an alpha.
    public static func krippendorffAlphaInterval<Value: Hashable & Comparable>(
        _ data: [[Value?]], level: Level, replicates: Int = 1000, confidence: Double = 0.95,
        using generator: inout some RandomNumberGenerator
    ) -> (low: Double, high: Double)? {
        krippendorffAlphaInterval(units: columns(of: data), level: level, replicates: replicates, confidence: confidence, using: &generator)
    }

    /// The bootstrap interval of alpha over each unit's values (one a rater).
    public static func krippendorffAlphaInterval<Value: Hashable & Comparable>(
        units values: [[Value]], level: Level, replicates: Int = 1000, confidence: Double = 0.95,
        using generator: inout some RandomNumberGenerator
    ) -> (low: Double, high: Double)? {
        krippendorffAlphaInterval(VotePatterns(values), level: level, replicates: replicates, confidence: confidence, using: &generator)
    }

    static func krippendorffAlphaInterval<Value>(
        _ units: VotePatterns<Value>, level: Level, replicates: Int = 1000, confidence: Double = 0.95,
        using generator: inout some RandomNumberGenerator
    ) -> (low: Double, high: Double)? {
        let unitCount = units.patternOfUnit.count
        guard unitCount > 1, replicates > 0 else { return nil }
        // A replicate counts the units drawn of each pattern: copying the drawn columns of the
        // matrix and counting each unit's votes again took ten minutes over half a million units,
        // and adding each drawn unit's coincidences 25 s.
        let numbers = [Double?](repeating: nil, count: units.values.count)
        var drawn = [Int](repeating: 0, count: units.cells.count)
        var alphas: [Double] = []
        alphas.reserveCapacity(replicates)
        for _ in 0..<replicates {
            for pattern in drawn.indices { drawn[pattern] = 0 }
            for _ in 0..<unitCount {
                let pattern = units.patternOfUnit[generator.index(below: unitCount)]
                if pattern >= 0 { drawn[pattern] += 1 }
            }
            if let alpha = units.alpha(coincidence: units.coincidence(drawn), level: level, numbers: numbers) { alphas.append(alpha) }
        }
        guard alphas.count * 2 >= replicates else { return nil }
        alphas.sort()
        let tail = (1 - confidence) / 2
        func quantile(_ p: Double) -> Double { alphas[min(alphas.count - 1, max(0, Int((p * Double(alphas.count - 1)).rounded())))] }
        return (quantile(tail), quantile(1 - tail))
    }

    /// A raters × units matrix as each unit's values, raters in order.
    static func columns<Value>(of data: [[Value?]]) -> [[Value]] {
        let unitCount = data.map(\.count).max() ?? 0
        return (0..<unitCount).map { unit in data.compactMap { unit < $0.count ? $0[unit] : nil } }
    }

    /// Units as alpha reads them: each pairable unit is its pattern of votes (how many of each
    /// value), whose part of the coincidence matrix is the same in every unit that has it.
    struct VotePatterns<Value: Hashable & Comparable> {
        /// The values given, in order.
        var values: [Value] = []
        /// Each pattern's coincidences: for every ordered pair of values (c, k) within one such
        /// unit, the cell c·v + k of the coincidence matrix and its weight, 1/(mᵤ − 1) a pair.
        var cells: [[(cell: Int, weight: Double)]] = []
        /// Each unit's pattern; -1 for a unit with fewer than two values.
        var patternOfUnit: [Int] = []

        init(_ units: [[Value]]) {
            values = Array(Set(units.joined())).sorted()
            let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
            var patternOf: [[Int]: Int] = [:]
            patternOfUnit.reserveCapacity(units.count)
            var counts = [Int](repeating: 0, count: values.count)
            for unit in units {
                for value in counts.indices { counts[value] = 0 }
                for value in unit { counts[index[value]!] += 1 }
                let m = unit.count
                guard m >= 2 else { patternOfUnit.append(-1); continue }
                if let known = patternOf[counts] { patternOfUnit.append(known); continue }
                var parts: [(cell: Int, weight: Double)] = []
                for c in counts.indices where counts[c] > 0 {
                    for k in counts.indices where counts[k] > 0 {
                        let (nc, nk) = (Double(counts[c]), Double(counts[k]))
                        parts.append((c * values.count + k, (c == k ? nc * (nc - 1) : nc * nk) / Double(m - 1)))
                    }
                }
                patternOf[counts] = cells.count
                patternOfUnit.append(cells.count)
                cells.append(parts)
            }
        }

        /// The coincidence matrix (v × v, row by row) of units with these numbers of each pattern.
        /// With two or three votes a unit every weight is a whole or half number, so the sums are
        /// exact, as when counted unit by unit.
        func coincidence(_ unitsOfPattern: [Int]) -> [Double] {
            var coincidence = [Double](repeating: 0, count: values.count * values.count)
            for (pattern, count) in unitsOfPattern.enumerated() where count > 0 {
                for part in cells[pattern] { coincidence[part.cell] += Double(count) * part.weight }
            }
            return coincidence
        }

        /// Alpha from a coincidence matrix (v × v, row by row), with the values as numbers for the
        /// interval and ratio levels.
        func alpha(coincidence: [Double], level: Level, numbers: [Double?]) -> Double? {
            let v = values.count
            guard v > 0 else { return nil }
            let marginals = (0..<v).map { c in coincidence[c * v..<(c + 1) * v].reduce(0, +) }
            let n = marginals.reduce(0, +)
            guard n > 1 else { return nil }
            func delta(_ c: Int, _ k: Int) -> Double? {
                if c == k { return 0 }
                switch level {
                case .nominal:
                    return 1
                case .ordinal:
                    let (low, high) = (min(c, k), max(c, k))
                    let between = marginals[low...high].reduce(0, +) - (marginals[low] + marginals[high]) / 2
                    return between * between
                case .interval:
                    guard let x = numbers[c], let y = numbers[k] else { return nil }
                    return (x - y) * (x - y)
                case .ratio:
                    guard let x = numbers[c], let y = numbers[k], x + y != 0 else { return nil }
                    return pow((x - y) / (x + y), 2)
                }
            }
            var observed = 0.0, expected = 0.0
            for c in 0..<v {
                for k in 0..<v where c != k {
                    guard let d = delta(c, k) else { return nil }
                    observed += coincidence[c * v + k] * d
                    expected += marginals[c] * marginals[k] * d
                }
            }
            observed /= n
            expected /= n * (n - 1)
            guard expected > 0 else { return nil }
            return 1 - observed / expected
        }
    }

    /// Krippendorff's (2004) reading of alpha: at least 0.800 reliable, at least 0.667 enough for
    /// tentative conclusions, below that not reliable.
    public static func alphaReading(_ alpha: Double) -> String {
        alpha >= 0.8 ? "reliable" : alpha >= 0.667 ? "tentative: good enough for tentative conclusions only" : "not reliable"
    }
}

extension RandomNumberGenerator {
    /// `Int.random(in: 0..<bound, using: &self)`, the same draw made the same way (Lemire's
    /// nearly divisionless method, as the standard library's `next(upperBound:)`), from `next()`
    /// alone: called from a function generic over the generator, the standard library's ran
    /// unspecialized, looking up type metadata on every draw (two thirds of a bootstrap over
    /// half a million units).
    mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "an index below \(bound)")
        let upper = UInt64(bound)
        var product = next().multipliedFullWidth(by: upper)
        if product.low < upper {
            let threshold = (0 &- upper) % upper
            while product.low < threshold { product = next().multipliedFullWidth(by: upper) }
        }
        return Int(product.high)
    }
}
