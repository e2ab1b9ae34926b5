public import DatasetCore
import Foundation

/// What a reviewer may do in the review store. Leads adjudicate disagreements; curators run rounds.
public enum ReviewerRole: String, Sendable, Codable, CaseIterable, Comparable {
    case reviewer, lead, curator

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// One reviewer's decision on one item version.
public enum ReviewDecision: String, Sendable, Codable, CaseIterable {
    case approve, reject, revise
}

/// A label reviewers give an item in a round. `required_knowledge`, `region`, `country` and
/// `time_sensitive` are known names: their aggregate becomes the release item's fields.
public struct LabelSpec: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// One of `values` (or several, when `multiple`).
        case choice
        /// `true` or `false`.
        case boolean
        /// Free text, compared after trimming and case folding.
        case text
    }

    public var name: String
    public var kind: Kind
    public var values: [String]
    public var multiple: Bool
    /// The values are ordered (`values` lists them in order): agreement adds ordinal alpha.
    public var ordinal: Bool
    /// An approving vote must give this label.
    public var required: Bool
    /// What reviewers read instead of the name, and a sentence on what the label asks.
    public var title: String?
    public var description: String?
    /// What reviewers read for each value, and what each means, where the pipeline file says.
    public var valueTitles: [String: String]?
    public var valueDescriptions: [String: String]?

    /// The label's name for people: its title, else its name with spaces.
    public var displayTitle: String { title ?? name.replacingOccurrences(of: "_", with: " ").capitalizedFirst }

    /// A value's name for people: its title, else the value ("true"/"false" read as yes/no).
    public func displayTitle(of value: String) -> String {
        valueTitles?[value] ?? (kind == .boolean ? (value == "true" ? "Yes" : "No") : value)
    }

    public init(name: String, kind: Kind, values: [String] = [], multiple: Bool = false, ordinal: Bool = false, required: Bool) {
        self.name = name
        self.kind = kind
        self.values = values
        self.multiple = multiple
        self.ordinal = ordinal
        self.required = required
    }


    /// The definitions behind the known label names, worded as Global-MMLU's annotation asks.
    public static func known(_ name: String) -> LabelSpec? {
        var label: LabelSpec
        switch name {
        case "required_knowledge":
            label = LabelSpec(name: name, kind: .choice, values: CulturalSensitivity.sensitiveKnowledge + ["none"], multiple: true, required: true)
            label.title = "Knowledge needed to answer"
            label.description = "Which knowledge beyond the question itself a person needs to answer correctly. Any of cultural, regional or dialect makes the item culturally sensitive (CS)."
            label.valueTitles = ["cultural": "Cultural", "regional": "Regional", "dialect": "Dialect", "none": "None of these"]
            label.valueDescriptions = [
                "cultural": "customs, history, arts or values of a culture",
                "regional": "facts about a particular place: its geography, institutions or law",
                "dialect": "a regional or social variety of the language",
                "none": "general knowledge anyone with the subject could use",
            ]
        case "region":
            label = LabelSpec(name: name, kind: .text, required: false)
            label.title = "Region"
            label.description = "The region the item's knowledge belongs to, if any (for example 수도권 or 제주)."
        case "country":
            label = LabelSpec(name: name, kind: .text, required: false)
            label.title = "Country"
            label.description = "The country the item's knowledge belongs to, if any."
        case "time_sensitive":
            label = LabelSpec(name: name, kind: .boolean, required: true)
            label.title = "Time-sensitive"
            label.description = "Could the correct answer change over time (a current office holder, a statistic, a law)?"
        default:
            return nil
        }
        return label
    }

    /// Checks and normalizes one raw answer: a choice list split on `;`, a boolean, or trimmed text.
    /// Returns the stored values (empty when not given) or a reason it is invalid.
    public func parse(_ raw: [String]) -> Result<[String], LabelError> {
        let given = raw.flatMap { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        switch kind {
        case .choice:
            var values: [String] = []
            for value in given {
                let folded = value.lowercased()
                guard let known = self.values.first(where: { $0.lowercased() == folded }) else {
                    return .failure(LabelError("'\(value)' is not one of \(self.values.joined(separator: ", "))"))
                }
                if !values.contains(known) { values.append(known) }
            }
            if values.count > 1, !multiple { return .failure(LabelError("takes one value, got \(values.count)")) }
            if name == "required_knowledge", values.contains("none"), values.count > 1 {
                return .failure(LabelError("'none' cannot go with other values"))
            }
            return .success(values.sorted { self.values.firstIndex(of: $0)! < self.values.firstIndex(of: $1)! })
        case .boolean:
            guard given.count <= 1 else { return .failure(LabelError("takes one value, got \(given.count)")) }
            guard let value = given.first else { return .success([]) }
            switch value.lowercased() {
            case "true", "yes", "y", "1": return .success(["true"])
            case "false", "no", "n", "0": return .success(["false"])
            default: return .failure(LabelError("'\(value)' is not true or false"))
            }
        case .text:
            guard given.count <= 1 else { return .failure(LabelError("takes one value")) }
            return .success(given.map { $0.collapsingWhitespace })
        }
    }
}

