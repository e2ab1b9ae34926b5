import Foundation

/// Orders of many texts, made without comparing them as `String`s where that can be avoided.
public enum TextOrder {
    /// The positions of `texts` in the order of their UTF-8 bytes, equal texts by position. Each
    /// text's first sixteen bytes are compared as two integers, so most comparisons touch no
    /// string: sorting half a million ids as strings retained and released them at every step,
    /// two seconds of a registration. Texts that share those bytes are compared whole.
    public static func byteOrder(_ texts: [String]) -> [Int] {
        let keys = texts.map { text in
            var text = text
            return text.withUTF8 { bytes -> (UInt64, UInt64) in
                var key: (UInt64, UInt64) = (0, 0)
                for (offset, byte) in bytes.prefix(16).enumerated() {
                    if offset < 8 { key.0 |= UInt64(byte) << (56 - 8 * offset) } else { key.1 |= UInt64(byte) << (56 - 8 * (offset - 8)) }
                }
                return key
            }
        }
        func precedes(_ a: Int, _ b: Int) -> Bool {
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            let order = compareBytes(texts[a], texts[b])
            return order < 0 || (order == 0 && a < b)
        }
        // Texts often come in order already (items in id order from the stage before): one pass finds that.
        if texts.indices.dropFirst().allSatisfy({ precedes($0 - 1, $0) }) { return Array(texts.indices) }
        return texts.indices.sorted(by: precedes)
    }

    /// The positions of `texts` in the order of `String`'s `<`, equal texts by position. Text in
    /// NFC, which that `<` compares by its scalars, is in the order of its UTF-8 bytes (UTF-8
    /// keeps the scalars' order): when every text is, they are ordered by `byteOrder`.
    public static func stringOrder(_ texts: [String]) -> [Int] {
        let bytewise = texts.allSatisfy { text in
            var text = text
            return text.withUTF8(String.isNFCStable)
        }
        return bytewise ? byteOrder(texts) : texts.indices.sorted { texts[$0] < texts[$1] }
    }

    /// The position in `texts` of the first text whose bytes are `text`'s, found by halving
    /// `order` (the texts' `byteOrder`); nil when there is none.
    public static func position(of text: String, in texts: [String], order: [Int]) -> Int? {
        var (low, high) = (0, order.count)
        while low < high {
            let middle = (low + high) / 2
            if compareBytes(texts[order[middle]], text) < 0 { low = middle + 1 } else { high = middle }
        }
        return low < order.count && compareBytes(texts[order[low]], text) == 0 ? order[low] : nil
    }

    /// A place in a list of texts in byte order, for finding texts that are asked for in byte
    /// order too: two sorted lists are matched in one walk through each, without a dictionary.
    public struct Cursor: Sendable {
        public private(set) var position = 0

        public init() {}

        /// The first position from here on whose text is `text`, if any, in a list of `count`
        /// texts in byte order; the cursor moves past every text before `text`.
        public mutating func find(_ text: String, count: Int, textAt: (Int) -> String) -> Int? {
            while position < count, TextOrder.compareBytes(textAt(position), text) < 0 { position += 1 }
            return position < count && TextOrder.compareBytes(textAt(position), text) == 0 ? position : nil
        }
    }

    /// The order of two texts' UTF-8 bytes (negative, zero or positive), by `memcmp`.
    public static func compareBytes(_ x: String, _ y: String) -> Int {
        var (x, y) = (x, y)
        return x.withUTF8 { a in
            y.withUTF8 { b in
                guard let x = a.baseAddress, let y = b.baseAddress else { return a.count - b.count }
                let common = memcmp(x, y, min(a.count, b.count))
                return common != 0 ? Int(common) : a.count - b.count
            }
        }
    }
}
