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

    /// Reads `url`, passing each event to `handler`. `displayName` names the file in errors.
    public func read(fileAt url: URL, displayName: String, _ handler: (XMLEvent) throws -> Void) throws {
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

        let errorBox = ErrorBox()
        let context = Unmanaged.passUnretained(errorBox).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            let box = Unmanaged<ErrorBox>.fromOpaque(context).takeUnretainedValue()
            guard box.first == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let message = error.pointee.message.map { String(cString: $0) } ?? "malformed XML"
            box.first = (message.trimmingCharacters(in: .whitespacesAndNewlines), Int(error.pointee.line), Int(error.pointee.int2))
        }, context)

        func failure(_ message: String) -> XMLReadError {
            XMLReadError(file: displayName, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                         column: Int(xmlTextReaderGetParserColumnNumber(reader)), message: message)
        }

        while true {
            let status = xmlTextReaderRead(reader)
            if let first = errorBox.first {
                throw XMLReadError(file: displayName, line: first.line > 0 ? first.line : nil,
                                   column: first.column > 0 ? first.column : nil, message: first.message)
            }
            if status == 0 { break }
            if status < 0 { throw failure("malformed XML") }

            let depth = Int(xmlTextReaderDepth(reader))
            if depth > limits.maxDepth {
                throw failure("elements nested deeper than \(limits.maxDepth) levels")
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let name = string(xmlTextReaderConstLocalName(reader))
                let namespace = xmlTextReaderConstNamespaceUri(reader).map { String(cString: $0) }
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                let line = Int(xmlGetLineNo(xmlTextReaderCurrentNode(reader)))
                var attributes: [String: String] = [:]
                if xmlTextReaderHasAttributes(reader) == 1 {
                    while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                        let qualified = string(xmlTextReaderConstName(reader))
                        if qualified == "xmlns" || qualified.hasPrefix("xmlns:") { continue }
                        attributes[qualified] = string(xmlTextReaderConstValue(reader))
                    }
                    xmlTextReaderMoveToElement(reader)
                }
                try handler(.start(XMLStartElement(name: name, namespace: namespace, attributes: attributes,
                                                   line: line > 0 ? line : Int(xmlTextReaderGetParserLineNumber(reader)),
                                                   depth: depth)))
                if isEmpty { try handler(.end(name: name, namespace: namespace)) }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                try handler(.end(name: string(xmlTextReaderConstLocalName(reader)),
                                 namespace: xmlTextReaderConstNamespaceUri(reader).map { String(cString: $0) }))
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                 Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                try handler(.text(string(xmlTextReaderConstValue(reader))))
            case Int32(XML_READER_TYPE_COMMENT.rawValue):
                try handler(.comment(string(xmlTextReaderConstValue(reader))))
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                let name = string(xmlTextReaderConstName(reader))
                throw failure("entity reference &\(name); is not expanded: custom and external entities are refused")
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

private final class ErrorBox {
    var first: (message: String, line: Int, column: Int)?
}
