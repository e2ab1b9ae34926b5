/// Post-stratification on one dimension: each level's respondents are weighted by
/// population share ÷ sample share, so that the weighted sample matches the population on it.
public enum PostStratification {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case emptyLevel(String)
        case missingTarget(String)

        public var description: String {
            switch self {
            case .emptyLevel(let level): "level '\(level)' has a population share but no respondents"
            case .missingTarget(let level): "level '\(level)' has respondents but no population share"
            }
        }
    }

    /// Per-respondent weight for each level (mean weight 1 over the sample).
    /// `sample` counts respondents per level; `population` gives counts or shares per level.
    public static func weights(sample: [String: Double], population: [String: Double]) throws(Failure) -> [String: Double] {
        let sampleTotal = sample.values.reduce(0, +)
        let populationTotal = population.values.reduce(0, +)
        var result: [String: Double] = [:]
        for level in population.keys.sorted() where population[level]! > 0 && (sample[level] ?? 0) == 0 {
            throw .emptyLevel(level)
        }
        for (level, count) in sample.sorted(by: { $0.key < $1.key }) where count > 0 {
            guard let target = population[level] else { throw .missingTarget(level) }
            result[level] = (target / populationTotal) / (count / sampleTotal)
        }
        return result
    }
}
