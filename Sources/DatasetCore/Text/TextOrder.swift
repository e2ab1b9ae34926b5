import Foundation

/// Orders of many texts, made without comparing them as `String`s where that can be avoided.
public enum TextOrder {
    /// The positions of `texts` in the order of their UTF-8 bytes, equal texts by position. Each
    /// text's first sixteen bytes are compared as two integers, so most comparisons touch no
    /// string: sorting half a million ids as strings retained and released them at every step,
    /// two seconds of a registration. Texts that share those bytes are compared whole.
    public static func byteOrder(_ texts: [String]) -> [Int] {
        byteOrder(texts, keys: prefixKeys(texts))
    }

    /// Each text's `prefixKey`, made on every core for many texts: reading a text's first bytes
    /// is mostly waiting for memory, which each core does apart.
    static func prefixKeys(_ texts: [String]) -> [PrefixKey] {
        texts.count < parallelCount ? texts.map(prefixKey) : try! Parallel.chunks(texts.count) { range in texts[range].map(prefixKey) }.flatMap { $0 }
    }

    /// How many texts are ordered on every core rather than on one.
    static let parallelCount = 1 << 16

    /// `byteOrder`, given each text's `prefixKey`.
    static func byteOrder(_ texts: [String], keys: [PrefixKey]) -> [Int] {
        @Sendable func precedes(_ a: Int, _ b: Int) -> Bool {
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            let order = compareBytes(texts[a], texts[b])
            return order < 0 || (order == 0 && a < b)
        }
        // Texts often come in order already (items in id order from the stage before): one pass finds that.
        if texts.indices.dropFirst().allSatisfy({ precedes($0 - 1, $0) }) { return Array(texts.indices) }
        guard texts.count >= parallelCount else { return texts.indices.sorted(by: precedes) }
        // Two halves sorted on two cores, then merged: `precedes` is a total order (equal texts
        // by position), so this is the one order a single sort makes.
        let middle = texts.count / 2
        let halves = Parallel.map(2) { half in (half == 0 ? 0..<middle : middle..<texts.count).sorted(by: precedes) }
        let (left, right) = (halves[0], halves[1])
        var merged: [Int] = []
        merged.reserveCapacity(texts.count)
        var (a, b) = (0, 0)
        while a < left.count, b < right.count {
            if precedes(right[b], left[a]) {
                merged.append(right[b])
                b += 1
            } else {
                merged.append(left[a])
                a += 1
            }
        }
        merged += left[a...]
        merged += right[b...]
        return merged
    }

    /// A text's first sixteen bytes as two integers, in the order of the bytes.
    static func prefixKey(_ text: String) -> PrefixKey {
        var text = text
        return text.withUTF8(prefixKey)
    }

    static func prefixKey(_ bytes: UnsafeBufferPointer<UInt8>) -> PrefixKey {
        var key = PrefixKey(high: 0, low: 0)
        for (offset, byte) in bytes.prefix(16).enumerated() {
            if offset < 8 { key.high |= UInt64(byte) << (56 - 8 * offset) } else { key.low |= UInt64(byte) << (56 - 8 * (offset - 8)) }
        }
        return key
    }

    struct PrefixKey: Comparable, Sendable {
        var high: UInt64, low: UInt64
        static func < (a: Self, b: Self) -> Bool { (a.high, a.low) < (b.high, b.low) }
    }

    /// The positions of `texts` in the order of `String`'s `<`, equal texts by position. Text in
    /// NFC, which that `<` compares by its scalars, is in the order of its UTF-8 bytes (UTF-8
    /// keeps the scalars' order): when every text is, they are ordered by `byteOrder`.
    public static func stringOrder(_ texts: [String]) -> [Int] {
        orderAndKeys(texts).order
    }

    /// Each text's place in `stringOrder`, and whether no two texts are equal: lists of some of
    /// the texts are then put in that order by their places, as integers, without reading the
    /// texts again (which `sorted(byKey:)` does for each list).
    public static func places(_ texts: [String]) -> (places: [Int], distinct: Bool) {
        let (order, keys) = orderAndKeys(texts)
        var places = [Int](repeating: 0, count: texts.count)
        var distinct = true
        for (place, index) in order.enumerated() {
            places[index] = place
            guard place > 0, distinct else { continue }
            // Equal texts are next to each other in the order; without keys (a text not in
            // NFC), `String`'s `==` says which are equal.
            let previous = order[place - 1]
            distinct = keys.isEmpty ? texts[previous] != texts[index]
                : keys[previous] != keys[index] || compareBytes(texts[previous], texts[index]) != 0
        }
        return (places, distinct)
    }

    /// `stringOrder`, with the keys it was made from (none when a text is not in NFC).
    private static func orderAndKeys(_ texts: [String]) -> (order: [Int], keys: [PrefixKey]) {
        guard let keys = keysIfInNFC(texts) else { return (texts.indices.sorted { texts[$0] < texts[$1] }, []) }
        return (byteOrder(texts, keys: keys), keys)
    }

    /// Each text's `prefixKey`, or nil when a text is not in NFC: both from one reading of each
    /// text, on every core for many texts. Reading the texts once to ask and again for the keys
    /// touched each one's storage twice, most of the time either took.
    static func keysIfInNFC(_ texts: [String]) -> [PrefixKey]? {
        @Sendable func keys(_ range: Range<Int>) -> [PrefixKey]? {
            var keys: [PrefixKey] = []
            keys.reserveCapacity(range.count)
            for index in range {
                var text = texts[index]
                guard let key = text.withUTF8({ String.isNFCStable($0) ? prefixKey($0) : nil }) else { return nil }
                keys.append(key)
            }
            return keys
        }
        guard texts.count >= parallelCount else { return keys(texts.indices) }
        let parts = try! Parallel.chunks(texts.count, keys)
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.flatMap { $0! }
    }