public struct LabelError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A review round as the pipeline file declares it.
public struct ReviewRound: Sendable, Hashable, Codable {
    /// How the votes on an item become its outcome.
    public enum Rule: Sendable, Hashable, Codable {
        /// Every vote the same.
        case unanimous
        /// One decision has more than `threshold` of the votes.
        case majority(threshold: Double)
        /// Approved when any reviewer approved.
        case any
    }

    /// What happens when the votes do not settle an item.
    public enum OnDisagreement: String, Sendable, Hashable, Codable {
        /// A lead decides.
        case adjudicate
        /// One more reviewer votes and the rule is applied again.
        case anotherReviewer = "another_reviewer"
    }

    public var name: String
    public var reviewersPerItem: Int
    public var batchSize: Int
    public var roles: [ReviewerRole]
    public var decisions: [ReviewDecision]
    public var rule: Rule
    public var onDisagreement: OnDisagreement
    public var labels: [LabelSpec]
    /// A label value holds when at least this share of the item's labelling reviewers gave it.
    public var labelThreshold: Double
    /// The tasks that go through this round; nil for all. Other items pass it untouched.
    public var tasks: [ItemTask]?
    /// The languages whose items go through this round; nil for all.
    public var languages: [String]?
    /// Whether translations go through this round: with the other items (nil), not at all, or
    /// alone (a translation round, which shows each beside the item it translates).
    public var translations: TranslationScope?
    /// What reviewers are asked to check in this round, in Markdown.
    public var guidelines: String?

    public init(name: String, reviewersPerItem: Int = 1, batchSize: Int = 20, roles: [ReviewerRole] = [.reviewer],
                decisions: [ReviewDecision] = ReviewDecision.allCases, rule: Rule = .unanimous,
                onDisagreement: OnDisagreement = .adjudicate, labels: [LabelSpec] = [], labelThreshold: Double = 0.5,
                tasks: [ItemTask]? = nil) {
        self.name = name
        self.reviewersPerItem = reviewersPerItem
        self.batchSize = batchSize
        self.roles = roles
        self.decisions = decisions
        self.rule = rule
        self.onDisagreement = onDisagreement
        self.labels = labels
        self.labelThreshold = labelThreshold
        self.tasks = tasks
    }

    public enum TranslationScope: String, Sendable, Hashable, Codable, CaseIterable {
        case include, exclude, only
    }

    public func applies(to item: Item) -> Bool {
        applies(task: item.task, language: item.language, isTranslation: item.translation != nil)
    }

    func applies(task: ItemTask, language: String, isTranslation: Bool) -> Bool {
        guard tasks?.contains(task) ?? true, languages?.contains(language) ?? true else { return false }
        switch translations ?? .include {
        case .include: return true
        case .exclude: return !isTranslation
        case .only: return isTranslation
        }
    }

    /// A translation round: reviewers see each translation beside the item it translates.
    public var isTranslationRound: Bool { translations == .only }

    public func label(_ name: String) -> LabelSpec? { labels.first { $0.name == name } }
}

/// The review section of a pipeline file: its rounds in order, and whether items that have not
/// passed every round may still reach a release candidate (marked as such).
public struct ReviewPlan: Sendable, Hashable {
    public var rounds: [ReviewRound]
    public var includeUnreviewed: Bool

    public init(rounds: [ReviewRound] = [], includeUnreviewed: Bool = false) {
        self.rounds = rounds
        self.includeUnreviewed = includeUnreviewed
    }

    public func round(_ name: String) -> ReviewRound? { rounds.first { $0.name == name } }
}

extension String {
    /// The text with its first letter upper-cased.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
