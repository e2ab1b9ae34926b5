public import Foundation
import SchemaValidation

/// JSON Lines as this tool writes them: one object per line, keys sorted, slashes unescaped,
/// text in NFC, a newline after every record.
public enum JSONLines {
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A small document (a manifest, a report) as pretty, key-sorted JSON with a final newline:
    /// the same bytes for the same content.
    public static func prettyDocument(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// One record as a line (without its newline).
    public static func line(for value: some Encodable, encoder: JSONEncoder? = nil) throws -> String {
        if let record = value as? any JSONLinesRecord {
            var writer = JSONWriter()
            return writer.line(for: record)
        }
        // JSON's own syntax is ASCII, which NFC leaves alone, so the whole line can be normalized.
        return String(decoding: try (encoder ?? makeEncoder()).encode(value), as: UTF8.self).nfc
    }

    /// The records as JSON Lines: chunks of lines are encoded on every core and joined in order,
    /// the same bytes as one thread in about half the time.
    public static func encode<Value: Encodable & Sendable>(_ values: some Sequence<Value>) throws -> Data {
        let values = Array(values)
        let chunks = try Parallel.chunks(values.count) { range in try encodedLines(values, range: range).lines }
        var output = Data(capacity: chunks.map(\.count).reduce(0, +))
        for chunk in chunks { output.append(chunk) }
        return output
    }

    /// The lines of `values[range]`, encoded on the calling thread, and whether decoding them
    /// gives back exactly those values.
    public static func encodedLines<Value: Encodable & Sendable>(_ values: [Value], range: Range<Int>) throws -> (lines: Data, exact: Bool) {
        let part = try encodedPart(values, range: range, marking: false)
        return (part.lines, part.exact)
    }

    /// Lines of a file being written, and for records that remember where they were written,
    /// where each line lies in `lines` and its hash.
    struct EncodedPart: Sendable {
        var lines: Data
        var exact: Bool
        var range: Range<Int>
        var marks: [(start: Int, length: Int, hash: UInt64)] = []
    }

    static func encodedPart<Value: Encodable & Sendable>(_ values: [Value], range: Range<Int>, marking: Bool) throws -> EncodedPart {
        if let recordType = Value.self as? any JSONLinesRecord.Type {
            return encodedRecords(values, range: range, as: recordType, marking: marking)
        }
        let encoder = makeEncoder()
        var output = Data()
        for index in range {
            output.append(contentsOf: try line(for: values[index], encoder: encoder).utf8)
            output.append(0x0A)
        }
        return EncodedPart(lines: output, exact: false, range: range)
    }

    /// Records with their own writer, each written where it lies in the array: taking each out
    /// as `any JSONLinesRecord` copied and boxed every item, and a cast of the array to
    /// `[Record]` copied them all.
    private static func encodedRecords<Value, Record: JSONLinesRecord>(_ values: [Value], range: Range<Int>, as _: Record.Type,
                                                                       marking: Bool) -> EncodedPart {
        precondition(Value.self == Record.self)
        return values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !range.isEmpty else { return EncodedPart(lines: Data(), exact: true, range: range) }
            let records = UnsafeRawPointer(base).assumingMemoryBound(to: Record.self)
            var writer = JSONWriter()
            if let carrying = Record.self as? any WrittenLineCarrying.Type { plan(&writer, UnsafeRawPointer(records + range.lowerBound), range.count, carrying) }
            var marks: [(start: Int, length: Int, hash: UInt64)] = []
            if marking { marks.reserveCapacity(range.count) }
            for index in range {
                let start = writer.bytes.count
                if Record.self == Item.self {
                    Item.writeJSON(at: UnsafeRawPointer(records + index).assumingMemoryBound(to: Item.self), to: &writer)
                } else {
                    UnsafeMutablePointer(mutating: records + index).pointee.writeJSONInPlace(to: &writer)
                }
                if marking {
                    let length = writer.bytes.count - start
                    let hash = writer.bytes.withUnsafeBytes { WrittenLine.hash(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
                    marks.append((start, length, hash))
                }
                writer.endLine()
            }
            return EncodedPart(lines: Data(writer.bytes), exact: !writer.normalizedText, range: range, marks: marks)
        }
    }

    /// Plans `writer`'s reads of written lines for `count` records of type `type` at `records`.
    private static func plan<Record: WrittenLineCarrying>(_ writer: inout JSONWriter, _ records: UnsafeRawPointer, _ count: Int, _ type: Record.Type) {
        writer.planReads(UnsafeBufferPointer(start: records.assumingMemoryBound(to: Record.self), count: count))
    }

    /// What `writeAndSync` wrote: whether reading the file gives back exactly the values, and
    /// the file's SHA-256 and size, hashed from the bytes as they were written.
    public struct Written: Sendable {
        public var exact: Bool
        public var sha256: String
        public var bytes: Int
    }

    /// Records encoded at a time while the rounds before are written (three rounds are held: some
    /// 80 MB of text for items of 800 bytes).
    static let writeRound = 1 << 15

    /// Writes `values` as JSON Lines into a new file at `url` and flushes it, a round of
    /// records at a time, so that the whole text is never in memory at once: each round is
    /// encoded on every core while this thread hashes and writes the one before (written after
    /// encoding, the file's copy into the kernel left the other core idle, and hashing it again
    /// from the disk read it back whole).
    /// Records that remember where they were written (items) are marked with their lines as
    /// each round is written, and the file is kept open to read them back (`WrittenLine`).
    public static func writeAndSync<Value: Encodable & Sendable>(_ values: [Value], to url: URL) throws -> Written {
        let remembering = Value.self as? any LineRemembering.Type
        if let remembering, let written = linked(values, as: remembering, to: url) { return written }
        var exact = true
        var hash = Hashing.Stream()
        let slot = remembering != nil ? WrittenFiles.reserve() : nil
        try AtomicFiles.writeAndSync(to: url) { write in
            try Parallel.overlapped(values.count, block: writeRound, make: { part in
                [try encodedPart(values, range: part, marking: slot != nil)]
            }) { parts in
                for part in parts {
                    exact = exact && part.exact
                    let offset = hash.bytes
                    hash.update(part.lines)
                    try write(part.lines)
                    // Only lines that read back as the values they were written from.
                    if let slot, let remembering, part.exact {
                        remember(values, part: part, at: offset, in: slot, as: remembering)
                    }
                }
            }
        }
        let sha256 = hash.hex()
        if let slot { WrittenFiles.attach(slot, path: url.path, sha256: sha256, bytes: hash.bytes) }
        return Written(exact: exact, sha256: sha256, bytes: hash.bytes)
    }

    /// The file of records that are, in order, every line of one file written before: that file
    /// under a second name (`WrittenFiles.link`).
    private static func linked<Value, Record: LineRemembering>(_ values: [Value], as _: Record.Type, to url: URL) -> Written? {
        precondition(Value.self == Record.self)
        return values.withUnsafeBufferPointer { buffer in
            let records = UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: Record.self), count: buffer.count)
            guard records.first?.writtenLine?.offset == 0 else { return nil }
            // Read as `link` goes: it stops at the first line that does not follow the one before.
            return WrittenFiles.link(records.lazy.map { $0.writtenLine }, to: url).map { Written(exact: true, sha256: $0.sha256, bytes: $0.bytes) }
        }
    }