    /// Texts in `stringOrder`, with the keys (`prefixKey`) that order is made from, kept for
    /// telling whether several lists of texts repeat one (`haveNoRepeat`) without making them again.
    public struct Keyed: Sendable {
        /// The texts' positions in the order of `String`'s `<`, equal texts by position.
        public let order: [Int]
        let texts: [String]
        /// Each text's key, in `order` (put so on the thread that sorts, where gathering them at
        /// the check was most of it); empty when a text is not in NFC.
        let keys: [PrefixKey]
        var inNFC: Bool { keys.count == texts.count }

        public init(sorting texts: [String]) {
            self.texts = texts
            let (order, keys) = TextOrder.orderAndKeys(texts)
            self.order = order
            self.keys = order.count == keys.count ? order.map { keys[$0] } : []
        }
    }

    /// Whether no text is in two of `lists`, or twice in one: their keys sorted together (each
    /// list's keys in order already when its texts are in byte order, a run the sort takes as it
    /// is), and texts compared whole only where keys tie. Nil when a text is not in NFC, where
    /// `String`'s `==` may equate texts of different bytes.
    public static func haveNoRepeat(_ lists: [Keyed]) -> Bool? {
        guard lists.allSatisfy(\.inNFC) else { return nil }
        var all: [(key: PrefixKey, list: Int, position: Int)] = []
        all.reserveCapacity(lists.map(\.keys.count).reduce(0, +))
        for (list, keyed) in lists.enumerated() {
            for (rank, key) in keyed.keys.enumerated() { all.append((key, list, keyed.order[rank])) }
        }
        all.sort { $0.key < $1.key }
        var start = 0
        while start < all.count {
            var end = start + 1
            while end < all.count, all[end].key == all[start].key { end += 1 }
            // Texts sharing their first sixteen bytes, compared whole.
            if end - start > 1 {
                let texts = all[start..<end].map { lists[$0.list].texts[$0.position] }
                for i in texts.indices { for j in texts.indices where j > i && compareBytes(texts[i], texts[j]) == 0 { return false } }
            }
            start = end
        }
        return true
    }

    /// Texts in byte order, for finding where a text is by halving the order: on every core at
    /// once, with each text's first sixteen bytes compared as integers, so that the texts
    /// themselves (shared by the cores, each copy of one a count changed in memory all cores
    /// write) are read only where those bytes tie.
    public struct Sorted: Sendable {
        private let texts: [String]
        private let order: [Int]
        private let keys: [PrefixKey]

        public init(_ texts: [String]) {
            self.texts = texts
            let keys = TextOrder.prefixKeys(texts)
            order = TextOrder.byteOrder(texts, keys: keys)
            self.keys = order.map { keys[$0] }
        }

        /// The position in the texts of the first one whose bytes are `text`'s; nil when none is.
        public func position(of text: String) -> Int? {
            let key = TextOrder.prefixKey(text)
            func precedes(_ index: Int) -> Bool {
                keys[index] != key ? keys[index] < key : TextOrder.compareBytes(texts[order[index]], text) < 0
            }
            var (low, high) = (0, order.count)
            while low < high {
                let middle = (low + high) / 2
                if precedes(middle) { low = middle + 1 } else { high = middle }
            }
            return low < order.count && keys[low] == key && TextOrder.compareBytes(texts[order[low]], text) == 0 ? order[low] : nil
        }
    }

    /// A place in a list of texts in byte order, for finding texts that are asked for in byte
    /// order too: two sorted lists are matched in one walk through each, without a dictionary.
    public struct Cursor: Sendable {
        public private(set) var position = 0

        public init() {}

        /// The first position from here on whose text is `text`, if any, in a list of `count`
        /// texts in byte order; the cursor moves past every text before `text`.
        public mutating func find(_ text: String, count: Int, textAt: (Int) -> String) -> Int? {
            var text = text
            return text.withUTF8 { find(UnsafeRawBufferPointer($0), count: count, textAt: textAt) }
        }

        /// `find` for a text given as its UTF-8 bytes (a column as SQLite holds it).
        public mutating func find(_ bytes: UnsafeRawBufferPointer, count: Int, textAt: (Int) -> String) -> Int? {
            while position < count, TextOrder.compareBytes(textAt(position), bytes) < 0 { position += 1 }
            return position < count && TextOrder.compareBytes(textAt(position), bytes) == 0 ? position : nil
        }
    }

    /// The order of two texts' UTF-8 bytes (negative, zero or positive), by `memcmp`.
    public static func compareBytes(_ x: String, _ y: String) -> Int {
        var y = y
        return y.withUTF8 { compareBytes(x, UnsafeRawBufferPointer($0)) }
    }

    /// `compareBytes` with the second text given as its UTF-8 bytes.
    public static func compareBytes(_ x: String, _ b: UnsafeRawBufferPointer) -> Int {
        var x = x
        return x.withUTF8 { a in
            guard let x = a.baseAddress, let y = b.baseAddress else { return a.count - b.count }
            let common = memcmp(x, y, min(a.count, b.count))
            return common != 0 ? Int(common) : a.count - b.count
        }
    }
}
