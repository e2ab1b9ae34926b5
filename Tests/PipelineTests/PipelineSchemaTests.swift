import Foundation
import Testing
@testable import Pipeline

/// The pipeline parser and `schemas/pipeline.schema.json` allow the same keys.
@Suite struct PipelineSchemaTests {
    func schema() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/pipeline.schema.json")
        return try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func keys(_ object: Any?) throws -> Set<String> {
        let properties = try #require((object as? [String: Any])?["properties"] as? [String: Any])
        return Set(properties.keys)
    }

    @Test func allowedKeysMatch() throws {
        let schema = try schema()
        let properties = try #require(schema["properties"] as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        #expect(try keys(schema) == Set(PipelineSpec.topKeys))
        #expect(try keys(defs["source"]) == Set(PipelineSpec.Source.sourceKeys))
        #expect(try keys((defs["source"] as? [String: Any])?["properties"].flatMap { ($0 as? [String: Any])?["survey"] }) == Set(PipelineSpec.Source.surveyKeys))
        #expect(try keys(properties["stages"]) == Set(PipelineSpec.stageKeys))
        #expect(try keys(defs["rules"]) == Set(PipelineSpec.rulesKeys))
        #expect(try keys(properties["release"]) == Set(PipelineSpec.releaseKeys))
        let stages = try #require((properties["stages"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(try keys(stages["sample"]) == Set(PipelineSpec.sampleKeys))
        #expect(try keys(stages["release"]) == Set(PipelineSpec.releaseStageKeys))
        #expect(try keys(stages["validate"]) == Set(PipelineSpec.validateKeys))
        let kinds = try #require(((defs["source"] as? [String: Any])?["properties"] as? [String: Any])?["kind"] as? [String: Any])
        #expect(Set(try #require(kinds["enum"] as? [String])) == Set(PipelineSpec.SourceKind.allCases.map(\.rawValue)))
    }

    @Test func theExamplePipelineUsesOnlySchemaKeys() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines/example.yaml")
        let spec = try PipelineSpec.load(url, displayName: "pipelines/example.yaml", projectDirectory: nil)
        #expect(spec.sources.count == 5)
    }
}
