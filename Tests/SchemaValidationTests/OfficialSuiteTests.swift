import Foundation
import Testing
@testable import SchemaValidation

/// The official JSON Schema test suite (draft 2020-12) for the keywords this project uses.
/// Groups whose schema needs a feature the validator refuses are listed here with the feature,
/// and the test checks that exactly these are refused: nothing is skipped silently.
@Suite struct OfficialSuiteTests {
    struct Group: Decodable {
        struct Case: Decodable {
            var description: String
            var data: JSONValue
            var valid: Bool
        }

        var description: String
        var schema: JSONValue
        var tests: [Case]
    }

    static let refused: [String: String] = [
        "additionalProperties.json: dependentSchemas with additionalProperties": "dependentSchemas",
        "defs.json: validate definition against metaschema": "$ref (to another document)",
        "not.json: collect annotations inside a 'not', even if collection is disabled": "unevaluatedProperties",
        "ref.json: $id must be resolved against nearest parent, not just immediate parent": "$id",
        "ref.json: Recursive references between schemas": "$id",
        "ref.json: URN base URI with URN and JSON pointer ref": "$ref (to another document)",
        "ref.json: URN base URI with URN and anchor ref": "$anchor",
        "ref.json: URN ref with nested pointer ref": "$id",
        "ref.json: order of evaluation: $id and $anchor and $ref": "$anchor",
        "ref.json: order of evaluation: $id and $ref": "$id",
        "ref.json: order of evaluation: $id and $ref on nested schema": "$id",
        "ref.json: ref creates new scope when adjacent to keywords": "unevaluatedProperties",
        "ref.json: ref to else": "$ref (to another document)",
        "ref.json: ref to if": "$ref (to another document)",
        "ref.json: ref to then": "$ref (to another document)",
        "ref.json: ref with absolute-path-reference": "$id",
        "ref.json: refs with relative uris and defs": "$ref (to another document)",
        "ref.json: relative refs with absolute uris and defs": "$ref (to another document)",
        "ref.json: remote ref, containing refs itself": "$ref (to another document)",
        "ref.json: simple URN base URI with $ref via the URN": "$ref (to another document)",
    ]

    static func groups() throws -> [(file: String, group: Group)] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("json-schema-test-suite")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.flatMap { file in
            try JSONDecoder().decode([Group].self, from: Data(contentsOf: folder.appendingPathComponent(file))).map { (file, $0) }
        }
    }

    @Test func passesEverySupportedCaseAndRefusesOnlyTheListedGroups() throws {
        var refused: [String: String] = [:]
        var cases = 0
        for (file, group) in try Self.groups() {
            let name = "\(file): \(group.description)"
            let validator: JSONSchemaValidator
            do {
                validator = try JSONSchemaValidator(schema: group.schema)
            } catch let error as JSONSchemaValidator.Unsupported {
                refused[name] = error.keyword
                #expect(Self.refused[name] == error.keyword, "\(name) refused for \(error.keyword)")
                continue
            }
            for test in group.tests {
                cases += 1
                #expect(validator.isValid(test.data) == test.valid, "\(name) / \(test.description)")
            }
        }
        for (name, keyword) in refused.sorted(by: { $0.key < $1.key }) { print("refused: \(name) (\(keyword))") }
        #expect(Set(refused.keys) == Set(Self.refused.keys), "refused differs: \(Set(refused.keys).symmetricDifference(Self.refused.keys))")
        #expect(cases > 700)
    }
}

/// Failures name the JSON pointer of what is wrong, in a stable order.
@Suite struct FailurePathTests {
    @Test func failuresNameTheirPlaceInTheInstance() throws {
        let schema = try JSONValue.parse(Data(#"""
        {"type": "object", "additionalProperties": false, "required": ["id", "review"],
         "properties": {"id": {"type": "string"}, "review": {"type": "object", "additionalProperties": false,
           "properties": {"votes": {"type": "array", "items": {"type": "object", "required": ["round"],
             "properties": {"round": {"type": "string"}, "decision": {"enum": ["approve"]}}}}}},
           "a/b~c": {"type": "integer"}}}
        """#.utf8))
        let validator = try JSONSchemaValidator(schema: schema)
        let instance = try JSONValue.parse(Data(#"""
        {"review": {"votes": [{"round": "r1"}, {"decision": "maybe"}], "extra": 1}, "a/b~c": 1.5, "other": true}
        """#.utf8))
        #expect(validator.validate(instance).map { "\($0.instancePath) \($0.keyword)" } == [
            "/a~1b~0c type", "/id required", "/other additionalProperties", "/review/extra additionalProperties",
            "/review/votes/1/decision enum", "/review/votes/1/round required",
        ])
        #expect(validator.validate(try JSONValue.parse(Data(#"{"id": "x", "review": {"votes": []}}"#.utf8))).isEmpty)
    }
}
