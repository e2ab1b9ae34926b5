import Foundation
import Testing
import DatasetCore

@Suite struct DedupCommandTests {
    @Test func explainSaysWhyAnItemWasDroppedAndWhatItMatched() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        #expect(try Binary.run(["run", "--until", "dedup"], in: project.directory).status == 0)
        let dropped = try JSONLines.read(DroppedItem.self, from: project.directory.appendingPathComponent("build/example/dedup/dropped.jsonl"))
        let duplicate = try #require(dropped.first)
        let result = try Binary.run(["dedup", "--explain", duplicate.id], in: project.directory)
        #expect(result.status == 0, "\(result.stderr)")
        let kept = try #require(duplicate.detail.split(separator: " ").last.map(String.init))
        #expect(result.stdout.hasPrefix("\(duplicate.id): dropped in dedup (duplicate): same question, choices and answer as \(kept)\n"))
        #expect(result.stdout.contains("duplicate cluster (representative \(kept)):"))
        #expect(result.stdout.contains("  \(kept)\tkept\t"))
        let unknown = try Binary.run(["dedup", "--explain", "ck-nope"], in: project.directory)
        #expect(unknown.status == 1 && unknown.stderr.contains("'ck-nope' is not an item that reached dedup"))

        // Without a build, the same chain runs in a scratch folder: the same answer, nothing written.
        try FileManager.default.removeItem(at: project.directory.appendingPathComponent("build"))
        let fresh = try Binary.run(["dedup", "--explain", duplicate.id], in: project.directory)
        #expect(fresh.status == 0 && fresh.stdout == result.stdout)
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build").path))
    }
}
