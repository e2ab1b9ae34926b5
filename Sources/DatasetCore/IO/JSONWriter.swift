public import SchemaValidation

/// Writes JSON with the bytes `JSONLines.makeEncoder()` gives: keys in the order the caller
/// writes them (callers write them sorted), slashes unescaped, doubles as Foundation prints
/// them, and every string in NFC. Records that cross between stages in bulk are written
/// through it: Foundation's encoder spent half of a 100,000-item run boxing values.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Some string was changed by NFC: decoding the text would not give the values written.
    public private(set) var normalizedText = false
    private var needsComma = false
    /// Bytes of a written file read back for `appendWritten`, and the files they are read from (taken once).
    var readBack = ReadBack()
    private var writtenFiles: [WrittenFiles.Descriptors]?

    public init() {}

    /// Appends fixed text: an array literal here was allocated on every call (writing keys
    /// was a sixth of writing an item).
    private mutating func literal(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// The descriptors of a written file's slot (-1 for none).
    mutating func writtenFile(_ slot: Int) -> WrittenFiles.Descriptors {
        if writtenFiles == nil { writtenFiles = WrittenFiles.descriptors() }
        return slot < writtenFiles!.count ? writtenFiles![slot] : WrittenFiles.Descriptors()
    }

    /// Appends a whole value already written as JSON by this writer's rules.
    mutating func appendRawValue(_ value: UnsafeRawBufferPointer) {
        separate()
        bytes.append(contentsOf: value)
        needsComma = true
    }

    /// A record's line (without its newline), written anew in this writer: one writer writing
    /// many records keeps, for the next, what it read back of the files they were written to.
    public mutating func line(for record: some JSONLinesRecord) -> String {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
        record.writeJSON(to: &self)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Ends a JSON Lines record: a newline, and the next value starts a new record.
    public mutating func endLine() {
        bytes.append(0x0A)
        needsComma = false
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// An object key; the caller writes keys in sorted order.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// An object key made at run time (a dictionary's), escaped and in NFC as a string value is.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func null() {
        separate()
        literal("null")
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        literal(value ? "true" : "false")
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Foundation's form: the shortest text that reads back as the same double, without ".0".
    public mutating func double(_ value: Double) {
        separate()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // A native string is read where it lies: making a contiguous copy first (`withUTF8` on
        // a `var`) took a retain and a release for every string written.
        if value.utf8.withContiguousStorageIfAvailable({ text(of: value, utf8: $0) }) == nil {
            var copy = value
            copy.withUTF8 { text(of: value, utf8: $0) }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// The text of `value` (whose bytes are `utf8`), in NFC and escaped.
    private mutating func text(of value: String, utf8: UnsafeBufferPointer<UInt8>) {
        // Most text is NFC already: the quick check says so without normalizing or comparing.
        if String.isNFCStable(utf8) { return escaped(utf8) }
        var normalized = value.nfc
        if !normalized.utf8.elementsEqual(value.utf8) { normalizedText = true }
        normalized.withUTF8 { escaped($0) }
    }

    private mutating func escaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let base = utf8.baseAddress else { return }
        var plain = 0
        var index = 0
        let count = utf8.count
        while index < count {
            // Eight bytes at a time past those that need no escape (nearly all).
            if index + 8 <= count {
                let word = ByteLanes.word(base, at: index)
                if ByteLanes.controlLanes(word) | ByteLanes.lanes(word, equalTo: UInt8(ascii: "\"")) | ByteLanes.lanes(word, equalTo: UInt8(ascii: "\\")) == 0 {
                    index += 8
                    continue
                }
            }
            let byte = base[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plain..<index]))
            switch byte {
            case UInt8(ascii: "\""): literal("\\\"")
            case UInt8(ascii: "\\"): literal("\\\\")
            case 0x08: literal("\\b")
            case 0x09: literal("\\t")
            case 0x0A: literal("\\n")
            case 0x0C: literal("\\f")
            case 0x0D: literal("\\r")
            default:
                let hex: StaticString = "0123456789abcdef"
                literal("\\u00")
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0xF)])
            }
            index += 1
            plain = index
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plain...]))
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func strings(_ values: [String]) {
        beginArray()
        // Each string read in place: a `for` loop retained every one.
        values.withUnsafeBufferPointer { strings in
            for index in strings.indices { string(strings[index]) }
        }
        endArray()
    }

    public mutating func doubles(_ values: [Double]) {
        beginArray()
        for value in values { double(value) }
        endArray()
    }

    public mutating func ints(_ values: [Int]) {
        beginArray()
        for value in values { int(value) }
        endArray()
    }
}

/// A record with its own JSON writer and reader, for the bulk paths of `JSONLines`. Its
/// `writeJSON` must give exactly the bytes of `JSONLines.line(for:)`; `init(json:)` throws
/// `JSONRecordMismatch` wherever Foundation's decoder would not give the same value, and the
/// line is then decoded by Foundation, which names the field in its error.
public protocol JSONLinesRecord: Codable, Sendable {
    func writeJSON(to writer: inout JSONWriter)
    init(json: JSONValue) throws
}

extension JSONLinesRecord {
    /// `writeJSON` of a record read where it lies (it writes nothing): called on a pointer's
    /// `pointee` as it is, a record was copied first, every reference it holds retained and
    /// released, since nothing kept the memory from changing during the call.
    mutating func writeJSONInPlace(to writer: inout JSONWriter) {
        writeJSON(to: &writer)
    }
}

/// A value that is not what a fast reader expects.
public struct JSONRecordMismatch: Error {
    public init() {}
}

extension JSONValue {
    public func field(_ key: String) throws -> JSONValue {
        guard case .object(let object) = self, let value = object[key] else { throw JSONRecordMismatch() }
        return value
    }

    /// A key's value, or nil when the key is absent or null (as `decodeIfPresent` reads it).
    public func optionalField(_ key: String) throws -> JSONValue? {
        guard case .object(let object) = self else { throw JSONRecordMismatch() }
        if let value = object[key], value != .null { return value }
        return nil
    }

    public func stringValue() throws -> String {
        guard case .string(let value) = self else { throw JSONRecordMismatch() }
        return value
    }

    public func boolValue() throws -> Bool {
        guard case .bool(let value) = self else { throw JSONRecordMismatch() }
        return value
    }

    public func doubleValue() throws -> Double {
        guard case .number(let value) = self else { throw JSONRecordMismatch() }
        return value
    }

    public func intValue() throws -> Int {
        guard case .number(let value) = self, value.rounded() == value, abs(value) < 9_007_199_254_740_992 else { throw JSONRecordMismatch() }
        return Int(value)
    }

    public func arrayValue() throws -> [JSONValue] {
        guard case .array(let values) = self else { throw JSONRecordMismatch() }
        return values
    }

    public func stringsValue() throws -> [String] {
        try arrayValue().map { try $0.stringValue() }
    }

    public func enumValue<T: RawRepresentable>(_ type: T.Type) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try stringValue()) else { throw JSONRecordMismatch() }
        return value
    }
}
