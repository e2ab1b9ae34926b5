public import DatasetCore

extension Item {
    /// Fields that strata and splits can be defined on.
    public static let stratumFields = ["subject", "task", "language", "topic", "grade", "cultural_sensitivity", "source_kind", "source_id"]

    /// The value of a stratum field, or "-" when the item has none.
    public func field(_ name: String) -> String {
        switch name {
        case "subject": subject
        case "task": task.rawValue
        case "language": language
        case "topic": topic ?? "-"
        case "grade": grade ?? "-"
        case "cultural_sensitivity": culturalSensitivity.rawValue
        case "source_kind": source.kind
        case "source_id": source.sourceID
        default: "-"
        }
    }

    /// Items in the order of their draws for a purpose (ties by id); each draw is made once.
    public static func ranked(_ items: [Item], seed: UInt64, purpose: String) -> [Item] {
        rankedOrder(items, seed: seed, purpose: purpose).map { items[$0] }
    }

    /// The items' positions in the order `ranked` puts them in. Ids are read only where draws
    /// tie: kept beside each draw, every id was retained and released, more than the sort took.
    public static func rankedOrder(_ items: [Item], seed: UInt64, purpose: String) -> [Int] {
        // Each draw hashes its label: made on every core.
        let draws = try! Parallel.chunks(items.count) { range in items[range].map { $0.draw(seed: seed, purpose: purpose) } }.flatMap { $0 }
        return items.indices.sorted { a, b in draws[a] != draws[b] ? draws[a] < draws[b] : items[a].id < items[b].id }
    }

    /// A uniform number in [0, 1) from the seed, a purpose and the item's id alone.
    public func draw(seed: UInt64, purpose: String) -> Double {
        var generator = SplitMix64(seed: seed, label: "\(purpose)\u{1F}\(id)")
        return generator.nextUnit()
    }
}
