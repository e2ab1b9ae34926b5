import Foundation
import Testing
import DatasetCore
@testable import Release

@Suite struct ManifestSchemaTests {
    @Test func theManifestWritesExactlyTheSchemasFields() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/manifest.schema.json")
        let schema = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let manifest = try ReleaseWriter.writeCandidate(splits: ["test": [sampleItem("ck-1")]], metadata: metadata, to: root)
        let written = try #require(JSONSerialization.jsonObject(with: manifest.encoded()) as? [String: Any])
        #expect(Set(written.keys) == Set(try #require(schema["required"] as? [String])))
        let files = try #require(written["files"] as? [[String: Any]])
        let fileSchema = try #require(((schema["properties"] as? [String: Any])?["files"] as? [String: Any])?["items"] as? [String: Any])
        #expect(Set(files[0].keys) == Set(try #require(fileSchema["required"] as? [String])))
    }
}

@Suite struct ItemSchemaCheckTests {
    @Test func theBuiltInItemSchemaIsTheOneInSchemas() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/item.schema.json")
        #expect(try String(contentsOf: url, encoding: .utf8) == builtInItemSchema)
    }

    func validItem(_ id: String) -> Item {
        var item = sampleItem(id)
        item.source.revision = String(repeating: "0", count: 64)
        return item
    }

    @Test func recordsAreCheckedAgainstTheSchemaAndATightenedOneIsObeyed() throws {
        let items = [validItem("ck-0123456789abcdef"), validItem("ck-fedcba9876543210")]
        #expect(try ReleaseWriter.schemaViolations(items, schemaText: builtInItemSchema, schemaName: "item.schema.json").isEmpty)
        let exactlyFive = builtInItemSchema.replacingOccurrences(
            of: #""choices": {"type": "array", "items": {"type": "string"},"#,
            with: #""choices": {"type": "array", "items": {"type": "string"}, "minItems": 5,"#)
        #expect(exactlyFive != builtInItemSchema)
        let problems = try ReleaseWriter.schemaViolations(items, schemaText: exactlyFive, schemaName: "item.schema.json")
        #expect(problems.map(\.description) == [
            "item.schema.json: 'ck-0123456789abcdef/choices': fewer than 5 items",
            "item.schema.json: 'ck-fedcba9876543210/choices': fewer than 5 items",
        ])
        let badID = [validItem("not-an-id")]
        #expect(try ReleaseWriter.schemaViolations(badID, schemaText: builtInItemSchema, schemaName: "s").map(\.location.field) == ["not-an-id/id"])
    }

    @Test func aSurveyQuestionOfThirtyOptionsIsLetteredBeyondZAndPassesTheSchema() throws {
        var item = validItem("sv-0123456789abcdef")
        item.choices = (1...30).map { "option \($0)" }
        item.answer = Item.letter(29)
        #expect(item.answer == "AD" && item.answerText == "option 30")
        #expect(try ReleaseWriter.schemaViolations([item], schemaText: builtInItemSchema, schemaName: "s").isEmpty)
        item.answer = "["
        #expect(try ReleaseWriter.schemaViolations([item], schemaText: builtInItemSchema, schemaName: "s").map(\.location.field) == ["sv-0123456789abcdef/answer"])
    }
}
