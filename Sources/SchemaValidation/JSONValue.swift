public import Foundation

/// A JSON value with the distinctions JSON Schema needs: booleans are not numbers, and numbers
/// compare by mathematical value (1 and 1.0 are equal).
public indirect enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The same value in boxes of its own. Values of one parsed schema are shared by the
    /// validators that read it, one on each thread; comparing a record's value with a shared
    /// `enum` option counted references on the same memory from every core at once.
    var unshared: JSONValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .number(let value): .number(value)
        case .string(let text): .string(String(decoding: Array(text.utf8), as: UTF8.self))
        case .array(let values): .array(values.map(\.unshared))
        case .object(let members): .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value.unshared) }))
        }
    }

    /// Parses one JSON document. Hand-written rather than through `JSONDecoder`: decoding an
    /// untyped value there tries each type in turn and throws on every miss, which made parsing
    /// a release's records for the schema check slower than writing them.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { buffer in
            var parser = Parser(bytes: buffer.bindMemory(to: UInt8.self))
            parser.skipSpace()
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.position == parser.bytes.count else { throw parser.error("text after the JSON value") }
            return value
        }
    }

    /// Why a text is not JSON, with the byte offset where parsing stopped.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        /// The key an object gives twice, when that is what is wrong.
        public var duplicateKey: String?
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// The first key some object of `data` gives twice, with its byte offset; nil when there is
    /// none (or `data` is not JSON, which the caller's own parser reports).
    public static func repeatedKey(in data: Data) -> ParseError? {
        do { _ = try parse(data) } catch let error as ParseError where error.duplicateKey != nil { return error } catch {}
        return nil
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// Deeper nesting than any record needs is refused instead of exhausting the stack.
        static let maximumDepth = 512

        func error(_ message: String) -> ParseError { ParseError(offset: position, message: message) }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws -> JSONValue {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count,
                  (0..<count).allSatisfy({ bytes[position + $0] == literal.utf8Start[$0] }) else { throw error("unexpected text") }
            position += count
            return value
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
            guard position < bytes.count else { throw error("unexpected end of text") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var object: [String: JSONValue] = [:]
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(object) }
                while true {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
                    let keyOffset = position
                    let key = try string()
                    // JSON leaves a repeated key undefined; parsers differ (most keep the last),
                    // so a record that says two things is refused instead of read one way.
                    if object[key] != nil {
                        throw ParseError(offset: keyOffset, message: "the key \"\(key)\" appears twice in one object", duplicateKey: key)
                    }
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    position += 1
                    skipSpace()
                    object[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard position < bytes.count else { throw error("unexpected end of text") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(object) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                position += 1
                var array: [JSONValue] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(array) }
                while true {
                    skipSpace()
                    array.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.count else { throw error("unexpected end of text") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(array) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                return try expect("true", .bool(true))
            case UInt8(ascii: "f"):
                return try expect("false", .bool(false))
            case UInt8(ascii: "n"):
                return try expect("null", .null)
            default:
                return .number(try number())
            }
        }

        mutating func number() throws -> Double {
            let start = position
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            let digits = position
            while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
            guard position > digits else { throw error("expected a JSON value") }
            if bytes[digits] == 0x30, position - digits > 1 { throw error("a number must not start with 0") }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                let fraction = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
                guard position > fraction else { throw error("expected digits after '.'") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                let exponent = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
                guard position > exponent else { throw error("expected digits in the exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { position = start; throw error("number out of range") }
            return value
        }

        mutating func string() throws -> String {
            position += 1
            let start = position
            // The common case: no escapes, so the bytes are the string.
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                if bytes[position] < 0x20 { throw error("a control character inside a string") }
                position += 1
            }
            guard position < bytes.count else { throw error("a string without its closing quote") }
            if bytes[position] == UInt8(ascii: "\"") {
                defer { position += 1 }
                guard let text = Self.text(UnsafeBufferPointer(rebasing: bytes[start..<position])) else {
                    throw error("a string that is not valid UTF-8")
                }
                return text
            }
            var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while bytes[position] != UInt8(ascii: "\"") {
                if bytes[position] == UInt8(ascii: "\\") {
                    position += 1
                    guard position < bytes.count else { throw error("a string without its closing quote") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                            else { throw error("a lone surrogate escape") }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate escape") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("a lone surrogate escape") }
                        scalars.append(contentsOf: String(scalar).utf8)
                    default:
                        throw error("an unknown escape")
                    }
                } else {
                    if bytes[position] < 0x20 { throw error("a control character inside a string") }
                    scalars.append(bytes[position])
                    position += 1
                }
                guard position < bytes.count else { throw error("a string without its closing quote") }
            }
            position += 1
            guard let text = scalars.withUnsafeBufferPointer(Self.text) else { throw error("a string that is not valid UTF-8") }
            return text
        }

        /// The bytes as a string, or nil when they are not valid UTF-8. (`String(validating:)`
        /// took half of parsing a record.)
        static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            UTF8Check.isValid(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("a short \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Character(Unicode.Scalar(bytes[position])).hexDigitValue else { throw error("a bad \\u escape") }
                code = code << 4 | UInt32(digit)
                position += 1
            }
            return code
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}
