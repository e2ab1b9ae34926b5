public import DatasetCore
public import Foundation
public import Statistics

/// What the pipeline file's `quality` section sets: a threshold per check and whether a failing
/// check blocks `release`. Defaults are `QualityDossier.Check.Kind`'s.
public struct QualitySettings: Sendable, Hashable {
    public struct Override: Sendable, Hashable {
        public var threshold: Double?
        public var block: Bool

        public init(threshold: Double? = nil, block: Bool = false) {
            self.threshold = threshold
            self.block = block
        }
    }

    public var checks: [QualityDossier.Check.Kind: Override] = [:]
    /// Jaccard similarity (of the dedup shingles) at or above which two items count as one template.
    public var templateSimilarity = 0.5
    /// Items per stratum the Vendi score is computed on; larger strata are sampled (seeded).
    public var diversitySample = 500

    public init() {}
}

/// The quality dossier of a release (`quality.json` and a section of `report.html`): every check
/// the pipeline ran, each mapped to the ISO/IEC 5259-2 measure and the NIA/TTA criterion it
/// answers, with its measured value, its threshold and whether it passed; and the figures behind
/// them. Everything except the funnel, the quotas and the pilot follow-up is computed from the
/// released records alone, so that anyone can recompute it from the release files.
public struct QualityDossier: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable, Comparable {
            case completeness, labelCompleteness = "label_completeness", consistency, reviewAccuracy = "review_accuracy"
            case pilotFollowUp = "pilot_follow_up", agreement, duplication, contamination, quotaBalance = "quota_balance"
            case answerBalance = "answer_balance", diversity, representativeness, timeliness, identifiability

            public static func < (a: Kind, b: Kind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

            /// The ISO/IEC 5259-2 quality characteristic and the NIA/TTA AI-data criterion.
            public var measure: (iso: String, nia: String) {
                switch self {
                case .completeness: ("completeness", "format fitness")
                case .labelCompleteness: ("completeness", "labelling specification")
                case .consistency: ("consistency", "format fitness")
                case .reviewAccuracy: ("accuracy", "inspection")
                case .pilotFollowUp: ("accuracy", "validity")
                case .agreement: ("accuracy", "labelling specification")
                case .duplication: ("similarity", "de-duplication")
                case .contamination: ("similarity", "validity")
                case .quotaBalance: ("balance", "diversity of collection")
                case .answerBalance: ("balance", "validity")
                case .diversity: ("diversity", "diversity of collection")
                case .representativeness: ("representativeness", "factuality of collection")
                case .timeliness: ("timeliness", "validity")
                case .identifiability: ("identifiability", "de-identification")
                }
            }

            /// `at_least` or `at_most`, and the default threshold.
            public var rule: (atLeast: Bool, threshold: Double) {
                switch self {
                case .completeness, .labelCompleteness, .consistency, .reviewAccuracy, .pilotFollowUp, .quotaBalance: (true, 1)
                case .agreement: (true, 0.667)
                case .answerBalance: (true, 0.01)
                case .diversity: (true, 0.5)
                case .representativeness: (false, 0.01)
                case .duplication, .contamination, .identifiability: (false, 0)
                case .timeliness: (false, 0.2)
                }
            }

            /// What the value is.
            public var definition: String {
                switch self {
                case .completeness: "share of items with every field their task needs (question, two or more choices, an answer key or a survey distribution, the source's document and licence)"
                case .labelCompleteness: "share of items labelled culturally sensitive (CS) or agnostic (CA)"
                case .consistency: "share of records that conform to the item schema (the release stage refuses any that does not)"
                case .reviewAccuracy: "share of items approved in every review round"
                case .pilotFollowUp: "share of the items a pilot flagged whose review is settled"
                case .agreement: "lowest Krippendorff's alpha (nominal) among the rounds' decisions and cultural-sensitivity labels"
                case .duplication: "share of items with an exact or near duplicate among the released items"
                case .contamination: "share of items found in a pretraining corpus"
                case .quotaBalance: "share of strata with a quota that met it after review"
                case .answerBalance: "lowest p-value of the chi-square test that answer keys are spread evenly over positions, per subject"
                case .diversity: "lowest Vendi score per item (the effective number of distinct items over the number of items), per subject"
                case .representativeness: "largest difference between a weighting dimension's share among a social-value item's respondents, after weighting, and its share of the population (census margins)"
                case .timeliness: "share of items labelled time-sensitive"
                case .identifiability: "share of items whose text matches a personal-data pattern (phone number, resident registration number, e-mail address)"
                }
            }
        }

