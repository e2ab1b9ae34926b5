public import Foundation
public import DatasetCore

/// How much a new version must change its number, by semantic versioning.
public enum VersionBump: Int, Comparable, Sendable, CustomStringConvertible {
    case patch, minor, major

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { ["patch", "minor", "major"][rawValue] }

    /// The bump from one version to the next (nil when `new` is not greater).
    public static func between(_ old: SemanticVersion, _ new: SemanticVersion) -> VersionBump? {
        guard old < new else { return nil }
        if new.major > old.major { return .major }
        if new.minor > old.minor { return .minor }
        return .patch
    }
}

/// What changed between two releases, item by item.
public struct ReleaseDiff: Sendable, Equatable {
    public var added: [String] = []
    public var removed: [String] = []
    /// The correct (or, for social values, modal) answer's text changed.
    public var changedAnswer: [String] = []
    /// The question or the set of choices changed.
    public var changedText: [String] = []
    /// Cultural-sensitivity labels, required knowledge or the time-sensitive flag changed.
    public var changedLabels: [String] = []
    /// The survey distribution, the split, the choice order or other metadata changed.
    public var changedMetadata: [String] = []

    public var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && changedAnswer.isEmpty && changedText.isEmpty && changedLabels.isEmpty && changedMetadata.isEmpty
    }

    /// A removed item or a changed answer breaks users' results: major. New items, or changed
    /// questions and labels, change what is measured: minor. Anything else: patch.
    public var requiredBump: VersionBump {
        if !removed.isEmpty || !changedAnswer.isEmpty { return .major }
        if !added.isEmpty || !changedText.isEmpty || !changedLabels.isEmpty { return .minor }
        return .patch
    }

    public static func compare(old: [(item: Item, split: String)], new: [(item: Item, split: String)]) -> ReleaseDiff {
        let before = Dictionary(old.map { ($0.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        var diff = ReleaseDiff()
        diff.removed = before.keys.filter { after[$0] == nil }.sorted()
        diff.added = after.keys.filter { before[$0] == nil }.sorted()
        for id in after.keys.sorted() {
            guard let (oldItem, oldSplit) = before[id], let (newItem, newSplit) = after[id] else { continue }
            if oldItem.answerText != newItem.answerText {
                diff.changedAnswer.append(id)
            } else if oldItem.question != newItem.question || oldItem.choices.sorted() != newItem.choices.sorted() {
                diff.changedText.append(id)
            } else if oldItem.culturalSensitivity != newItem.culturalSensitivity || oldItem.requiredKnowledge != newItem.requiredKnowledge
                        || oldItem.timeSensitive != newItem.timeSensitive {
                diff.changedLabels.append(id)
            } else if oldItem != newItem || oldSplit != newSplit {
                diff.changedMetadata.append(id)
            }
        }
        return diff
    }

    /// A CHANGELOG entry: counts, then the ids under each heading.
    public func changelogEntry(version: String, previous: String?, allowReason: String?) -> String {
        var text = "## \(version)\n\n"
        text += previous.map { "Changes from \($0): " } ?? "First release: "
        text += "\(added.count) added, \(removed.count) removed, \(changedAnswer.count) with a changed answer, "
        text += "\(changedText.count) with changed text, \(changedLabels.count) with changed labels, \(changedMetadata.count) with other changes.\n"
        if let allowReason {
            text += "\nPublished as \(version) although these changes call for a \(requiredBump) version: \(allowReason)\n"
        }
        for (heading, ids) in [("Added", added), ("Removed", removed), ("Changed answer", changedAnswer), ("Changed text", changedText),
                               ("Changed labels", changedLabels), ("Other changes", changedMetadata)] where !ids.isEmpty && previous != nil {
            text += "\n### \(heading)\n\n" + ids.map { "- `\($0)`" }.joined(separator: "\n") + "\n"
        }
        return text + "\n"
    }
}

/// The items of a release (or candidate) directory, with the split each is in.
public enum ReleaseContents {
    public static func items(in directory: URL, displayName: String) throws -> [(item: Item, split: String)] {
        let manifest = try ReleaseManifest.read(from: directory.appendingPathComponent("manifest.json"))
        return try manifest.files.flatMap { file in
            try JSONLines.read(Item.self, from: directory.appendingPathComponent(file.path), displayName: "\(displayName)/\(file.path)")
                .map { ($0, file.split) }
        }
    }
}
