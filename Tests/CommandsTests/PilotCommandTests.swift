import Foundation
import Testing
import DatasetCore

/// `pilot import`, `pilot report` and `review open --pilot-flags` on the example, as a curator runs them.
@Suite struct PilotCommandTests {
    /// The example built and published as 0.1.0, and its test items.
    static func publishedExample() throws -> (ProjectCopy, [[String: Any]]) {
        let project = try ProjectCopy()
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        #expect(try Binary.run(["release", "--version", "0.1.0"], in: project.directory).status == 0)
        var records: [[String: Any]] = []
        for config in ["common_knowledge_ko", "common_knowledge_en", "social_value"] {
            let data = try Data(contentsOf: project.directory.appendingPathComponent("releases/kornat-example/0.1.0/\(config)/test.jsonl"))
            for range in JSONLines.lineRanges(of: data) {
                records.append(try JSONSerialization.jsonObject(with: data[range]) as! [String: Any])
            }
        }
        return (project, records)
    }

    /// Plain answers: knowledge items right up to `right` of them (then the next letter),
    /// social-value items by log-likelihoods that favour choice `lean`.
    static func answers(_ records: [[String: Any]], right: Int, lean: Int) -> String {
        var known = 0
        return records.map { record -> String in
            let id = record["id"] as! String, choices = (record["choices"] as! [String]).count
            if record["task"] as! String == "common_knowledge" {
                let key = Int((record["answer"] as! String).unicodeScalars.first!.value) - 65
                known += 1
                let choice = known <= right ? key : (key + 1) % choices
                return #"{"id": "\#(id)", "choice": "\#(Item.letter(choice))"}"#
            }
            let loglikelihoods = (0..<choices).map { $0 == lean % choices ? "-0.5" : "-2" }.joined(separator: ", ")
            return #"{"id": "\#(id)", "loglikelihoods": [\#(loglikelihoods)]}"#
        }.joined(separator: "\n") + "\n"
    }

    @Test func importsReportsAndSendsFlaggedItemsToReview() throws {
        let (project, records) = try Self.publishedExample()
        defer { try? FileManager.default.removeItem(at: project.directory) }
        let directory = project.directory
        for (index, right) in [34, 27, 17, 8].enumerated() {
            let file = directory.appendingPathComponent("model-\(index).jsonl")
            try Self.answers(records, right: right, lean: index).write(to: file, atomically: true, encoding: .utf8)
            let imported = try Binary.run(["pilot", "import", file.path, "--model", "model-\(index)", "--release", "0.1.0"], in: directory)
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout == "model-\(index) on release 0.1.0: 39 answers added, 0 replaced, 0 unchanged\n")
        }
        let again = try Binary.run(["pilot", "import", "model-0.jsonl", "--model", "model-0", "--release", "0.1.0"], in: directory)
        #expect(again.stdout == "model-0 on release 0.1.0: 0 answers added, 0 replaced, 39 unchanged\n")

