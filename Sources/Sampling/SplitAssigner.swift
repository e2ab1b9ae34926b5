public import DatasetCore

/// Assigns items to splits, `per_subject` items of each task and subject to each counted split
/// (e.g. `dev`) and the rest to the last one (e.g. `test`).
///
/// Assignment is stable: an item that was in a split before (`previous`, from the last published
/// release) stays there, so adding or removing items never moves another item. New items fill
/// the counted splits up to their size in the order of a draw from the seed and their own id.
public struct SplitAssigner: Sendable {
    public struct Split: Sendable, Hashable {
        public var name: String
        /// Items per task and subject; nil for the split that takes the rest (the last one).
        public var perSubject: Int?

        public init(name: String, perSubject: Int?) {
            self.name = name
            self.perSubject = perSubject
        }
    }

    public var seed: UInt64
    public var splits: [Split]

    public init(seed: UInt64, splits: [Split]) {
        self.seed = seed
        self.splits = splits
    }

    public static let defaultSplits = [Split(name: "dev", perSubject: 5), Split(name: "test", perSubject: nil)]

    /// Items per split, each split in id order.
    ///
    /// The ids in each of `together` (e.g. a cluster of near-duplicates kept for review) go to one
    /// split, so that no split holds a copy of another's item: a group joins the split one of its
    /// members already has, and otherwise is placed as one unit, at the rank of its best-ranked
    /// member, into the first counted split with room for all of it. Only a group whose members
    /// were published in different splits straddles them; `straddling(_:together:)` finds those.
    public func assign(_ items: [Item], previous: [String: String] = [:], together: [[String]] = []) -> [String: [Item]] {
        var result: [String: [Item]] = Dictionary(uniqueKeysWithValues: splits.map { ($0.name, []) })
        let names = Set(splits.map(\.name))
        let rest = splits.last { $0.perSubject == nil }?.name ?? splits.last!.name
        var groupOf: [String: Int] = [:]
        for (index, ids) in together.enumerated() { for id in ids { groupOf[id] = index } }
        var placed: [Int: String] = [:]
        for item in items {
            if let split = previous[item.id], names.contains(split), let group = groupOf[item.id], placed[group] == nil {
                placed[group] = split
            }
        }
        let bySubject = Dictionary(grouping: items) { "\($0.task.rawValue)\u{1F}\($0.subject)" }
        for key in bySubject.keys.sorted() {
            var fresh: [Item] = []
            var counts: [String: Int] = [:]
            for item in bySubject[key]! {
                if let split = previous[item.id], names.contains(split) {
                    result[split]!.append(item)
                    counts[split, default: 0] += 1
                } else {
                    fresh.append(item)
                }
            }
            // Units in rank order: a group's fresh members of this subject together, at its best rank.
            var units: [[Item]] = []
            var unitOfGroup: [Int: Int] = [:]
            for item in Item.ranked(fresh, seed: seed, purpose: "split") {
                if let group = groupOf[item.id] {
                    if let unit = unitOfGroup[group] { units[unit].append(item); continue }
                    unitOfGroup[group] = units.count
                }
                units.append([item])
            }
            for unit in units {
                let group = groupOf[unit[0].id]
                let split = group.flatMap { placed[$0] } ?? splits.first { split in
                    split.perSubject.map { counts[split.name, default: 0] + unit.count <= $0 } ?? false
                }?.name ?? rest
                if let group { placed[group] = split }
                result[split]! += unit
                counts[split, default: 0] += unit.count
            }
        }
        return result.mapValues { $0.sorted(byKey: \.id) }
    }

    /// The groups of `together` whose members ended up in more than one split.
    public static func straddling(_ splits: [String: [Item]], together: [[String]]) -> [[String]] {
        // Only the clusters' members are looked up: a table of every released id took most of it.
        let members = Set(together.joined())
        var splitOf: [String: String] = [:]
        for (name, items) in splits { for item in items where members.contains(item.id) { splitOf[item.id] = name } }
        return together.filter { Set($0.compactMap { splitOf[$0] }).count > 1 }
    }
}
