public import DatasetCore

/// Configs of a release with translations, and what a translation takes from the item it
/// translates there: its choice order, its split and its labels.
public enum ParallelRelease {
    /// The tasks that hold translations: each has one config per language.
    public static func parallelTasks(_ lists: some Sequence<[Item]>) -> Set<ItemTask> {
        // Asked first on every core: most releases have no translation.
        Set(lists.lazy.filter(ParallelGroups.anyTranslation).joined().filter { $0.translation != nil }.map(\.task))
    }

    /// The config an item belongs to: its task's name, with its language where the task is parallel.
    public static func config(of item: Item, parallel: Set<ItemTask>) -> String {
        parallel.contains(item.task) ? "\(item.task.rawValue)_\(item.language)" : item.task.rawValue
    }

    /// The task of a config.
    public static func task(ofConfig config: String) -> ItemTask? {
        ItemTask.allCases.first { config == $0.rawValue || config.hasPrefix($0.rawValue + "_") }
    }

    /// Each translation with the choice order balancing gave the item it translates (the same
    /// permutation of its own choices) and that item's answer letter.
    public static func alignChoices(_ translations: [Item], before: [String: Item], after: [String: Item]) -> [Item] {
        translations.map { translation in
            guard let group = translation.translation?.group, let old = before[group], let new = after[group],
                  old.choices != new.choices, translation.choices.count == old.choices.count else { return translation }
            // Choices are distinct (validation), so each new position names one old position.
            let permutation = new.choices.compactMap { old.choices.firstIndex(of: $0) }
            guard permutation.count == old.choices.count else { return translation }
            var aligned = translation
            aligned.choices = permutation.map { translation.choices[$0] }
            aligned.answer = new.answer
            return aligned
        }
    }

    /// Labels come from the item translated unless a round labelled the translation itself.
    public static func carryLabels(_ translation: Item, from original: Item?) -> Item {
        var item = translation
        let ownLabels = item.review.votes.contains { !$0.labels.isEmpty }
        if ownLabels || original == nil {
            item.translation?.labelsFrom = ownLabels ? "own" : nil
            return item
        }
        let original = original!
        item.culturalSensitivity = original.culturalSensitivity
        item.requiredKnowledge = original.requiredKnowledge
        item.region = original.region
        item.country = original.country
        item.timeSensitive = original.timeSensitive
        item.translation?.labelsFrom = "source"
        return item
    }

    /// Whether a person made or checked a translation: translated or post-edited by a person, or
    /// approved in review.
    public static func humanVerified(_ item: Item) -> Bool {
        guard let translation = item.translation else { return true }
        return translation.origin != .machine || item.review.status == "approved"
    }

    /// One language's translations: how many of each origin, how many a person made or checked,
    /// and whether the language is released.
    public struct LanguageCount: Codable, Sendable, Hashable {
        public var language: String
        public var machine: Int
        public var human: Int
        public var postEdited: Int
        public var humanVerified: Int
        public var included: Bool

        enum CodingKeys: String, CodingKey {
            case language, machine, human, included
            case postEdited = "post_edited"
            case humanVerified = "human_verified"
        }
    }

    /// The translations of languages with at least `minimum` human-verified items, and every
    /// language's counts.
    public static func gate(_ translations: [Item], minimum: Int) -> (kept: [Item], counts: [LanguageCount]) {
        let byLanguage = Dictionary(grouping: translations, by: \.language)
        var kept: [Item] = [], counts: [LanguageCount] = []
        for language in byLanguage.keys.sorted() {
            let members = byLanguage[language]!
            let verified = members.filter(humanVerified).count
            let origins = Dictionary(grouping: members) { $0.translation!.origin }.mapValues(\.count)
            counts.append(LanguageCount(language: language, machine: origins[.machine] ?? 0, human: origins[.human] ?? 0,
                                        postEdited: origins[.postEdited] ?? 0, humanVerified: verified, included: verified >= minimum))
            if verified >= minimum { kept += members }
        }
        return (kept, counts)
    }
}
