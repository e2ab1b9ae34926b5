public import DatasetCore
import Foundation

/// How long an overlap must be to count: whole words for languages written with spaces, single
/// characters for Korean, Japanese and Chinese (whose words are not reliably spaced).
public struct NGramSizes: Sendable, Hashable, Codable {
    /// lm-evaluation-harness and NeMo use 13 words.
    public var words = 13
    /// About five Korean words (three syllables and a space each): Korean exam questions are
    /// short, so a longer run would leave most of them unchecked.
    public var characters = 15

    public init(words: Int = 13, characters: Int = 15) {
        self.words = words
        self.characters = characters
    }

    /// Whether an item in `language` (BCP 47) is cut into characters rather than words.
    public static func countsCharacters(language: String) -> Bool {
        ["ko", "ja", "zh"].contains(language.prefix { $0 != "-" }.lowercased())
    }

    public func size(language: String) -> Int { Self.countsCharacters(language: language) ? characters : words }
}

/// Text cut into tokens the way both sides of the contamination check cut it (the datatrove
/// pipeline in `contamination/` has the same rules in Python):
///
/// 1. NFKC, then each scalar's full lowercase mapping, with final sigma written as sigma;
/// 2. each Hangul, Han or kana scalar is a token of its own;
/// 3. any other run of letters, marks and digits is a token;
/// 4. everything else (spaces, punctuation, symbols) only separates tokens.
///
/// Offsets count Unicode scalars of the normalized text, as Python's string indices do.
public struct NGramText: Sendable {
    public let scalars: [Unicode.Scalar]
    /// Each token's scalar range.
    public let tokens: [Range<Int>]
    /// Each token's hash (FNV-1a over its scalars), for n-gram keys.
    public let hashes: [UInt64]

    public init(_ text: String) {
        let scalars = Self.normalized(text)
        var tokens: [Range<Int>] = []
        var hashes: [UInt64] = []
        tokens.reserveCapacity(scalars.count / 3)
        hashes.reserveCapacity(scalars.count / 3)
        var start = -1
        var hash: UInt64 = 0
        for index in scalars.indices {
            let scalar = scalars[index]
            if Self.isSingleToken(scalar.value) {
                if start >= 0 { tokens.append(start..<index); hashes.append(hash); start = -1 }
                tokens.append(index..<index + 1)
                hashes.append(Self.fnv(Self.fnvOffset, scalar.value))
            } else if Self.isWordScalar(scalar) {
                if start < 0 { start = index; hash = Self.fnvOffset }
                hash = Self.fnv(hash, scalar.value)
            } else if start >= 0 {
                tokens.append(start..<index)
                hashes.append(hash)
                start = -1
            }
        }
        if start >= 0 { tokens.append(start..<scalars.count); hashes.append(hash) }
        self.scalars = scalars
        self.tokens = tokens
        self.hashes = hashes
    }

    /// The normalized text of tokens `range` and what lies between them.
    public func span(tokens range: Range<Int>) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[tokens[range.lowerBound].lowerBound..<tokens[range.upperBound - 1].upperBound])
        return String(text)
    }

    /// Whether tokens at `a` (in self) and `b` (in other), `count` of them, are the same text.
    func sameTokens(at a: Int, as other: NGramText, at b: Int, count: Int) -> Bool {
        for offset in 0..<count where !scalars[tokens[a + offset]].elementsEqual(other.scalars[other.tokens[b + offset]]) {
            return false
        }
        return true
    }

    static let keyBase: UInt64 = 0x100_0000_01B3

    /// The key of the n tokens from each start (a polynomial over the tokens' hashes, rolled
    /// along the text): the same for the same tokens, whatever text they come from.
    func keys(n: Int) -> [UInt64] {
        guard hashes.count >= n else { return [] }
        var power: UInt64 = 1
        for _ in 1..<n { power = power &* Self.keyBase }
        var key: UInt64 = 0
        for index in 0..<n { key = key &* Self.keyBase &+ hashes[index] }
        var keys = [key]
        keys.reserveCapacity(hashes.count - n + 1)
        if hashes.count > n {
            for start in 1...(hashes.count - n) {
                key = (key &- hashes[start - 1] &* power) &* Self.keyBase &+ hashes[start + n - 1]
                keys.append(key)
            }
        }
        return keys
    }

    static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    static func fnv(_ hash: UInt64, _ value: UInt32) -> UInt64 {
        var hash = hash
        for shift in stride(from: 0, to: 32, by: 8) { hash = (hash ^ UInt64((value >> UInt32(shift)) & 0xFF)) &* 0x100_0000_01B3 }
        return hash
    }

    /// Hangul (syllables and jamo), Han ideographs and kana.
    static func isSingleToken(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7AF, 0xD7B0...0xD7FF,
             0x3040...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
             0x20000...0x323AF:
            true
        default:
            false
        }
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            let v = scalar.value
            return (0x30...0x39).contains(v) || (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// NFKC, then lowercase scalar by scalar (no context rules), with ς written σ.
    static func normalized(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.utf8.count)
        // Most text (ASCII, Hangul syllables, common ideographs and kana) is left as it is by
        // NFKC: it is lowercased as it is read, and only other text goes through Foundation.
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: result.append(Unicode.Scalar(scalar.value + 0x20)!)
            case 0..<0x80, 0xAC00...0xD7A3, 0x4E00...0x9FFF, 0x3041...0x3096, 0x30A1...0x30FA: result.append(scalar)
            default: return lowercased(text.precomposedStringWithCompatibilityMapping)
            }
        }
        return result
    }

    static func lowercased(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                result.append((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
                continue
            }
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                result.append(lower == "\u{03C2}" ? "\u{03C3}" : lower)
            }
        }
        return result
    }
}

