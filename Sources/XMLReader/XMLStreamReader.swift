public import Foundation
internal import CLibXML2

/// Limits that keep a hostile or broken file from taking unbounded time or memory.
public struct XMLLimits: Sendable {
    /// Largest file accepted, in bytes.
    public var maxInputBytes: Int
    /// Deepest element nesting accepted.
    public var maxDepth: Int

    public init(maxInputBytes: Int = 256 << 20, maxDepth: Int = 128) {
        self.maxInputBytes = maxInputBytes
        self.maxDepth = maxDepth
    }
}

/// A problem reading an XML file: malformed, hostile, or over a limit.
public struct XMLReadError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int?, column: Int?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(message)"
    }
}

/// An element's start, as the stream reader reports it.
public struct XMLStartElement: Sendable {
    public var name: String
    public var namespace: String?
    /// Attributes by qualified name (`id`, `xml:lang`); namespace declarations are left out.
    public var attributes: XMLAttributes
    public var line: Int
    public var depth: Int
}

/// Several problems found in one file (schema validity errors are all collected).
public struct XMLReadErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [XMLReadError]

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// What the stream reader reports. A white-space-only text node between elements is reported as
/// a single space.
public enum XMLEvent: Sendable {
    case start(XMLStartElement)
    case end(name: String, namespace: String?)
    case text(String)
    case comment(String)
}

/// A streaming XML reader over libxml2's `xmlTextReader`: memory stays bounded by the deepest
/// open element and the few chunks of events in flight between its two threads, not the file.
/// It never reads the network, never loads external DTDs or entities, refuses entity references
/// outright, and stops an entity-expansion loop at once.
public struct XMLStreamReader: Sendable {
    public var limits: XMLLimits

    public init(limits: XMLLimits = XMLLimits()) {
        self.limits = limits
        LibXML2Setup.once
    }

    /// What the reader does after a start event.
    public enum Continuation: Sendable {
        /// Report the element's content event by event.
        case events
        /// Gather the element's text (text and CDATA in document order, a space for each run of
        /// layout white space, nothing for tags and comments) and report it as one `.text`
        /// event, then its `.end`: much cheaper for paragraphs and titles than their events.
        case text
    }

    /// Whether the document at `url` may declare a document type: a `<!DOCTYPE` before its root
    /// element, no root within its first megabyte, or a file that cannot be read. A DTD can give
    /// attributes defaults that a schema check sees and the reader does not report.
    public static func mayDeclareDocumentType(fileAt url: URL) -> Bool {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        return DeclaredEntities.mayDeclareDocumentType(in: DeclaredEntities.start(descriptor: descriptor))
    }

    /// Reads `url`, passing each event to `handler`. `displayName` names the file in errors.
    /// With a `schema`, the document is validated against it while it streams; every validity
    /// error is collected and thrown at the end.
    @discardableResult
    public func read(fileAt url: URL, displayName: String, schema: XMLSchema? = nil,
                     _ handler: (XMLEvent) throws -> Void) throws -> XMLReadSummary {
        try readGatheringText(fileAt: url, displayName: displayName, schema: schema) { event in
            try handler(event)
            return .events
        }
    }

