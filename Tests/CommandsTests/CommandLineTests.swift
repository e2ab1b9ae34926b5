import Foundation
import Testing
import DatasetCore

@Suite(.serialized) struct CommandLineTests {
    @Test func runBuildsTheExampleAndReleasePublishesItOnce() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let run = try Binary.run(["run"], in: project.directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("pipeline example (pipelines/example.yaml)"))
        #expect(run.stdout.contains("  validate ran     in 55, out 49, set aside 6 (answer_in_stem 1, choice_count 2, needs_key 3)"))
        #expect(run.stdout.contains("release candidate: build/example/release/"))

        let release = try Binary.run(["release", "--version", "0.1.0"], in: project.directory)
        #expect(release.status == 0, "\(release.stderr)")
        #expect(release.stdout == "published kornat-example 0.1.0: releases/kornat-example/0.1.0/\n")
        let published = try project.snapshot("releases")

        let again = try Binary.run(["release", "--version", "0.1.0"], in: project.directory)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists; a published version is never rewritten"))
        #expect(try project.snapshot("releases") == published)
    }

    @Test func anInputThatLinksOutsideTheProjectIsRefusedAndNotRead() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).csv")
        try Data("secret line that must not be printed\n".utf8).write(to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        let tallies = project.directory.appendingPathComponent("raw/survey/tallies.csv")
        try FileManager.default.removeItem(at: tallies)
        try FileManager.default.createSymbolicLink(at: tallies, withDestinationURL: outside)
        for command in [["check"], ["run"]] {
            let result = try Binary.run(command, in: project.directory)
            #expect(result.status != 0)
            #expect(result.stderr.contains("pipelines/example.yaml:12"), "\(result.stderr)")
            #expect(result.stderr.contains("'raw/survey/tallies.csv' leads to \(outside.resolvingSymlinksInPath().path), outside the project"), "\(result.stderr)")
            #expect(!result.stdout.contains("secret") && !result.stderr.contains("secret"))
        }
        // Naming the folder in the pipeline allows it (the tallies are then read, and wrong).
        var pipeline = try String(contentsOf: project.pipeline, encoding: .utf8)
        pipeline = pipeline.replacingOccurrences(of: "\nsources:\n", with: "\ninputs_outside_project: [\(outside.deletingLastPathComponent().path)]\nsources:\n")
        try project.write(pipeline, to: "pipelines/example.yaml")
        let allowed = try Binary.run(["check"], in: project.directory)
        #expect(!allowed.stderr.contains("outside the project"), "\(allowed.stderr)")
        #expect(allowed.stderr.contains("raw/survey/tallies.csv"))
    }

    @Test func twoPublishersOfOneVersionAtOnceLeaveOneWholeRelease() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        for _ in 0..<3 {
            let version = "0.\(Int.random(in: 1...999)).0"
            let processes = try (0..<2).map { _ in try Binary.start(["release", "--version", version], in: project.directory) }
            var outcomes: [(status: Int32, stderr: String)] = []
            for process in processes {
                let stderr = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                outcomes.append((process.terminationStatus, stderr))
            }
            #expect(outcomes.filter { $0.status == 0 }.count == 1, "\(outcomes)")
            #expect(outcomes.contains { $0.status != 0 && $0.stderr.contains("already exists") }, "\(outcomes)")
            let release = "releases/kornat-example/\(version)"
            let verified = try Binary.run(["verify", release], in: project.directory)
            #expect(verified.status == 0, "\(verified.stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: project.directory.appendingPathComponent("releases/kornat-example").path)
            #expect(!left.contains { $0.hasPrefix(".\(version).") }, "no staging folder is left: \(left)")
            try FileManager.default.removeItem(at: project.directory.appendingPathComponent(release))
        }
        // A version folder without its manifest (an interrupted publish of an older tool) is explained.
        let broken = project.directory.appendingPathComponent("releases/kornat-example/9.0.0")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        let result = try Binary.run(["release", "--version", "9.1.0"], in: project.directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("kornat-example/9.0.0: the published version has no manifest.json: it was left half-published"), "\(result.stderr)")
    }

    @Test func aBadPipelineFailsCheckAndRunAndChangesNothing() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        #expect(try Binary.run(["release", "--version", "1.0.0"], in: project.directory).status == 0)
        let build = try project.snapshot("build"), releases = try project.snapshot("releases")

        var text = try String(contentsOf: project.directory.appendingPathComponent("pipelines/example.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "    tallies: raw/survey/tallies.csv", with: "    talies: raw/survey/tallies.csv")
            .replacingOccurrences(of: "{name: dev, per_subject: 1}", with: "{name: dev, per_subject: [1]}")
            .replacingOccurrences(of: "raw/items/korean-knowledge.xml", with: "raw/items/gone.xml")
        try project.write(text, to: "pipelines/broken.yaml")
        for command in [["check", "-p", "pipelines/broken.yaml"], ["run", "--pipeline", "pipelines/broken.yaml"],
                        ["release", "-p", "pipelines/broken.yaml", "--version", "2.0.0"]] {
            let result = try Binary.run(command, in: project.directory)
            #expect(result.status == 1, "\(command)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("error: pipelines/broken.yaml:12: 'sources[0].talies': unknown key (did you mean 'tallies'?)"))
            #expect(result.stderr.contains("error: pipelines/broken.yaml:9:5: 'sources[0].tallies': missing required key"))
            #expect(result.stderr.contains("error: pipelines/broken.yaml:42:11: 'sources[3].path': file 'raw/items/gone.xml' does not exist"))
            #expect(result.stderr.contains("'stages.release.splits[0].per_subject': wrong type: expected a whole number, found a list"))
            #expect(result.stderr.contains("4 problems"))
        }
        #expect(try project.snapshot("build") == build)
        #expect(try project.snapshot("releases") == releases)
    }

    @Test func checkPassesOnTheExampleAndWritesNothing() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let result = try Binary.run(["check"], in: project.directory)
        #expect(result.status == 0)
        #expect(result.stdout == "pipelines/example.yaml: ok (5 sources, 9 input files)\n")
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build").path))
    }

    @Test func aMissingPipelineFileAndAnUnknownStageAreClearErrors() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let missing = try Binary.run(["run", "-p", "pipelines/nope.yaml"], in: project.directory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: pipelines/nope.yaml: pipeline file does not exist\n")
        let stage = try Binary.run(["run", "--until", "lable"], in: project.directory)
        #expect(stage.status != 0)
        // The parser names the option and lists the stages (as --help and completion do).
        #expect(stage.stderr.contains("'lable'") && stage.stderr.contains("ingest") && stage.stderr.contains("release"))
    }

    @Test(arguments: [["--help"], ["run", "--help"], ["check", "--help"], ["release", "--help"]])
    func helpExplainsEachCommand(arguments: [String]) throws {
        let result = try Binary.run(arguments, in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: build-dataset"))
        #expect(result.stdout.contains("OVERVIEW:"))
    }

    @Test func aRunKilledAtAnyPointAndStartedAgainGivesTheSameBytes() throws {
        let reference = try ProjectCopy()
        defer { reference.remove() }
        let started = Date()
        #expect(try Binary.run(["run"], in: reference.directory).status == 0)
        let duration = Date().timeIntervalSince(started)
        let expected = try reference.snapshot("build/example/release")

        let project = try ProjectCopy()
        defer { project.remove() }
        // Kill with SIGKILL at points spread over a whole run, each time resuming the last one.
        var killed = 0
        for step in 0..<12 {
            let process = try Binary.start(["run"], in: project.directory)
            Thread.sleep(forTimeInterval: duration * Double(step) / 12)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
            }
            process.waitUntilExit()
        }
        #expect(killed > 0)
        let final = try Binary.run(["run"], in: project.directory)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try project.snapshot("build/example/release") == expected)
        // No staging leftovers are trusted or left behind in the release candidate.
        let names = try FileManager.default.contentsOfDirectory(atPath: project.directory.appendingPathComponent("build/example").path)
        #expect(names.filter { $0.hasPrefix(".") && $0 != ".lock" }.isEmpty, "\(names)")
    }
}

