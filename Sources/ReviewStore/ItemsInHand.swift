import DatasetCore

/// The items a stage has in hand, with their content hashes and their id order, to be matched
/// with what the database holds by walking both in id order: at half a million items,
/// dictionaries of every id took 0.6 s of the 5.8 s that applying review took after registering.
struct ItemsInHand: Sendable {
    let items: [Item]
    let ids: [String]
    let hashes: [String]
    /// The items' positions in the byte order of their ids (SQLite's order of TEXT), the items
    /// of one id in their order.
    let byID: [Int]
    /// For each position of `byID`, whether its id's bytes differ from the one's before: where
    /// each id's items begin.
    let startsID: [Bool]

    static let none = ItemsInHand(items: [], ids: [], hashes: [], byID: [], startsID: [])

    private init(items: [Item], ids: [String], hashes: [String], byID: [Int], startsID: [Bool]) {
        (self.items, self.ids, self.hashes, self.byID, self.startsID) = (items, ids, hashes, byID, startsID)
    }

    /// Hashes, and where each id begins, on every core: comparing each id with the one before
    /// on the registering thread, twice, was most of a second of it at half a million items.
    init(_ items: [Item]) throws {
        let hashes = try Parallel.chunks(items.count) { range in items[range].map(\.contentHash) }.flatMap { $0 }
        let ids = items.map(\.id)
        let byID = TextOrder.byteOrder(ids)
        let startsID = try Parallel.chunks(byID.count) { range in
            range.map { $0 == 0 || TextOrder.compareBytes(ids[byID[$0 - 1]], ids[byID[$0]]) != 0 }
        }.flatMap { $0 }
        self.init(items: items, ids: ids, hashes: hashes, byID: byID, startsID: startsID)
    }

    /// Whether `other` is the array these were made from (its storage, not only equal items):
    /// this array keeps that storage alive, so no other array can have it.
    func holds(_ other: [Item]) -> Bool {
        other.count == items.count
            && other.withUnsafeBufferPointer { a in items.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }

    /// The first item (in the items' order) whose id is `id`, for ids asked in ascending byte order.
    /// The id is given as its UTF-8 bytes (a column as SQLite holds it).
    func first(withID id: UnsafeRawBufferPointer, from cursor: inout TextOrder.Cursor) -> Int? {
        cursor.find(id, count: byID.count) { ids[byID[$0]] }.map { byID[$0] }
    }
}
