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

/// One field of an item that differs between two releases, as JSON text.
public struct FieldChange: Sendable, Equatable {
    /// A record key, or `key.subkey` inside `source`, `review` and `survey`; `split` for the file the item is in.
    public var field: String
    public var before: String
    public var after: String
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
    /// For each changed item, the fields that differ, with before and after.
    public var changes: [String: [FieldChange]] = [:]
    /// For each added or removed item, its subject and question, so that a changelog says what it was.
    public var described: [String: String] = [:]

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

    /// Compares two releases by item id. The hash of the raw file an item was read from is
    /// provenance, not content: an item whose file changed elsewhere is not a changed item.
    public static func compare(old: [(item: Item, split: String)], new: [(item: Item, split: String)]) -> ReleaseDiff {
        let before = Dictionary(old.map { ($0.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        var diff = ReleaseDiff()
        diff.removed = before.keys.filter { after[$0] == nil }.sorted()
        diff.added = after.keys.filter { before[$0] == nil }.sorted()
        for id in diff.removed { diff.described[id] = describe(before[id]!.item) }
        for id in diff.added { diff.described[id] = describe(after[id]!.item) }
        for id in after.keys.sorted() {
            guard let (published, oldSplit) = before[id], let (newItem, newSplit) = after[id] else { continue }
            var oldItem = published
            oldItem.source.revision = newItem.source.revision
            guard oldItem != newItem || oldSplit != newSplit else { continue }
            if oldItem.answerText != newItem.answerText {
                diff.changedAnswer.append(id)
            } else if oldItem.question != newItem.question || oldItem.choices.sorted() != newItem.choices.sorted() {
                diff.changedText.append(id)
            } else if oldItem.culturalSensitivity != newItem.culturalSensitivity || oldItem.requiredKnowledge != newItem.requiredKnowledge
                        || oldItem.timeSensitive != newItem.timeSensitive {
                diff.changedLabels.append(id)
            } else {
                diff.changedMetadata.append(id)
            }
            diff.changes[id] = fieldChanges(oldItem, newItem) + (oldSplit == newSplit ? [] : [FieldChange(field: "split", before: oldSplit, after: newSplit)])
        }
        return diff
    }

    static func describe(_ item: Item) -> String {
        "\(item.subject): \(abbreviated(item.question))"
    }

    /// The differing fields of two records, nested objects compared key by key.
    static func fieldChanges(_ old: Item, _ new: Item) -> [FieldChange] {
        func object(_ item: Item) -> [String: Any] {
            guard let line = try? JSONLines.line(for: item),
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return [:] }
            return object
        }
        func text(_ value: Any?) -> String {
            guard let value, !(value is NSNull) else { return "null" }
            if let string = value as? String { return abbreviated(string, quoted: true) }
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
            else { return String(describing: value) }
            return abbreviated(String(decoding: data, as: UTF8.self))
        }
        var changes: [FieldChange] = []
        func compare(_ before: [String: Any], _ after: [String: Any], prefix: String) {
            for key in Set(before.keys).union(after.keys).sorted() {
                let old = before[key], new = after[key]
                if let old = old as? [String: Any], let new = new as? [String: Any], prefix.isEmpty {
                    compare(old, new, prefix: key + ".")
                } else if !equalJSON(old, new) {
                    changes.append(FieldChange(field: prefix + key, before: text(old), after: text(new)))
                }
            }
        }
        compare(object(old), object(new), prefix: "")
        return changes
    }

    static func equalJSON(_ a: Any?, _ b: Any?) -> Bool {
        func data(_ value: Any?) -> Data? {
            guard let value else { return nil }
            return try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        }
        return data(a) == data(b)
    }

    /// One line of at most 300 characters, line breaks shown as ⏎.
    static func abbreviated(_ text: String, quoted: Bool = false) -> String {
        var line = text.replacingOccurrences(of: "\r\n", with: "⏎").replacingOccurrences(of: "\n", with: "⏎")
        if line.count > 300 { line = String(line.prefix(299)) + "…" }
        return quoted ? "“\(line)”" : line
    }

    /// A CHANGELOG entry: counts, then under each heading every item with what it is (added,
    /// removed) or which fields changed, before → after.
    public func changelogEntry(version: String, previous: String?, allowReason: String?) -> String {
        var text = "## \(version)\n\n"
        text += previous.map { "Changes from \($0): " } ?? "First release: "
        text += "\(added.count) added, \(removed.count) removed, \(changedAnswer.count) with a changed answer, "
        text += "\(changedText.count) with changed text, \(changedLabels.count) with changed labels, \(changedMetadata.count) with other changes.\n"
        if let allowReason {
            text += "\nPublished as \(version) although these changes call for a \(requiredBump) version: \(allowReason)\n"
        }
        guard previous != nil else { return text + "\n" }
        for (heading, ids) in [("Added", added), ("Removed", removed)] where !ids.isEmpty {
            text += "\n### \(heading)\n\n" + ids.map { "- `\($0)` \(Self.markdownEscaped(described[$0] ?? ""))" }.joined(separator: "\n") + "\n"
        }
        for (heading, ids) in [("Changed answer", changedAnswer), ("Changed text", changedText), ("Changed labels", changedLabels),
                               ("Other changes", changedMetadata)] where !ids.isEmpty {
            text += "\n### \(heading)\n\n"
            for id in ids {
                text += "- `\(id)`\n"
                for change in changes[id] ?? [] {
                    text += "  - \(change.field): \(Self.markdownEscaped(change.before)) → \(Self.markdownEscaped(change.after))\n"
                }
            }
        }
        return text + "\n"
    }

    /// Text that Markdown shows as written: its marks and any HTML are escaped.
    static func markdownEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\`*_[]<>#|~".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// The items of a release (or candidate) directory, with the split each is in.
public enum ReleaseContents {
    public static func items(in directory: URL, displayName: String) throws -> [(item: Item, split: String)] {
        try placedItems(in: directory, displayName: displayName).map { ($0.item, $0.split) }
    }

    /// Every item with the config and split of the file the manifest lists it in.
    public static func placedItems(in directory: URL, displayName: String) throws -> [(item: Item, config: String, split: String)] {
        var placed: [(item: Item, config: String, split: String)] = []
        try eachFile(in: directory, displayName: displayName) { file, items in placed += items.map { ($0, file.config, file.split) } }
        return placed
    }

    /// Each data file the manifest of `directory` lists, in its order, with its items a block at a
    /// time (`JSONLines.read(_:from:displayName:each:)`).
    static func eachFile(in directory: URL, displayName: String, _ body: (ReleaseManifest.DataFile, [Item]) throws -> Void) throws {
        let manifest = try ReleaseManifest.read(from: directory.appendingPathComponent("manifest.json"))
        for file in manifest.files {
            try JSONLines.read(Item.self, from: directory.appendingPathComponent(file.path), displayName: "\(displayName)/\(file.path)") {
                try body(file, $0)
            }
        }
    }
}
