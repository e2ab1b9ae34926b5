import Foundation
import Testing
@testable import DatasetCore

/// The item record and `schemas/item.schema.json` describe the same fields.
@Suite struct ItemSchemaTests {
    static let schemaURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas/item.schema.json")

    func schema() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: Self.schemaURL)) as? [String: Any])
    }

    func encodedKeys(_ item: Item) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(JSONLines.line(for: item).utf8)) as? [String: Any])
    }

    let item = Item(id: "ck-0123456789abcdef", task: .commonKnowledge, subject: "s", language: "ko", question: "질문?",
                    choices: ["가", "나"], answer: "A", choicesOrdered: false,
                    source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: "e", license: nil,
                                       revision: String(repeating: "0", count: 64)))

    @Test func everyFieldWrittenIsInTheSchemaAndEveryRequiredFieldIsWritten() throws {
        let schema = try schema()
        let properties = try #require(schema["properties"] as? [String: Any])
        let required = try #require(schema["required"] as? [String])
        let keys = Set(try encodedKeys(item).keys)
        #expect(keys == Set(required))
        #expect(keys.isSubset(of: Set(properties.keys)))
        let source = try #require(properties["source"] as? [String: Any])
        let sourceKeys = Set(try #require(try encodedKeys(item)["source"] as? [String: Any]).keys)
        #expect(sourceKeys == Set(try #require(source["required"] as? [String])))
    }

    @Test func surveyFieldsMatchTheSchema() throws {
        var social = item
        social.task = .socialValue
        social.survey = SurveyResult(distribution: [0.5, 0.5], distributionWithNonresponse: [0.5, 0.5], nonresponseOptions: [],
                                     distribution3: nil, scale3: nil, n: 10, nEffective: 9, marginOfError: 0.3,
                                     contested: true, weighting: "unweighted")
        let defs = try #require(try schema()["$defs"] as? [String: Any])
        let survey = try #require(defs["survey"] as? [String: Any])
        let written = try #require(try encodedKeys(social)["survey"] as? [String: Any])
        #expect(Set(written.keys) == Set(try #require(survey["required"] as? [String])))
        #expect(try encodedKeys(item)["survey"] == nil)
    }

    @Test func decodingWhatWasWrittenGivesTheSameItem() throws {
        let decoded = try JSONDecoder().decode(Item.self, from: Data(JSONLines.line(for: item).utf8))
        #expect(decoded == item)
    }
}
