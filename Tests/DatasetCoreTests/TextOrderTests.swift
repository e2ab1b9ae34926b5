import Foundation
import Synchronization
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

    /// Repeats across lists and within one are found by the texts' keys, whatever order the
    /// lists are in, and texts sharing their first sixteen bytes are told apart by the rest;
    /// texts not in NFC are left to `String`'s comparison.
    @Test func repeatsAreFoundByTheTextsKeys() {
        var seen: Set<String> = []
        let distinct = Self.ids.filter { $0 != "ck-é" && seen.insert($0).inserted }
        let lists = stride(from: 0, to: distinct.count, by: 4).map { Array(distinct[$0..<min($0 + 4, distinct.count)]) }
        #expect(TextOrder.haveNoRepeat(lists.map(TextOrder.Keyed.init(sorting:))) == true)
        #expect(TextOrder.haveNoRepeat([]) == true && TextOrder.haveNoRepeat([TextOrder.Keyed(sorting: [])]) == true)
        for (a, b) in [(0, 1), (0, lists.count - 1), (2, 2), (1, 3)] {
            var repeated = lists
            repeated[b].append(lists[a][lists[a].count - 1])
            #expect(TextOrder.haveNoRepeat(repeated.reversed().map(TextOrder.Keyed.init(sorting:))) == false, "lists \(a) and \(b)")
        }
        // Sixteen bytes in common, then different; then the same.
        let shared = "ck-0123456789abcdef"
        #expect(TextOrder.haveNoRepeat([[shared + "0", shared + "1"], [shared + "2"]].map(TextOrder.Keyed.init(sorting:))) == true)
        #expect(TextOrder.haveNoRepeat([[shared + "0", shared + "1"], [shared + "1"]].map(TextOrder.Keyed.init(sorting:))) == false)
        #expect(TextOrder.haveNoRepeat([["ck-cafe\u{301}"], ["ck-caf\u{E9}"]].map(TextOrder.Keyed.init(sorting:))) == nil)
        // The order the keys are kept in is `stringOrder`'s, texts not in NFC among them.
        for texts in [Self.ids, Self.ids.filter { $0 != "ck-é" }, ["ck-cafe\u{301}", "ck-caf\u{E9}", "ck-cafe"]] {
            #expect(TextOrder.Keyed(sorting: texts).order == TextOrder.stringOrder(texts))
        }
        // Many texts, their keys made on every core.
        let many = (0..<100_000).map { "ck-\(String($0 * 7919 % 1_000_003, radix: 16))" }
        #expect(TextOrder.haveNoRepeat([Array(many[..<60_000]), Array(many[60_000...])].map(TextOrder.Keyed.init(sorting:))) == true)
        #expect(TextOrder.haveNoRepeat([Array(many[..<60_000]), Array(many[59_999...])].map(TextOrder.Keyed.init(sorting:))) == false)
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

    /// Each text's place is its rank in `stringOrder`; texts are distinct unless two are equal,
    /// bytes alike or (not in NFC) canonically equivalent.
    @Test(arguments: [2_000, 70_000])
    func placesAreRanksInStringOrder(count: Int) {
        var generator = SplitMix64(seed: 19)
        var texts = Set<String>()
        while texts.count < count { texts.insert("ck-\(generator.next() % 10_000_000)-\(generator.next() % 1_000)") }
        let list = texts.sorted().shuffled(using: &generator)
        let (places, distinct) = TextOrder.places(list)
        #expect(distinct)
        var byPlace = [String](repeating: "", count: list.count)
        for (index, place) in places.enumerated() { byPlace[place] = list[index] }
        #expect(byPlace == list.sorted())
        #expect(TextOrder.places(list + [list[count / 2]]).distinct == false)
        #expect(TextOrder.places(list + ["ck-e\u{301}", "ck-\u{E9}"]).distinct == false)
        #expect(TextOrder.places(list + ["ck-e\u{301}", "ck-e"]).distinct)
        // Equal in their first sixteen bytes, apart after them.
        #expect(TextOrder.places(["ck-0123456789abcd-1", "ck-0123456789abcd-2"]).distinct)
        #expect(TextOrder.places(["ck-0123456789abcd-1", "ck-0123456789abcd-1"]).distinct == false)
    }
}

/// Sorting in place by keys made beforehand moves each element once: the order of
/// `sorted(byKeys:)`, every element kept (none freed, none made twice), whatever the cycles.
@Suite struct SortInPlaceTests {
    final class Log: Sendable { let freed = Mutex(0) }
    final class Counted {
        let value: Int, log: Log
        init(_ value: Int, _ log: Log) { self.value = value; self.log = log }
        deinit { log.freed.withLock { $0 += 1 } }
    }

    @Test(arguments: [0, 1, 2, 3, 17, 1_000, 50_000])
    func sortingInPlaceGivesTheSortedOrderAndKeepsEveryElement(count: Int) {
        var generator = SplitMix64(seed: UInt64(count))
        // Distinct keys (a shuffled range), ties (few values), sorted and reversed input.
        let keySets: [[Int]] = [Array(0..<count).shuffled(using: &generator), (0..<count).map { _ in Int(generator.next() % 7) },
                                Array(0..<count), Array((0..<count).reversed())]
        for keys in keySets {
            let log = Log()
            do {
                var elements = (0..<count).map { (value: $0, counted: Counted($0, log), text: "element \($0) of a text long enough to be on the heap") }
                let expected = elements.sorted(byKeys: keys).map(\.value)
                elements.sort(byKeys: keys)
                #expect(elements.map(\.value) == expected)
                #expect(elements.map(\.counted.value) == expected)
                #expect(elements.allSatisfy { $0.text == "element \($0.value) of a text long enough to be on the heap" })
                #expect(log.freed.withLock { $0 } == 0)
            }
            #expect(log.freed.withLock { $0 } == count)
        }
    }
}
