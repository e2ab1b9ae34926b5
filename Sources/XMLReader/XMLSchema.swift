internal import CLibXML2

/// A compiled W3C XML Schema (XSD), for validating documents while they stream.
/// Owns a libxml2 pointer, freed in `deinit`; not `Sendable`: compile one per task.
public final class XMLSchema {
    let pointer: xmlSchemaPtr
    public let name: String

    /// Compiles the schema text; `name` names it in errors. External imports and includes are
    /// not fetched over the network.
    public init(text: String, name: String) throws {
        self.name = name
        xmlInitParser()
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
}

private final class SchemaErrors {
    var messages: [String] = []
}
