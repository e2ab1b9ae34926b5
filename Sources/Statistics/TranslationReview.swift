/// A translation round's outcome per language and subject: translations accepted as they came,
/// edited by a reviewer, rejected or still pending, with how much the edits changed (edit rates
/// of the edited text against the text as it came in: the machine output, for machine translations).
public struct TranslationReview: Sendable, Codable, Hashable {
    public init(round: String, rows: [Row], edits: [Edit]) {
        self.round = round
        self.rows = rows
        self.edits = edits
    }

    public struct Row: Sendable, Codable, Hashable {
        public var language: String
        /// A subject, or `all` for the language's total.
        public var subject: String
        public var items: Int
        public var accepted: Int
        public var edited: Int
        public var rejected: Int
        public var pending: Int
        /// Means over the edited items; nil without edits.
        public var meanCharacters: Double?
        public var meanNormalized: Double?
        public var meanTER: Double?

        public init(language: String, subject: String, items: Int, accepted: Int, edited: Int, rejected: Int, pending: Int,
                    meanCharacters: Double?, meanNormalized: Double?, meanTER: Double?) {
            self.language = language
            self.subject = subject
            self.items = items
            self.accepted = accepted
            self.edited = edited
            self.rejected = rejected
            self.pending = pending
            self.meanCharacters = meanCharacters
            self.meanNormalized = meanNormalized
            self.meanTER = meanTER
        }

        enum CodingKeys: String, CodingKey {
            case language, subject, items, accepted, edited, rejected, pending
            case meanCharacters = "mean_characters"
            case meanNormalized = "mean_normalized"
            case meanTER = "mean_ter"
        }
    }

    /// One edited translation: who edited it, into which version, and by how much.
    public struct Edit: Sendable, Codable, Hashable {
        public var item: String
        public var language: String
        public var subject: String
        public var origin: String
        public var reviser: String?
        public var version: Int
        public var measures: EditRates.Measures

        public init(item: String, language: String, subject: String, origin: String, reviser: String?, version: Int, measures: EditRates.Measures) {
            self.item = item
            self.language = language
            self.subject = subject
            self.origin = origin
            self.reviser = reviser
            self.version = version
            self.measures = measures
        }
    }

    public var round: String
    public var rows: [Row]
    public var edits: [Edit]
}

