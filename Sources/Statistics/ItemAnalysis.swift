import Foundation

/// Classical item analysis of a pilot: how hard an item is and how well it separates strong
/// respondents from weak ones.
public enum ItemAnalysis {
    /// Pearson's correlation of two equally long samples; nil when either has no variance
    /// (the correlation is undefined) or there are fewer than two pairs. With one sample 0/1 it
    /// is the point-biserial correlation, as `scipy.stats.pointbiserialr` computes it.
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "samples must have the same length")
        guard x.count >= 2 else { return nil }
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - meanX) * (b - meanY)
            sxx += (a - meanX) * (a - meanX)
            syy += (b - meanY) * (b - meanY)
        }
        // Below rounding, a constant sample: no correlation to speak of.
        guard sxx > 1e-12 * n, syy > 1e-12 * n else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }

    /// Corrected point-biserial discrimination of each item: the correlation, over respondents,
    /// of the item's score (1 right, 0 wrong) with the respondent's score on the other items
    /// (the share right of the items they answered, leaving this one out, so that the item
    /// does not correlate with itself). `scores[item][respondent]` is nil where the respondent
    /// did not answer. Nil for an item where the correlation is undefined.
    public static func correctedPointBiserial(_ scores: [[Bool?]]) -> [Double?] {
        let respondents = scores.first?.count ?? 0
        var right = [Double](repeating: 0, count: respondents), answered = [Double](repeating: 0, count: respondents)
        for item in scores {
            for (respondent, score) in item.enumerated() {
                guard let score else { continue }
                answered[respondent] += 1
                if score { right[respondent] += 1 }
            }
        }
        return scores.map { item in
            var itemScores: [Double] = [], restScores: [Double] = []
            for (respondent, score) in item.enumerated() {
                guard let score else { continue }
                let own = score ? 1.0 : 0.0
                let others = answered[respondent] - 1
                guard others > 0 else { continue }
                itemScores.append(own)
                restScores.append((right[respondent] - own) / others)
            }
            return correlation(itemScores, restScores)
        }
    }

    /// Kendall's tau-b between two rankings of the same things (values where higher ranks
    /// first); 1 when they order every pair alike, -1 when they reverse them. Nil with fewer
    /// than two things or when either ranks everything equal.
    public static func kendallTau(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "rankings must have the same length")
        var concordant = 0.0, discordant = 0.0, tiesX = 0.0, tiesY = 0.0
        for i in x.indices {
            for j in x.indices where j > i {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0 && dy == 0 { continue }
                if dx == 0 { tiesX += 1 } else if dy == 0 { tiesY += 1 } else if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = ((concordant + discordant + tiesX) * (concordant + discordant + tiesY)).squareRoot()
        guard denominator > 0 else { return nil }
        return (concordant - discordant) / denominator
    }
}

/// Bootstrap intervals: resample the units (items) with replacement, recompute the statistic,
/// and take the 2.5th and 97.5th percentiles of the replicates.
public enum Bootstrap {
    /// A 95% percentile interval of the mean of `values`, from `resamples` draws by `generator`
    /// (so the caller decides the seed): each draw takes index ⌊u·n⌋ for u = the top 53 bits of
    /// a 64-bit output over 2⁵³, added in the order drawn. Percentiles interpolate linearly between order statistics
    /// (numpy's default). Inlinable, so that the generator's calls are specialized where it is
    /// used: the draws are about a third of a pilot report on 50,000 items and 20 models.
    @inlinable
    public static func meanInterval<Generator: RandomNumberGenerator>(_ values: [Double], resamples: Int, level: Double = 0.95,
                                                                      using generator: inout Generator) -> (lower: Double, upper: Double)? {
        guard !values.isEmpty, resamples > 0 else { return nil }
        let n = values.count
        var means = [Double](repeating: 0, count: resamples)
        let scale = Double(n) * 0x1.0p-53
        values.withUnsafeBufferPointer { values in
            for replicate in 0..<resamples {
                var sum = 0.0
                for _ in 0..<n { sum += values[min(n - 1, Int(Double(generator.next() >> 11) * scale))] }
                means[replicate] = sum / Double(n)
            }
        }
        means.sort()
        // In percent, as numpy takes them: 2.5 and 97.5 for 95%.
        let tail = (100 - 100 * level) / 2
        return (percentile(means, tail / 100), percentile(means, (100 - tail) / 100))
    }

    /// The q-quantile of sorted values, interpolating linearly between order statistics as
    /// numpy's `percentile` does (from the upper neighbour when past half-way), to the last bit.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(sorted.count - 1, below + 1)
        let (a, b, t) = (sorted[below], sorted[above], position - Double(below))
        return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
    }
}
