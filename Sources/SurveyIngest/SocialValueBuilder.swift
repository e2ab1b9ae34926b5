public import DatasetCore
import Statistics

/// Settings that turn survey answers into social-value items; set per source in the pipeline file.
public struct SurveySettings: Sendable, Hashable {
    /// Weigh to the population margins when they are given.
    public var weighting: Bool = true
    /// For one-way tallies: the one dimension to post-stratify on.
    public var poststratify: String?
    public var confidence: Double = 0.95
    public var rakingTolerance: Double = 1e-6
    public var rakingMaxIterations: Int = 100
    /// Stop the run when the trimming cap cannot hold for a question (otherwise its weighting
    /// note says so and the weights are used).
    public var trimMustHold = false
    /// Cap per-respondent weights at this multiple of the mean weight, then re-rake.
    public var trimRatio: Double? = 5
    /// Set aside a question with fewer substantive answers.
    public var minN: Int = 30
    /// Set aside a question whose (weighted) don't-know/refused share is higher.
    public var maxNonresponseShare: Double = 0.5
    /// Set aside a question whose most chosen answer has fewer (unweighted) votes.
    public var minTopVotes: Int = 0
    /// One-way tallies: how far apart (relative) the dimension files' totals of a question may be.
    public var maxTotalMismatch: Double = 0.01
    /// Microdata: the column holding each respondent's design weight.
    public var weightColumn: String?
    /// KoBBQ-style choice counts: respondents per question, and what to do with multi-select answers.
    public var panelSize: Int = 100
    public var multiSelect: KoBBQReader.MultiSelect = .drop

    public init() {}
}

/// Everything needed to make the social-value items of one survey source.
public struct SurveySource: Sendable {
    public var sourceID: String
    public var data: SurveyData
    public var margins: PopulationMargins?
    public var language: String
    public var subject: String
    public var license: String?
    /// SHA-256 of the answer file, the items' source revision.
    public var revision: String
    public var settings: SurveySettings

    public init(sourceID: String, data: SurveyData, margins: PopulationMargins?, language: String, subject: String,
                license: String?, revision: String, settings: SurveySettings) {
        self.sourceID = sourceID
        self.data = data
        self.margins = margins
        self.language = language
        self.subject = subject
        self.license = license
        self.revision = revision
        self.settings = settings
    }
}

/// The weighted distribution of one question, before it becomes an item.
public struct WeightedDistribution: Sendable {
    public var options: [String]
    /// Weighted shares over substantive options.
    public var shares: [Double]
    /// Weighted shares over all options, non-response included.
    public var sharesWithNonresponse: [Double]
    /// Unweighted shares over substantive options.
    public var rawShares: [Double]
    /// Unweighted answers per substantive option.
    public var rawCounts: [Double]
    public var n: Int
    public var nEffective: Double
    public var marginOfError: Double
    public var nonresponseShare: Double
    public var weighting: String
    public var rakingIterations: Int?
    /// Each weighting dimension's levels: population, respondents before and after weighting.
    public var margins: [SurveyWeighting.Margin] = []
}

/// A question whose answers cannot be weighted to the margins (e.g. a level with no respondents).
public struct WeightingFailure: Error, Sendable {
    public var message: String
}

public enum SocialValueBuilder {
    public struct Output: Sendable {
        public var items: [Item] = []
        public var dropped: [DroppedItem] = []
        /// For each item, its respondents against the population before and after weighting.
        public var weighting: [SurveyWeighting] = []
    }

