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
    public func assign(_ items: [Item], previous: [String: String] = [:]) -> [String: [Item]] {
        var result: [String: [Item]] = Dictionary(uniqueKeysWithValues: splits.map { ($0.name, []) })
        let names = Set(splits.map(\.name))
        let rest = splits.last { $0.perSubject == nil }?.name ?? splits.last!.name
        let groups = Dictionary(grouping: items) { "\($0.task.rawValue)\u{1F}\($0.subject)" }
        for key in groups.keys.sorted() {
            var fresh: [Item] = []
            var counts: [String: Int] = [:]
            for item in groups[key]! {
                if let split = previous[item.id], names.contains(split) {
                    result[split]!.append(item)
                    counts[split, default: 0] += 1
                } else {
                    fresh.append(item)
                }
            }
            fresh = Item.ranked(fresh, seed: seed, purpose: "split")
            var next = fresh.startIndex
            for split in splits {
                guard let size = split.perSubject else { continue }
                let room = max(0, size - counts[split.name, default: 0])
                let end = min(next + room, fresh.endIndex)
                result[split.name]! += fresh[next..<end]
                next = end
            }
            result[rest]! += fresh[next...]
        }
        return result.mapValues { $0.sorted { $0.id < $1.id } }
    }
}
