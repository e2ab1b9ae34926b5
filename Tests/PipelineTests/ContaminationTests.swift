import Foundation
import Testing
import DatasetCore
import Dedup
import TestSupport
@testable import Pipeline

@Suite struct ContaminationTests {
    /// The example with a reference benchmark holding a copy of one of its items (choices reordered).
    func project(action: String) async throws -> (ProjectCopy, Item) {
        let project = try ProjectCopy()
        _ = try await project.runner().run(until: .dedup)
        let items = try JSONLines.read(Item.self, from: try project.runner().layout.stageFile(.dedup, .items))
        let copied = try #require(items.first { $0.task == .commonKnowledge && $0.language == "ko" })
        let line = try JSONSerialization.data(withJSONObject: ["qid": "B-7", "q": copied.question, "options": Array(copied.choices.reversed())])
        let other = try JSONSerialization.data(withJSONObject: ["qid": "B-8", "q": "전혀 다른 질문입니다", "options": ["가", "나"]])
        try FileManager.default.createDirectory(at: project.directory.appendingPathComponent("raw/reference"), withIntermediateDirectories: true)
        try project.write(String(decoding: line, as: UTF8.self) + "\n" + String(decoding: other, as: UTF8.self) + "\n", to: "raw/reference/bench.jsonl")
        var text = try String(contentsOf: project.pipeline, encoding: .utf8)
        text = text.replacingOccurrences(of: "stages:\n", with: """
            stages:
              dedup:
                contamination:
                  action: \(action)
                  references:
                    - {name: bench, path: raw/reference/bench.jsonl, id: qid, question: q, choices: options}

            """)
        try project.write(text, to: "pipelines/example.yaml")
        return (project, copied)
    }

    @Test func aCandidateCopiedFromAReferenceBenchmarkIsDroppedWithTheMatchingId() async throws {
        let (project, copied) = try await project(action: "drop")
        defer { project.remove() }
        let reports = try await project.runner().run(until: .dedup)
        let dedup = try #require(reports.last)
        #expect(!dedup.reused)
        #expect(dedup.summary.dropped["contaminated"] == 1)
        #expect(dedup.summary.notes.contains("contamination: 1 items match bench (2) at Jaccard ≥ 0.8"))
        let directory = try project.runner().layout.stageDirectory(.dedup)
        let dropped = try JSONLines.read(DroppedItem.self, from: directory.appendingPathComponent("dropped.jsonl"))
        #expect(dropped.first { $0.id == copied.id }?.detail == "matches bench B-7 (Jaccard 1.000)")
        #expect(try JSONLines.read(ContaminationMatch.self, from: directory.appendingPathComponent("contamination.jsonl"))
            == [ContaminationMatch(id: copied.id, benchmark: "bench", referenceID: "B-7", similarity: 1)])
        // A changed reference file reruns the stage.
        try project.write("", to: "raw/reference/bench.jsonl")
        #expect(try await project.runner().run(until: .dedup).last?.summary.dropped["contaminated"] == nil)
    }

    @Test func flaggingKeepsTheItem() async throws {
        let (project, copied) = try await project(action: "flag")
        defer { project.remove() }
        _ = try await project.runner().run(until: .dedup)
        let items = try JSONLines.read(Item.self, from: try project.runner().layout.stageFile(.dedup, .items))
        #expect(items.first { $0.id == copied.id }?.flags.contains("contaminated") == true)
    }

    @Test func aBrokenReferenceIsReportedWithLineAndField() async throws {
        let (project, _) = try await project(action: "drop")
        defer { project.remove() }
        try project.write("{\"qid\": \"B-1\", \"q\": \"질문\", \"options\": [\"가\"]}\n{\"qid\": \"B-2\", \"options\": [\"가\"]}\nnot json\n",
                          to: "raw/reference/bench.jsonl")
        let problems = await (try project.runner()).check()
        #expect(problems.map(\.description) == ["raw/reference/bench.jsonl:2: 'q': missing, or not a string",
                                                "raw/reference/bench.jsonl:3: not a JSON object"])
        await #expect(throws: (any Error).self) { try await project.runner().run(until: .dedup) }
    }
}
