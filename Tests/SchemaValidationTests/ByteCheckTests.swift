import Foundation
import Testing
@testable import SchemaValidation

/// Checking a document on its bytes (`validate(document:)`) finds exactly what checking its
/// parsed tree finds: on every case of the official suite, on records with many faults, and on
/// texts the byte check leaves to the tree.
@Suite struct ByteCheckTests {
    /// JSON text of a value, keys in order, quotes, backslashes and control characters escaped.
    static func text(_ value: JSONValue) -> String {
        func string(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        case .string(let text): return string(text)
        case .array(let elements): return "[" + elements.map(text).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.sorted { $0.key < $1.key }.map { string($0.key) + ":" + text($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func byteCheck(_ validator: JSONSchemaValidator, _ text: String) -> [JSONSchemaValidator.Failure]? {
        var scratch = JSONSchemaValidator.Scratch()
        return Data(text.utf8).withUnsafeBytes { validator.validate(document: $0, naming: "id", scratch: &scratch)?.failures }
    }

    @Test func everySupportedCaseOfTheOfficialSuiteGetsTheSameFailuresFromItsBytes() throws {
        var cases = 0, leftToTheTree = 0
        for (file, group) in try OfficialSuiteTests.groups() {
            guard let validator = try? JSONSchemaValidator(schema: group.schema) else { continue }
            for test in group.tests {
                let name = "\(file): \(group.description) / \(test.description)"
                let text = Self.text(test.data)
                guard let failures = Self.byteCheck(validator, text) else {
                    // Keys with escapes (quotes, control characters) are left to the tree.
                    leftToTheTree += 1
                    #expect(text.contains("\\"), "\(name): \(text) refused")
                    continue
                }
                cases += 1
                #expect(failures == validator.validate(test.data), "\(name): \(text)")
                #expect(failures.isEmpty == test.valid, "\(name)")
            }
        }
        #expect(cases > 700)
        #expect(leftToTheTree < 20)
    }

    /// A release record with faults at every depth, and the same record written with spaces,
    /// escapes in its text and its keys out of order.
    @Test func aRecordsFaultsAreTheSameFromItsBytesWithTheirPathsAndName() throws {
        let schema = try JSONValue.parse(Data(#"""
        {"type": "object", "additionalProperties": false, "required": ["id", "choices", "source", "answer"],
         "properties": {"id": {"type": "string", "pattern": "^ck-[0-9a-f]{4}$"},
           "question": {"type": "string", "minLength": 3, "maxLength": 5},
           "choices": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": true},
           "answer": {"type": ["string", "null"], "pattern": "^[A-Z]$"},
           "n": {"type": "integer", "minimum": 1},
           "source": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["authored", "survey"]},
             "fields": {"type": "array", "items": {"$ref": "#/$defs/field"}}}},
           "labels": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "additionalProperties": {"const": {"x": [1, "가"]}}}},
         "$defs": {"field": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}
        """#.utf8))
        let validator = try JSONSchemaValidator(schema: schema)
        let records = [
            #"{"id":"ck-00ff","question":"질문입니다","choices":["가","나"],"answer":"A","n":2,"source":{"kind":"authored","fields":[{"name":"x"}]},"labels":{"a":{"x":[1,"가"]}}}"#,
            #"{"id":"ck-zz","question":"질문","choices":["가","가",3],"answer":"AB","n":1.5,"source":{"kind":"book","fields":[{"nom":"x"}]},"labels":{"A":{"x":[1,"나"]}},"extra":null}"#,
            #"{ "question" : "a\"b\u00e9\n" , "choices" : [ "x" ] , "id" : 7 , "source" : { } , "n" : 0 }"#,
            #"{"id":"ck-\u0030\u0030ff","answer":null,"choices":["\u00e9","é"],"source":{"kind":"surve\u0079"}}"#,
            #"[1, 2]"#,
        ]
        for record in records {
            let tree = validator.validate(try JSONValue.parse(Data(record.utf8)))
            let bytes = try #require(Self.byteCheck(validator, record), "\(record)")
            #expect(bytes == tree, "\(record)")
        }
        #expect(Self.byteCheck(validator, records[0])?.isEmpty == true)
        #expect(Self.byteCheck(validator, records[1])?.map { "\($0.instancePath) \($0.keyword)" } == [
            "/answer pattern", "/choices uniqueItems", "/choices/2 type", "/extra additionalProperties", "/id pattern",
            "/labels propertyNames", "/labels/A const", "/n type", "/question minLength", "/source/fields/0/name required",
            "/source/kind enum",
        ])
        var scratch = JSONSchemaValidator.Scratch()
        let named = Data(records[1].utf8).withUnsafeBytes { validator.validate(document: $0, naming: "id", scratch: &scratch) }
        #expect(named?.name == "ck-zz")
        let unnamed = Data(records[2].utf8).withUnsafeBytes { validator.validate(document: $0, naming: "id", scratch: &scratch) }
        #expect(unnamed != nil && unnamed?.name == nil)
    }

    /// Texts that are not JSON, give a key twice or escape a key are left to the tree, which
    /// says what is wrong; the same key written twice with different bytes is caught too.
    @Test func textsTheByteCheckDoesNotTakeAreLeftToTheTree() throws {
        let validator = try JSONSchemaValidator(schema: .object(["type": .string("object")]))
        for text in [#"{"a":1,"a":2}"#, #"{"b":1,"a":2,"b":3}"#, #"{"\u0061":1}"#, #"{"a":1"#, #"{"a":"\#u{01}"}"#, #"{"a":01}"#,
                     #"{"a":1} x"#, #"{"a":"\ud800"}"#, #"{"a":1e999}"#] {
            #expect(Self.byteCheck(validator, text) == nil, "\(text)")
        }
        // Bytes that are no UTF-8 (a lone continuation byte, an overlong slash, a surrogate).
        for bytes: [UInt8] in [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            var scratch = JSONSchemaValidator.Scratch()
            let data = Data(#"{"a":""#.utf8) + Data(bytes) + Data(#""}"#.utf8)
            #expect(data.withUnsafeBytes { validator.validate(document: $0, naming: "id", scratch: &scratch) } == nil)
            #expect(throws: (any Error).self) { try JSONValue.parse(data) }
        }
        #expect(Self.byteCheck(validator, #"{"b":1,"a":{"c":[],"b":{}},"c":"가"}"#) == [])
    }

    /// A string's end, an escape, a control character and bytes that are no UTF-8 are found
    /// wherever they fall in a string: the bytes give what the tree gives, or are left to it
    /// exactly where the tree refuses the text.
    @Test func whatEndsOrSpoilsAStringIsFoundAtEveryOffset() throws {
        let validator = try JSONSchemaValidator(schema: .object(["properties": .object(["a": .object(["maxLength": .number(12)])])]))
        let middles: [[UInt8]] = [Array(#"\""#.utf8), Array(#"\n"#.utf8), [0x01], [0x1F], [0x7F], Array("가".utf8), [0xC0, 0xAF],
                                  [0xED, 0xA0, 0x80], [0xFF], Array("é".utf8), Array(#"\u00e9"#.utf8)]
        for before in 0..<20 {
            for middle in middles {
                let data = Data(#"{"a":""#.utf8) + Data(repeating: UInt8(ascii: "x"), count: before) + Data(middle)
                    + Data(repeating: UInt8(ascii: "y"), count: 9) + Data(#""}"#.utf8)
                var scratch = JSONSchemaValidator.Scratch()
                let bytes = data.withUnsafeBytes { validator.validate(document: $0, naming: "id", scratch: &scratch)?.failures }
                if let tree = try? JSONValue.parse(data) {
                    #expect(bytes == validator.validate(tree), "\(before) \(middle)")
                } else {
                    #expect(bytes == nil, "\(before) \(middle)")
                }
            }
        }
    }
}
