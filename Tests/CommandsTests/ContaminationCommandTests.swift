import Foundation
import Testing
import DatasetCore

/// `contamination export`, `scan` and `import` in the real binary: hits that name no item or lack
/// a field are refused with their line and nothing is stored; an import is idempotent and
/// replaces its corpus's earlier hits; `action: flag` keeps the items with the corpus named.
@Suite struct ContaminationCommandTests {
    static let planted = "오늘의 퀴즈: 1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가? 임진왜란"

    @Test func importedHitsAreCheckedKeptOnceAndFlagTheItemsTheyName() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let session = ReviewSession(project: project)
        try session.ok(["contamination", "export", "-o", "export"])
        let exported = try String(contentsOf: project.directory.appendingPathComponent("export/items.jsonl"), encoding: .utf8)
        #expect(exported.contains("1592년에 일본이 조선을 침략하여"))

        let corpus = project.directory.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        try Data(("{\"id\": \"doc-1\", \"text\": \"아무 관계 없는 글\"}\n{\"id\": \"doc-2\", \"text\": \"\(Self.planted)\"}\n").utf8)
            .write(to: corpus.appendingPathComponent("web.jsonl"))
        let scanned = try session.ok(["contamination", "scan", "--corpus", "web", "corpus", "-o", "hits.jsonl"])
        #expect(scanned.contains("scanned 2 documents"))
        let hits = try String(contentsOf: project.directory.appendingPathComponent("hits.jsonl"), encoding: .utf8)
        let hit = try #require(hits.split(separator: "\n").first.map(String.init))
        #expect(hits.split(separator: "\n").count == 1)
        #expect(hit.contains("\"document\":\"doc-2\""))

        // A hit naming no item, and one without a field: refused by line, and nothing is kept.
        let store = project.directory.appendingPathComponent("data/contamination/example.jsonl")
        try Data((hit + "\n" + hit.replacingOccurrences(of: "\"item\":\"ck-", with: "\"item\":\"ck-0000") + "\n").utf8)
            .write(to: project.directory.appendingPathComponent("unknown.jsonl"))
        let unknown = try Binary.run(["contamination", "import", "unknown.jsonl"], in: project.directory)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown.jsonl:2") && unknown.stderr.contains("item"), "\(unknown.stderr)")
        try Data((hit.replacingOccurrences(of: "\"span\"", with: "\"spam\"") + "\n").utf8).write(to: project.directory.appendingPathComponent("field.jsonl"))
        let missing = try Binary.run(["contamination", "import", "field.jsonl"], in: project.directory)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("field.jsonl:1") && missing.stderr.contains("span"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store.path))

        // The pipeline keeps found items, flagged.
        var pipeline = try String(contentsOf: project.pipeline, encoding: .utf8)
        pipeline = pipeline.replacingOccurrences(of: "stages:\n", with: "stages:\n  dedup:\n    contamination: {action: flag, ngrams: {characters: 15}}\n")
        try Data(pipeline.utf8).write(to: project.pipeline)
        try session.ok(["run"])
        #expect(try session.ok(["contamination", "import", "hits.jsonl"]).contains("web: 1 hits, 1 items found"))
        let stored = try Data(contentsOf: store)
        #expect(try session.ok(["contamination", "import", "hits.jsonl"]).contains("no change"))
        #expect(try Data(contentsOf: store) == stored)
        try session.ok(["run"])
        let manifest = try String(contentsOf: project.directory.appendingPathComponent("build/example/release/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"action\" : \"flagged\""), "\(manifest)")
        let records = try FileManager.default.subpathsOfDirectory(atPath: project.directory.appendingPathComponent("build/example/release").path)
            .filter { $0.hasSuffix(".jsonl") }
            .map { try String(contentsOf: project.directory.appendingPathComponent("build/example/release/\($0)"), encoding: .utf8) }
            .joined()
        let flagged = records.split(separator: "\n").filter { $0.contains("\"contaminated:web\"") }
        #expect(flagged.count == 1 && flagged[0].contains("임진왜란"), "\(flagged)")

        try session.ok(["release", "--version", "1.0.0"])
        let card = try String(contentsOf: project.directory.appendingPathComponent("releases/kornat-example/1.0.0/README.md"), encoding: .utf8)
        #expect(card.contains("| web | 1 | 1 | flagged |"), "\(card)")

        // The found item reworded in its raw file: the hit was for its earlier text and no longer applies.
        let raw = project.directory.appendingPathComponent("raw/items/korean-knowledge.xml")
        let xml = try String(contentsOf: raw, encoding: .utf8)
        try Data(xml.replacingOccurrences(of: "1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가?",
                                          with: "일본이 1592년에 조선을 침략한 전쟁의 이름은?").utf8).write(to: raw)
        let rerun = try session.ok(["run"])
        #expect(rerun.contains("1 items were changed since the scan that found them"), "\(rerun)")
        let after = try FileManager.default.subpathsOfDirectory(atPath: project.directory.appendingPathComponent("build/example/release").path)
            .filter { $0.hasSuffix(".jsonl") }
            .map { try String(contentsOf: project.directory.appendingPathComponent("build/example/release/\($0)"), encoding: .utf8) }
            .joined()
        #expect(!after.contains("contaminated:web"))

        // Hits of another corpus are kept beside the first's.
        try Data((hit.replacingOccurrences(of: "\"corpus\":\"web\"", with: "\"corpus\":\"books\"") + "\n").utf8)
            .write(to: project.directory.appendingPathComponent("books.jsonl"))
        try session.ok(["contamination", "import", "books.jsonl"])
        let both = try String(contentsOf: store, encoding: .utf8)
        #expect(both.contains("\"corpus\":\"web\"") && both.contains("\"corpus\":\"books\""))
        // A new scan of a corpus replaces that corpus's hits.
        try Data((hit.replacingOccurrences(of: "\"document\":\"doc-2\"", with: "\"document\":\"doc-9\"") + "\n").utf8)
            .write(to: project.directory.appendingPathComponent("rescan.jsonl"))
        try session.ok(["contamination", "import", "rescan.jsonl"])
        let replaced = try String(contentsOf: store, encoding: .utf8)
        #expect(replaced.contains("doc-9") && replaced.contains("\"corpus\":\"books\""))
        #expect(!replaced.contains("\"corpus\":\"web\",\"document\":\"doc-2\"") && replaced.split(separator: "\n").count == 2, "\(replaced)")
    }
}
