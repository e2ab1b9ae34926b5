import Foundation
internal import CLibXML2

// libxml2's reader runs on a thread of its own and encodes each node it reads into chunks of
// bytes, which the calling thread decodes into events for its handler. Reading a textbook is
// about half parsing and half what the handler makes of it (strings, ids, items), so the two
// halves overlap instead of taking turns. At most `XMLEventPipe.capacity` chunks wait at a
// time, so memory stays bounded whatever the file's size.

/// Chunks of encoded events from the parsing thread to the reading thread, then how the
/// parse ended.
final class XMLEventPipe: @unchecked Sendable {
    /// Chunks that may wait to be read; the parser blocks when they are all full.
    static let capacity = 4
    /// A chunk is handed over once it holds this many bytes. Large, because waking a waiting
    /// thread is dear on a virtual machine.
    static let chunkBytes = 256 << 10

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var chunks: [XMLEventChunk] = []
    private var finished = false
    private var cancelled = false
    private var outcome: (any Error)?
    private var cdata = 0
    // Whether a thread is waiting, so that the other signals only then.
    private var readerWaits = false
    private var parserWaits = false

    /// Hands a chunk to the reading thread, waiting while the pipe is full; false once the
    /// reading thread has stopped, so the parser stops too.
    func push(_ chunk: XMLEventChunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.capacity, !cancelled {
            parserWaits = true
            condition.wait()
            parserWaits = false
        }
        guard !cancelled else { return false }
        chunks.append(chunk)
        if readerWaits { condition.broadcast() }
        return true
    }

    /// The parser's last call: the remaining events and the error that ended the parse, if any.
    /// After it the parser no longer touches libxml2's reader.
    func finish(_ last: XMLEventChunk, failure: (any Error)?, cdataSections: Int) {
        condition.lock()
        defer { condition.unlock() }
        if last.count > 0, !cancelled { chunks.append(last) }
        outcome = failure
        cdata = cdataSections
        finished = true
        condition.broadcast()
    }

    /// The next chunk, waiting for the parser; nil once every chunk has been read.
    func next() -> XMLEventChunk? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, !finished {
            readerWaits = true
            condition.wait()
            readerWaits = false
        }
        guard !chunks.isEmpty else { return nil }
        if parserWaits { condition.broadcast() }
        return chunks.removeFirst()
    }

    /// The error that ended the parse; read after `next()` has returned nil.
    var failure: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return outcome
    }

    /// Tells the parser to stop at its next chunk.
    /// CDATA sections the parser read (its text is reported as any other).
    var cdataSections: Int {
        condition.lock()
        defer { condition.unlock() }
        return cdata
    }

    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        chunks.removeAll()
        condition.broadcast()
    }

    func waitUntilFinished() {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
    }
}

/// Collects libxml2's structured errors for one read. Used on the parsing thread only: the
/// reading thread gets the error the parse ended with through the pipe.
final class XMLErrorLog: @unchecked Sendable {
    let file: String
    private(set) var errors: [XMLReadError] = []
    private(set) var fatal: XMLReadError?

    init(file: String) { self.file = file }

    func record(_ error: xmlError) {
        guard error.level.rawValue >= XML_ERR_ERROR.rawValue, errors.count < 1000 else { return }
        var message = (error.message.map { String(cString: $0) } ?? "malformed XML").trimmingCharacters(in: .whitespacesAndNewlines)
        let isValidity = error.domain == Int32(XML_FROM_SCHEMASV.rawValue) || error.domain == Int32(XML_FROM_VALID.rawValue)
        if error.domain == Int32(XML_FROM_SCHEMASV.rawValue) { message = XMLSchemaMessage.plain(message) }
        let line = Int(error.line), column = Int(error.int2)
        let failure = XMLReadError(file: file, line: line > 0 ? line : nil, column: column > 0 ? column : nil, message: message)
        errors.append(failure)
        if !isValidity, fatal == nil { fatal = failure }
    }

    /// The error to throw: the fatal one, or every validity error collected.
    func thrown(_ fatal: XMLReadError?) -> any Error {
        if let fatal { return fatal }
        return errors.count == 1 ? errors[0] : XMLReadErrors(errors: errors)
    }
}

/// The parsing thread: reads every node with libxml2, applies the limits and refusals, and
/// encodes what the reading thread needs. It borrows `reader`, which the reading thread
/// frees only after `finish`.
struct XMLEventProducer: @unchecked Sendable {
    let reader: xmlTextReaderPtr
    let limits: XMLLimits
    let errors: XMLErrorLog
    let pipe: XMLEventPipe

