import Foundation
import Testing
@testable import XMLReader

/// Reads `text`, gathering the text of every element named `p`; returns the events seen.
func gatheredEvents(_ text: String, limits: XMLLimits = XMLLimits()) throws -> [String] {
    let file = try TemporaryXML(text)
    defer { file.remove() }
    var seen: [String] = []
    try XMLStreamReader(limits: limits).readGatheringText(fileAt: file.url, displayName: "test.xml") { event in
        switch event {
        case .start(let start): seen.append("<\(start.name)>"); return start.name == "p" ? .text : .events
        case .end(let name, _): seen.append("</\(name)>")
        case .text(let text): seen.append(text)
        case .comment: seen.append("comment")
        }
        return .events
    }
    return seen
}

@Suite struct GatheredTextTests {
    @Test func anElementsTextComesAsOneEventWithoutItsInnerEvents() throws {
        // Text is kept as written; a node of layout white space alone stands as one space.
        let seen = try gatheredEvents("<doc><p>한글 <b>굵게</b><!-- x --><![CDATA[<raw>]]>\n   끝<i/>\n  <i/>.</p><q>a<b>b</b></q><p/></doc>")
        #expect(seen == ["<doc>", "<p>", "한글 굵게<raw>\n   끝 .", "</p>", "<q>", "a", "<b>", "b", "</b>", "</q>", "<p>", "", "</p>", "</doc>"])
    }

    @Test func gatheringKeepsTheLimitsAndRefusals() throws {
        let deep = "<doc><p>" + String(repeating: "<i>", count: 10) + "x" + String(repeating: "</i>", count: 10) + "</p></doc>"
        #expect(throws: XMLReadError.self) { try gatheredEvents(deep, limits: XMLLimits(maxDepth: 5)) }
        let entity = "<!DOCTYPE doc [<!ENTITY e \"boom\">]><doc><p>a &e; b</p></doc>"
        #expect { try gatheredEvents(entity) } throws: { error in
            (error as? XMLReadError)?.message.contains("declares an entity") == true
        }
        #expect(throws: XMLReadError.self) { try gatheredEvents("<doc><p>open <b>never closed</p></doc>") }
    }
}

@Suite struct XMLSchemaMessageTests {
    @Test(arguments: [
        ("Element '{urn:x}question': [facet 'pattern'] The value ' ' is not accepted by the pattern '[\\s\\S]*\\S[\\s\\S]*'.",
         "<question>: ' ' is blank; it needs some text (several lines are fine)"),
        ("Element '{urn:x}choice': [facet 'minLength'] The value has a length of '0'; this underruns the allowed minimum length of '1'.",
         "<choice> is empty or blank; it needs some text"),
        ("Element '{urn:x}item', attribute 'id': [facet 'pattern'] The value 'a b' is not accepted by the pattern '\\S+'.",
         "attribute 'id' of <item>: 'a b' is not an id: an id is any characters but white space"),
        ("Element '{urn:x}item': This element is not expected. Expected is one of ( {urn:x}passage, {urn:x}item ).",
         "<item> is not expected here; expected <passage> or <item>"),
        ("Element '{urn:x}item': Missing child element(s). Expected is ( {urn:x}question ).",
         "<item> lacks <question>, which it needs"),
        ("Element '{urn:x}item', attribute 'language': 'not a tag!' is not a valid value of the atomic type 'xs:language'.",
         "attribute 'language' of <item>: 'not a tag!' is not a valid language"),
        ("Element '{urn:x}question': [facet 'pattern'] The value '\(String(repeating: "가", count: 100))' is not accepted by the pattern 'x+'.",
         "<question>: '\(String(repeating: "가", count: 57))...' does not have the form the schema asks for (pattern x+)"),
        ("Something else entirely.", "Something else entirely."),
    ])
    func libxml2MessagesInWords(message: String, words: String) {
        #expect(XMLSchemaMessage.plain(message) == words)
    }
}
