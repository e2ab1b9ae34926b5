import Foundation
import Testing
import DatasetCore
@testable import Pipeline
import Release
import Sampling
import TestSupport
import TextbookIngest

/// Real CLIcK files (Tests/DedupTests/Fixtures, with their provenance) through the whole pipeline
/// as item banks.
@Suite struct ItemBankPipelineTests {
    static let fixtures = ProjectCopy.packageRoot.appendingPathComponent("Tests/DedupTests/Fixtures")

    @Test func clickItemsReachTheReleaseWithTheirTextAndIdsAndARepeatedIdIsReported() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bank-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for folder in ["raw/click", "raw/copy", "pipelines"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for name in ["History_KHB.json", "Tradition_KIIP.json"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: directory.appendingPathComponent("raw/click/\(name)"))
        }
        // The same file under another name: every id is in two files.
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("History_KHB.json"),
                                         to: directory.appendingPathComponent("raw/copy/history.json"))
        let pipeline = """
            name: click
            seed: 7
            sources:
              - {id: history, kind: item_bank, preset: click, path: raw/click/History_KHB.json, subject: korean_history, language: ko}
              - {id: tradition, kind: item_bank, preset: click, path: raw/click/Tradition_KIIP.json, subject: tradition, language: ko}
              - {id: copy, kind: item_bank, preset: click, path: raw/copy/history.json, subject: korean_history, language: ko}
            stages:
              review: {include_unreviewed: true}
            release: {name: click, license: CC-BY-4.0}
            """
        let pipelineURL = directory.appendingPathComponent("pipelines/click.yaml")
        try Data(pipeline.utf8).write(to: pipelineURL)
        let spec = try PipelineSpec.load(pipelineURL, displayName: "pipelines/click.yaml", projectDirectory: directory)
        let reports = try await PipelineRunner(spec: spec, pipelineFile: pipelineURL, projectDirectory: directory).run()

        let ingest = try #require(reports.first { $0.summary.stage == .ingest })
        #expect(ingest.summary.itemsOut == 47 + 161 + 47)
        #expect(ingest.summary.notes.contains("item bank id 'KHB_66_1' is in raw/click/History_KHB.json and raw/copy/history.json; each file's item is kept"))

        let originals = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("History_KHB.json"))) as! [[String: Any]]
        let questions = Dictionary(uniqueKeysWithValues: originals.map { ($0["id"] as! String, $0["question"] as! String) })
        let root = directory.appendingPathComponent("build/click/release")
        let manifest = try ReleaseManifest.read(from: root.appendingPathComponent("manifest.json"))
        let released = try manifest.files.flatMap { try JSONLines.read(Item.self, from: root.appendingPathComponent($0.path)) }
        let history = released.filter { $0.source.sourceID == "history" || $0.source.sourceID == "copy" }
        for item in history {
            #expect(Array(item.question.utf8) == Array(try #require(questions[item.source.element]).utf8))
        }
        // The copy's items are exact duplicates of the history file's: dedup keeps one of each.
        #expect(Set(history.map(\.source.element)).count == history.count)
        #expect(history.count > 40)
    }

    /// The sample stage writes the items it keeps, and those it sets aside, in the order dedup
    /// gave them, which the review stage keeps; the selection file keeps each stratum's ranks.
    @Test func sampledItemsKeepTheOrderDedupGaveThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bank-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for folder in ["raw", "pipelines"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for name in ["History_KHB.json", "Tradition_KIIP.json"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: directory.appendingPathComponent("raw/\(name)"))
        }
        let pipeline = """
            name: click
            seed: 7
            sources:
              - {id: tradition, kind: item_bank, preset: click, path: raw/Tradition_KIIP.json, subject: tradition, language: ko}
              - {id: history, kind: item_bank, preset: click, path: raw/History_KHB.json, subject: korean_history, language: ko}
            stages:
              sample: {strata: [subject], total: 100, allocation: proportional}
              review: {include_unreviewed: true}
            release: {name: click, license: CC-BY-4.0}
            """
        let pipelineURL = directory.appendingPathComponent("pipelines/click.yaml")
        try Data(pipeline.utf8).write(to: pipelineURL)
        let spec = try PipelineSpec.load(pipelineURL, displayName: "pipelines/click.yaml", projectDirectory: directory)
        _ = try await PipelineRunner(spec: spec, pipelineFile: pipelineURL, projectDirectory: directory).run(until: .review)

        let build = directory.appendingPathComponent("build/click")
        let pool = try JSONLines.read(Item.self, from: build.appendingPathComponent("dedup/items.jsonl")).map(\.id)
        let place = Dictionary(uniqueKeysWithValues: pool.enumerated().map { ($1, $0) })
        let kept = try JSONLines.read(Item.self, from: build.appendingPathComponent("sample/items.jsonl")).map(\.id)
        let setAside = try JSONLines.read(DroppedItem.self, from: build.appendingPathComponent("sample/dropped.jsonl")).map(\.id)
        let reviewed = try JSONLines.read(Item.self, from: build.appendingPathComponent("review/items.jsonl")).map(\.id)
        #expect(kept.count == 100 && kept.count + setAside.count == pool.count)
        for ids in [kept, setAside, reviewed] {
            let places = ids.map { place[$0]! }
            #expect(places == places.sorted())
        }
        let selections = try JSONLines.read(Selection.self, from: build.appendingPathComponent("sample/selection.jsonl"))
        #expect(Set(selections.map(\.id)) == Set(kept))
        for stratum in Set(selections.map(\.stratum)) {
            #expect(selections.filter { $0.stratum == stratum }.map(\.rank) == Array(1...selections.filter { $0.stratum == stratum }.count))
        }
    }

    /// The example's KorNAT-layout export and its own release files read back through the
    /// kornat and release presets give the released items' text, choices and answers.
    @Test func aReleaseAndItsKorNATExportReadBackAsItemBanks() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        _ = try await project.runner().run()
        let candidate = project.directory.appendingPathComponent("build/example/release")
        let released = try JSONLines.read(Item.self, from: candidate.appendingPathComponent("common_knowledge_ko/test.jsonl"))
        func read(_ preset: ItemBankLayout.Preset, _ path: String) throws -> [Item] {
            try ItemBankReader(layout: ItemBankLayout(preset: preset)).read(
                fileAt: candidate.appendingPathComponent(path),
                context: TextbookContext(sourceID: "back", document: path, subject: "s", language: "ko", license: nil, revision: "r")).items
        }
        func parts(_ items: [Item]) -> [[String]] {
            items.map { [$0.subject, $0.question, $0.answer ?? ""] + $0.choices }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        #expect(released.count > 10)
        #expect(parts(try read(.kornat, "exports/kornat/common_knowledge_ko_test.csv")) == parts(released))
        let rebuilt = try read(.release, "common_knowledge_ko/test.jsonl")
        #expect(parts(rebuilt) == parts(released))
        #expect(rebuilt.map(\.source.element) == released.map(\.id))
        #expect(rebuilt.map(\.language) == released.map(\.language))
    }
}
