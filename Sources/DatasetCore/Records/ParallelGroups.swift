/// Translations follow the item they translate: set aside with it, selected with it, in the same split.
public enum ParallelGroups {
    /// The reason a translation is set aside when the item it translates is.
    public static let sourceSetAside = "source_set_aside"

    /// Whether any item is a translation, asked on every core: one pass over a million items
    /// waits for each one's box to come from memory, and the stages ask before each step.
    public static func anyTranslation(_ items: [Item]) -> Bool {
        try! Parallel.chunks(items.count) { range in items[range].contains { $0.translation != nil } }.contains(true)
    }

    /// Splits `items` into those kept and the translations whose item translated is not among
    /// them (set aside at `stage` or before), in their order.
    public static func removingOrphans(_ items: [Item], stage: String) -> (kept: [Item], dropped: [DroppedItem]) {
        guard anyTranslation(items) else { return (items, []) }
        let present = Set(items.lazy.filter { $0.translation == nil }.map(\.id))
        var kept: [Item] = [], dropped: [DroppedItem] = []
        kept.reserveCapacity(items.count)
        for item in items {
            if let group = item.translation?.group, !present.contains(group) {
                dropped.append(DroppedItem(id: item.id, stage: stage, reason: sourceSetAside,
                                           detail: "the item it translates (\(group)) was set aside", item: item))
            } else {
                kept.append(item)
            }
        }
        return (kept, dropped)
    }

    /// The items translations translate, by id.
    public static func originals(_ items: [Item]) -> [String: Item] {
        guard anyTranslation(items) else { return [:] }
        let groups = Set(items.compactMap(\.translation?.group))
        return Dictionary(items.lazy.filter { groups.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