        // Other answers under the same name are refused whole, naming the line; --replace takes them.
        let changed = directory.appendingPathComponent("changed.jsonl")
        try Self.answers(records, right: 0, lean: 0).write(to: changed, atomically: true, encoding: .utf8)
        let refused = try Binary.run(["pilot", "import", changed.path, "--model", "model-0", "--release", "0.1.0"], in: directory)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("changed.jsonl:1: 'id': model-0 answered item"))
        #expect(refused.stderr.contains("and 33 more differently before (from model-0.jsonl); nothing was stored"))

        let report = try Binary.run(["pilot", "report", "--release", "0.1.0", "--json"], in: directory)
        #expect(report.status == 0, "\(report.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: Any]
        #expect(document["models"] as? [String] == ["model-0", "model-1", "model-2", "model-3"])
        let accuracy = (document["scores"] as! [[String: Any]]).filter {
            $0["subset"] as? String == "all" && $0["metric"] as? String == "accuracy" && $0["task"] as? String == "common_knowledge"
        }.map { $0["value"] as! Double }
        #expect(accuracy.map { ($0 * 34).rounded() } == [34, 27, 17, 8])
        // The pipeline's reference score (0.6 for common knowledge): two pass, two fail.
        let results = (document["references"] as! [[String: Any]]).map { $0["result"] as! String }
        #expect(results == ["pass", "pass", "fail", "fail"])
        let folder = directory.appendingPathComponent("build/example/pilot/release-0.1.0")
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<title>kornat-example pilot on release 0.1.0</title>") && html.contains("<svg"))
        let json = try Data(contentsOf: folder.appendingPathComponent("report.json"))
        #expect(try Binary.run(["pilot", "report", "--release", "0.1.0"], in: directory).status == 0)
        #expect(try Data(contentsOf: folder.appendingPathComponent("report.json")) == json)
        // The example asks for a ten-item information split.
        let split = try Data(contentsOf: folder.appendingPathComponent("information_split.jsonl"))
        #expect(JSONLines.lineRanges(of: split).count == 10)

        // Items every model got right are too easy: those in fact-check's pool are batched alone.
        let flagged = (document["items"] as! [[String: Any]]).filter { !($0["flags"] as! [String]).isEmpty }.map { $0["id"] as! String }
        #expect(!flagged.isEmpty)
        let opened = try Binary.run(["review", "open", "fact-check", "--pilot-flags", "--release", "0.1.0"], in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.hasPrefix("\(flagged.count) items flagged by the pilot on release 0.1.0\n"))
        let status = try JSONSerialization.jsonObject(with: Data(try Binary.run(["pilot", "report", "--release", "0.1.0", "--json"], in: directory).stdout.utf8)) as! [String: Any]
        let sent = (status["flag_reviews"] as? [[String: Any]] ?? []).map { $0["id"] as! String }
        #expect(!sent.isEmpty && Set(sent).isSubset(of: Set(flagged)))
        #expect((status["flag_reviews"] as! [[String: Any]]).allSatisfy { $0["outcome"] as? String == "pending" })
    }

    @Test func badFilesAndMissingAnswersAreClearErrors() throws {
        let (project, records) = try Self.publishedExample()
        defer { try? FileManager.default.removeItem(at: project.directory) }
        let directory = project.directory
        let bad = directory.appendingPathComponent("bad.jsonl")
        let first = Self.answers(records, right: 5, lean: 0).split(separator: "\n")[0]
        try "\(first)\n{\"id\": 7}\n{\"id\": \"ck-nope\", \"choice\": \"A\"}\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try Binary.run(["pilot", "import", bad.path, "--model", "m", "--release", "0.1.0", "--partial"], in: directory)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bad.jsonl:2: 'id': expected the item's id as a string"))
        #expect(refused.stderr.contains("bad.jsonl:3: 'id': unknown item id 'ck-nope': release 0.1.0 has no such item"))
        // Nothing was stored: there is nothing to report.
        let empty = try Binary.run(["pilot", "report", "--release", "0.1.0"], in: directory)
        #expect(empty.status != 0 && empty.stderr.contains("no pilot answers for release 0.1.0"))

        let partial = directory.appendingPathComponent("partial.jsonl")
        try "\(first)\n".write(to: partial, atomically: true, encoding: .utf8)
        let incomplete = try Binary.run(["pilot", "import", partial.path, "--model", "m", "--release", "0.1.0"], in: directory)
        #expect(incomplete.status != 0 && incomplete.stderr.contains("answers 1 of the 12 items of common_knowledge_ko/test in release 0.1.0"), "\(incomplete.stderr)")
        #expect(try Binary.run(["pilot", "import", partial.path, "--model", "m", "--release", "0.1.0", "--partial"], in: directory).status == 0)

        // The candidate is another target: the answers to 0.1.0 are not its.
        let candidate = try Binary.run(["pilot", "report"], in: directory)
        #expect(candidate.status != 0 && candidate.stderr.contains("no pilot answers for candidate ")
                && candidate.stderr.contains("answers are stored for: release 0.1.0 (1 models)"))
        let unknownVersion = try Binary.run(["pilot", "report", "--release", "9.9.9"], in: directory)
        #expect(unknownVersion.status != 0 && unknownVersion.stderr.contains("no published version 9.9.9 of kornat-example"))
    }
}
