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
        // Splits are counted and filled by position; an item placed alone is not made a unit of
        // its own (a list for each of half a million items was most of the assignment).
        var position: [String: Int] = [:]
        for (index, split) in splits.enumerated() where position[split.name] == nil { position[split.name] = index }
        let rest = splits.lastIndex { $0.perSubject == nil } ?? splits.count - 1
        // Each split's items by their positions, in the order they are placed.
        var result = [[Int]](repeating: [], count: splits.count)
        var groupOf: [String: Int] = [:]
        for (index, ids) in together.enumerated() { for id in ids { groupOf[id] = index } }
        // Each item's group, looked up on every core once: looking up each of half a million ids
        // twice on one core was a fifth of the assignment.
        let groups = groupOf.isEmpty ? [] : try! Parallel.chunks(items.count) { [groupOf] range in
            items[range].map { groupOf[$0.id] ?? -1 }
        }.flatMap { $0 }
        func groupOfItem(_ index: Int) -> Int? { groups.isEmpty || groups[index] < 0 ? nil : groups[index] }
        func previousSplit(_ item: Item) -> Int? { previous.isEmpty ? nil : previous[item.id].flatMap { position[$0] } }
        var placed: [Int: Int] = [:]
        if !groups.isEmpty {
            for index in items.indices {
                if let split = previousSplit(items[index]), let group = groupOfItem(index), placed[group] == nil { placed[group] = split }
            }
        }
        // Positions by task and subject, in the order of "task<US>subject" (a string made for each
        // subject, not for each item).
        struct Subject: Hashable { var task: ItemTask, subject: String }
        let bySubject = Dictionary(grouping: items.indices) { Subject(task: items[$0].task, subject: items[$0].subject) }
        let names = Dictionary(uniqueKeysWithValues: bySubject.keys.map { ($0, "\($0.task.rawValue)\u{1F}\($0.subject)") })
        for key in bySubject.keys.sorted(by: { names[$0]! < names[$1]! }) {
            var fresh: [Int] = []
            var counts = [Int](repeating: 0, count: splits.count)
            for index in bySubject[key]! {
                if let split = previousSplit(items[index]) {
                    result[split].append(index)
                    counts[split] += 1
                } else {
                    fresh.append(index)
                }
            }
            // Units in rank order: an item alone, or a group's fresh members of this subject together, at its best rank.
            let ranked = Item.rankedOrder(fresh.map { items[$0] }, seed: seed, purpose: "split").map { fresh[$0] }
            var members: [Int: [Int]] = [:]
            if !groups.isEmpty { for index in ranked { if let group = groupOfItem(index) { members[group, default: []].append(index) } } }
            func place<Unit: Collection<Int>>(_ unit: Unit, group: Int?) {
                let split = group.flatMap { placed[$0] } ?? splits.indices.first { index in
                    splits[index].perSubject.map { counts[index] + unit.count <= $0 } ?? false
                } ?? rest
                if let group { placed[group] = split }
                result[split].append(contentsOf: unit)
                counts[split] += unit.count
            }
            for index in ranked {
                guard let group = groupOfItem(index) else {
                    place(CollectionOfOne(index), group: nil)
                    continue
                }
                // A group is placed at its first member; the others came with it.
                guard let unit = members.removeValue(forKey: group) else { continue }
                place(unit, group: group)
            }
        }
        var named: [String: [Int]] = [:]
        for (index, split) in splits.enumerated() { named[split.name, default: []] += result[index] }
        // Each split in id order: its positions sorted by their ids' places among all the ids,
        // ordered once, rather than each split's ids ordered again. Where ids repeat, each split
        // is sorted by id as it was placed, whose order among equal ids is that one.
        let (places, distinct) = TextOrder.places(items.map(\.id))
        guard distinct else { return named.mapValues { $0.map { items[$0] }.sorted(byKey: \.id) } }
        return named.mapValues { positions in positions.sorted { places[$0] < places[$1] }.map { items[$0] } }
    }

    /// The groups of `together` whose members ended up in more than one split.
    public static func straddling(_ splits: [String: [Item]], together: [[String]]) -> [[String]] {
        guard !together.isEmpty else { return [] }
        // Each member is looked up in a sorted list of each split's ids (splits come in id order,
        // translations after): looking each released id up in a set of the members took half a
        // second of one core.
        let names = splits.keys.sorted()
        let ordered = names.map { TextOrder.Sorted(splits[$0]!.map(\.id)) }
        return together.filter { group in
            Set(group.compactMap { id in ordered.indices.first { ordered[$0].position(of: id) != nil } }).count > 1
        }
    }
}
