import Foundation
import Testing
@testable import XMLReader

/// Writes `text` (or bytes) to a temporary file for one test.
struct TemporaryXML {
    let url: URL

    init(_ text: String) throws { try self.init(Data(text.utf8)) }

    init(_ data: Data) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("xml-\(UUID().uuidString).xml")
        try data.write(to: url)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

func events(_ text: String, limits: XMLLimits = XMLLimits()) throws -> [XMLEvent] {
    let file = try TemporaryXML(text)
    defer { file.remove() }
    var collected: [XMLEvent] = []
    try XMLStreamReader(limits: limits).read(fileAt: file.url, displayName: "test.xml") { collected.append($0) }
    return collected
}

func readError(_ data: Data, limits: XMLLimits = XMLLimits()) throws -> XMLReadError? {
    let file = try TemporaryXML(data)
    defer { file.remove() }
    do {
        try XMLStreamReader(limits: limits).read(fileAt: file.url, displayName: "test.xml") { _ in }
        return nil
    } catch let error as XMLReadError {
        return error
    }
}

@Suite struct XMLStreamReaderTests {
    @Test func reportsElementsAttributesTextAndLines() throws {
        let collected = try events("<doc xmlns=\"urn:x\" xml:lang=\"ko\">\n  <p id=\"a\">한글 <b>굵게</b></p>\n  <!-- note --><e/>\n</doc>")
        guard case .start(let doc) = collected[0] else { Issue.record("expected a start"); return }
        #expect(doc.name == "doc")
        #expect(doc.namespace == "urn:x")
        #expect(doc.attributes == ["xml:lang": "ko"])
        let starts = collected.compactMap { if case .start(let s) = $0 { return s } else { return nil } }
        #expect(starts.map(\.name) == ["doc", "p", "b", "e"])
        #expect(starts.map(\.line) == [1, 2, 2, 3])
        #expect(starts[1].attributes["id"] == "a")
        let comments = collected.compactMap { if case .comment(let c) = $0 { return c } else { return nil } }
        #expect(comments == [" note "])
        let ends = collected.compactMap { if case .end(let name, _) = $0 { return name } else { return nil } }
        #expect(ends == ["b", "p", "e", "doc"])
    }

    @Test func subtreeBuilderCollectsNestedText() throws {
        var builder = XMLSubtreeBuilder()
        var finished: [XMLElementNode] = []
        let file = try TemporaryXML("<r><item id=\"1\"><q>Who <em>wrote</em> it?</q><c>A</c><c>B</c></item></r>")
        defer { file.remove() }
        try XMLStreamReader().read(fileAt: file.url, displayName: "t.xml") { event in
            if builder.isBuilding {
                if let element = builder.feed(event) { finished.append(element) }
            } else if case .start(let start) = event, start.name == "item" {
                builder.begin(start)
            }
        }
        #expect(finished.count == 1)
        #expect(finished[0].firstElement(named: "q")?.text == "Who wrote it?")
        #expect(finished[0].elements(named: "c").map(\.text) == ["A", "B"])
    }

    @Test func acceptsAUTF8ByteOrderMark() throws {
        let file = try TemporaryXML(Data([0xEF, 0xBB, 0xBF]) + Data("<a>ok</a>".utf8))
        defer { file.remove() }
        var names: [String] = []
        try XMLStreamReader().read(fileAt: file.url, displayName: "bom.xml") { if case .start(let s) = $0 { names.append(s.name) } }
        #expect(names == ["a"])
    }

