public import DatasetCore

/// Assigns items to splits: `dev` gets up to `devPerSubject` items of each task and subject,
/// chosen by the rank of SHA-256(seed, id), and `test` the rest. The rank depends only on the
/// item's own id and the seed, never on its position in the input.
public struct SplitAssigner: Sendable {
    public var seed: UInt64
    public var devPerSubject: Int

    public init(seed: UInt64, devPerSubject: Int) {
        self.seed = seed
        self.devPerSubject = devPerSubject
    }

    public static let splitNames = ["dev", "test"]

    public func rank(_ item: Item) -> String {
        Hashing.sha256Hex(parts: ["split", String(seed), item.id])
    }

    /// Items per split, each split in id order.
    public func assign(_ items: [Item]) -> [String: [Item]] {
        var dev: [Item] = []
        var test: [Item] = []
        let groups = Dictionary(grouping: items) { "\($0.task.rawValue)\u{1F}\($0.subject)" }
        for key in groups.keys.sorted() {
            let ranked = groups[key]!.sorted { (rank($0), $0.id) < (rank($1), $1.id) }
            dev += ranked.prefix(devPerSubject)
            test += ranked.dropFirst(devPerSubject)
        }
        return ["dev": dev.sorted { $0.id < $1.id }, "test": test.sorted { $0.id < $1.id }]
    }
}
