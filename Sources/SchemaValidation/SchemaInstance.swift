import Foundation

/// What the validator asks of a value it checks: a `JSONValue`, or a value in a `JSONTape`,
/// so that one piece of code checks both.
protocol SchemaInstance {
    var kind: JSONTape.Kind { get }
    var boolValue: Bool { get }
    var numberValue: Double { get }
    /// A string's text.
    var text: String { get }
    /// A string's length in Unicode scalars.
    var scalarCount: Int { get }
    /// `body` given a string's text as UTF-8 bytes.
    func withTextBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result
    /// An array's elements or an object's members.
    var count: Int { get }
    func forEachElement(_ body: (Int, Self) -> Void)
    /// An object's member, given its name and the name's `JSONTape.hash`, looked for from where
    /// `cursor` says the last member found ended: names asked in the order the object has them
    /// are each found at the first place looked.
    func member(_ name: String, hash: UInt64, from cursor: inout MemberCursor) -> Self?
    /// An object's members, each with its name.
    var members: [(name: String, value: Self)] { get }
    func equals(_ other: JSONValue) -> Bool
    func equals(_ other: Self) -> Bool
}

/// Where the next search of an object's members begins; a new one begins at the first member.
struct MemberCursor {
    /// The token of the member's name, and how many members are before it (0 and 0: the first).
    var key = 0, ordinal = 0
}

extension SchemaInstance {
    func member(_ name: String, hash: UInt64) -> Self? {
        var cursor = MemberCursor()
        return member(name, hash: hash, from: &cursor)
    }

    var isInteger: Bool { kind == .number && numberValue.rounded() == numberValue && numberValue.isFinite }

    /// The JSON Schema type names this value has ("integer" values are also "number").
    var typeNames: [String] {
        switch kind {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .number: isInteger ? ["number", "integer"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }

    /// Whether the value has one of `types`.
    func hasType(in types: SchemaNode.Types) -> Bool {
        types.bits & SchemaNode.Types.bits(of: kind, number: numberValue) != 0
    }

    var elements: [Self] {
        var elements: [Self] = []
        forEachElement { elements.append($1) }
        return elements
    }
}

extension JSONValue: SchemaInstance {
    var kind: JSONTape.Kind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }

    var boolValue: Bool { if case .bool(let value) = self { value } else { false } }
    var numberValue: Double { if case .number(let value) = self { value } else { .nan } }
    var text: String { if case .string(let text) = self { text } else { "" } }
    func withTextBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = text
        return text.withUTF8(body)
    }
    var scalarCount: Int { text.unicodeScalars.count }

    var count: Int {
        switch self {
        case .array(let elements): elements.count
        case .object(let members): members.count
        default: 0
        }
    }

    func forEachElement(_ body: (Int, JSONValue) -> Void) {
        if case .array(let elements) = self { for (index, element) in elements.enumerated() { body(index, element) } }
    }

    func member(_ name: String, hash: UInt64, from cursor: inout MemberCursor) -> JSONValue? { self[name] }

    var members: [(name: String, value: JSONValue)] {
        if case .object(let members) = self { return members.map { ($0.key, $0.value) } }
        return []
    }

    /// JSON equality: numbers by value, objects regardless of key order.
    func equals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        // By code points: Swift's == would also equate canonically equivalent strings.
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.equals($1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { value.equals($0) } ?? false }
        default: return false
        }
    }
}

/// A value in a parsed `JSONTape`, read where it lies in the document's bytes.
struct TapeValue: SchemaInstance {
    let tokens: UnsafeBufferPointer<JSONTape.Token>
    let bytes: UnsafeBufferPointer<UInt8>
    let index: Int

    private var token: JSONTape.Token { tokens[index] }
    private func at(_ index: Int) -> TapeValue { TapeValue(tokens: tokens, bytes: bytes, index: index) }

