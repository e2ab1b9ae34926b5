import Foundation
import Testing
import DatasetCore

/// Batch files as a reviewer fills them in: read, change some cells, write back.
enum BatchFile {
    static func fillCSV(_ url: URL, _ fill: (inout [String: String]) -> Void) throws {
        let table = try CSVTable(contentsOf: url, displayName: url.lastPathComponent).withHeader(required: ["item_id"])
        var lines = [table.columns.map(quoted).joined(separator: ",")]
        for row in table.rows {
            var cells = Dictionary(uniqueKeysWithValues: table.columns.map { ($0, table.value(row, $0)) })
            fill(&cells)
            lines.append(table.columns.map { quoted(cells[$0] ?? "") }.joined(separator: ","))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    static func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func fillJSONLines(_ url: URL, _ fill: (inout [String: Any]) -> Void) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            fill(&object)
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }
}

/// Drives the review commands of one project and checks each exits cleanly.
struct ReviewSession {
    let project: ProjectCopy

    @discardableResult
    func ok(_ arguments: [String]) throws -> String {
        let result = try Binary.run(arguments, in: project.directory)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// `review assign ROUND`, as (batch, reviewer) pairs.
    func assign(_ round: String) throws -> [(batch: String, reviewer: String)] {
        try ok(["review", "assign", round]).split(separator: "\n").compactMap { line in
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: "\t").map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }

    /// Exports each assignment, lets `fill` answer it, and imports it.
    func review(_ assignments: [(batch: String, reviewer: String)], format: String = "csv",
                csv: (String, inout [String: String]) -> Void = { _, _ in }, jsonl: (String, inout [String: Any]) -> Void = { _, _ in }) throws {
        for (batch, reviewer) in assignments {
            let path = "\(batch)-\(reviewer).\(format)"
            try ok(["review", "export", batch, "--reviewer", reviewer, "--format", format, "-o", path])
            let url = project.directory.appendingPathComponent(path)
            if format == "csv" { try BatchFile.fillCSV(url) { csv(reviewer, &$0) } } else { try BatchFile.fillJSONLines(url) { jsonl(reviewer, &$0) } }
            try ok(["review", "import", path])
        }
    }
}

@Suite(.serialized) struct ReviewCommandTests {
    @Test func theExampleGoesThroughEveryRoundFromTheCommandLine() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let session = ReviewSession(project: project)
        try session.ok(["run"])
        for id in ["kim", "lee", "park", "choi"] { try session.ok(["review", "reviewers", "add", id, "--name", "Reviewer \(id)"]) }
        for id in ["han", "yoon"] { try session.ok(["review", "reviewers", "add", id, "--role", "lead"]) }
        #expect(try session.ok(["review", "reviewers", "list"]).contains("han\tlead\than"))

        // fact-check: one item rejected by both reviewers, one split vote, one revision.
        #expect(try session.ok(["review", "open", "fact-check"]).hasPrefix("fact-check: 5 new batches, 27 items"))
        let assignments = try session.assign("fact-check")
        #expect(assignments.count == 10)
        let first = assignments[0].batch
        let exported = try session.ok(["review", "export", first, "--reviewer", assignments[0].reviewer])
        let ids = exported.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",")[2] }.map(String.init)
        let (rejected, split, revised) = (ids[0], ids[1], ids[2])
        let firstPair = assignments.filter { $0.batch == first }.map(\.reviewer)
        // The second reviewer takes their file before the first revises an item of it.
        let stalePath = "\(first)-\(firstPair[1])-early.csv"
        try session.ok(["review", "export", first, "--reviewer", firstPair[1], "-o", stalePath])
        try session.review(assignments) { reviewer, row in
            switch row["item_id"]! {
            case rejected: row["decision"] = "reject"; row["reason"] = "the key is wrong"
            case split: row["decision"] = reviewer == firstPair[0] ? "approve" : "reject"; row["reason"] = "ambiguous, \"two\" answers"
            case revised:
                if reviewer == firstPair[0] { row["decision"] = "revise"; row["revised_question"] = row["question"]! + " (고침)" }
            default: row["decision"] = "Approve"
            }
        }
        let closing = try session.ok(["review", "close", "fact-check"])
        #expect(closing.contains("fact-check: 24 approved, 1 rejected now"))
        #expect(closing.contains("1 items still need votes") && closing.contains("1 disagreements: \(split)"))
        #expect(closing.contains("new adjudication batch fact-check-adj-001 (1 items)"))
        let adjudication = try session.assign("fact-check")
        #expect(adjudication.count == 1 && ["han", "yoon"].contains(adjudication[0].reviewer))
        try session.review(adjudication) { _, row in row["decision"] = "approve" }
        #expect(try session.ok(["review", "open", "fact-check"]).hasPrefix("fact-check: 1 new batches, 1 items"))
        let recheck = try session.assign("fact-check")
        #expect(!recheck.contains { $0.reviewer == firstPair[0] })
        try session.review(recheck) { _, row in row["decision"] = "approve" }
        #expect(try session.ok(["review", "close", "fact-check"]).contains("fact-check is closed"))