/// The benchmark's items as the contamination scan looks for them: each item's question followed
/// by its choices, and its question followed by its answer, cut into n-grams of the item's size.
/// Only n-grams at least half of which are the question's count, so that choices many items share
/// (a survey's agreement scale) find nothing by themselves.
public struct NGramIndex: Sendable {
    public struct Entry: Sendable, Hashable, Codable {
        public var id: String
        /// The item's content hash when exported: a hit found for it no longer applies once the
        /// item is reworded.
        public var contentHash: String
        public var language: String
        /// The n-gram length: words, or characters for Korean, Japanese and Chinese.
        public var n: Int
        public var question: String
        public var choices: [String]
        /// The correct (or, for a survey question, the modal) choice's text.
        public var answer: String?

        public init(id: String, contentHash: String, language: String, n: Int, question: String, choices: [String], answer: String?) {
            self.id = id
            self.contentHash = contentHash
            self.language = language
            self.n = n
            self.question = question
            self.choices = choices
            self.answer = answer
        }

        public init(item: Item, sizes: NGramSizes) {
            self.init(id: item.id, contentHash: item.contentHash, language: item.language, n: sizes.size(language: item.language),
                      question: item.question, choices: item.choices, answer: item.answerText)
        }

        enum CodingKeys: String, CodingKey {
            case id, contentHash = "content_hash", language, n, question, choices, answer
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(contentHash, forKey: .contentHash)
            try container.encode(language, forKey: .language)
            try container.encode(n, forKey: .n)
            try container.encode(question, forKey: .question)
            try container.encode(choices, forKey: .choices)
            try container.encode(answer, forKey: .answer)
        }

        /// What follows the question in the texts looked for: the choices, one a line; the answer.
        var continuations: [String] {
            [choices.joined(separator: "\n"), answer ?? ""].filter { !$0.isEmpty }
        }

        /// The texts whose n-grams are looked for.
        public var texts: [String] { continuations.isEmpty ? [question] : continuations.map { question + "\n" + $0 } }
    }

    public let entries: [Entry]
    /// Every indexed n-gram's key, sorted, and where it occurs (entry, text, first token), in
    /// the same order: two flat arrays rather than a dictionary of arrays, so that a million
    /// items take about 20 bytes an n-gram. The item's text is cut again only to check a match.
    private let keys: [UInt64]
    private let places: [Place]
    /// Most of a document's n-grams are no item's: this says so without a dictionary lookup.
    private let filter: KeyFilter
    /// The n-gram lengths in use (one or two).
    public let lengths: [Int]
    /// Entries too short for a single n-gram, which the scan cannot find.
    public let tooShort: [String]

    /// One bit per key (by its top bits), at least 16 bits a key: a lookup for a key no item
    /// has is skipped in nineteen cases out of twenty.
    struct KeyFilter: Sendable {
        let bits: [UInt64]
        let shift: UInt64

        init(_ keys: some Collection<UInt64>) {
            var log = 20
            while (1 << log) < keys.count * 16 { log += 1 }
            shift = UInt64(64 - log)
            var bits = [UInt64](repeating: 0, count: (1 << log) / 64)
            for key in keys {
                let bit = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
                bits[bit >> 6] |= 1 << UInt64(bit & 63)
            }
            self.bits = bits
        }

