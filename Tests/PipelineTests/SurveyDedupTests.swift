import Foundation
import Testing
import DatasetCore
@testable import Pipeline
import TestSupport
import Dedup

/// Survey batteries repeat one template with a word changed: on real OpinionQA wave 92 and KoBBQ
/// files, every distinct question must come through dedup, and the exact and near-duplicate
/// stages must agree on conflicts (tests' fixtures, with their provenance).
@Suite struct SurveyDedupTests {
    static let fixtures = ProjectCopy.packageRoot.appendingPathComponent("Tests/SurveyIngestTests/Fixtures")

    func run(dedup: String) async throws -> (ingested: [Item], validated: [Item], kept: [Item], dropped: [DroppedItem], clusters: [DuplicateCluster]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for folder in ["raw/opinionqa", "pipelines"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for name in ["info.csv", "SEX_data.json", "AGE_data.json"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("opinionqa_W92/\(name)"),
                                             to: directory.appendingPathComponent("raw/opinionqa/\(name)"))
        }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("KoBBQ_survey_result.json"),
                                         to: directory.appendingPathComponent("raw/kobbq.json"))
        let pipeline = """
            name: surveys
            seed: 3
            sources:
              - {id: w92, kind: survey, format: opinionqa, questionnaire: raw/opinionqa/info.csv,
                 oneway: {SEX: raw/opinionqa/SEX_data.json, AGE: raw/opinionqa/AGE_data.json}, subject: us_opinion, language: en,
                 survey: {weighting: none}}
              - {id: kobbq, kind: survey, format: kobbq, tallies: raw/kobbq.json, subject: stereotypes, language: ko,
                 survey: {multi_select: normalize}}
            stages:
              validate:
                social_value: {choices: {min: 2, max: 12}}
            \(dedup)
            release: {name: surveys, license: CC0-1.0}
            """
        let url = directory.appendingPathComponent("pipelines/surveys.yaml")
        try Data(pipeline.utf8).write(to: url)
        let spec = try PipelineSpec.load(url, displayName: "pipelines/surveys.yaml", projectDirectory: directory)
        let runner = try PipelineRunner(spec: spec, pipelineFile: url, projectDirectory: directory)
        _ = try await runner.run(until: .dedup)
        func items(_ stage: StageName) throws -> [Item] { try JSONLines.read(Item.self, from: runner.layout.stageFile(stage, .items)) }
        return (try items(.ingest), try items(.validate), try items(.dedup),
                try JSONLines.read(DroppedItem.self, from: runner.layout.stageFile(.dedup, .dropped)),
                try JSONLines.read(DuplicateCluster.self, from: runner.layout.stageFile(.dedup, .clusters)))
    }

    @Test func everyDistinctSurveyQuestionComesThroughDedup() async throws {
        let result = try await run(dedup: "")
        #expect(result.validated.count > 250)
        // Dedup sets aside only true copies: KoBBQ's stereotypes 212 and 213 are one question with
        // the same options and the same counts. Every other distinct question is kept.
        #expect(result.dropped.map(\.reason) == ["duplicate"])
        let byID = Dictionary(uniqueKeysWithValues: result.validated.map { ($0.id, $0) })
        for dropped in result.dropped {
            let cluster = try #require(result.clusters.first { $0.kind == "duplicate" && $0.members.contains(dropped.id) })
            let representative = try #require(cluster.representative)
            let kept = try #require(byID[representative])
            #expect(kept.question == dropped.item.question && kept.choices == dropped.item.choices
                    && kept.survey?.distribution == dropped.item.survey?.distribution)
            #expect([kept.source.element, dropped.item.source.element].sorted() == ["212", "213"])
        }
        #expect(result.kept.count == result.validated.count - 1)
        // Batteries are found and reported as similar, for a reviewer to look at.
        let similar = result.clusters.filter { $0.kind == "similar" }
        #expect(!similar.isEmpty)
        #expect(result.clusters.allSatisfy { $0.kind == "similar" || $0.kind == "conflict" || $0.kind == "duplicate" })

        // The same files with survey near-duplicates set to drop lose items: the default is what keeps them.
        let dropping = try await run(dedup: "  dedup:\n    social_value: {near_duplicates: drop}")
        #expect(dropping.kept.count < result.kept.count)
    }
}
