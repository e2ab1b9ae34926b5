import Foundation

/// Agreement on one question reviewers answered (the decision, or one label), over one scope:
/// what `review agreement`, the review page, the build report and the quality dossier show.
public struct VariableAgreement: Sendable, Codable, Equatable {
    public struct Pair: Sendable, Codable, Equatable {
        public var reviewers: [String]
        public var kappa: Double?
        /// Quadratic-weighted kappa, for ordinal labels.
        public var quadraticKappa: Double?
        public var items: Int

        enum CodingKeys: String, CodingKey { case reviewers, kappa, quadraticKappa = "quadratic_kappa", items }
    }

    public var variable: String
    /// `all`, or `subject=<name>`.
    public var scope: String
    /// Items with at least two votes: what alpha, AC1 and the generalized Fleiss' kappa are computed on.
    public var items: Int
    public var alphaNominal: Double?
    /// The 95% percentile bootstrap interval of the nominal alpha (1,000 draws of items, seeded
    /// by the caller); for the scopes it was asked for.
    public var alphaNominalInterval: [Double]?
    public var alphaOrdinal: Double?
    public var fleissKappa: Double?
    /// Items with exactly the round's number of votes: what Fleiss' kappa is computed on.
    public var fleissItems: Int
    /// Fleiss' kappa over every item with two or more votes (raters may differ), with its
    /// standard error: beside Gwet's AC1, which resists the prevalence paradox of a rare label.
    public var fleissGeneralized: Agreement.MultiRaterCoefficient?
    public var ac1: Agreement.MultiRaterCoefficient?
    /// Cohen's kappa for each pair of reviewers who voted on the same items.
    public var cohen: [Pair]

    enum CodingKeys: String, CodingKey {
        case variable, scope, items, alphaNominal = "alpha_nominal", alphaNominalInterval = "alpha_nominal_interval"
        case alphaOrdinal = "alpha_ordinal", fleissKappa = "fleiss_kappa", fleissItems = "fleiss_items"
        case fleissGeneralized = "fleiss_generalized", ac1, cohen
    }

    /// Agreement over units given as (reviewer, value) votes. `order` is the values' order for an
    /// ordinal variable (then ordinal alpha and quadratic kappa are given too); `raters` the
    /// number of votes an item should have.
    public static func measure(variable: String, scope: String, order: [String]?, raters: Int, units: [[(String, String)]],
                               interval: Bool, using generator: inout some RandomNumberGenerator) -> VariableAgreement {
        let pairable = units.filter { $0.count >= 2 }
        // Each unit's first vote by each reviewer, reviewers as numbers in name order. Pairs of
        // reviewers are found within each unit: a reviewers × items matrix, and a pass over every
        // unit for each pair, took 143 s and 1.7 GB for a hundred reviewers over half a million items.
        let reviewers = Array(Set(pairable.flatMap { $0.map(\.0) })).sorted()
        let number = Dictionary(uniqueKeysWithValues: reviewers.enumerated().map { ($1, $0) })
        let voted: [[(reviewer: Int, value: String)]] = pairable.map { unit in
            var firsts: [(reviewer: Int, value: String)] = []
            for (name, value) in unit {
                let reviewer = number[name]!
                if !firsts.contains(where: { $0.reviewer == reviewer }) { firsts.append((reviewer, value)) }
            }
            return firsts.sorted { $0.reviewer < $1.reviewer }
        }
        let values = voted.map { $0.map(\.value) }
        // Made once for the alpha and its interval.
        let patterns = Agreement.VotePatterns(values)
        let nominal = Agreement.krippendorffAlpha(patterns, level: .nominal)
        var ordinal: Double?
        if let order {
            ordinal = Agreement.krippendorffAlpha(units: values.map { $0.compactMap { order.firstIndex(of: $0) } }, level: .ordinal)
        }
        let categories = Array(Set(pairable.flatMap { $0.map(\.1) })).sorted()
        func counts(_ units: [[(String, String)]]) -> [[Double]] {
            units.map { unit in categories.map { category in Double(unit.filter { $0.1 == category }.count) } }
        }
        let complete = pairable.filter { $0.count == raters }
        // For each pair of reviewers (first · count + second), their two values on each item both voted on, in item order.
        var together: [Int: [(String, String)]] = [:]
        for unit in voted {
            for (i, a) in unit.enumerated() {
                for b in unit[(i + 1)...] { together[a.reviewer * reviewers.count + b.reviewer, default: []].append((a.value, b.value)) }
            }
        }
        let cohen: [Pair] = together.keys.sorted().map { key in
            let both = together[key]!
            var quadratic: Double?
            if let order {
                var table = Array(repeating: Array(repeating: 0.0, count: order.count), count: order.count)
                for (x, y) in both { if let i = order.firstIndex(of: x), let j = order.firstIndex(of: y) { table[i][j] += 1 } }
                quadratic = Agreement.weightedKappa(table: table, weights: .quadratic)
            }
            return Pair(reviewers: [reviewers[key / reviewers.count], reviewers[key % reviewers.count]],
                        kappa: Agreement.cohenKappa(both.map(\.0), both.map(\.1))?.kappa, quadraticKappa: quadratic, items: both.count)
        }
        var alphaInterval: [Double]?
        if interval, nominal != nil {
            alphaInterval = Agreement.krippendorffAlphaInterval(patterns, level: .nominal, using: &generator).map { [$0.low, $0.high] }
        }
        let all = counts(pairable)
        return VariableAgreement(variable: variable, scope: scope, items: pairable.count, alphaNominal: nominal,
                                 alphaNominalInterval: alphaInterval, alphaOrdinal: ordinal,
                                 fleissKappa: raters >= 2 ? Agreement.fleissKappa(counts: counts(complete))?.kappa : nil,
                                 fleissItems: raters >= 2 ? complete.count : 0,
                                 fleissGeneralized: Agreement.fleissKappaWithError(counts: all), ac1: Agreement.gwetAC1(counts: all),
                                 cohen: cohen)
    }
}