        @inline(__always) func mayContain(_ key: UInt64) -> Bool {
            let bit = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
        }
    }

    struct KeyedPlace: Sendable {
        var key: UInt64
        var place: Place
    }

    struct Place: Sendable {
        var entry: Int32
        var text: Int32
        var token: Int32
    }

    public init(_ entries: [Entry]) {
        self.entries = entries
        // Each entry's n-grams (one place per distinct key: the question's own n-grams are in
        // both texts), made on every core.
        let made: [(keyed: [KeyedPlace], short: [Int])] = (try? Parallel.chunks(entries.count) { range in
            var keyed: [KeyedPlace] = []
            var short: [Int] = []
            for index in range {
                let entry = entries[index], n = entry.n
                // At least half of each n-gram is the question's.
                let lastStart = NGramText(entry.question).tokens.count - (n + 1) / 2
                var seen: Set<UInt64> = []
                for (textIndex, text) in entry.texts.map(NGramText.init).enumerated() where text.tokens.count >= n && lastStart >= 0 {
                    let keys = text.keys(n: n)
                    for start in 0...min(text.tokens.count - n, lastStart) where seen.insert(keys[start]).inserted {
                        keyed.append(KeyedPlace(key: keys[start], place: Place(entry: Int32(index), text: Int32(textIndex), token: Int32(start))))
                    }
                }
                if seen.isEmpty { short.append(index) }
            }
            return (keyed, short)
        }) ?? []
        var keyed = made.flatMap(\.keyed)
        keyed.sort { ($0.key, $0.place.entry, $0.place.text, $0.place.token) < ($1.key, $1.place.entry, $1.place.text, $1.place.token) }
        keys = keyed.map(\.key)
        places = keyed.map(\.place)
        filter = KeyFilter(keys)
        let short = Set(made.flatMap(\.short))
        tooShort = entries.indices.filter { short.contains($0) }.map { entries[$0].id }
        lengths = Set(entries.indices.filter { !short.contains($0) }.map { entries[$0].n }).sorted()
    }

    /// The places of a key.
    private func places(of key: UInt64) -> ArraySlice<Place> {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < keys.count, keys[end] == key { end += 1 }
        return places[low..<end]
    }

    /// Distinct n-grams over all entries.
    public var ngramCount: Int { zip(keys, keys.dropFirst()).filter { $0 != $1 }.count + (keys.isEmpty ? 0 : 1) }

    /// One item found in one document: the longest run of overlapping n-grams.
    public struct Match: Sendable, Hashable {
        public var entry: Int
        /// The overlapping text, normalized as the scan compares it.
        public var span: String
        /// The span's length in tokens (words, or characters for Korean, Japanese and Chinese).
        public var length: Int
        /// How many of the document's n-grams are the item's.
        public var ngrams: Int
    }

    /// The items a document contains n-grams of, in entry order.
    public func matches(in document: String) -> [Match] {
        let text = NGramText(document)
        var positions: [Int: [Int]] = [:]  // entry → matching n-gram starts (of its own length)
        var cut: [Int: NGramText] = [:]  // entry and text → the item's text, cut for the exact check
        for n in lengths where text.tokens.count >= n {
            for (start, key) in text.keys(n: n).enumerated() where filter.mayContain(key) {
                var seen: Set<Int32> = []
                for place in places(of: key) where entries[Int(place.entry)].n == n && !seen.contains(place.entry) {
                    let textKey = Int(place.entry) * 8 + Int(place.text)
                    let itemText = cut[textKey] ?? NGramText(entries[Int(place.entry)].texts[Int(place.text)])
                    cut[textKey] = itemText
                    guard text.sameTokens(at: start, as: itemText, at: Int(place.token), count: n) else { continue }
                    seen.insert(place.entry)
                    positions[Int(place.entry), default: []].append(start)
                }
            }
        }
        return positions.keys.sorted().map { entry in
            let starts = positions[entry]!
            let n = entries[entry].n
            // The longest run of consecutive starts is the longest overlapping stretch.
            var best = (first: starts[0], last: starts[0]), current = best
            for start in starts.dropFirst() {
                current = start == current.last + 1 ? (current.first, start) : (start, start)
                if current.last - current.first > best.last - best.first { best = current }
            }
            let range = best.first..<(best.last + n)
            return Match(entry: entry, span: text.span(tokens: range), length: range.count, ngrams: starts.count)
        }
    }
}