    func start() {
        let thread = Thread { [self] in
            cxml_silence_generic_errors()
            var writer = XMLEventWriter(), cdataSections = 0
            let failure = produce(&writer, cdataSections: &cdataSections)
            pipe.finish(writer.chunk, failure: failure, cdataSections: cdataSections)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func failure(_ message: String) -> XMLReadError {
        XMLReadError(file: errors.file, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                     column: Int(xmlTextReaderGetParserColumnNumber(reader)), message: message)
    }

    /// Reads to the end or the first error, which it returns.
    private func produce(_ writer: inout XMLEventWriter, cdataSections: inout Int) -> (any Error)? {
        var namespaces = NamespaceMemo()
        while true {
            let status = xmlTextReaderRead(reader)
            // A well-formedness error stops the read; validity errors are collected until the end.
            if let fatal = errors.fatal { return errors.thrown(fatal) }
            if status == 0 { break }
            if status < 0 { return errors.errors.isEmpty ? failure("malformed XML") : errors.thrown(nil) }

            let depth = Int(xmlTextReaderDepth(reader))
            if depth > limits.maxDepth {
                return failure("elements nested deeper than \(limits.maxDepth) levels")
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let line = Int(xmlGetLineNo(xmlTextReaderCurrentNode(reader)))
                let attributes = xmlTextReaderHasAttributes(reader) == 1 ? Int(xmlTextReaderAttributeCount(reader)) : 0
                let countOffset = writer.start(isEmpty: xmlTextReaderIsEmptyElement(reader) == 1, depth: depth,
                                               line: line > 0 ? line : Int(xmlTextReaderGetParserLineNumber(reader)),
                                               name: xmlTextReaderConstLocalName(reader), namespace: namespaces.uri(of: reader))
                if attributes > 0 {
                    var written = 0
                    while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                        if xmlTextReaderIsNamespaceDecl(reader) == 1 { continue }
                        writer.attribute(name: xmlTextReaderConstName(reader), value: xmlTextReaderConstValue(reader))
                        written += 1
                    }
                    xmlTextReaderMoveToElement(reader)
                    writer.setAttributeCount(written, at: countOffset)
                }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                writer.end()
            case Int32(XML_READER_TYPE_TEXT.rawValue):
                writer.text(.text, xmlTextReaderConstValue(reader))
            case Int32(XML_READER_TYPE_CDATA.rawValue):
                cdataSections += 1
                writer.text(.text, xmlTextReaderConstValue(reader))
            case Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                writer.layout()
            case Int32(XML_READER_TYPE_COMMENT.rawValue):
                writer.text(.comment, xmlTextReaderConstValue(reader))
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                let name = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
                return failure("entity reference &\(name); is not expanded: custom and external entities are refused")
            default:
                break
            }
            if writer.chunk.count >= XMLEventPipe.chunkBytes {
                guard pipe.push(writer.take()) else { return nil }
            }
        }
        return errors.errors.isEmpty ? nil : errors.thrown(nil)
    }
}

/// An element's namespace URI as libxml2's interned string. `xmlTextReaderConstNamespaceUri`
/// looks the URI up in the dictionary for every element; documents use one or two namespaces,
/// so the last one found is tried first, by its text.
struct NamespaceMemo {
    private var last: UnsafePointer<xmlChar>?

    mutating func uri(of reader: xmlTextReaderPtr) -> UnsafePointer<xmlChar>? {
        guard let href = xmlTextReaderCurrentNode(reader)?.pointee.ns?.pointee.href else { return nil }
        if let last, xmlStrEqual(href, last) == 1 { return last }
        last = xmlTextReaderConstNamespaceUri(reader)
        return last
    }
}

/// What a chunk holds, event after event: a kind byte, then its fields as machine words.
/// Names are libxml2's interned pointers (valid while the reader lives); text is copied.
enum XMLEventKind: UInt8 {
    /// isEmpty (byte), depth, line, name, namespace (0 for none), attribute count; then per
    /// attribute its qualified name and its value (length, bytes).
    case start = 1
    /// No fields: it ends the innermost open element.
    case end
    /// length, bytes
    case text
    /// White space between elements.
    case layout
    /// length, bytes
    case comment
}

/// Encoded events in memory of their own: handed from thread to thread whole, and written a
/// word at a time (appending to an `[UInt8]` cost the parsing thread a sixth of its time).
final class XMLEventChunk: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = XMLEventPipe.chunkBytes + 16 << 10) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    @inline(__always)
    private func reserve(_ extra: Int) {
        if count + extra > capacity { grow(extra) }
    }

    private func grow(_ extra: Int) {
        capacity = max(2 * capacity, count + extra)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
    }

    func append(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    func append(word: Int) {
        reserve(MemoryLayout<Int>.size)
        base.storeBytes(of: word, toByteOffset: count, as: Int.self)
        count += MemoryLayout<Int>.size
    }

    func append(_ bytes: UnsafeRawPointer, count length: Int) {
        reserve(length)
        (base + count).copyMemory(from: bytes, byteCount: length)
        count += length
    }

    func set(word: Int, at offset: Int) {
        base.storeBytes(of: word, toByteOffset: offset, as: Int.self)
    }

    func byte(at offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    func word(at offset: Int) -> Int { base.loadUnaligned(fromByteOffset: offset, as: Int.self) }

    /// The bytes in `range`, valid while the chunk lives.
    subscript(range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + range.lowerBound, count: range.count)
    }
}

