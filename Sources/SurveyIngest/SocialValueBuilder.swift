public import DatasetCore
import Statistics

/// Settings that turn tallies into social-value items; set per source in the pipeline file.
public struct SurveySettings: Sendable, Hashable {
    /// Rake to the population margins when they are given.
    public var weighting: Bool = true
    public var confidence: Double = 0.95
    public var rakingTolerance: Double = 1e-6
    public var rakingMaxIterations: Int = 100
    /// Cap weights at this multiple of the mean weight, then re-rake.
    public var trimRatio: Double? = 5
    /// Drop a question with fewer substantive answers.
    public var minN: Int = 30
    /// Drop a question whose don't-know/refused share (weighted) is higher.
    public var maxNonresponseShare: Double = 0.5

    public init() {}
}

/// Everything needed to make the social-value items of one survey source.
public struct SurveySource: Sendable {
    public var sourceID: String
    public var questionnaire: Questionnaire
    public var tallies: Tallies
    public var margins: PopulationMargins?
    public var language: String
    public var subject: String
    public var license: String?
    /// SHA-256 of the tally file, the items' source revision.
    public var revision: String
    public var settings: SurveySettings

    public init(sourceID: String, questionnaire: Questionnaire, tallies: Tallies, margins: PopulationMargins?,
                language: String, subject: String, license: String?, revision: String, settings: SurveySettings) {
        self.sourceID = sourceID
        self.questionnaire = questionnaire
        self.tallies = tallies
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
    public var n: Int
    public var nEffective: Double
    public var marginOfError: Double
    public var nonresponseShare: Double
    public var weighting: String
    public var rakingIterations: Int?
}

public enum SocialValueBuilder {
    public struct Output: Sendable {
        public var items: [Item] = []
        public var dropped: [DroppedItem] = []
    }

    /// Weighs one question's tallies: raking each joint cell to the margins, then shares,
    /// Kish n_eff of the respondent weights and the margin of error of the modal share.
    public static func weigh(_ question: Questionnaire.Question, in source: SurveySource) throws -> WeightedDistribution {
        let codes = question.scale.allOptions.map(\.code)
        let substantive = question.scale.options.map(\.code)
        let cells = source.tallies.byQuestion[question.id]?.cells ?? [:]
        let cellKeys = cells.keys.sorted { $0.lexicographicallyPrecedes($1) }
        let cellTotals = cellKeys.map { key in cells[key]!.values.reduce(0, +) }

        var factors = Array(repeating: 1.0, count: cellKeys.count)
        var weighting = "unweighted"
        var iterations: Int?
        if source.settings.weighting, let margins = source.margins {
            let dimensions = source.questionnaire.dimensions.filter { margins.margins[$0] != nil }
            if !dimensions.isEmpty {
                let fit = try rake(cellKeys: cellKeys, totals: cellTotals, dimensions: dimensions, source: source, question: question)
                factors = zip(fit.weights, cellTotals).map { weight, total in total > 0 ? weight / total : 0 }
                weighting = "raking(\(dimensions.joined(separator: ",")))"
                iterations = fit.iterations
            }
        }

        var weighted = Array(repeating: 0.0, count: codes.count)
        var raw = Array(repeating: 0.0, count: codes.count)
        var weightSum = 0.0
        var weightSquares = 0.0
        for (index, key) in cellKeys.enumerated() {
            for (optionIndex, code) in codes.enumerated() {
                let count = cells[key]![code] ?? 0
                weighted[optionIndex] += count * factors[index]
                raw[optionIndex] += count
                if optionIndex < substantive.count {
                    weightSum += count * factors[index]
                    weightSquares += count * factors[index] * factors[index]
                }
            }
        }
        let substantiveWeighted = Array(weighted.prefix(substantive.count))
        let substantiveRaw = Array(raw.prefix(substantive.count))
        let totalSubstantive = substantiveWeighted.reduce(0, +)
        let totalAll = weighted.reduce(0, +)
        let rawTotal = substantiveRaw.reduce(0, +)
        let shares = substantiveWeighted.map { totalSubstantive > 0 ? $0 / totalSubstantive : 0 }
        let n = Int(rawTotal.rounded())
        let nEffective = weightSquares > 0 ? weightSum * weightSum / weightSquares : 0
        let modal = shares.max() ?? 0
        let margin = nEffective > 0
            ? SurveyMath.marginOfError(p: modal, n: nEffective, confidence: source.settings.confidence)
            : .nan
        return WeightedDistribution(
            options: substantive,
            shares: shares,
            sharesWithNonresponse: weighted.map { totalAll > 0 ? $0 / totalAll : 0 },
            rawShares: substantiveRaw.map { rawTotal > 0 ? $0 / rawTotal : 0 },
            n: n, nEffective: nEffective, marginOfError: margin,
            nonresponseShare: totalAll > 0 ? (totalAll - totalSubstantive) / totalAll : 0,
            weighting: weighting, rakingIterations: iterations)
    }

