/// How a social-value item's respondents compare with the population before and after weighting:
/// written by ingest beside the items, shown in the quality dossier and the build report.
public struct SurveyWeighting: Codable, Sendable, Hashable {
    /// One level of one weighting dimension: its share of the population, and of the question's
    /// respondents before and after weighting.
    public struct Margin: Codable, Sendable, Hashable {
        public var dimension: String
        public var level: String
        public var population: Double
        public var unweighted: Double
        public var weighted: Double

        public init(dimension: String, level: String, population: Double, unweighted: Double, weighted: Double) {
            self.dimension = dimension
            self.level = level
            self.population = population
            self.unweighted = unweighted
            self.weighted = weighted
        }
    }

    public var item: String
    /// Shares over the substantive choices before weighting, beside the item's weighted `distribution`.
    public var unweighted: [Double]
    /// Empty when the question was not weighted to population margins.
    public var margins: [Margin]

    public init(item: String, unweighted: [Double], margins: [Margin]) {
        self.item = item
        self.unweighted = unweighted
        self.margins = margins
    }

    /// The largest |respondents' share − population share| over every level, before and after weighting.
    public var largestGap: (unweighted: Double, weighted: Double)? {
        guard !margins.isEmpty else { return nil }
        return (margins.map { abs($0.unweighted - $0.population) }.max()!, margins.map { abs($0.weighted - $0.population) }.max()!)
    }
}
