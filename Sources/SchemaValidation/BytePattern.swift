/// A `pattern` of the plain kind schemas hold (`^(ck|sv)-[0-9a-f]{16}$`: ASCII literals and
/// classes, groups, alternatives, the quantifiers `? * + {n} {n,} {n,m}`, and `^` and `$`),
/// matched over a text's bytes by following every way through it at once (Thompson's
/// construction), so that no pattern takes longer than its states times the text's bytes.
///
/// Only for text of printable ASCII, where Swift's `Regex` sees one character per byte and no
/// line break: there the two agree on whether a pattern matches, since whether one matches does
/// not depend on which way a regular expression tries first. Other text, and any other pattern,
/// go to `Regex`. Written by hand because matching through `Regex` was a fifth of the release's
/// schema checks at a million candidates (248 of 1250 profile samples), most of it the ids,
/// each different and so not remembered.
struct BytePattern: Sendable {
    private enum State: Sendable {
        /// A byte in the set (two words of bits, for the bytes 0–127), then `next`.
        case byte(low: UInt64, high: UInt64, next: Int)
        case split(Int, Int)
        /// `^` and `$`: the text's start and its end.
        case atStart(next: Int)
        case atEnd(next: Int)
        case match
    }

    private let states: [State]
    private let start: Int

    /// Nil when the pattern has anything outside the kind above.
    init?(_ pattern: String) {
        var parser = Parser(bytes: Array(pattern.utf8))
        guard pattern.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), let node = parser.alternatives(), parser.atEnd else { return nil }
        var builder = Builder()
        guard let start = builder.compile(node, then: builder.add(.match)), builder.states.count <= Self.maximumStates else { return nil }
        states = builder.states
        self.start = start
    }

    /// Past this many states (a large `{n,m}` copied out), the pattern goes to `Regex`.
    static let maximumStates = 4_096

    /// Whether the pattern matches somewhere in `text`; nil when the text is not printable ASCII.
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        let count = states.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 5 * count + 1) { space in
            // For each state, the step it was last added at (once a step); the states waiting for
            // this byte and for the next; the states still to follow without a byte, each pushed
            // by one of at most two ways into it from a state followed once.
            let added = UnsafeMutableBufferPointer(rebasing: space[0..<count])
            var current = UnsafeMutableBufferPointer(rebasing: space[count..<2 * count])
            var next = UnsafeMutableBufferPointer(rebasing: space[2 * count..<3 * count])
            let pending = UnsafeMutableBufferPointer(rebasing: space[3 * count..<5 * count + 1])
            added.initialize(repeating: -1)
            var (currentCount, nextCount) = (0, 0)
            /// Adds the byte states `state` leads to at step `position`; whether it reaches the match.
            func add(_ state: Int, at position: Int, to list: UnsafeMutableBufferPointer<Int>, count listCount: inout Int) -> Bool {
                pending[0] = state
                var depth = 1
                while depth > 0 {
                    depth -= 1
                    let state = pending[depth]
                    guard added[state] != position else { continue }
                    added[state] = position
                    switch states[state] {
                    case .byte:
                        list[listCount] = state
                        listCount += 1
                    case .split(let first, let second):
                        pending[depth] = second
                        pending[depth + 1] = first
                        depth += 2
                    case .atStart(let following):
                        if position == 0 { pending[depth] = following; depth += 1 }
                    case .atEnd(let following):
                        if position == text.count { pending[depth] = following; depth += 1 }
                    case .match:
                        return true
                    }
                }
                return false
            }
            for position in 0...text.count {
                // A match may begin at any position.
                if add(start, at: position, to: current, count: &currentCount) { return true }
                guard position < text.count else { break }
                let byte = text[position]
                nextCount = 0
                for index in 0..<currentCount {
                    guard case .byte(let low, let high, let following) = states[current[index]] else { continue }
                    let inSet = byte < 64 ? low >> UInt64(byte) & 1 == 1 : high >> UInt64(byte - 64) & 1 == 1
                    if inSet, add(following, at: position + 1, to: next, count: &nextCount) { return true }
                }
                swap(&current, &next)
                currentCount = nextCount
            }
            return false
        }
    }

    /// A set of bytes below 128.
    private struct ByteSet {
        var low: UInt64 = 0, high: UInt64 = 0
        mutating func insert(_ byte: UInt8) { if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) } }
        mutating func insert(_ range: ClosedRange<UInt8>) { for byte in range { insert(byte) } }
        mutating func formUnion(_ other: ByteSet) { low |= other.low; high |= other.high }
        /// The printable bytes not in the set (the text has no others).
        var inverted: ByteSet {
            var printable = ByteSet()
            printable.insert(0x20...0x7E)
            return ByteSet(low: ~low & printable.low, high: ~high & printable.high)
        }
        static func of(_ bytes: some Sequence<UInt8>) -> ByteSet {
            var set = ByteSet()
            for byte in bytes { set.insert(byte) }
            return set
        }
    }

    private indirect enum Node {
        case set(ByteSet)
        case atStart, atEnd
        case sequence([Node])
        case alternatives([Node])
        case repeated(Node, min: Int, max: Int?)
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0
        var atEnd: Bool { position == bytes.count }
        private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func alternatives() -> Node? {
            var choices: [Node] = []
            while true {
                guard let sequence = sequence() else { return nil }
                choices.append(sequence)
                guard peek == UInt8(ascii: "|") else { break }
                position += 1
            }
            return choices.count == 1 ? choices[0] : .alternatives(choices)
        }

        private mutating func sequence() -> Node? {
            var items: [Node] = []
            while let byte = peek, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                guard let atom = atom() else { return nil }
                guard let item = quantified(atom) else { return nil }
                items.append(item)
            }
            return .sequence(items)
        }

        private mutating func atom() -> Node? {
            guard let byte = peek else { return nil }
            position += 1
            switch byte {
            case UInt8(ascii: "^"): return .atStart
            case UInt8(ascii: "$"): return .atEnd
            case UInt8(ascii: "."): return .set(ByteSet().inverted)
            case UInt8(ascii: "("):
                // A group that is not plain or `(?:` (a look-around, a named group, options) is not of this kind.
                if peek == UInt8(ascii: "?") {
                    guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: ":") else { return nil }
                    position += 2
                }
                guard let inner = alternatives(), peek == UInt8(ascii: ")") else { return nil }
                position += 1
                return inner
            case UInt8(ascii: "["): return characterClass().map(Node.set)
            case UInt8(ascii: "\\"): return escape().map(Node.set)
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "]"):
                return nil
            default:
                return .set(.of(CollectionOfOne(byte)))
            }
        }

        /// After `\`: the classes `d w s` and their complements, or a punctuation byte as itself.
        private mutating func escape() -> ByteSet? {
            guard let byte = peek else { return nil }
            position += 1
            switch byte {
            case UInt8(ascii: "d"): return .of("0123456789".utf8)
            case UInt8(ascii: "D"): return ByteSet.of("0123456789".utf8).inverted
            case UInt8(ascii: "w"): return Self.word
            case UInt8(ascii: "W"): return Self.word.inverted
            case UInt8(ascii: "s"): return .of(" ".utf8)
            case UInt8(ascii: "S"): return ByteSet.of(" ".utf8).inverted
            default:
                // Letters and digits after `\` name something else (`\b`, `\p`, `\1`).
                guard !(byte >= 0x30 && byte <= 0x39), !(byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) else { return nil }
                return .of(CollectionOfOne(byte))
            }
        }

        private static var word: ByteSet {
            var set = ByteSet.of("_".utf8)
            set.insert(0x30...0x39)
            set.insert(0x41...0x5A)
            set.insert(0x61...0x7A)
            return set
        }

        /// After `[`: single bytes, ranges and escapes up to `]`. Nested classes and the set
        /// operators `&&`, `--`, `~~` that Swift reads in them are not of this kind.
        private mutating func characterClass() -> ByteSet? {
            var set = ByteSet()
            let negated = peek == UInt8(ascii: "^")
            if negated { position += 1 }
            // `[]` and `[^]` Swift reads otherwise.
            guard peek != UInt8(ascii: "]") else { return nil }
            while let byte = peek, byte != UInt8(ascii: "]") {
                if byte == UInt8(ascii: "[") { return nil }
                if position + 1 < bytes.count, [UInt8(ascii: "&"), UInt8(ascii: "-"), UInt8(ascii: "~")].contains(byte),
                   bytes[position + 1] == byte {
                    return nil
                }
                // A `-` that neither begins nor ends the class, nor makes a range.
                if byte == UInt8(ascii: "-"), set.low | set.high != 0, position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: "]") {
                    return nil
                }
                if byte == UInt8(ascii: "\\") {
                    position += 1
                    guard let escaped = escape() else { return nil }
                    set.formUnion(escaped)
                    continue
                }
                position += 1
                // A range, unless the `-` is last.
                if peek == UInt8(ascii: "-"), position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: "]") {
                    let upper = bytes[position + 1]
                    guard upper != UInt8(ascii: "\\"), upper != UInt8(ascii: "["), byte <= upper else { return nil }
                    position += 2
                    set.insert(byte...upper)
                } else {
                    set.insert(byte)
                }
            }
            guard peek == UInt8(ascii: "]") else { return nil }
            position += 1
            return negated ? set.inverted : set
        }

        /// The atom with the quantifier that follows it, if any. Lazy and possessive quantifiers
        /// (a `?` or `+` after one) are not of this kind: a possessive one can change whether
        /// the pattern matches.
        private mutating func quantified(_ atom: Node) -> Node? {
            var bounds: (min: Int, max: Int?)
            switch peek {
            case UInt8(ascii: "?"): bounds = (0, 1)
            case UInt8(ascii: "*"): bounds = (0, nil)
            case UInt8(ascii: "+"): bounds = (1, nil)
            case UInt8(ascii: "{"):
                position += 1
                guard let low = number() else { return nil }
                var high: Int? = low
                if peek == UInt8(ascii: ",") {
                    position += 1
                    high = peek == UInt8(ascii: "}") ? nil : number()
                    if high == nil, peek != UInt8(ascii: "}") { return nil }
                }
                guard peek == UInt8(ascii: "}"), high.map({ $0 >= low }) ?? true else { return nil }
                bounds = (low, high)
            default:
                return atom
            }
            position += 1
            if case .atStart = atom { return nil }
            if case .atEnd = atom { return nil }
            if let next = peek, next == UInt8(ascii: "?") || next == UInt8(ascii: "+") || next == UInt8(ascii: "*") || next == UInt8(ascii: "{") {
                return nil
            }
            return .repeated(atom, min: bounds.min, max: bounds.max)
        }

        private mutating func number() -> Int? {
            var value = 0, digits = 0
            while let byte = peek, byte >= 0x30, byte <= 0x39 {
                value = value * 10 + Int(byte - 0x30)
                digits += 1
                position += 1
                guard value <= BytePattern.maximumStates else { return nil }
            }
            return digits == 0 ? nil : value
        }
    }

    private struct Builder {
        var states: [State] = []

        mutating func add(_ state: State) -> Int {
            states.append(state)
            return states.count - 1
        }

        /// The states of `node`, leading to `next`; the first of them. Nil past `maximumStates`.
        mutating func compile(_ node: Node, then next: Int) -> Int? {
            guard states.count <= BytePattern.maximumStates else { return nil }
            switch node {
            case .set(let set): return add(.byte(low: set.low, high: set.high, next: next))
            case .atStart: return add(.atStart(next: next))
            case .atEnd: return add(.atEnd(next: next))
            case .sequence(let items):
                var following = next
                for item in items.reversed() {
                    guard let first = compile(item, then: following) else { return nil }
                    following = first
                }
                return following
            case .alternatives(let choices):
                var firsts: [Int] = []
                for choice in choices {
                    guard let first = compile(choice, then: next) else { return nil }
                    firsts.append(first)
                }
                return firsts.dropLast().reversed().reduce(firsts.last!) { rest, first in add(.split(first, rest)) }
            case .repeated(let inner, let min, let max):
                var following = next
                if let max {
                    // Each optional copy may be taken or left: `split(copy, next)`.
                    for _ in 0..<(max - min) {
                        guard let copy = compile(inner, then: following) else { return nil }
                        following = add(.split(copy, next))
                    }
                } else {
                    // A loop: a split that goes into the inner states, which come back to it.
                    let loop = add(.split(0, next))
                    guard let copy = compile(inner, then: loop) else { return nil }
                    states[loop] = .split(copy, next)
                    following = loop
                }
                for _ in 0..<min {
                    guard let copy = compile(inner, then: following) else { return nil }
                    following = copy
                }
                return following
            }
        }
    }
}
