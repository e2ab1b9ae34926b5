import Foundation
import Testing
import DatasetCore
@testable import Release

func sampleItem(_ id: String, task: ItemTask = .commonKnowledge) -> Item {
    Item(id: id, task: task, subject: "s", language: "ko", question: "질문 \(id)", choices: ["가", "나", "다", "라"], answer: "A",
         choicesOrdered: task == .socialValue,
         source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"))
}

let metadata = ReleaseWriter.Metadata(name: "bench", license: "CC-BY-4.0", pipeline: "pipelines/p.yaml", pipelineSHA256: "p",
                                      inputs: [.init(path: "raw/b", sha256: "2"), .init(path: "raw/a", sha256: "1")],
                                      reviewStateSHA256: "r")

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("release-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct ReleaseWriterTests {
    let splits = ["dev": [sampleItem("ck-2")], "test": [sampleItem("ck-3"), sampleItem("ck-1"), sampleItem("sv-1", task: .socialValue)]]

    @Test func candidateHasOneFilePerConfigAndSplitAndAManifestThatMatches() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let manifest = try ReleaseWriter.writeCandidate(splits: splits, metadata: metadata, to: root)
        #expect(manifest.files.map(\.path) == ["social_value/test.jsonl", "common_knowledge/dev.jsonl", "common_knowledge/test.jsonl"])
        #expect(manifest.files.map(\.records) == [1, 1, 2])
        #expect(manifest.inputs.map(\.path) == ["raw/a", "raw/b"])
        #expect(manifest.version == nil)
        let test = try String(contentsOf: root.appendingPathComponent("common_knowledge/test.jsonl"), encoding: .utf8)
        #expect(test.split(separator: "\n").map { $0.contains("\"id\":\"ck-1\"") } == [true, false])
        #expect(try ReleaseWriter.verify(root).isEmpty)
        let reread = try ReleaseManifest.read(from: root.appendingPathComponent("manifest.json"))
        #expect(reread == manifest)
    }

    @Test func verifyCatchesAChangedByteAMissingFileAndAnUnlistedFile() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try ReleaseWriter.writeCandidate(splits: splits, metadata: metadata, to: root)
        let dev = root.appendingPathComponent("common_knowledge/dev.jsonl")
        var bytes = try Data(contentsOf: dev)
        bytes[10] ^= 0x01
        try bytes.write(to: dev)
        try FileManager.default.removeItem(at: root.appendingPathComponent("social_value/test.jsonl"))
        try Data("{}\n".utf8).write(to: root.appendingPathComponent("common_knowledge/extra.jsonl"))
        let problems = try ReleaseWriter.verify(root)
        #expect(problems.count == 3)
        #expect(problems.contains { $0.hasPrefix("common_knowledge/dev.jsonl: SHA-256") })
        #expect(problems.contains("social_value/test.jsonl: missing"))
        #expect(problems.contains("common_knowledge/extra.jsonl: not listed in the manifest"))
    }

    @Test func publishSetsTheVersionAndNeverOverwrites() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let candidate = root.appendingPathComponent("candidate")
        try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: true)
        try ReleaseWriter.writeCandidate(splits: splits, metadata: metadata, to: candidate)
        let releases = root.appendingPathComponent("releases")
        let published = try ReleaseWriter.publish(candidate: candidate, releasesRoot: releases, version: "0.1.0")
        #expect(published.path.hasSuffix("releases/bench/0.1.0"))
        #expect(try ReleaseManifest.read(from: published.appendingPathComponent("manifest.json")).version == "0.1.0")
        #expect(try ReleaseWriter.verify(published).isEmpty)
        let before = try Data(contentsOf: published.appendingPathComponent("manifest.json"))
        #expect(throws: ReleaseWriter.PublishError.versionExists(published.path)) {
            try ReleaseWriter.publish(candidate: candidate, releasesRoot: releases, version: "0.1.0")
        }
        #expect(try Data(contentsOf: published.appendingPathComponent("manifest.json")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: releases.appendingPathComponent("bench").path) == ["0.1.0"])
    }

    @Test func publishRefusesADamagedCandidateAndABadVersion() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try ReleaseWriter.writeCandidate(splits: splits, metadata: metadata, to: root)
        #expect(throws: ReleaseWriter.PublishError.invalidVersion("1.0")) {
            try ReleaseWriter.publish(candidate: root, releasesRoot: root.appendingPathComponent("r"), version: "1.0")
        }
        try Data("{}\n".utf8).write(to: root.appendingPathComponent("common_knowledge/dev.jsonl"))
        #expect(throws: ReleaseWriter.PublishError.self) {
            try ReleaseWriter.publish(candidate: root, releasesRoot: root.appendingPathComponent("r"), version: "1.0.0")
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("r/bench/1.0.0").path))
    }
}
