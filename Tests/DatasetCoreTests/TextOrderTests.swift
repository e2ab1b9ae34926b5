import Foundation
import Testing
import DatasetCore

/// Orders of many texts made from their bytes agree with comparing them one by one.
@Suite struct TextOrderTests {
    static let ids = ["ck-b", "ck-a", "ck-ab", "", "sv-0", "ck-가", "ck-z", "CK-a", "ck-a", "ck-0123456789abcdef1", "ck-0123456789abcdef0",
                      "ck-0123456789abcde", "ck-0123456789abcdef", "ck-a\u{0}", "ck-0123456789abcdef0", "ck-ｚ", "ck-é"]

    /// By bytes, as `utf8` views compare them, equal texts by position; texts sharing their
    /// first sixteen bytes are told apart by the rest.
    @Test func textsAreOrderedByTheirBytes() {
        let ids = Self.ids
        for x in ids {
            for y in ids {
                let order = TextOrder.compareBytes(x, y)
                #expect((order < 0) == x.utf8.lexicographicallyPrecedes(y.utf8), "\(x) \(y)")
                #expect((order == 0) == x.utf8.elementsEqual(y.utf8), "\(x) \(y)")
            }
        }
        let expected = ids.indices.sorted { a, b in
            ids[a].utf8.lexicographicallyPrecedes(ids[b].utf8) || (ids[a].utf8.elementsEqual(ids[b].utf8) && a < b)
        }
        #expect(TextOrder.byteOrder(ids) == expected)
    }

    /// A cursor walked through a list in byte order finds each asked-for text at its first
    /// place, when texts are asked for in byte order; texts the list lacks are not found.
    @Test func aCursorFindsTextsAskedForInOrder() {
        let list = TextOrder.byteOrder(Self.ids).map { Self.ids[$0] }
        let asked = ["", "CK-a", "ck-0", "ck-a", "ck-a\u{0}", "ck-abc", "ck-é", "sv-0", "zz"]
        var cursor = TextOrder.Cursor()
        let found = asked.map { text in cursor.find(text, count: list.count) { list[$0] } }
        #expect(found == asked.map { text in list.firstIndex { $0.utf8.elementsEqual(text.utf8) } })
        #expect(found.compactMap { $0 }.count == 6)
    }

    /// Halving a list's byte order finds each text's first place in the list, whatever order the
    /// list is in, among texts whose first sixteen bytes tie too; texts the list lacks are not found.
    @Test func halvingTheByteOrderFindsEachTextsFirstPlace() {
        let sorted = TextOrder.Sorted(Self.ids)
        let asked = Self.ids + ["", "CK-a", "ck-0", "ck-a\u{0}", "ck-abc", "sv-0", "zz", "ck-e\u{301}", "ck-0123456789abcdef2", "ck-0123456789abcdef00"]
        #expect(asked.map { sorted.position(of: $0) }
                == asked.map { text in Self.ids.firstIndex { $0.utf8.elementsEqual(text.utf8) } })
    }

    /// Sorting by a text key gives `String`'s order, equal keys in their places, whether the keys
    /// are NFC (ordered by bytes) or not: a decomposed "é" or Hangul syllable sorts as its NFC
    /// form does, which its bytes alone would not. Past 65,536 keys the halves are sorted on two
    /// cores and merged: the same order.
    @Test(arguments: [(false, 2_000), (true, 2_000), (false, 70_000), (true, 70_000)])
    func sortingByATextKeyIsStringOrder(decomposed: Bool, count: Int) {
        var generator = SplitMix64(seed: 7)
        let pieces = ["ck-", "sv-", "a", "b", "0", "가", "한", "é", "e\u{301}", "\u{1112}\u{1161}\u{11AB}", "ｚ", "-", "0123456789abcdef"]
        var keys = (0..<count).map { _ in (0..<Int(generator.next() % 6)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined() }
        if !decomposed { keys = keys.map(\.nfc) }
        // The greatest key last: the half after the middle is the one the merge finishes with.
        keys[count - 1] = String(repeating: "ｚ", count: 7)
        let records = keys.enumerated().map { (key: $1, place: $0) }
        let sorted = records.sorted(byKey: { $0.key })
        let expected = records.indices.sorted { a, b in records[a].key < records[b].key || (records[a].key == records[b].key && a < b) }
        #expect(sorted.map(\.place) == expected)
        #expect(TextOrder.stringOrder(keys) == expected)
        // Found in order already, and out of order by one pair.
        #expect(sorted.sorted(byKey: { $0.key }).map(\.place) == expected)
        var almost = sorted
        almost.swapAt(0, almost.count - 1)
        #expect(almost.sorted(byKey: { $0.key }).map(\.key) == sorted.map(\.key))
        #expect(keys.contains { !$0.utf8.elementsEqual($0.nfc.utf8) } == decomposed)
    }
}