struct XMLEventWriter {
    private(set) var chunk = XMLEventChunk()

    /// The chunk so far, leaving the writer a new one.
    mutating func take() -> XMLEventChunk {
        defer { chunk = XMLEventChunk() }
        return chunk
    }

    private func pointer(_ pointer: UnsafePointer<xmlChar>?) {
        chunk.append(word: Int(bitPattern: pointer))
    }

    private func string(_ pointer: UnsafePointer<xmlChar>?) {
        guard let pointer else { return chunk.append(word: 0) }
        let count = strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
        chunk.append(word: count)
        chunk.append(pointer, count: count)
    }

    /// Returns where the attribute count is, to be set once the attributes are written.
    func start(isEmpty: Bool, depth: Int, line: Int, name: UnsafePointer<xmlChar>?, namespace: UnsafePointer<xmlChar>?) -> Int {
        chunk.append(byte: XMLEventKind.start.rawValue)
        chunk.append(byte: isEmpty ? 1 : 0)
        chunk.append(word: depth)
        chunk.append(word: line)
        pointer(name)
        pointer(namespace)
        let countOffset = chunk.count
        chunk.append(word: 0)
        return countOffset
    }

    func attribute(name: UnsafePointer<xmlChar>?, value: UnsafePointer<xmlChar>?) {
        pointer(name)
        string(value)
    }

    func setAttributeCount(_ count: Int, at offset: Int) {
        chunk.set(word: count, at: offset)
    }

    func end() {
        chunk.append(byte: XMLEventKind.end.rawValue)
    }

    func text(_ kind: XMLEventKind, _ value: UnsafePointer<xmlChar>?) {
        chunk.append(byte: kind.rawValue)
        string(value)
    }

    func layout() {
        chunk.append(byte: XMLEventKind.layout.rawValue)
    }
}

/// Reads the events of one chunk back; text and attribute values are ranges of the chunk.
struct XMLEventDecoder {
    struct Start {
        var isEmpty: Bool
        var depth: Int
        var line: Int
        var name: UnsafePointer<xmlChar>?
        var namespace: UnsafePointer<xmlChar>?
        var attributeCount: Int
        /// Where the first attribute is in the chunk.
        var attributesOffset: Int
    }

    enum Event {
        case start(Start)
        case end
        case text(Range<Int>)
        case layout
        case comment(Range<Int>)
    }

    private let chunk: XMLEventChunk
    private var offset = 0

    init(_ chunk: XMLEventChunk) { self.chunk = chunk }

    private mutating func word() -> Int {
        defer { offset += MemoryLayout<Int>.size }
        return chunk.word(at: offset)
    }

    private mutating func name() -> UnsafePointer<xmlChar>? {
        UnsafePointer(bitPattern: word())
    }

    private mutating func string() -> Range<Int> {
        let count = word()
        defer { offset += count }
        return offset..<offset + count
    }

    mutating func next() -> Event? {
        guard offset < chunk.count, let kind = XMLEventKind(rawValue: chunk.byte(at: offset)) else { return nil }
        offset += 1
        switch kind {
        case .start:
            let isEmpty = chunk.byte(at: offset) == 1
            offset += 1
            let depth = word(), line = word()
            let name = self.name(), namespace = self.name()
            let count = word()
            let start = Start(isEmpty: isEmpty, depth: depth, line: line, name: name, namespace: namespace,
                              attributeCount: count, attributesOffset: offset)
            for _ in 0..<count {
                offset += MemoryLayout<Int>.size
                _ = string()
            }
            return .start(start)
        case .end:
            return .end
        case .text:
            return .text(string())
        case .layout:
            return .layout
        case .comment:
            return .comment(string())
        }
    }

    /// Calls `body` with each attribute's qualified name and the range of its value.
    func forEachAttribute(of start: Start, _ body: (UnsafePointer<xmlChar>?, Range<Int>) -> Void) {
        var decoder = self
        decoder.offset = start.attributesOffset
        for _ in 0..<start.attributeCount {
            let name = decoder.name()
            body(name, decoder.string())
        }
    }
}