    var kind: JSONTape.Kind { token.kind }
    var boolValue: Bool { token.flag }
    var numberValue: Double { token.number }
    var count: Int { token.length }

    /// The bytes between the quotes, as written.
    private var raw: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[token.start..<token.start + token.length]) }

    var text: String {
        guard token.flag else { return String(decoding: raw, as: UTF8.self) }
        // Escapes are rare in records: the string is read again the general way.
        var parser = JSONValue.Parser(bytes: bytes, position: token.start - 1)
        return (try? parser.string()) ?? ""
    }

    func withTextBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard token.flag else { return body(raw) }
        var text = text
        return text.withUTF8(body)
    }

    var scalarCount: Int {
        guard !token.flag else { return text.unicodeScalars.count }
        // Every scalar has one byte that is not a continuation byte.
        return raw.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    func forEachElement(_ body: (Int, TapeValue) -> Void) {
        var element = index + 1
        for position in 0..<token.length {
            body(position, at(element))
            element = tokens[element].next
        }
    }

    func member(_ name: String, hash: UInt64, from cursor: inout MemberCursor) -> TapeValue? {
        // Around the members once, from the cursor: a schema's properties and its required names
        // are asked in name order, as records' keys lie, and looking each up from the first
        // member was a fifth of checking a release's records.
        let count = token.length
        var (key, ordinal) = cursor.key == 0 || cursor.ordinal >= count ? (index + 1, 0) : (cursor.key, cursor.ordinal)
        for _ in 0..<count {
            if tokens[key].number.bitPattern == hash, at(key).hasBytes(of: name) {
                cursor = MemberCursor(key: tokens[key + 1].next, ordinal: ordinal + 1)
                return at(key + 1)
            }
            (key, ordinal) = ordinal + 1 == count ? (index + 1, 0) : (tokens[key + 1].next, ordinal + 1)
        }
        return nil
    }

    var members: [(name: String, value: TapeValue)] {
        var members: [(name: String, value: TapeValue)] = []
        var key = index + 1
        for _ in 0..<token.length {
            members.append((at(key).text, at(key + 1)))
            key = tokens[key + 1].next
        }
        return members
    }

    /// Whether this unescaped string's bytes are `text`'s.
    private func hasBytes(of text: String) -> Bool {
        var text = text
        let raw = raw
        // memcmp: comparing the bytes one by one was a twentieth of checking a record.
        return text.withUTF8 { $0.count == raw.count && ($0.isEmpty || memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0) }
    }

    func equals(_ other: JSONValue) -> Bool {
        switch (kind, other) {
        case (.null, .null): return true
        case (.bool, .bool(let value)): return boolValue == value
        case (.number, .number(let value)): return numberValue == value
        case (.string, .string(let value)): return token.flag ? text.unicodeScalars.elementsEqual(value.unicodeScalars) : hasBytes(of: value)
        case (.array, .array(let values)):
            guard count == values.count else { return false }
            var same = true
            forEachElement { position, element in same = same && element.equals(values[position]) }
            return same
        case (.object, .object(let values)):
            return count == values.count && members.allSatisfy { name, value in values[name].map { value.equals($0) } ?? false }
        default: return false
        }
    }

    func equals(_ other: TapeValue) -> Bool {
        guard kind == other.kind else { return false }
        switch kind {
        case .null: return true
        case .bool: return boolValue == other.boolValue
        case .number: return numberValue == other.numberValue
        case .string:
            if !token.flag, !other.token.flag { return raw.elementsEqual(other.raw) }
            return text.unicodeScalars.elementsEqual(other.text.unicodeScalars)
        case .array:
            guard count == other.count else { return false }
            let theirs = other.elements
            var same = true
            forEachElement { position, element in same = same && element.equals(theirs[position]) }
            return same
        case .object:
            guard count == other.count else { return false }
            return members.allSatisfy { name, value in
                other.member(name, hash: JSONTape.hash(name)).map { value.equals($0) } ?? false
            }
        }
    }
}