    /// Weighs one question: joint cells are raked to the margins; one-way tallies are
    /// post-stratified on the chosen dimension; then shares, Kish n_eff of the respondent
    /// weights and the margin of error of the modal share.
    public static func weigh(_ question: Questionnaire.Question, in source: SurveySource) throws -> WeightedDistribution {
        let (cells, factors, weighting, iterations, margins) = try weightedCells(question, in: source)
        let codes = question.scale.allOptions.map(\.code)
        let substantiveCount = question.scale.options.count
        var weighted = Array(repeating: 0.0, count: codes.count)
        var raw = Array(repeating: 0.0, count: codes.count)
        var weightSum = 0.0
        var weightSquares = 0.0
        for (cell, factor) in zip(cells, factors) {
            for (index, code) in codes.enumerated() {
                let tally = cell[code] ?? .zero
                weighted[index] += tally.weight * factor
                raw[index] += tally.count
                if index < substantiveCount {
                    weightSum += tally.weight * factor
                    weightSquares += tally.weightSquared * factor * factor
                }
            }
        }
        let substantiveWeighted = Array(weighted.prefix(substantiveCount))
        let substantiveRaw = Array(raw.prefix(substantiveCount))
        let totalSubstantive = substantiveWeighted.reduce(0, +)
        let totalAll = weighted.reduce(0, +)
        let rawTotal = substantiveRaw.reduce(0, +)
        let shares = substantiveWeighted.map { totalSubstantive > 0 ? $0 / totalSubstantive : 0 }
        let nEffective = weightSquares > 0 ? weightSum * weightSum / weightSquares : 0
        let margin = nEffective > 0
            ? SurveyMath.marginOfError(p: shares.max() ?? 0, n: nEffective, confidence: source.settings.confidence)
            : .nan
        return WeightedDistribution(
            options: Array(codes.prefix(substantiveCount)), shares: shares,
            sharesWithNonresponse: weighted.map { totalAll > 0 ? $0 / totalAll : 0 },
            rawShares: substantiveRaw.map { rawTotal > 0 ? $0 / rawTotal : 0 }, rawCounts: substantiveRaw,
            n: Int(rawTotal.rounded()), nEffective: nEffective, marginOfError: margin,
            nonresponseShare: totalAll > 0 ? (totalAll - totalSubstantive) / totalAll : 0,
            weighting: weighting, rakingIterations: iterations, margins: margins)
    }

    /// The shares of each level of `dimension` in the population and among the cells' respondents,
    /// before (`initial`) and after (`weights`) weighting; `level` gives each cell's level index.
    static func margins(dimension: String, levelNames: [String], population: [Double], level: (Int) -> Int,
                        initial: [Double], weights: [Double]) -> [SurveyWeighting.Margin] {
        let populationTotal = population.reduce(0, +), initialTotal = initial.reduce(0, +), weightTotal = weights.reduce(0, +)
        var before = Array(repeating: 0.0, count: levelNames.count), after = before
        for cell in initial.indices {
            before[level(cell)] += initial[cell]
            after[level(cell)] += weights[cell]
        }
        return levelNames.indices.map { index in
            SurveyWeighting.Margin(dimension: dimension, level: levelNames[index],
                                   population: round6(populationTotal > 0 ? population[index] / populationTotal : 0),
                                   unweighted: round6(initialTotal > 0 ? before[index] / initialTotal : 0),
                                   weighted: round6(weightTotal > 0 ? after[index] / weightTotal : 0))
        }
    }

