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
    public var attributes: [String: String]
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
/// open element, not the file. It never reads the network, never loads external DTDs or
/// entities, refuses entity references outright, and stops an entity-expansion loop at once.
public struct XMLStreamReader: Sendable {
    public var limits: XMLLimits

    public init(limits: XMLLimits = XMLLimits()) {
        self.limits = limits
        Self.initializeOnce
    }

    private static let initializeOnce: Void = { xmlInitParser() }()

    /// What the reader does after a start event.
    public enum Continuation: Sendable {
        /// Report the element's content event by event.
        case events
        /// Gather the element's text (text and CDATA in document order, a space for each run of
        /// layout white space, nothing for tags and comments) and report it as one `.text`
        /// event, then its `.end`: much cheaper for paragraphs and titles than their events.
        case text
    }

    /// Reads `url`, passing each event to `handler`. `displayName` names the file in errors.
    /// With a `schema`, the document is validated against it while it streams; every validity
    /// error is collected and thrown at the end.
    public func read(fileAt url: URL, displayName: String, schema: XMLSchema? = nil,
                     _ handler: (XMLEvent) throws -> Void) throws {
        try readGatheringText(fileAt: url, displayName: displayName, schema: schema) { event in
            try handler(event)
            return .events
        }
    }

    /// Reads `url` like `read(fileAt:displayName:schema:_:)`; after a start event, `handler`
    /// says whether to report the element's content as events or as its gathered text.
    public func readGatheringText(fileAt url: URL, displayName: String, schema: XMLSchema? = nil,
                     _ handler: (XMLEvent) throws -> Continuation) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else {
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot read the file")
        }
        if size > limits.maxInputBytes {
            throw XMLReadError(file: displayName, line: nil, column: nil,
                               message: "file is \(size) bytes, over the limit of \(limits.maxInputBytes)")
        }
        // Safe options only: no network, no entity substitution (NOENT would read file:// entities),
        // no DTD loading, no HUGE (it lifts the entity-loop guard); errors are collected, not printed.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let reader = xmlReaderForFile(url.path, nil, options) else {
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot open the file")
        }
        defer { xmlFreeTextReader(reader) }

        let errorBox = ErrorBox(file: displayName)
        let context = Unmanaged.passUnretained(errorBox).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            Unmanaged<ErrorBox>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
        }, context)
        if let schema, xmlTextReaderSetSchema(reader, schema.pointer) != 0 {
            throw XMLReadError(file: displayName, line: nil, column: nil, message: "cannot attach the schema \(schema.name)")
        }

        var names = NameCache()
        var gathered: [UInt8] = []

        func failure(_ message: String) -> XMLReadError {
            XMLReadError(file: displayName, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                         column: Int(xmlTextReaderGetParserColumnNumber(reader)), message: message)
        }

        while true {
            let status = xmlTextReaderRead(reader)
            // A well-formedness error stops the read; validity errors are collected until the end.
            if let fatal = errorBox.fatal { throw errorBox.thrown(fatal) }
            if status == 0 { break }
            if status < 0 { throw errorBox.errors.isEmpty ? failure("malformed XML") : errorBox.thrown(nil) }

            let depth = Int(xmlTextReaderDepth(reader))
            if depth > limits.maxDepth {
                throw failure("elements nested deeper than \(limits.maxDepth) levels")
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let name = names.name(xmlTextReaderConstLocalName(reader))
                let namespace = xmlTextReaderConstNamespaceUri(reader).map { names.name($0) }
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                let line = Int(xmlGetLineNo(xmlTextReaderCurrentNode(reader)))
                var attributes: [String: String] = [:]
                if xmlTextReaderHasAttributes(reader) == 1 {
                    while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                        let qualified = names.name(xmlTextReaderConstName(reader))
                        if qualified == "xmlns" || qualified.hasPrefix("xmlns:") { continue }
                        attributes[qualified] = string(xmlTextReaderConstValue(reader))
                    }
                    xmlTextReaderMoveToElement(reader)
                }
                let continuation = try handler(.start(XMLStartElement(name: name, namespace: namespace, attributes: attributes,
                                                                      line: line > 0 ? line : Int(xmlTextReaderGetParserLineNumber(reader)),
                                                                      depth: depth)))
                if isEmpty {
                    if continuation == .text { _ = try handler(.text("")) }
                    _ = try handler(.end(name: name, namespace: namespace))
                } else if continuation == .text {
                    _ = try handler(.text(try gatherText(reader, depth: depth, into: &gathered, failure: failure, errors: errorBox)))
                    _ = try handler(.end(name: name, namespace: namespace))
                }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                _ = try handler(.end(name: names.name(xmlTextReaderConstLocalName(reader)),
                                 namespace: xmlTextReaderConstNamespaceUri(reader).map { names.name($0) }))
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue):
                _ = try handler(.text(string(xmlTextReaderConstValue(reader))))
            case Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                // Layout between elements: readers fold white space, so one space stands for it
                // (and no string is made for each indentation run).
                _ = try handler(.text(" "))
            case Int32(XML_READER_TYPE_COMMENT.rawValue):
                _ = try handler(.comment(string(xmlTextReaderConstValue(reader))))
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                let name = string(xmlTextReaderConstName(reader))
                throw failure("entity reference &\(name); is not expanded: custom and external entities are refused")
            default:
                break
            }
        }
        if !errorBox.errors.isEmpty { throw errorBox.thrown(nil) }
    }

    /// Reads to the end of the element opened at `depth`, appending its text to `buffer` (reused
    /// between elements), with the same limits and refusals as event reading.
    private func gatherText(_ reader: xmlTextReaderPtr, depth: Int, into buffer: inout [UInt8],
                            failure: (String) -> XMLReadError, errors: ErrorBox) throws -> String {
        buffer.removeAll(keepingCapacity: true)
        while true {
            let status = xmlTextReaderRead(reader)
            if let fatal = errors.fatal { throw errors.thrown(fatal) }
            if status <= 0 { throw errors.errors.isEmpty ? failure("malformed XML") : errors.thrown(nil) }
            let nodeDepth = Int(xmlTextReaderDepth(reader))
            if nodeDepth > limits.maxDepth { throw failure("elements nested deeper than \(limits.maxDepth) levels") }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue):
                if let value = xmlTextReaderConstValue(reader) {
                    buffer.append(contentsOf: UnsafeBufferPointer(start: value, count: strlen(UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))))
                }
            case Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                buffer.append(0x20)
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                throw failure("entity reference &\(string(xmlTextReaderConstName(reader))); is not expanded: custom and external entities are refused")
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue) where nodeDepth == depth:
                return String(decoding: buffer, as: UTF8.self)
            default:
                break
            }
        }
    }

    private func string(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}