@Suite struct VerifyAndDiffCommandTests {
    /// A copy of the example, run and published as 0.1.0 (releases/kornat-example/0.1.0).
    static func publishedExample() throws -> ProjectCopy {
        let project = try ProjectCopy()
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        #expect(try Binary.run(["release", "--version", "0.1.0"], in: project.directory).status == 0)
        return project
    }

    @Test func verifyPassesAPublishedReleaseAndCatchesAChangedByteInAnyFile() throws {
        let project = try Self.publishedExample()
        defer { project.remove() }
        let release = "releases/kornat-example/0.1.0"
        let ok = try Binary.run(["verify", release], in: project.directory)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("\(release): ok (6 data files"))
        for file in ["common_knowledge_ko/test.jsonl", "common_knowledge_en/dev.jsonl", "social_value/dev.jsonl", "CHANGELOG.md"] {
            let url = project.directory.appendingPathComponent("\(release)/\(file)")
            let original = try Data(contentsOf: url)
            var changed = original
            changed[changed.count / 2] ^= 0x01
            try changed.write(to: url)
            let result = try Binary.run(["verify", release], in: project.directory)
            #expect(result.status == 1, "\(file)")
            #expect(result.stderr.contains("\(release)/\(file): SHA-256"), "\(result.stderr)")
            try original.write(to: url)
        }
    }

    @Test func verifyChecksEachRecordAsWrittenAgainstTheSchemaAndNamesALineThatIsNoItem() throws {
        let project = try Self.publishedExample()
        defer { project.remove() }
        let release = "releases/kornat-example/0.1.0", file = "common_knowledge_ko/test.jsonl"
        let url = project.directory.appendingPathComponent("\(release)/\(file)")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A field the item schema does not have (reading it as an item would drop it), and a line that is no JSON.
        lines[0] = "{\"extra\":1," + lines[0].dropFirst()
        lines[1] = "{not json"
        let data = Data(lines.joined(separator: "\n").utf8)
        try data.write(to: url)
        // The manifest is made to agree, as someone republishing by hand would.
        let manifestURL = project.directory.appendingPathComponent("\(release)/manifest.json")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        manifest["files"] = (manifest["files"] as? [[String: Any]])?.map { entry in
            guard entry["path"] as? String == file else { return entry }
            var entry = entry
            entry["sha256"] = Hashing.sha256Hex(data)
            entry["bytes"] = data.count
            return entry
        }
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let result = try Binary.run(["verify", release], in: project.directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(release)/\(file):2"), "\(result.stderr)")
        #expect(result.stderr.contains("item.schema.json") && result.stderr.contains("extra"), "\(result.stderr)")
        #expect(!result.stderr.contains("SHA-256"), "\(result.stderr)")
    }

    @Test func verifyReadsNothingOutsideTheReleaseAndReportsEveryFileTheManifestDoesNotList() throws {
        let project = try Self.publishedExample()
        defer { project.remove() }
        let release = "releases/kornat-example/0.1.0"
        let directory = project.directory.appendingPathComponent(release)
        try Data("a note\n".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let manifestURL = directory.appendingPathComponent("manifest.json")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        var documents = try #require(manifest["documents"] as? [[String: Any]])
        documents.append(["path": "../../../pipelines/example.yaml", "sha256": String(repeating: "0", count: 64), "bytes": 1])
        manifest["documents"] = documents
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let result = try Binary.run(["verify", release], in: project.directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(release)/../../../pipelines/example.yaml: outside the release directory; not read"), "\(result.stderr)")
        #expect(result.stderr.contains("\(release)/notes.txt: not listed in the manifest"), "\(result.stderr)")
        #expect(!result.stderr.contains("example.yaml: SHA-256"))
    }

    @Test func diffAndReleaseNameTheStepAChangeNeeds() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        #expect(try Binary.run(["release", "--version", "1.0.0"], in: project.directory).status == 0)
        // Drop one authored item from the source: a removal, so a major version.
        let items = project.directory.appendingPathComponent("raw/items/korean-knowledge.xml")
        var text = try String(contentsOf: items, encoding: .utf8)
        let start = text.range(of: "<item id=\"ko-003\"")!.lowerBound
        let end = text.range(of: "</item>", range: start..<text.endIndex)!.upperBound
        text.removeSubrange(start..<end)
        try Data(text.utf8).write(to: items)
        // A translation names the item it translates: without its item it is an error with its line.
        let failed = try Binary.run(["run"], in: project.directory)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("raw/translations/korean-items.en.csv:14: 'id': no item has id 'ck-63fff5844665a88b'"), "\(failed.stderr)")
        let translations = project.directory.appendingPathComponent("raw/translations/korean-items.en.csv")
        let rows = try String(contentsOf: translations, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try Data(rows.filter { !$0.hasPrefix("ck-63fff5844665a88b,") }.joined(separator: "\n").utf8).write(to: translations)
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        let diff = try Binary.run(["diff", "releases/kornat-example/1.0.0", "build/example/release"], in: project.directory)
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("needs a major version"))
        #expect(diff.stdout.contains("  removed: 2\n"))
        let minor = try Binary.run(["release", "--version", "1.1.0"], in: project.directory)
        #expect(minor.status == 1)
        #expect(minor.stderr.contains("1.0.0 → 1.1.0 is too small a step: the changes need a major version"))
        let major = try Binary.run(["release", "--version", "2.0.0"], in: project.directory)
        #expect(major.status == 0, "\(major.stderr)")
    }
}