    /// Marks each record of `part` with where its line went in the file of `slot`.
    private static func remember<Value, Record: LineRemembering>(_ values: [Value], part: EncodedPart, at offset: Int, in slot: Int,
                                                                 as _: Record.Type) {
        precondition(Value.self == Record.self)
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let records = UnsafeRawPointer(base).assumingMemoryBound(to: Record.self)
            for (index, mark) in zip(part.range, part.marks) {
                Record.rememberWritten(WrittenLine(slot: slot, offset: offset + mark.start, length: mark.length, hash: mark.hash), at: records + index)
            }
        }
    }

    /// Writes records atomically to `url`.
    public static func write(_ values: some Sequence<some Encodable & Sendable>, to url: URL) throws {
        try AtomicFiles.write(try encode(values), to: url)
    }

    /// The byte offsets (from 0) of each line of `data`, without its newline; a last line
    /// without one counts, an empty end after the final newline does not. Found with memchr:
    /// `Data.split` checked exclusive access for every byte and was two fifths of checking a release.
    public static func lineRanges(of data: Data) -> [Range<Int>] {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> [Range<Int>] in
            guard let base = bytes.baseAddress else { return [] }
            var lines: [Range<Int>] = []
            var start = 0
            while start < bytes.count {
                var end = bytes.count
                if let found = memchr(base + start, 0x0A, bytes.count - start) {
                    end = UnsafeRawPointer(found) - base
                }
                lines.append(start..<end)
                start = end + 1
            }
            return lines
        }
    }

    /// Decodes every line of `data`; `file` names the source in errors, with the line number.
    /// Every bad line is reported, not only the first.
    public static func decode<T: Decodable & Sendable>(_ type: T.Type, from data: Data, file: String) throws -> [T] {
        let (records, errors, _) = try decodeLines(type, from: data, file: file, firstLine: 1)
        try Diagnostics(errors).check()
        return records
    }

    /// The records of the lines of `data`, the problems of those that are none, and the number
    /// of lines; `firstLine` is the number of its first line in the file.
    /// With `remembering`, records that remember where they were written (items) read by the
    /// fast reader are marked with their line, at `offset` plus its place in `data`, in the file
    /// of that slot.
    static func decodeLines<T: Decodable & Sendable>(_ type: T.Type, from data: Data, file: String, firstLine: Int,
                                                     remembering: (slot: Int, offset: Int)? = nil) throws -> (records: [T], errors: [InputError], lines: Int) {
        // Line boundaries first, then chunks of lines decoded on every core, in order.
        let lines = lineRanges(of: data)
        let chunks = try Parallel.chunks(lines.count) { range -> (records: [T], errors: [InputError]) in
            let decoder = JSONDecoder()
            let recordType = T.self as? any JSONLinesRecord.Type
            let readableType = T.self as? any JSONReadableRecord.Type
            var records: [T] = []
            var diagnostics = Diagnostics()
            for index in range {
                let location = SourceLocation(file: file, line: firstLine + index)
                let lineData = data[data.startIndex + lines[index].lowerBound..<data.startIndex + lines[index].upperBound]
                if lineData.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    diagnostics.error(location, "empty line; JSON Lines needs one record a line")
                    continue
                }
                // The fast readers check UTF-8 as they go, and refuse a key given twice (which the
                // decoder below would read as the last).
                if let readableType, let record = try? lineData.withUnsafeBytes({ bytes in
                    try JSONReader.read(bytes) { try readableType.init(reader: &$0) }
                }) {
                    if let remembering, let remembered = record as? any LineRemembering {
                        let hash = lineData.withUnsafeBytes(WrittenLine.hash)
                        remembered.rememberWritten(WrittenLine(slot: remembering.slot, offset: remembering.offset + lines[index].lowerBound,
                                                               length: lines[index].count, hash: hash))
                    }
                    records.append(record as! T)
                    continue
                }
                if let recordType {
                    let parsed: JSONValue?
                    do {
                        parsed = try JSONValue.parse(lineData)
                    } catch let error as JSONValue.ParseError where error.duplicateKey != nil {
                        diagnostics.error(location.with(field: error.duplicateKey ?? ""), "the key appears twice in one object")
                        continue
                    } catch {
                        parsed = nil
                    }
                    if let parsed, let record = try? recordType.init(json: parsed) {
                        records.append(record as! T)
                        continue
                    }
                }
                guard String(validating: lineData, as: UTF8.self) != nil else {
                    diagnostics.error(location, "not valid UTF-8")
                    continue
                }
                do {
                    records.append(try decoder.decode(T.self, from: Data(lineData)))
                } catch let error as DecodingError {
                    diagnostics.append(InputError(location, error))
                }
            }
            return (records, diagnostics.errors)
        }
        return (chunks.flatMap(\.records), chunks.flatMap(\.errors), lines.count)
    }

    /// Reads a JSON Lines file `block` bytes at a time (32 MiB), whole lines decoded as they
    /// come, so that the file's text is never held whole beside its records.
    ///
    /// `linesAreWritten` says the file is one this program wrote, as it wrote it (a stage's
    /// output the runner found as its record says): each of its lines is what encoding the record
    /// read from it gives, so items are marked with their lines there, as if just written, and
    /// a stage passing them on unchanged copies the lines (or the whole file) instead of
    /// encoding them again.
    public static func read<T: Decodable & Sendable>(_ type: T.Type, from url: URL, displayName: String? = nil,
                                                     linesAreWritten: Bool = false, block: Int = 1 << 25) throws -> [T] {
        var records: [T] = []
        try read(type, from: url, displayName: displayName, linesAreWritten: linesAreWritten, block: block) { records += $0 }
        return records
    }

    /// Reads a JSON Lines file as `read` does, giving `body` the records of each block's whole
    /// lines as they are decoded, so that a caller keeping a little of each record never holds
    /// them all. Throws every bad line's problem once the file is read.
    public static func read<T: Decodable & Sendable>(_ type: T.Type, from url: URL, displayName: String? = nil,
                                                     linesAreWritten: Bool = false, block: Int = 1 << 25,
                                                     each body: ([T]) throws -> Void) throws {
        let name = displayName ?? url.path
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw InputError(file: name, "cannot read: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var errors: [InputError] = []
        var firstLine = 1
        let slot = linesAreWritten && T.self is any LineRemembering.Type ? WrittenFiles.reserve() : nil
        var offset = 0
        func decode(_ lines: Data) throws {
            let decoded = try decodeLines(type, from: lines, file: name, firstLine: firstLine, remembering: slot.map { ($0, offset) })
            try body(decoded.records)
            errors += decoded.errors
            firstLine += decoded.lines
            offset += lines.count
        }
        // One buffer for the whole file, the unfinished line at its start moved there before the
        // next block is read after it: a fresh block each time, and the lines gathered in another,
        // made the kernel zero 1.4 times the file in new pages (a block is too large for malloc
        // to reuse).
        var buffer = Data(count: max(block, 1))
        var held = 0
        while true {
            if held == buffer.count { buffer.count += max(block, 1) }   // a line longer than the buffer
            let read = try buffer.withUnsafeMutableBytes { bytes in
                try handle.fill(UnsafeMutableRawBufferPointer(rebasing: bytes[held...]), file: name)
            }
            if read == 0 { break }
            let end = held + read
            // The lines that are whole so far; the rest waits for the next block.
            guard let lastNewline = buffer[..<end].lastIndex(of: 0x0A) else { held = end; continue }
            try decode(buffer[..<(lastNewline + 1)])
            held = end - (lastNewline + 1)
            buffer.withUnsafeMutableBytes { bytes in _ = memmove(bytes.baseAddress!, bytes.baseAddress! + lastNewline + 1, held) }
        }
        if held > 0 { try decode(buffer[..<held]) }
        try Diagnostics(errors).check()
        if let slot { WrittenFiles.attach(slot, path: url.path, sha256: nil, bytes: offset) }
    }
}

extension InputError {
    /// A decoding error described with the field path it happened at.
    public init(_ location: SourceLocation, _ error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let names = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            return names.isEmpty ? nil : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        var location = location
        let message: String
        switch error {
        case .typeMismatch(let type, let context):
            location.field = path(context.codingPath)
            message = "wrong type: expected \(Self.typeName(type))"
        case .valueNotFound(let type, let context):
            location.field = path(context.codingPath)
            message = "missing value: expected \(Self.typeName(type))"
        case .keyNotFound(let key, let context):
            location.field = path(context.codingPath + [key])
            message = "missing required field"
        case .dataCorrupted(let context):
            location.field = path(context.codingPath)
            if context.codingPath.isEmpty {
                let underlying = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                message = "malformed JSON: \(underlying)"
            } else {
                message = "invalid value: \(context.debugDescription)"
            }
        @unknown default:
            message = "\(error)"
        }
        self.init(location, message)
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".lowercased()
        }
    }
}
