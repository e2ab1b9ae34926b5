import Foundation
import Testing
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