    /// The cells of a question with the factor each cell's design weights are multiplied by.
    private static func weightedCells(_ question: Questionnaire.Question, in source: SurveySource) throws
        -> (cells: [SurveyData.Options], factors: [Double], weighting: String, iterations: Int?, margins: [SurveyWeighting.Margin]) {
        if let byDimension = source.data.oneWay[question.id] {
            // One-way tallies: the respondents of one dimension's file, post-stratified on it.
            func respondents(_ dimension: String) -> Double { byDimension[dimension]!.values.reduce(0) { $0 + total($1) } }
            let dimension = source.settings.poststratify ?? byDimension.keys.sorted {
                (respondents($0), $1) > (respondents($1), $0)
            }.first!
            guard let levels = byDimension[dimension] else {
                throw InputError(file: source.data.questionnaire.file, field: question.id,
                                 "no one-way tallies for dimension '\(dimension)' (have: \(byDimension.keys.sorted().joined(separator: ", ")))")
            }
            let names = levels.keys.sorted()
            let cells = names.map { levels[$0]! }
            guard source.settings.weighting, source.settings.poststratify != nil, let margins = source.margins?.margins[dimension] else {
                return (cells, Array(repeating: 1, count: cells.count), "unweighted(\(dimension))", nil, [])
            }
            let sample = Dictionary(uniqueKeysWithValues: names.map { ($0, total(levels[$0]!)) })
            do {
                let weights = try PostStratification.weights(sample: sample, population: margins)
                let factors = names.map { weights[$0] ?? 0 }
                let levelNames = margins.keys.sorted()
                let initial = names.map { sample[$0]! }
                let comparison = Self.margins(dimension: dimension, levelNames: levelNames, population: levelNames.map { margins[$0]! },
                                              // Every sample level has a target: `weights` throws otherwise.
                                              level: { levelNames.firstIndex(of: names[$0])! }, initial: initial,
                                              weights: zip(initial, factors).map { $0 * $1 })
                return (cells, factors, "poststratified(\(dimension))", nil, comparison)
            } catch {
                throw WeightingFailure(message: "post-stratification on \(dimension): \(error)")
            }
        }
        let byCell = source.data.cells[question.id] ?? [:]
        let keys = byCell.keys.sorted { $0.lexicographicallyPrecedes($1) }
        let cells = keys.map { byCell[$0]! }
        let unit = Array(repeating: 1.0, count: cells.count)
        if let published = source.data.published[question.id] { return (cells, unit, published.weighting, nil, []) }
        guard source.settings.weighting, let margins = source.margins else { return (cells, unit, "unweighted", nil, []) }
        let dimensions = source.data.questionnaire.dimensions.filter { margins.margins[$0] != nil }
        guard !dimensions.isEmpty else { return (cells, unit, "unweighted", nil, []) }
        let initial = cells.map { $0.values.reduce(0) { $0 + $1.weight } }
        var rakingDimensions: [Raking.Dimension] = []
        var levels = Array(repeating: [Int](), count: keys.count)
        for dimension in dimensions {
            let column = source.data.questionnaire.dimensions.firstIndex(of: dimension)!
            let margin = margins.margins[dimension]!
            let levelNames = margin.keys.sorted()
            for (cell, key) in keys.enumerated() {
                guard let index = levelNames.firstIndex(of: key[column]) else {
                    throw InputError(file: source.data.questionnaire.file, field: dimension,
                                     "level '\(key[column])' of \(question.id) has no population margin in \(margins.file) (margins have: \(levelNames.joined(separator: ", ")))")
                }
                levels[cell].append(index)
            }
            rakingDimensions.append(Raking.Dimension(name: dimension, levelNames: levelNames, targets: levelNames.map { margin[$0]! }))
        }
        let raking = Raking(dimensions: rakingDimensions, tolerance: source.settings.rakingTolerance,
                            maxIterations: source.settings.rakingMaxIterations, trimRatio: source.settings.trimRatio)
        let fit: Raking.Report
        do {
            fit = try raking.fit(initial: initial, levels: levels)
        } catch {
            throw WeightingFailure(message: "\(error)")
        }
        let factors = zip(fit.weights, initial).map { weight, start in start > 0 ? weight / start : 0 }
        var weighting = "raking(\(dimensions.joined(separator: ",")))"
        if let ratio = source.settings.trimRatio, !fit.trimmingHeld {
            let cap = "the trimming cap of \(ratio.formatted()) × the mean weight cannot hold for \(question.id): the margins force a larger weight"
            if source.settings.trimMustHold {
                throw InputError(file: source.data.questionnaire.file, field: question.id, cap + "; raise trim_ratio or set trim_must_hold: false")
            }
            weighting += "; trim \(ratio.formatted())× not held"
        }
        let comparison = rakingDimensions.enumerated().flatMap { index, dimension in
            Self.margins(dimension: dimension.name, levelNames: dimension.levelNames, population: dimension.targets,
                         level: { levels[$0][index] }, initial: initial, weights: fit.weights)
        }
        return (cells, factors, weighting, fit.iterations, comparison)
    }

    private static func total(_ options: SurveyData.Options) -> Double {
        options.values.reduce(0) { $0 + $1.count }
    }