    private static func rake(cellKeys: [[String]], totals: [Double], dimensions: [String], source: SurveySource,
                             question: Questionnaire.Question) throws -> Raking.Report {
        let allDimensions = source.questionnaire.dimensions
        var rakingDimensions: [Raking.Dimension] = []
        var levels = Array(repeating: [Int](), count: cellKeys.count)
        for dimension in dimensions {
            let column = allDimensions.firstIndex(of: dimension)!
            let margin = source.margins!.margins[dimension]!
            let levelNames = margin.keys.sorted()
            for (cell, key) in cellKeys.enumerated() {
                guard let index = levelNames.firstIndex(of: key[column]) else {
                    throw InputError(file: source.tallies.file, field: dimension,
                                     "level '\(key[column])' of \(question.id) has no population margin in \(source.margins!.file) (margins have: \(levelNames.joined(separator: ", ")))")
                }
                levels[cell].append(index)
            }
            rakingDimensions.append(Raking.Dimension(name: dimension, levelNames: levelNames, targets: levelNames.map { margin[$0]! }))
        }
        let raking = Raking(dimensions: rakingDimensions, tolerance: source.settings.rakingTolerance,
                            maxIterations: source.settings.rakingMaxIterations, trimRatio: source.settings.trimRatio)
        do {
            return try raking.fit(initial: totals, levels: levels)
        } catch {
            throw WeightingFailure(message: "\(error)")
        }
    }

    /// Items for every question of the source that has tallies, and each rule drop with its reason.
    public static func build(_ source: SurveySource) throws -> Output {
        var output = Output()
        let document = source.questionnaire.file
        for question in source.questionnaire.questions {
            guard source.tallies.byQuestion[question.id] != nil else { continue }
            guard let text = question.texts[source.language] else {
                throw InputError(file: document, line: question.line, field: "text",
                                 "question \(question.id) has no text in '\(source.language)'")
            }
            let choices = try question.scale.options.map { option in
                guard let label = option.labels[source.language] else {
                    throw InputError(file: document, field: question.scale.name,
                                     "option \(option.code) has no '\(source.language)' label")
                }
                return label
            }
            let element = question.id
            let id = Item.stableID(task: .socialValue, sourceID: source.sourceID, document: document, element: element, question: text)
            func setAside(_ reason: String, _ detail: String) {
                let item = Item(id: id, task: .socialValue, subject: source.subject, language: source.language, question: text,
                                choices: choices, answer: nil, choicesOrdered: question.scale.ordered,
                                country: source.questionnaire.country, topic: question.topic,
                                source: ItemSource(kind: "survey", sourceID: source.sourceID, document: document, element: element,
                                                   license: source.license, revision: source.revision))
                output.dropped.append(DroppedItem(id: id, stage: "ingest", reason: reason, detail: detail, item: item))
            }
            // Too few answers to weigh or trust: set aside before weighting, which could not converge on them.
            let substantiveCodes = Set(question.scale.options.map(\.code))
            let rawN = Int(source.tallies.byQuestion[question.id]!.cells.values
                .flatMap { $0.filter { substantiveCodes.contains($0.key) }.values }.reduce(0, +).rounded())
            if rawN < source.settings.minN {
                setAside("min_n", "\(rawN) substantive answers, fewer than \(source.settings.minN)")
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
            var collapsed: [Double]?
            var collapsedLabels: [String]?
            if let collapse = question.scale.collapse {
                collapsed = collapse.map { level in
                    level.codes.reduce(0) { sum, code in sum + weighed.shares[weighed.options.firstIndex(of: code)!] }
                }
                collapsedLabels = collapse.map { $0.labels[source.language] ?? $0.codes.joined(separator: "+") }
            }
            let result = SurveyResult(
                distribution: weighed.shares.map(round6),
                distributionWithNonresponse: weighed.sharesWithNonresponse.map(round6),
                nonresponseOptions: question.scale.nonresponse.map { $0.labels[source.language] ?? $0.code },
                distribution3: collapsed?.map(round6), scale3: collapsedLabels,
                n: weighed.n, nEffective: round6(weighed.nEffective), marginOfError: round6(weighed.marginOfError),
                contested: lead <= weighed.marginOfError, weighting: weighed.weighting)
            let item = Item(
                id: id,
                task: .socialValue, subject: source.subject, language: source.language, question: text,
                choices: choices, answer: Item.letter(ranked[0].offset), choicesOrdered: question.scale.ordered,
                country: source.questionnaire.country, topic: question.topic,
                source: ItemSource(kind: "survey", sourceID: source.sourceID, document: document, element: question.id,
                                   license: source.license, revision: source.revision),
                survey: result)
            if weighed.nonresponseShare > source.settings.maxNonresponseShare {
                output.dropped.append(DroppedItem(id: item.id, stage: "ingest", reason: "nonresponse_share",
                                                  detail: "don't know/refused share \(round6(weighed.nonresponseShare)) above \(source.settings.maxNonresponseShare)", item: item))
            } else {
                output.items.append(item)
            }
        }
        return output
    }
}

/// A question whose tallies cannot be weighted to the margins (e.g. a level with no respondents).
public struct WeightingFailure: Error, Sendable {
    public var message: String
}

/// Rounds to 6 decimals, so that released numbers do not carry floating-point noise.
func round6(_ value: Double) -> Double {
    guard value.isFinite else { return value }
    return (value * 1_000_000).rounded() / 1_000_000
}
