import Foundation
import Testing
import DatasetCore
import ReviewStore

/// Imports by real processes against one review database: at the same time, and killed midway.
@Suite(.serialized) struct ReviewImportProcessTests {
    /// A project whose `bulk` pipeline has one round and `count` registered items in batches of
    /// `batchSize`, each batch assigned (kim first), with a filled-in JSONL file per batch.
    func bulkProject(count: Int, batchSize: Int) throws -> (ProjectCopy, URL, [String]) {
        let project = try ProjectCopy()
        var text = try String(contentsOf: project.pipeline, encoding: .utf8)
        let start = text.range(of: "  review:\n")!.lowerBound, end = text.range(of: "  release:\n    splits:")!.lowerBound
        text.replaceSubrange(start..<end, with: "  review:\n    rounds:\n      - {name: bulk, reviewers: 1, batch_size: \(batchSize)}\n")
        text = text.replacingOccurrences(of: "name: example\n", with: "name: bulk\n")
        try project.write(text, to: "pipelines/bulk.yaml")
        let database = project.directory.appendingPathComponent("data/review/bulk.sqlite")
        do {
            let store = try ReviewStore(url: database)
            let items = (0..<count).map { index in
                Item(id: String(format: "ck-%016x", index), task: .commonKnowledge, subject: "bulk", language: "ko",
                     question: "문항 \(index)번의 질문은 무엇입니까?", choices: ["가", "나", "다", "라"], answer: "A", choicesOrdered: false,
                     source: ItemSource(kind: "authored", sourceID: "bulk", document: "bulk.xml", element: "q\(index)", license: nil,
                                        revision: String(repeating: "0", count: 64)))
            }
            try store.register(items, actor: "test")
            for id in ["kim", "lee"] { try store.addReviewer(Reviewer(id: id, name: id, role: .reviewer), actor: "test") }
        }
        let session = ReviewSession(project: project)
        try session.ok(["review", "open", "bulk", "-p", "pipelines/bulk.yaml"])
        var files: [String] = []
        for (batch, reviewer) in try session.ok(["review", "assign", "bulk", "-p", "pipelines/bulk.yaml"]).split(separator: "\n")
            .compactMap({ line -> (String, String)? in
                let parts = line.trimmingCharacters(in: .whitespaces).split(separator: "\t").map(String.init)
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }) {
            let path = "\(batch)-\(reviewer).jsonl"
            try session.ok(["review", "export", batch, "--reviewer", reviewer, "--format", "jsonl", "-o", path, "-p", "pipelines/bulk.yaml"])
            try BatchFile.fillJSONLines(project.directory.appendingPathComponent(path)) { $0["decision"] = "approve" }
            files.append(path)
        }
        return (project, database, files)
    }

    func decisionCount(_ database: URL) throws -> Int {
        Int(try SQLiteDatabase(path: database.path).query("SELECT COUNT(*) FROM decisions").first?.first?.integer ?? -1)
    }

    @Test func twoProcessesImportingDifferentBatchesAtOnceBothSucceed() throws {
        let (project, database, files) = try bulkProject(count: 2000, batchSize: 1000)
        defer { project.remove() }
        #expect(files.count == 2)
        let processes = try files.map { try Binary.start(["review", "import", $0, "-p", "pipelines/bulk.yaml"], in: project.directory) }
        for process in processes {
            let stderr = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(String(decoding: stderr, as: UTF8.self))")
        }
        #expect(try decisionCount(database) == 2000)
        #expect(try ReviewStore(url: database).verifyAudit().isEmpty)
    }

    @Test func anImportKilledInTheMiddleLeavesTheDatabaseAsItWas() throws {
        let (project, database, files) = try bulkProject(count: 3000, batchSize: 3000)
        defer { project.remove() }
        let before = try ReviewStore(url: database)
        let state = try before.decisionStateHash(), entries = try before.auditEntries().count

        let process = try Binary.start(["review", "import", files[0], "-p", "pipelines/bulk.yaml"], in: project.directory)
        // Watch for the import's write transaction: while it is open, nobody else can begin one.
        let watcher = try SQLiteDatabase(path: database.path)
        watcher.setBusyTimeout(milliseconds: 0)
        var inTransaction = false
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            do {
                try watcher.execute("BEGIN IMMEDIATE")
                try watcher.execute("ROLLBACK")
                usleep(500)
            } catch {
                inTransaction = true
                break
            }
        }
        #expect(inTransaction, "the import finished before its transaction was seen")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let after = try ReviewStore(url: database)
        #expect(try after.database.query("PRAGMA integrity_check").first?.first?.text == "ok")
        #expect(try after.decisionStateHash() == state)
        #expect(try after.auditEntries().count == entries)
        #expect(try decisionCount(database) == 0)
        #expect(try after.verifyAudit().isEmpty)
        // The same file goes in whole afterwards.
        let again = try Binary.run(["review", "import", files[0], "-p", "pipelines/bulk.yaml"], in: project.directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try decisionCount(database) == 3000)
    }
}