    @Test func neverExpandsAnExternalEntity() throws {
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
        <r>&x;</r>
        """
        let file = try TemporaryXML(xml)
        defer { file.remove() }
        var text = ""
        do {
            try XMLStreamReader().read(fileAt: file.url, displayName: "xxe.xml") { if case .text(let t) = $0 { text += t } }
            Issue.record("expected the entity reference to be refused")
        } catch let error as XMLReadError {
            #expect(error.message.contains("entity"))
            #expect(error.line == 2, "the declaration's line")
        }
        #expect(!text.contains("root:"))
    }

    @Test func entitiesNestedInsideAnAttributeAreRefusedBeforeTheyGrow() throws {
        // 145 KB of nested entities used in an id once grew a passages file to 180 MB.
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE doc [\n<!ENTITY a \"" + String(repeating: "x", count: 100_000) + "\">\n"
        xml += "<!ENTITY b \"" + String(repeating: "&a;", count: 10_000) + "\">\n]>\n<doc><para id=\"&b;\">x</para></doc>\n"
        func peakKilobytes() -> Int {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").compactMap { Int($0) }.first ?? 0
        }
        let start = Date(), before = peakKilobytes()
        let error = try #require(try readError(Data(xml.utf8)))
        #expect(error.message.contains("declares an entity"))
        #expect(error.line == 3)
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(peakKilobytes() - before < 200_000, "no expansion happened")
    }

    @Test(arguments: [
        ("<?xml version=\"1.0\"?><!-- ]> --><!DOCTYPE d [<!-- ]> --><!ELEMENT d ANY><!ENTITY e \"x\">]><d/>", DeclaredEntities.Finding?.some(.entity(line: 1))),
        ("<!DOCTYPE d [<!ATTLIST d v CDATA \"]>\"><?pi ]> ?>\n<!ENTITY e \"x\">]><d/>", .some(.entity(line: 2))),
        ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\"><html/>", nil),
        ("<d><p>&lt;!ENTITY in text is not a declaration</p></d>", nil),
        ("<!DOCTYPE d [<!ELEMENT d ANY>", .some(.prologTooLong)),
    ])
    func theInternalSubsetIsReadDeclarationByDeclaration(text: String, expected: DeclaredEntities.Finding?) {
        #expect(DeclaredEntities.find(in: Data(text.utf8), complete: !text.hasSuffix("ANY>")) == expected)
    }

    @Test(arguments: [
        ("<?xml version=\"1.0\"?><!-- <!DOCTYPE d> --><?pi <!DOCTYPE d> ?>\n<d><!DOCTYPE d></d>", false),
        ("<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE d>\n<d/>", true),
        ("<!DOCTYPE d [<!ATTLIST d v CDATA \"x\">]><d/>", true),
        ("<!DOCTYPE d [<!ELEMENT d ANY>", true),
        ("<d/>", false),
    ])
    func aDocumentTypeIsFoundBeforeTheRootOnly(text: String, declares: Bool) {
        #expect(DeclaredEntities.mayDeclareDocumentType(in: Data(text.utf8)) == declares)
    }

    @Test func billionLaughsFailsFast() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        xml += "<!ENTITY lol1 \"" + String(repeating: "&lol;", count: 10) + "\">\n"
        for level in 2...9 {
            xml += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n"
        }
        xml += "]>\n<lolz>&lol9;</lolz>\n"
        let start = Date()
        let error = try readError(Data(xml.utf8))
        #expect(error != nil)
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test func refusesNestingDeeperThanTheLimit() throws {
        let xml = String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
        let error = try #require(try readError(Data(xml.utf8), limits: XMLLimits(maxDepth: 32)))
        #expect(error.message.contains("nested deeper than 32"))
        #expect(try readError(Data(xml.utf8), limits: XMLLimits(maxDepth: 64)) == nil)
    }

    @Test func refusesAFileOverTheSizeLimit() throws {
        let xml = "<a>" + String(repeating: "x", count: 5000) + "</a>"
        let error = try #require(try readError(Data(xml.utf8), limits: XMLLimits(maxInputBytes: 1000)))
        #expect(error.message.contains("over the limit of 1000"))
    }

    @Test func invalidUTF8IsAnErrorWithItsPosition() throws {
        var data = Data("<a>\n<b>fine</b>\n<b>".utf8)
        data.append(contentsOf: [0xC3, 0x28])
        data.append(contentsOf: Data("</b></a>".utf8))
        let error = try #require(try readError(data))
        #expect(error.line == 3)
        #expect(error.message.lowercased().contains("utf-8"))
        #expect(error.description.hasPrefix("test.xml:3"))
    }

    @Test func malformedXMLNamesLineAndColumn() throws {
        let error = try #require(try readError(Data("<a>\n  <b></c>\n</a>".utf8)))
        #expect(error.line == 2)
        #expect(error.column != nil)
        #expect(error.message.contains("mismatch"))
    }
}