        public var name: Kind
        public var measure: String
        public var criterion: String
        public var definition: String
        public var value: Double?
        public var comparison: String
        public var threshold: Double
        /// `pass`, `fail`, or `not_applicable` (nothing to measure: no votes, no quotas, no pilot).
        public var status: String
        public var blocking: Bool
        public var detail: String

        enum CodingKeys: String, CodingKey {
            case name, measure, criterion, definition, value, comparison, threshold, status, blocking, detail
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(measure, forKey: .measure)
            try container.encode(criterion, forKey: .criterion)
            try container.encode(definition, forKey: .definition)
            // null rather than absent: a reader sees the check had nothing to measure.
            try container.encode(value, forKey: .value)
            try container.encode(comparison, forKey: .comparison)
            try container.encode(threshold, forKey: .threshold)
            try container.encode(status, forKey: .status)
            try container.encode(blocking, forKey: .blocking)
            try container.encode(detail, forKey: .detail)
        }

        /// A failing check that blocks `release`.
        public var blocks: Bool { blocking && status == "fail" }
    }

    public struct FunnelStage: Codable, Sendable, Equatable {
        public var stage: String
        public var itemsIn: Int
        public var itemsOut: Int
        public var setAside: [String: Int]

        public init(stage: String, itemsIn: Int, itemsOut: Int, setAside: [String: Int]) {
            self.stage = stage
            self.itemsIn = itemsIn
            self.itemsOut = itemsOut
            self.setAside = setAside
        }

        enum CodingKeys: String, CodingKey { case stage, itemsIn = "items_in", itemsOut = "items_out", setAside = "set_aside" }
    }

    public struct Quota: Codable, Sendable, Equatable {
        public var stratum: String
        public var target: Int?
        public var available: Int
        public var selected: Int
        public var shortfall: Int

        public init(stratum: String, target: Int?, available: Int, selected: Int, shortfall: Int) {
            self.stratum = stratum
            self.target = target
            self.available = available
            self.selected = selected
            self.shortfall = shortfall
        }
    }

    public struct SubjectDiversity: Codable, Sendable, Equatable {
        /// `task/subject`.
        public var stratum: String
        public var items: Int
        /// Items the score is computed on (all, or a seeded sample of `diversity_sample`).
        public var measured: Int
        public var vendi: Double
        /// Vendi score over `measured`.
        public var vendiPerItem: Double
        /// Items with another item at or above the template similarity.
        public var templated: Int

        enum CodingKeys: String, CodingKey { case stratum, items, measured, vendi, vendiPerItem = "vendi_per_item", templated }
    }

    public struct AnswerBalance: Codable, Sendable, Equatable {
        public var subject: String
        /// Answer keys per position (A, B, ...), over items with that many choices or more.
        public var counts: [Int]
        public var chiSquare: Double
        public var degreesOfFreedom: Int
        public var pValue: Double

        enum CodingKeys: String, CodingKey { case subject, counts, chiSquare = "chi_square", degreesOfFreedom = "degrees_of_freedom", pValue = "p_value" }
    }

    public struct RoundAgreement: Codable, Sendable, Equatable {
        public var round: String
        public var agreement: VariableAgreement
    }

    public struct PersonalData: Codable, Sendable, Equatable {
        public var item: String
        /// `phone`, `resident_registration_number` or `email`.
        public var kind: String
        /// Where: `question`, `choices` or `passage`.
        public var field: String
    }

    public struct Authorship: Codable, Sendable, Equatable {
        /// `task/subject`.
        public var stratum: String
        /// Items per author as the source names them (`source:<id>` where it names none).
        public var authors: [String: Int]
        /// Items flagged `generated` (made from glossaries or templates).
        public var generated: Int
        /// Items a reviewer revised (`review.version` above 1).
        public var revised: Int
        /// Translations by origin (`machine`, `human`, `post_edited`); absent without translations.
        public var translated: [String: Int]?
    }

    /// How a review round labels: what the card and Croissant's annotation fields say.
    public struct RoundProtocol: Codable, Sendable, Equatable {
        public var round: String
        public var reviewersPerItem: Int
        /// Share of an item's reviewers that must give a label for it to hold.
        public var labelThreshold: Double
        public var labels: [String]

        public init(round: String, reviewersPerItem: Int, labelThreshold: Double, labels: [String]) {
            self.round = round
            self.reviewersPerItem = reviewersPerItem
            self.labelThreshold = labelThreshold
            self.labels = labels
        }

        enum CodingKeys: String, CodingKey { case round, reviewersPerItem = "reviewers_per_item", labelThreshold = "label_threshold", labels }
    }

    /// A source of the pipeline and when its material was collected or written, as the pipeline file says.
    public struct SourceCollection: Codable, Sendable, Equatable {
        public var source: String
        public var kind: String
        /// An ISO 8601 date or interval; nil when the pipeline file does not say.
        public var collected: String?

        public init(source: String, kind: String, collected: String?) {
            self.source = source
            self.kind = kind
            self.collected = collected
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
            try container.encode(kind, forKey: .kind)
            try container.encode(collected, forKey: .collected)
        }

        enum CodingKeys: String, CodingKey { case source, kind, collected }
    }

    public var schemaVersion = "1"
    public var name: String
    public var version: String?
    public var items: Int
    public var checks: [Check]
    public var funnel: [FunnelStage]
    public var quotas: [Quota]
    public var diversity: [SubjectDiversity]
    public var answerBalance: [AnswerBalance]
    public var agreement: [RoundAgreement]
    public var personalData: [PersonalData]
    public var authorship: [Authorship]
    public var templateSimilarity: Double
    public var rounds: [RoundProtocol]
    /// Released social-value items' respondents against the population, before and after weighting.
    public var surveyWeighting: [SurveyWeighting]
    public var collection: [SourceCollection]
    /// Translation rounds: per language and subject, translations accepted, edited and rejected,
    /// with the edit rates of the edits (absent without translation rounds).
    public var translationReview: [TranslationReview]?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", name, version, items, checks, funnel, quotas, diversity
        case answerBalance = "answer_balance", agreement, personalData = "personal_data", authorship
        case templateSimilarity = "template_similarity", rounds, surveyWeighting = "survey_weighting", collection
        case translationReview = "translation_review"
    }

    /// The span of the sources' collection dates ("2013/2024-04"), nil when no source states one.
    public var collectionTimeframe: String? {
        let bounds = collection.compactMap(\.collected).flatMap { $0.split(separator: "/").map(String.init) }
        guard let first = bounds.min(), let last = bounds.max() else { return nil }
        return first == last ? first : "\(first)/\(last)"
    }

    public static let fileName = "quality.json"

    /// A value as the report, card and notes show it: three decimals, "n/a" when absent.
    public static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.3f", value == 0 ? 0 : value)
    }

    /// A coefficient with its standard error, "value ± SE".
    public static func format(_ coefficient: Agreement.MultiRaterCoefficient?) -> String {
        coefficient.map { "\(format($0.value)) ± \(format($0.standardError))" } ?? "n/a"
    }

    /// Translations by origin as the card and report show them ("human 8, machine 4"), "–" for none.
    public static func origins(_ counts: [String: Int]?) -> String {
        guard let counts, !counts.isEmpty else { return "–" }
        return counts.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "_", with: "-")) \($0.value)" }.joined(separator: ", ")
    }

    /// Checks that fail and block `release`.
    public var blocking: [Check] { checks.filter(\.blocks) }

    public func encoded() throws -> Data { try JSONLines.prettyDocument(self) }

    /// The dossier of a candidate or release, if its manifest lists one.
    public static func read(in directory: URL, manifest: ReleaseManifest) throws -> QualityDossier? {
        guard manifest.documents.contains(where: { $0.path == fileName }) else { return nil }
        let url = directory.appendingPathComponent(fileName)
        do {
            return try JSONDecoder().decode(QualityDossier.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw InputError(SourceLocation(file: url.path), error)
        }
    }
}
