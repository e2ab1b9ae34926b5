import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import DatasetCore
import GRDB
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
        try ReviewStore(url: database).decisions().count
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
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        let watcher = try DatabaseQueue(path: database.path, configuration: configuration)
        var inTransaction = false
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            do {
                try watcher.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE; ROLLBACK") }
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
        #expect(try DatabaseQueue(path: database.path).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        #expect(try after.decisionStateHash() == state)
        #expect(try after.auditEntries().count == entries)
        #expect(try decisionCount(database) == 0)
        #expect(try after.verifyAudit().isEmpty)
        // The same file goes in whole afterwards.
        let again = try Binary.run(["review", "import", files[0], "-p", "pipelines/bulk.yaml"], in: project.directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try decisionCount(database) == 3000)
    }

    /// The review page and the command line over one database at once: a reviewer decides in the
    /// page while another batch is imported from a file, and the server stops cleanly on SIGINT.
    @Test func theReviewPageServesWhileTheCommandLineImports() async throws {
        let (project, database, files) = try bulkProject(count: 4, batchSize: 2)
        defer { project.remove() }
        let link = try ReviewSession(project: project).ok(["review", "reviewers", "link", "kim", "-p", "pipelines/bulk.yaml"])
        let token = try #require(link.split(separator: "/").last?.trimmingCharacters(in: .whitespacesAndNewlines))

        let server = try Binary.start(["review", "serve", "--port", "0", "-p", "pipelines/bulk.yaml"], in: project.directory)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        // The first line says where it listens.
        var output = Data()
        let stdout = (server.standardOutput as! Pipe).fileHandleForReading
        while !output.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        let line = String(decoding: output, as: UTF8.self)
        let origin = try #require(line.firstMatch(of: /http:\/\/127\.0\.0\.1:[0-9]+/).map { String($0.0) }, "\(line)")
        // Links printed while it serves point at the port it took, not a default one.
        let second = try ReviewSession(project: project).ok(["review", "reviewers", "link", "lee", "-p", "pipelines/bulk.yaml"])
        #expect(second.contains(" \(origin)/sign-in/"), "\(second)")

        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        func send(_ path: String, cookie: String? = nil, form: String? = nil) async throws -> (HTTPResponseStatus, HTTPHeaders, String) {
            var request = HTTPClientRequest(url: origin + path)
            if let cookie { request.headers.add(name: "Cookie", value: cookie) }
            if let form {
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: form))
            }
            let response = try await client.execute(request, timeout: .seconds(30))
            return (response.status, response.headers, String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        do {
            let (status, headers, _) = try await send("/sign-in/\(token)")
            #expect(status == .seeOther)
            let cookie = try #require(headers.first(name: "Set-Cookie")?.split(separator: ";").first.map(String.init))
            let (_, _, home) = try await send("/", cookie: cookie)
            let batch = try #require(home.firstMatch(of: /href="\/batches\/([^"]+)"/)?.1)
            let (_, _, card) = try await send("/batches/\(batch)/items/1", cookie: cookie)
            let csrf = try #require(card.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1)
            let hash = try #require(card.firstMatch(of: /name="content_hash" value="([^"]+)"/)?.1)
            let action = try #require(card.firstMatch(of: /action="([^"]+\/decision)"/)?.1)

            // lee's batch goes in from the command line while the page is being served.
            let lees = try #require(files.first { $0.hasSuffix("-lee.jsonl") })
            let imported = try Binary.run(["review", "import", lees, "-p", "pipelines/bulk.yaml"], in: project.directory)
            #expect(imported.status == 0, "\(imported.stderr)")

            let (decided, _, body) = try await send(String(action), cookie: cookie, form: "csrf=\(csrf)&content_hash=\(hash)&decision=approve")
            #expect(decided == .seeOther, "\(body)")
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()

        kill(server.processIdentifier, SIGINT)
        for _ in 0..<100 where server.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.isRunning && server.terminationStatus == 0)
        let store = try ReviewStore(url: database)
        let byReviewer = Dictionary(grouping: try store.decisions(), by: \.reviewer)
        #expect(byReviewer.keys.sorted().map { "\($0) \(byReviewer[$0]!.count)" } == ["kim 1", "lee 2"])
        #expect(try store.verifyAudit().isEmpty)
    }
}