    /// Reads `url` like `read(fileAt:displayName:schema:_:)`; after a start event, `handler`
    /// says whether to report the element's content as events or as its gathered text.
    ///
    /// libxml2 parses on a second thread, a few chunks of encoded events ahead of `handler`
    /// (see `XMLEventPipe`), so that parsing and what the handler makes of the events overlap.
    /// Events, errors and their order are as if it all ran on the calling thread.
    @discardableResult
    public func readGatheringText(fileAt url: URL, displayName: String, schema: XMLSchema? = nil,
                     _ handler: (XMLEvent) throws -> Continuation) throws -> XMLReadSummary {
        // One descriptor for the size, the prolog scan and the parse, so that all three see the
        // same file; and libxml2 reads it as it is, since it unpacks gzip and xz only when it
        // opens the file by name (so bytes parsed are the bytes the size limit counted).
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot open the file")
        }
        // Declared before the reader's clean-up, so it runs after it.
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot read the file")
        }
        let size = Int(status.st_size)
        if size > limits.maxInputBytes {
            throw XMLReadError(file: displayName, line: nil, column: nil,
                               message: "file is \(size) bytes, over the limit of \(limits.maxInputBytes)")
        }
        switch DeclaredEntities.find(descriptor: descriptor) {
        case .entity(let line)?:
            throw XMLReadError(file: displayName, line: line, column: nil,
                               message: "the document declares an entity (<!ENTITY …>); entities are not read, so write the text itself")
        case .prologTooLong?:
            throw XMLReadError(file: displayName, line: nil, column: nil,
                               message: "the document type declaration runs past \(DeclaredEntities.prologLimit) bytes")
        case .compressed(let format)?:
            throw XMLReadError(file: displayName, line: nil, column: nil,
                               message: "the file is \(format)-compressed; decompress it first (compressed input is not read, so the size limit counts what is parsed)")
        case nil: break
        }
        // Safe options only: no network, no entity substitution (NOENT would read file:// entities),
        // no DTD loading, no HUGE (it lifts the entity-loop guard); errors are collected, not printed.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let reader = xmlReaderForFd(descriptor, url.absoluteString, nil, options) else {
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot open the file")
        }
        let errors = XMLErrorLog(file: displayName)
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            Unmanaged<XMLErrorLog>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
        }, Unmanaged.passUnretained(errors).toOpaque())
        if let schema, xmlTextReaderSetSchema(reader, schema.pointer) != 0 {
            xmlFreeTextReader(reader)
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot attach the schema \(schema.name)")
        }

        let pipe = XMLEventPipe()
        XMLEventProducer(reader: reader, limits: limits, errors: errors, pipe: pipe).start()
        // The parsing thread is stopped and finished with the reader before it is freed,
        // whether the events ran out or `handler` threw.
        defer {
            pipe.cancel()
            pipe.waitUntilFinished()
            withExtendedLifetime((errors, schema)) { xmlFreeTextReader(reader) }
        }

        var names = NameCache()
        var gathered: [UInt8] = []
        // Open elements, innermost last (end events name none); whether the innermost one's
        // text is being gathered, and how deep inside it the reader is.
        var open: [(name: String, namespace: String?)] = []
        var gathering = false
        var nesting = 0
        while let chunk = pipe.next() {
            var events = XMLEventDecoder(chunk)
            while let event = events.next() {
                switch event {
                case .start(let element):
                    if gathering {
                        if !element.isEmpty { nesting += 1 }
                        continue
                    }
                    let name = names.name(element.name), namespace = element.namespace.map { names.name($0) }
                    var attributes: [XMLAttributes.Attribute] = []
                    if element.attributeCount > 0 {
                        attributes.reserveCapacity(element.attributeCount)
                        events.forEachAttribute(of: element) { name, value in
                            attributes.append(XMLAttributes.Attribute(name: names.name(name), value: String(decoding: chunk[value], as: UTF8.self)))
                        }
                    }
                    let continuation = try handler(.start(XMLStartElement(name: name, namespace: namespace,
                                                                          attributes: XMLAttributes(attributes),
                                                                          line: element.line, depth: element.depth)))
                    if element.isEmpty {
                        if continuation == .text { _ = try handler(.text("")) }
                        _ = try handler(.end(name: name, namespace: namespace))
                    } else {
                        open.append((name, namespace))
                        if continuation == .text {
                            gathering = true
                            nesting = 0
                            gathered.removeAll(keepingCapacity: true)
                        }
                    }
                case .end:
                    if gathering {
                        if nesting > 0 {
                            nesting -= 1
                            continue
                        }
                        gathering = false
                        _ = try handler(.text(String(decoding: gathered, as: UTF8.self)))
                    }
                    // libxml2 reports no end without its start.
                    guard let element = open.popLast() else { continue }
                    _ = try handler(.end(name: element.name, namespace: element.namespace))
                case .text(let range):
                    if gathering {
                        gathered.append(contentsOf: chunk[range])
                    } else {
                        _ = try handler(.text(String(decoding: chunk[range], as: UTF8.self)))
                    }
                case .layout:
                    // Layout between elements: readers fold white space, so one space stands for it
                    // (and no string is made for each indentation run).
                    if gathering { gathered.append(0x20) } else { _ = try handler(.text(" ")) }
                case .comment(let range):
                    if !gathering { _ = try handler(.comment(String(decoding: chunk[range], as: UTF8.self))) }
                }
            }
        }
        if let failure = pipe.failure { throw failure }
        return XMLReadSummary(cdataSections: pipe.cdataSections)
    }
}

/// What a read saw besides its events.
public struct XMLReadSummary: Sendable {
    /// CDATA sections, whose text is reported as other text is: a schema may tell them from
    /// the white space between elements, which is reported as text too.
    public var cdataSections: Int
}

/// Element and attribute names are interned by libxml2 (one pointer per distinct name), so each
/// is turned into a Swift string once per read rather than once per element. A small
/// direct-mapped table keyed by the pointer: documents use a few dozen names, and a miss only
/// costs making the string again.
private struct NameCache {
    private static let slots = 256  // the hash below gives 8 bits
    private var pointers = [UnsafePointer<xmlChar>?](repeating: nil, count: NameCache.slots)
    private var names = [String](repeating: "", count: NameCache.slots)

    mutating func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        // Fibonacci hashing: names sit a few bytes apart in libxml2's dictionary pool.
        let slot = Int(truncatingIfNeeded: (UInt64(UInt(bitPattern: pointer)) &* 0x9E37_79B9_7F4A_7C15) >> 56)
        if pointers[slot] == pointer { return names[slot] }
        let name = String(cString: pointer)
        pointers[slot] = pointer
        names[slot] = name
        return name
    }
}

