import Foundation
import Testing
@testable import SchemaValidation

@Suite struct JSONValueParseTests {
    /// The hand-written parser reads every file of the official suite exactly as Foundation's
    /// decoder does (numbers, escapes, nesting, non-ASCII keys).
    @Test func agreesWithFoundationOnTheOfficialSuite() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("json-schema-test-suite")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(files.count > 10)
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            #expect(try JSONValue.parse(data) == JSONDecoder().decode(JSONValue.self, from: data), "\(file)")
        }
    }

    @Test func readsEscapesNumbersAndLiterals() throws {
        let text = #"{"a\"b": "\u00e9\ud83d\ude00\n\/", "n": [-0.5e2, 10, 1E+2], "t": true, "f": false, "z": null, "k": "한국"}"#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(value == .object(["a\"b": .string("é😀\n/"), "n": .array([.number(-50), .number(10), .number(100)]),
                                  "t": .bool(true), "f": .bool(false), "z": .null, "k": .string("한국")]))
    }

    @Test(arguments: [
        ("", "unexpected end of text"), ("{\"a\" 1}", "expected ':'"), ("[1,]", "expected a JSON value"),
        ("[1 2]", "expected ',' or ']'"), ("\"abc", "a string without its closing quote"), ("01", "a number must not start with 0"),
        ("1e999", "number out of range"), ("\"\\ud800\"", "a lone surrogate escape"), ("\"\\x\"", "an unknown escape"),
        ("tru", "unexpected text"), ("{} {}", "text after the JSON value"), ("\"a\tb\"", "a control character inside a string"),
        (String(repeating: "[", count: 600), "nested deeper than 512 levels"),
    ])
    func refusesMalformedText(text: String, message: String) {
        #expect {
            try JSONValue.parse(Data(text.utf8))
        } throws: { error in
            (error as? JSONValue.ParseError)?.message == message
        }
    }

    @Test func refusesAKeyGivenTwiceInOneObjectAndSaysWhichAndWhere() {
        let text = #"{"id": "a", "inner": {"n": 1, "n": 2}}"#
        let error = JSONValue.repeatedKey(in: Data(text.utf8))
        #expect(error?.duplicateKey == "n")
        #expect(error?.offset == 30)
        #expect(JSONValue.repeatedKey(in: Data(#"[{"n": 1}, {"n": 2}]"#.utf8)) == nil, "the same key in two objects is fine")
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Data([0x22, 0xFF, 0x22])) }
    }
}
