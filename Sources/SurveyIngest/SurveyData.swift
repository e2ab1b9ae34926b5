public import DatasetCore

/// Answers to one option in one cell: how many respondents, and the sum and sum of squares of
/// their design weights (both equal the count when respondents are unweighted).
public struct Tally: Sendable, Hashable {
    public var count: Double
    public var weight: Double
    public var weightSquared: Double

    public init(count: Double) {
        self.count = count
        self.weight = count
        self.weightSquared = count
    }

    public init(count: Double, weight: Double, weightSquared: Double) {
        self.count = count
        self.weight = weight
        self.weightSquared = weightSquared
    }

    public static func + (lhs: Tally, rhs: Tally) -> Tally {
        Tally(count: lhs.count + rhs.count, weight: lhs.weight + rhs.weight, weightSquared: lhs.weightSquared + rhs.weightSquared)
    }

    public static let zero = Tally(count: 0)
}

/// Everything read from a survey source, whatever its format: the questionnaire, and for each
/// question either joint cells (levels of every dimension) or one-way margins (levels of one
/// dimension at a time), plus notes on the quirks the reader handled by a visible rule.
public struct SurveyData: Sendable {
    public typealias Options = [String: Tally]

    public var questionnaire: Questionnaire
    /// Question → cell (a level per questionnaire dimension, in order) → option code → tally.
    public var cells: [String: [[String]: Options]]
    /// Question → dimension → level → option code → tally.
    public var oneWay: [String: [String: [String: Options]]]
    /// Human-readable notes: each quirk met and the rule applied.
    public var notes: [String]
    /// Questions the reader set aside by a rule, with reason and detail.
    public var setAside: [(question: String, reason: String, detail: String)]
    /// Questions whose answers are a publisher's weighted shares: their sample size and its source.
    /// Such shares are used as published, never weighted again.
    public var published: [String: PublishedSampleSize] = [:]
    /// Dimension → level → where the answers first name it, so that a level the margins lack is
    /// reported against the answer file's line rather than the questionnaire.
    public var levelLocations: [String: [String: SourceLocation]] = [:]

    public init(questionnaire: Questionnaire, cells: [String: [[String]: Options]] = [:],
                oneWay: [String: [String: [String: Options]]] = [:], notes: [String] = [],
                setAside: [(question: String, reason: String, detail: String)] = []) {
        self.questionnaire = questionnaire
        self.cells = cells
        self.oneWay = oneWay
        self.notes = notes
        self.setAside = setAside
    }

    public func hasAnswers(_ question: String) -> Bool {
        cells[question] != nil || oneWay[question] != nil
    }

    /// Records where a stratum level is first seen.
    mutating func saw(_ level: String, of dimension: String, at location: @autoclosure () -> SourceLocation) {
        if levelLocations[dimension]?[level] == nil { levelLocations[dimension, default: [:]][level] = location() }
    }

    /// Each level of a weighted dimension that the margins do not have, once, where it first appears.
    public func levelsWithoutMargin(in margins: PopulationMargins) -> [InputError] {
        var errors: [InputError] = []
        for dimension in questionnaire.dimensions {
            guard let margin = margins.margins[dimension], let seen = levelLocations[dimension] else { continue }
            let known = margin.keys.sorted().joined(separator: ", ")
            for (level, location) in seen.sorted(by: { ($0.value.line ?? 0, $0.key) < ($1.value.line ?? 0, $1.key) }) where margin[level] == nil {
                errors.append(InputError(location, "level '\(level)' of '\(dimension)' has no population margin in \(margins.file) (margins have: \(known))"))
            }
        }
        return errors
    }
}