        // Importing a file twice changes nothing; a late decision on the revised item's old text is
        // stale, and the file is refused whole.
        let before = try session.ok(["review", "audit"])
        #expect(try session.ok(["review", "import", "\(first)-\(firstPair[0]).csv"]).contains(": 0 decisions stored, \(ids.count) already stored"))
        // A file exported after the revision no longer offers the old text.
        #expect(!(try String(contentsOf: project.directory.appendingPathComponent("\(first)-\(firstPair[1]).csv"), encoding: .utf8)).contains(revised))
        try BatchFile.fillCSV(project.directory.appendingPathComponent(stalePath)) { row in
            if row["item_id"] == revised { row["decision"] = "approve" }
        }
        let stale = try Binary.run(["review", "import", stalePath], in: project.directory)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("'content_hash': stale: \(revised) was changed after batch \(first) was made (now version 2)"))
        #expect(try session.ok(["review", "audit"]) == before)

        // cultural-labels, in JSON Lines: Korean subjects need cultural knowledge, statistics none.
        #expect(try session.ok(["review", "open", "cultural-labels"]).contains("26 items"))
        try session.review(try session.assign("cultural-labels"), format: "jsonl", jsonl: { reviewer, line in
            line["decision"] = "approve"
            let korean = (line["subject"] as! String) != "statistics"
            line["labels"] = ["required_knowledge": korean ? (reviewer == "kim" ? ["cultural", "regional"] : ["cultural"]) : ["none"],
                              "time_sensitive": false, "country": korean ? "KR" : NSNull(), "region": NSNull()] as [String: Any]
        })
        #expect(try session.ok(["review", "close", "cultural-labels"]).contains("cultural-labels is closed"))

        // translation-check: the English translations, each beside its Korean item, approved as they are.
        #expect(try session.ok(["review", "open", "translation-check"]).contains("14 items"))
        try session.review(try session.assign("translation-check")) { _, row in row["decision"] = "approve" }
        #expect(try session.ok(["review", "close", "translation-check"]).contains("translation-check is closed"))

        // final: a lead looks at everything, social-value items included.
        #expect(try session.ok(["review", "open", "final"]).contains("46 items"))
        try session.review(try session.assign("final")) { _, row in row["decision"] = "approve" }
        #expect(try session.ok(["review", "close", "final"]).contains("final is closed"))

        let status = try session.ok(["review", "status"])
        #expect(status.contains("fact-check (closed): 27 items, 26 approved, 1 rejected"))
        #expect(status.contains("final (closed): 46 items, 46 approved, 0 rejected"))
        // Votes and each reviewer's progress, as the batches and decisions give them.
        #expect(status.contains("1 rejected; 56/57 votes in 7 batches\n  choi: 10/10 in 1 batches\n  han: 9/10 in 1 batches\n"))
        #expect(status.contains("0 rejected; 78/78 votes in 5 batches\n  choi: 16/16 in 4 batches\n  kim: 22/22 in 3 batches\n"))
        #expect(status.contains("final (closed): 46 items, 46 approved, 0 rejected; 46/46 votes in 5 batches\n  han: 23/23 in 2 batches\n"))
        let agreement = try session.ok(["review", "agreement", "fact-check"])
        #expect(agreement.contains("decision\tall\t27\t"))
        let labels = try session.ok(["review", "agreement", "cultural-labels"])
        #expect(labels.contains("cultural_sensitivity\tall\t26\t1.000 [1.000, 1.000]\t-\t1.000 ± 0.000\t1.000 (26)"))
        #expect(labels.contains("required_knowledge=regional\tall\t26\t"))
        #expect(try session.ok(["review", "audit", "--verify"]).hasPrefix("audit log verified:"))

        // The release takes the reviewed items: labels, the revision, every vote.
        #expect(try session.ok(["run"]).contains("  review   ran     in 47, out 46, set aside 1 (rejected 1)"))
        let candidate = project.directory.appendingPathComponent("build/example/release")
        // The data files are the config folders' (exports/ holds other benchmarks' layouts).
        let released = try FileManager.default.subpathsOfDirectory(atPath: candidate.path)
            .filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix("reports") && !$0.hasPrefix("exports") }
            .flatMap { try JSONLines.read(Item.self, from: candidate.appendingPathComponent($0)) }
        #expect(released.count == 46)
        #expect(!released.contains { $0.id == rejected })
        #expect(released.allSatisfy { $0.review.status == "approved" && !$0.review.votes.isEmpty })
        let revisedItem = try #require(released.first { $0.id == revised })
        #expect(revisedItem.question.hasSuffix(" (고침)") && revisedItem.review.version == 2)
        let knowledge = released.filter { $0.task == .commonKnowledge && $0.translation == nil }
        // Translations carry their Korean item's labels and went through their own round.
        let translations = released.filter { $0.translation != nil }
        #expect(!translations.isEmpty && translations.allSatisfy { translation in
            let original = knowledge.first { $0.id == translation.group }
            return translation.translation?.labelsFrom == "source" && translation.review.rounds == ["translation-check", "final"]
                && original?.culturalSensitivity == translation.culturalSensitivity && original?.country == translation.country
                && original?.answer == translation.answer && translation.language == "en"
        })
        #expect(knowledge.filter { $0.subject == "statistics" }.allSatisfy { $0.culturalSensitivity == .agnostic && $0.requiredKnowledge == ["none"] })
        #expect(knowledge.filter { $0.subject != "statistics" }.allSatisfy { $0.culturalSensitivity == .sensitive && $0.country == "KR" })
        #expect(knowledge.allSatisfy { $0.review.rounds == ["fact-check", "cultural-labels", "final"] && $0.timeSensitive == false })

        // Same inputs, same pipeline, same review database: the same release, byte for byte.
        let snapshot = try project.snapshot("build/example/release")
        try FileManager.default.removeItem(at: project.directory.appendingPathComponent("build"))
        try session.ok(["run"])
        #expect(try project.snapshot("build/example/release") == snapshot)
    }

    @Test func reviewCommandsRefuseUnknownRoundsBatchesAndReviewers() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let session = ReviewSession(project: project)
        let early = try Binary.run(["review", "open", "fact-check"], in: project.directory)
        #expect(early.status == 1 && early.stderr.contains("no items have reached review: run `build-dataset run --until review` first"))
        try session.ok(["run", "--until", "review"])
        try session.ok(["review", "reviewers", "add", "kim"])
        let cases: [([String], String)] = [
            (["review", "open", "fact-chek"], "unknown round 'fact-chek' (the pipeline declares: fact-check, cultural-labels, translation-check, final)"),
            (["review", "reviewers", "add", "kim"], "reviewer 'kim' already exists"),
            (["review", "reviewers", "add", "x y"], "reviewer id 'x y' must be letters"),
            (["review", "export", "fact-check-009", "--reviewer", "kim"], "unknown batch 'fact-check-009'"),
            (["review", "import", "missing.csv"], "missing.csv"),
            (["review", "import", "votes.txt"], "votes.txt: a batch file must end in .csv or .jsonl"),
            (["review", "reviewers", "link", "nobody"], "unknown reviewer 'nobody'"),
            (["review", "reviewers", "link", "kim", "--link-days", "0"], "--link-days must be at least 1"),
            (["review", "reviewers", "link", "kim", "--url", "127.0.0.1:8080"], "--url must be an http:// or https:// address"),
            (["review", "serve", "--port", "70000"], "--port must be between 0 and 65535, not 70000"),
            (["review", "serve", "--session-hours", "0"], "--session-hours must be above 0"),
            (["review", "serve", "--idle-seconds", "0"], "--idle-seconds must be at least 1"),
            (["review", "serve", "--max-connections", "0"], "--max-connections must be at least 1"),
            (["review", "serve", "--public-url", "ftp://x"], "--public-url must be an http:// or https:// address"),
        ]
        try project.write("x", to: "votes.txt")
        for (arguments, message) in cases {
            let result = try Binary.run(arguments, in: project.directory)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        try session.ok(["review", "open", "fact-check"])
        let wrong = try Binary.run(["review", "export", "fact-check-001", "--reviewer", "kim"], in: project.directory)
        #expect(wrong.status == 1 && wrong.stderr.contains("kim is not assigned to batch fact-check-001"))
    }
}