/// Element and attribute names are interned by libxml2 (one pointer per distinct name), so each
/// is turned into a Swift string once per read rather than once per element.
private struct NameCache {
    private var names: [UnsafePointer<xmlChar>: String] = [:]

    mutating func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        if let cached = names[pointer] { return cached }
        let name = String(cString: pointer)
        if names.count < 10_000 { names[pointer] = name }
        return name
    }
}

/// Collects libxml2's structured errors for one read.
private final class ErrorBox {
    let file: String
    var errors: [XMLReadError] = []
    var fatal: XMLReadError?

    init(file: String) { self.file = file }

    func record(_ error: xmlError) {
        guard error.level.rawValue >= XML_ERR_ERROR.rawValue, errors.count < 1000 else { return }
        let message = (error.message.map { String(cString: $0) } ?? "malformed XML").trimmingCharacters(in: .whitespacesAndNewlines)
        let line = Int(error.line), column = Int(error.int2)
        let failure = XMLReadError(file: file, line: line > 0 ? line : nil, column: column > 0 ? column : nil, message: message)
        errors.append(failure)
        let isValidity = error.domain == Int32(XML_FROM_SCHEMASV.rawValue) || error.domain == Int32(XML_FROM_VALID.rawValue)
        if !isValidity, fatal == nil { fatal = failure }
    }

    func thrown(_ fatal: XMLReadError?) -> any Error {
        if let fatal { return fatal }
        return errors.count == 1 ? errors[0] : XMLReadErrors(errors: errors)
    }
}