    /// Items for every question of the source that has answers, and each rule's drop with its reason.
    public static func build(_ source: SurveySource) throws -> Output {
        var output = Output()
        let questionnaire = source.data.questionnaire
        let document = questionnaire.file
        let reasons = Dictionary(source.data.setAside.map { ($0.question, ($0.reason, $0.detail)) }, uniquingKeysWith: { first, _ in first })
        for question in questionnaire.questions {
            let answered = source.data.hasAnswers(question.id)
            guard answered || reasons[question.id] != nil else { continue }
            guard let text = question.texts[source.language] else {
                throw InputError(file: document, line: question.line, field: "text",
                                 "question \(question.id) has no text in '\(source.language)'")
            }
            let choices = try question.scale.options.map { option in
                guard let label = option.labels[source.language] else {
                    throw InputError(file: document, field: question.scale.name, "option \(option.code) has no '\(source.language)' label")
                }
                return label
            }
            let id = Item.stableID(task: .socialValue, sourceID: source.sourceID, document: document, element: question.id, question: text,
                                 elementIsKey: true)
            var item = Item(id: id, task: .socialValue, subject: source.subject, language: source.language, question: text,
                            choices: choices, answer: nil, choicesOrdered: question.scale.ordered,
                            country: questionnaire.country, topic: question.topic,
                            source: ItemSource(kind: "survey", sourceID: source.sourceID, document: document, element: question.id,
                                               license: source.license, revision: source.revision))
            func setAside(_ reason: String, _ detail: String) {
                output.dropped.append(DroppedItem(id: id, stage: "ingest", reason: reason, detail: detail, item: item))
            }
            if let (reason, detail) = reasons[question.id] {
                setAside(reason, detail)
                continue
            }
            // Too few answers to weigh or trust: set aside before weighting, which could not converge on them.
            let rawN = substantiveCount(question, in: source.data)
            if rawN < Double(source.settings.minN) {
                setAside("min_n", "\(Int(rawN)) substantive answers, fewer than \(source.settings.minN)")
                continue
            }
            let weighed: WeightedDistribution
            do {
                weighed = try weigh(question, in: source)
            } catch let error as WeightingFailure {
                setAside("weighting", error.message)
                continue
            }
            let ranked = weighed.shares.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
            let lead = ranked.count > 1 ? ranked[0].element - ranked[1].element : 1
            let topVotes = weighed.rawCounts.max() ?? 0
            var collapsed: [Double]?
            var collapsedLabels: [String]?
            var levels: [Int]?
            if let collapse = question.scale.collapse {
                levels = weighed.options.map { code in collapse.firstIndex { $0.codes.contains(code) }! }
                collapsed = collapse.map { level in
                    level.codes.reduce(0) { sum, code in sum + weighed.shares[weighed.options.firstIndex(of: code)!] }
                }
                collapsedLabels = collapse.map { $0.labels[source.language] ?? $0.codes.joined(separator: "+") }
            }
            item.answer = Item.letter(ranked[0].offset)
            item.survey = SurveyResult(
                distribution: weighed.shares.map(round6),
                distributionWithNonresponse: weighed.sharesWithNonresponse.map(round6),
                nonresponseOptions: question.scale.nonresponse.map { $0.labels[source.language] ?? $0.code },
                distribution3: collapsed?.map(round6), scale3: collapsedLabels, levels3: levels,
                n: weighed.n, nEffective: round6(weighed.nEffective), marginOfError: round6(weighed.marginOfError),
                contested: lead <= weighed.marginOfError, weighting: weighed.weighting)
            if weighed.nonresponseShare > source.settings.maxNonresponseShare {
                setAside("nonresponse_share", "don't know/refused share \(round6(weighed.nonresponseShare)) above \(source.settings.maxNonresponseShare)")
            } else if topVotes < Double(source.settings.minTopVotes) {
                setAside("min_top_votes", "the most chosen answer has \(Int(topVotes)) votes, fewer than \(source.settings.minTopVotes)")
            } else {
                output.items.append(item)
                output.weighting.append(SurveyWeighting(item: id, unweighted: weighed.rawShares.map(round6), margins: weighed.margins))
            }
        }
        return output
    }

    /// Unweighted substantive answers of a question (for one-way tallies, in its largest dimension file).
    static func substantiveCount(_ question: Questionnaire.Question, in data: SurveyData) -> Double {
        let codes = Set(question.scale.options.map(\.code))
        func count(_ options: SurveyData.Options) -> Double {
            options.filter { codes.contains($0.key) }.values.reduce(0) { $0 + $1.count }
        }
        if let byDimension = data.oneWay[question.id] {
            return byDimension.values.map { $0.values.reduce(0) { $0 + count($1) } }.max() ?? 0
        }
        return (data.cells[question.id] ?? [:]).values.reduce(0) { $0 + count($1) }
    }
}

/// Rounds to 6 decimals, so that released numbers do not carry floating-point noise.
func round6(_ value: Double) -> Double {
    guard value.isFinite else { return value }
    return (value * 1_000_000).rounded() / 1_000_000
}
