import Foundation
import Testing
@testable import XMLReader
import CLibXML2

/// Inputs that would make libxml2 read more than the file, or read outside it.
@Suite struct HostileXMLTests {
    @Test func aCompressedDocumentIsRefusedNotUnpackedBehindTheSizeLimit() throws {
        // 64 KB of gzip that unpacks to 64 MB of well-formed XML: libxml2 unpacks a file it
        // opens by name, and the size limit counted the bytes on disk.
        let body = "<d>" + String(repeating: "<p>" + String(repeating: "x", count: 1_000) + "</p>", count: 64_000) + "</d>"
        let gzip = try Self.gzip(Data(body.utf8))
        #expect(gzip.count < 1 << 20)
        let start = Date(), before = Self.peakKilobytes()
        let error = try #require(try readError(gzip, limits: XMLLimits(maxInputBytes: 1 << 20)))
        #expect(error.message == "the file is gzip-compressed; decompress it first (compressed input is not read, so the size limit counts what is parsed)")
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(Self.peakKilobytes() - before < 32_000, "nothing was unpacked")
        // Bytes that only look compressed after the first are parsed as they are: no unpacking.
        var prefixed = Data(" ".utf8)
        prefixed.append(gzip)
        let unread = try #require(try readError(prefixed, limits: XMLLimits(maxInputBytes: 1 << 20)))
        #expect(!unread.message.contains("compressed"))
    }

    @Test(arguments: [
        ("<xs:import namespace=\"urn:x\" schemaLocation=\"http://127.0.0.1:9/x.xsd\"/>", "import", "http://127.0.0.1:9/x.xsd"),
        ("<xs:include schemaLocation='../../../../etc/passwd'/>", "include", "../../../../etc/passwd"),
        ("<xsd:redefine\n   schemaLocation=\"other.xsd\"></xsd:redefine>", "redefine", "other.xsd"),
    ])
    func aSchemaThatReachesForAnotherFileIsRefusedBeforeItIsCompiled(element: String, kind: String, location: String) throws {
        let schema = """
        <?xml version="1.0"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
          \(element)
          <xs:element name="d" type="xs:string"/>
        </xs:schema>
        """
        #expect(throws: XMLReadError(file: "s.xsd", line: 3, column: nil,
                                     message: "the schema refers to '\(location)' (xs:\(kind)); nothing outside the schema file is read, so put everything in one file")) {
            try XMLSchema(text: schema, name: "s.xsd")
        }
    }

    @Test func theEntityLoaderLoadsNothingEvenWhenLibXML2AsksForIt() throws {
        // A namespace import without a location compiles from the schema's own text.
        _ = try XMLSchema(text: """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
              <xs:import namespace="http://www.w3.org/XML/1998/namespace"/>
              <xs:element name="d" type="xs:string"/>
            </xs:schema>
            """, name: "s.xsd")
        // libxml2's own loader reads an existing local file; the one installed reads nothing.
        let file = try TemporaryXML("<!ELEMENT d ANY>")
        defer { file.remove() }
        LibXML2Setup.once
        let context = try #require(xmlNewParserCtxt())
        defer { xmlFreeParserCtxt(context) }
        for url in [file.url.path, file.url.absoluteString, "http://127.0.0.1:9/d.dtd"] {
            #expect(xmlLoadExternalEntity(url, nil, context) == nil, "\(url) was loaded")
        }
    }

    @Test func aSchemaThatDeclaresAnEntityIsRefused() throws {
        let schema = """
        <?xml version="1.0"?>
        <!DOCTYPE xs:schema [<!ENTITY e "x">]>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="d" type="xs:string"/></xs:schema>
        """
        #expect(throws: XMLReadError(file: "s.xsd", line: 2, column: nil, message: "the schema declares an entity (<!ENTITY …>); entities are not read")) {
            try XMLSchema(text: schema, name: "s.xsd")
        }
    }

    static func peakKilobytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").compactMap { Int($0) }.first ?? 0
    }

    static func gzip(_ data: Data) throws -> Data {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("d.xml")
        try data.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-9", file.path]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: file.appendingPathExtension("gz"))
    }
}
