/// Reads a JSON document of a known shape straight into a record's fields, with the rules of
/// `JSONValue.parse` (UTF-8 checked, control characters refused, numbers as doubles) but
/// without building a tree: a record read through `JSONValue` made a dictionary for each
/// object and hashed each of its keys, about 50 µs an item.
///
/// A reader expects exactly the record's keys, each once. Anything else (an unknown or repeated
/// key, a wrong type, text that is not JSON) throws `JSONReader.Mismatch`, and the caller reads
/// the line the general way, which explains what is wrong.
public struct JSONReader {
    private var parser: JSONValue.Parser

    public struct Mismatch: Error {
        public init() {}
    }

    /// Reads one document from `bytes`, which `body` must read whole.
    public static func read<T>(_ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws -> T) throws -> T {
        var reader = JSONReader(parser: JSONValue.Parser(bytes: bytes.bindMemory(to: UInt8.self)))
        reader.parser.skipSpace()
        let value = try body(&reader)
        reader.parser.skipSpace()
        guard reader.parser.position == reader.parser.bytes.count else { throw Mismatch() }
        return value
    }

    private init(parser: JSONValue.Parser) {
        self.parser = parser
    }

    private var next: UInt8? {
        parser.position < parser.bytes.count ? parser.bytes[parser.position] : nil
    }

    private mutating func take(_ byte: UInt8) throws {
        parser.skipSpace()
        guard next == byte else { throw Mismatch() }
        parser.position += 1
        parser.skipSpace()
    }

    /// An object whose keys are `keys`, in any order, each at most once: `body` reads the value
    /// of the key at the index it is given. Returns which keys were present, as bits.
    @discardableResult
    public mutating func object(_ keys: [StaticString], _ body: (inout JSONReader, Int) throws -> Void) throws -> UInt64 {
        precondition(keys.count <= 64)
        try take(UInt8(ascii: "{"))
        var seen: UInt64 = 0
        if next == UInt8(ascii: "}") { parser.position += 1; return seen }
        while true {
            guard next == UInt8(ascii: "\"") else { throw Mismatch() }
            let index = try key(keys)
            guard seen & (1 << index) == 0 else { throw Mismatch() }
            seen |= 1 << index
            try take(UInt8(ascii: ":"))
            try body(&self, index)
            parser.skipSpace()
            switch next {
            case UInt8(ascii: ","): parser.position += 1; parser.skipSpace()
            case UInt8(ascii: "}"): parser.position += 1; return seen
            default: throw Mismatch()
            }
        }
    }

    /// The index of the key at the reader among `keys`, compared as bytes (keys have no escapes).
    private mutating func key(_ keys: [StaticString]) throws -> Int {
        let start = parser.position + 1
        var end = start
        while end < parser.bytes.count, parser.bytes[end] != UInt8(ascii: "\"") {
            guard parser.bytes[end] != UInt8(ascii: "\\") else { throw Mismatch() }
            end += 1
        }
        guard end < parser.bytes.count else { throw Mismatch() }
        let length = end - start
        for (index, key) in keys.enumerated() where key.utf8CodeUnitCount == length {
            if (0..<length).allSatisfy({ parser.bytes[start + $0] == key.utf8Start[$0] }) {
                parser.position = end + 1
                return index
            }
        }
        throw Mismatch()
    }

    /// An array whose elements `body` reads one at a time.
    public mutating func array(_ body: (inout JSONReader) throws -> Void) throws {
        try take(UInt8(ascii: "["))
        if next == UInt8(ascii: "]") { parser.position += 1; return }
        while true {
            try body(&self)
            parser.skipSpace()
            switch next {
            case UInt8(ascii: ","): parser.position += 1; parser.skipSpace()
            case UInt8(ascii: "]"): parser.position += 1; return
            default: throw Mismatch()
            }
        }
    }

    /// Whether the value at the reader is `null` (which is then read).
    public mutating func null() -> Bool {
        let bytes = parser.bytes, at = parser.position
        guard at + 4 <= bytes.count, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"),
              bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "l") else { return false }
        parser.position += 4
        return true
    }

    public mutating func string() throws -> String {
        guard next == UInt8(ascii: "\"") else { throw Mismatch() }
        do { return try parser.string() } catch { throw Mismatch() }
    }

    public mutating func strings() throws -> [String] {
        var values: [String] = []
        try array { values.append(try $0.string()) }
        return values
    }

    public mutating func bool() throws -> Bool {
        let bytes = parser.bytes, at = parser.position
        if at + 4 <= bytes.count, bytes[at] == UInt8(ascii: "t"), bytes[at + 1] == UInt8(ascii: "r"),
           bytes[at + 2] == UInt8(ascii: "u"), bytes[at + 3] == UInt8(ascii: "e") {
            parser.position += 4
            return true
        }
        if at + 5 <= bytes.count, bytes[at] == UInt8(ascii: "f"), bytes[at + 1] == UInt8(ascii: "a"),
           bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "s"), bytes[at + 4] == UInt8(ascii: "e") {
            parser.position += 5
            return false
        }
        throw Mismatch()
    }

    public mutating func double() throws -> Double {
        guard let byte = next, byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte) else { throw Mismatch() }
        do { return try parser.number() } catch { throw Mismatch() }
    }

    /// A whole number that a double holds exactly, as `JSONValue.intValue()` reads one.
    public mutating func int() throws -> Int {
        let value = try double()
        guard value.rounded() == value, abs(value) < 9_007_199_254_740_992 else { throw Mismatch() }
        return Int(value)
    }

    public mutating func doubles() throws -> [Double] {
        var values: [Double] = []
        try array { values.append(try $0.double()) }
        return values
    }

    public mutating func ints() throws -> [Int] {
        var values: [Int] = []
        try array { values.append(try $0.int()) }
        return values
    }
}
