/// A JSON document as a flat list of tokens pointing into its bytes, for checking a record
/// against a schema without making a tree: a `JSONValue` made a dictionary for each object and a
/// string for each key and text, and parsing it was two fifths of checking a release's records.
///
/// Parsed with the rules of `JSONValue.parse` (UTF-8 checked, control characters and repeated
/// keys refused, numbers as finite doubles). A document it does not take (anything not JSON, or
/// an object key with escapes) throws, and the caller checks it the general way, which says
/// what is wrong.
struct JSONTape {
    enum Kind: UInt8 { case null, bool, number, string, array, object }

    struct Token {
        var kind: Kind
        /// A boolean's value; whether a string has escapes.
        var flag = false
        /// A string's bytes between its quotes (escapes as written); an array's or object's
        /// number of elements or members in `length`.
        var start = 0
        var length = 0
        /// The index of the token after this value and all it holds.
        var next = 0
        /// A number's value; for an object key, its `JSONTape.hash` as a bit pattern.
        var number = 0.0
    }

    struct Unsupported: Error {}

    var tokens: [Token] = []

    /// Parses `bytes` into `tokens`, reusing their storage.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        tokens.removeAll(keepingCapacity: true)
        var parser = JSONValue.Parser(bytes: bytes)
        parser.skipSpace()
        try value(&parser, depth: 0)
        parser.skipSpace()
        guard parser.position == bytes.count else { throw Unsupported() }
    }

    /// FNV-1a over a key's bytes: a member is looked up by comparing these first.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash($0) }
    }

    private mutating func value(_ parser: inout JSONValue.Parser, depth: Int) throws {
        guard depth < JSONValue.Parser.maximumDepth, parser.position < parser.bytes.count else { throw Unsupported() }
        let bytes = parser.bytes
        switch bytes[parser.position] {
        case UInt8(ascii: "{"):
            let index = tokens.count
            tokens.append(Token(kind: .object))
            tokens[index].length = try members(&parser, close: UInt8(ascii: "}")) { tape, parser in
                guard parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: "\"") else { throw Unsupported() }
                try tape.string(&parser)
                let key = tape.tokens[tape.tokens.count - 1]
                guard !key.flag else { throw Unsupported() }
                tape.tokens[tape.tokens.count - 1].number = Double(bitPattern: Self.hash(UnsafeBufferPointer(rebasing: bytes[key.start..<key.start + key.length])))
                parser.skipSpace()
                guard parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: ":") else { throw Unsupported() }
                parser.position += 1
                parser.skipSpace()
                try tape.value(&parser, depth: depth + 1)
            }
            tokens[index].next = tokens.count
            guard !hasRepeatedKey(object: index, in: bytes) else { throw Unsupported() }
        case UInt8(ascii: "["):
            let index = tokens.count
            tokens.append(Token(kind: .array))
            tokens[index].length = try members(&parser, close: UInt8(ascii: "]")) { tape, parser in
                try tape.value(&parser, depth: depth + 1)
            }
            tokens[index].next = tokens.count
        case UInt8(ascii: "\""):
            try string(&parser)
        case UInt8(ascii: "t"):
            _ = try parser.expect("true", .null)
            tokens.append(Token(kind: .bool, flag: true, next: tokens.count + 1))
        case UInt8(ascii: "f"):
            _ = try parser.expect("false", .null)
            tokens.append(Token(kind: .bool, flag: false, next: tokens.count + 1))
        case UInt8(ascii: "n"):
            _ = try parser.expect("null", .null)
            tokens.append(Token(kind: .null, next: tokens.count + 1))
        default:
            let number = try parser.number()
            tokens.append(Token(kind: .number, next: tokens.count + 1, number: number))
        }
    }

    /// The members of an object or elements of an array, from its opening bracket to `close`,
    /// each read by `body`; returns how many there are.
    private mutating func members(_ parser: inout JSONValue.Parser, close: UInt8,
                                  _ body: (inout JSONTape, inout JSONValue.Parser) throws -> Void) throws -> Int {
        let bytes = parser.bytes
        parser.position += 1
        parser.skipSpace()
        if parser.position < bytes.count, bytes[parser.position] == close { parser.position += 1; return 0 }
        var count = 0
        while true {
            parser.skipSpace()
            try body(&self, &parser)
            count += 1
            parser.skipSpace()
            guard parser.position < bytes.count else { throw Unsupported() }
            if bytes[parser.position] == UInt8(ascii: ",") { parser.position += 1; continue }
            if bytes[parser.position] == close { parser.position += 1; return count }
            throw Unsupported()
        }
    }

    /// A string token; its text is checked, and made only when it has escapes.
    private mutating func string(_ parser: inout JSONValue.Parser) throws {
        let bytes = parser.bytes
        let start = parser.position + 1
        var position = start
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            guard bytes[position] >= 0x20 else { throw Unsupported() }
            position += 1
        }
        guard position < bytes.count else { throw Unsupported() }
        var escaped = false
        if bytes[position] == UInt8(ascii: "\"") {
            guard UTF8Check.isValid(UnsafeBufferPointer(rebasing: bytes[start..<position])) else { throw Unsupported() }
            parser.position = position + 1
        } else {
            _ = try parser.string()
            escaped = true
        }
        tokens.append(Token(kind: .string, flag: escaped, start: start, length: parser.position - 1 - start, next: tokens.count + 1))
    }

    /// Whether an object gives a key twice. Keys written in order (as this tool writes records)
    /// are told apart by comparing each with the one before it.
    private func hasRepeatedKey(object index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = tokens[index].length
        var previous: Int?
        var member = index + 1
        var ascending = true
        for _ in 0..<count {
            if let previous, compare(previous, member, in: bytes) >= 0 { ascending = false; break }
            previous = member
            member = tokens[member + 1].next
        }
        if ascending { return false }
        var key = index + 1
        for position in 0..<count {
            var other = tokens[key + 1].next
            for _ in position + 1..<count {
                if tokens[other].number.bitPattern == tokens[key].number.bitPattern, compare(other, key, in: bytes) == 0 { return true }
                other = tokens[other + 1].next
            }
            key = tokens[key + 1].next
        }
        return false
    }

    /// The order of two unescaped string tokens' bytes.
    private func compare(_ a: Int, _ b: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let x = bytes[tokens[a].start..<tokens[a].start + tokens[a].length]
        let y = bytes[tokens[b].start..<tokens[b].start + tokens[b].length]
        for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
        return x.count - y.count
    }
}

/// UTF-8 validity without making a string (overlong forms, surrogates and values past U+10FFFF
/// refused, as `String(validating:)` does).
enum UTF8Check {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            func continuation(_ offset: Int) -> UInt8? {
                guard index + offset < count, bytes[index + offset] & 0xC0 == 0x80 else { return nil }
                return bytes[index + offset]
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) != nil else { return false }
                index += 2
            case 0xE0...0xEF:
                guard let second = continuation(1), continuation(2) != nil else { return false }
                if lead == 0xE0, second < 0xA0 { return false }
                if lead == 0xED, second >= 0xA0 { return false }
                index += 3
            case 0xF0...0xF4:
                guard let second = continuation(1), continuation(2) != nil, continuation(3) != nil else { return false }
                if lead == 0xF0, second < 0x90 { return false }
                if lead == 0xF4, second >= 0x90 { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }
}
