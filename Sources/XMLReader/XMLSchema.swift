import Foundation
internal import CLibXML2

/// A compiled W3C XML Schema (XSD), for validating documents while they stream.
/// Owns a libxml2 pointer, freed in `deinit`; not `Sendable`: compile one per task.
public final class XMLSchema {
    let pointer: xmlSchemaPtr
    public let name: String

    /// Compiles the schema text; `name` names it in errors. A schema that includes, imports or
    /// redefines another by `schemaLocation` is refused: nothing is fetched from the network or
    /// read from another file (libxml2's entity loader loads nothing; see `LibXML2Setup`).
    public init(text: String, name: String) throws {
        self.name = name
        LibXML2Setup.once
        cxml_silence_generic_errors()
        if case .entity(let line)? = DeclaredEntities.find(in: Data(text.utf8), complete: true) {
            throw XMLReadError(file: name, line: line, column: nil, message: "the schema declares an entity (<!ENTITY …>); entities are not read")
        }
        if let reference = Self.externalReference(in: text) {
            throw XMLReadError(file: name, line: reference.line, column: nil,
                               message: "the schema refers to '\(XMLSchemaMessage.shortened(reference.location))' (xs:\(reference.element)); nothing outside the schema file is read, so put everything in one file")
        }
        let bytes = Array(text.utf8)
        let errors = SchemaErrors()
        let compiled: xmlSchemaPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { start in
                guard let context = xmlSchemaNewMemParserCtxt(start, Int32(buffer.count)) else { return nil }
                defer { xmlSchemaFreeParserCtxt(context) }
                xmlSchemaSetParserStructuredErrors(context, { box, error in
                    guard let box, let error else { return }
                    let message = error.pointee.message.map { String(cString: $0) } ?? "invalid schema"
                    Unmanaged<SchemaErrors>.fromOpaque(box).takeUnretainedValue().messages
                        .append("line \(error.pointee.line): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
                }, Unmanaged.passUnretained(errors).toOpaque())
                return xmlSchemaParse(context)
            }
        }
        guard let compiled else {
            throw XMLReadError(file: name, line: nil, column: nil,
                               message: "not a valid XML Schema: " + (errors.messages.first ?? "unknown error"))
        }
        pointer = compiled
    }

    deinit {
        xmlSchemaFree(pointer)
    }

    /// The first `include`, `import`, `redefine` or `override` element that names a schemaLocation.
    static func externalReference(in text: String) -> (element: String, location: String, line: Int)? {
        let pattern = /<(?:[A-Za-z_][\w.-]*:)?(include|import|redefine|override)\b[^>]*?\bschemaLocation\s*=\s*(?:"([^"]*)"|'([^']*)')/
        guard let match = text.firstMatch(of: pattern) else { return nil }
        let line = text[..<match.range.lowerBound].reduce(1) { $0 + ($1 == "\n" ? 1 : 0) }
        return (String(match.1), String(match.2 ?? match.3 ?? ""), line)
    }
}

private final class SchemaErrors {
    var messages: [String] = []
}
