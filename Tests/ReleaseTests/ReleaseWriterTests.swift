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

@Suite struct VersioningTests {
    func candidate(_ items: [String: [Item]], in root: URL) throws -> URL {
        let directory = root.appendingPathComponent("candidate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ReleaseWriter.writeCandidate(splits: items, metadata: metadata, to: directory)
        return directory
    }

    @Test func theDiffSortsChangesAndNamesTheVersionStepTheyNeed() {
        let a = sampleItem("ck-1"), b = sampleItem("ck-2"), c = sampleItem("ck-3")
        var answer = b
        answer.answer = "B"
        var text = c
        text.question = "고친 질문"
        var label = a
        label.culturalSensitivity = .sensitive
        let diff = ReleaseDiff.compare(old: [(a, "test"), (b, "test"), (c, "test")],
                                       new: [(label, "test"), (answer, "test"), (text, "test"), (sampleItem("ck-4"), "dev")])
        #expect(diff.added == ["ck-4"])
        #expect(diff.changedAnswer == ["ck-2"])
        #expect(diff.changedText == ["ck-3"])
        #expect(diff.changedLabels == ["ck-1"])
        #expect(diff.requiredBump == .major)
        #expect(ReleaseDiff.compare(old: [(a, "test")], new: [(a, "test"), (b, "test")]).requiredBump == .minor)
        var reordered = a
        reordered.choices = a.choices.reversed()
        reordered.answer = Item.letter(a.choices.count - 1)
        let metadataOnly = ReleaseDiff.compare(old: [(a, "test")], new: [(reordered, "dev")])
        #expect(metadataOnly.changedMetadata == ["ck-1"] && metadataOnly.requiredBump == .patch)
        #expect(metadataOnly.changes["ck-1"]?.map(\.field) == ["answer", "choices", "split"])
    }

    @Test func aNewHashOfTheRawFileAloneIsNoChange() {
        let a = sampleItem("ck-1")
        var rehashed = a
        rehashed.source.revision = String(repeating: "f", count: 64)
        let diff = ReleaseDiff.compare(old: [(a, "test")], new: [(rehashed, "test")])
        #expect(diff.isEmpty && diff.requiredBump == .patch)
        #expect(diff.changelogEntry(version: "1.0.1", previous: "1.0.0", allowReason: nil).contains("0 with other changes"))
    }

    @Test func theChangelogShowsEachChangedFieldBeforeAndAfter() {
        let a = sampleItem("ck-1"), b = sampleItem("ck-2")
        var reworded = a
        reworded.question = "고친 *질문*"
        reworded.review.version = 2
        let diff = ReleaseDiff.compare(old: [(a, "test"), (b, "test")], new: [(reworded, "test"), (sampleItem("ck-3"), "test")])
        #expect(diff.changedText == ["ck-1"] && diff.requiredBump == .major)
        #expect(diff.changes["ck-1"] == [FieldChange(field: "question", before: "“\(a.question)”", after: "“고친 *질문*”"),
                                         FieldChange(field: "review.version", before: "1", after: "2")])
        let entry = diff.changelogEntry(version: "2.0.0", previous: "1.0.0", allowReason: nil)
        #expect(entry.contains("### Changed text\n\n- `ck-1`\n  - question: “\(a.question)” → “고친 \\*질문\\*”\n  - review.version: 1 → 2\n"))
        #expect(entry.contains("### Removed\n\n- `ck-2` \(b.subject): \(b.question)\n"))
        #expect(entry.contains("### Added\n\n- `ck-3` "))
    }

    @Test func aTooSmallVersionStepIsRefusedUnlessAllowedWithAReason() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let releases = root.appendingPathComponent("releases")
        let first = try candidate(["test": [sampleItem("ck-1"), sampleItem("ck-2")]], in: root)
        let published = try ReleaseWriter.publish(candidate: first, releasesRoot: releases, version: "1.0.0")
        #expect(try String(contentsOf: published.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
                .hasPrefix("# Changelog\n\n## 1.0.0\n\nFirst release: 2 added"))
        #expect(try ReleaseWriter.verify(published).isEmpty)

        // ck-2 removed: a major step is needed.
        let second = try candidate(["test": [sampleItem("ck-1"), sampleItem("ck-3")]], in: root)
        for version in ["1.1.0", "1.0.1"] {
            #expect(throws: ReleaseWriter.PublishError.self) {
                try ReleaseWriter.publish(candidate: second, releasesRoot: releases, version: version)
            }
        }
        #expect(throws: ReleaseWriter.PublishError.notNewer(version: "0.9.0", latest: "1.0.0")) {
            try ReleaseWriter.publish(candidate: second, releasesRoot: releases, version: "0.9.0")
        }
        let allowed = try ReleaseWriter.publish(candidate: second, releasesRoot: releases, version: "1.1.0",
                                                allowReason: "ck-2 was a duplicate of ck-1")
        let changelog = try String(contentsOf: allowed.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        #expect(changelog.contains("## 1.1.0\n\nChanges from 1.0.0: 1 added, 1 removed"))
        #expect(changelog.contains("although these changes call for a major version: ck-2 was a duplicate of ck-1"))
        #expect(changelog.contains("### Removed\n\n- `ck-2`"))
        #expect(changelog.contains("## 1.0.0"))
        #expect(try ReleaseWriter.publish(candidate: second, releasesRoot: releases, version: "2.0.0").lastPathComponent == "2.0.0")
    }

    @Test func verifyCatchesAChangedChangelog() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let published = try ReleaseWriter.publish(candidate: try candidate(["test": [sampleItem("ck-1")]], in: root),
                                                  releasesRoot: root.appendingPathComponent("releases"), version: "0.1.0")
        try Data("# Changelog\n\nrewritten\n".utf8).write(to: published.appendingPathComponent("CHANGELOG.md"))
        #expect(try ReleaseWriter.verify(published).contains { $0.hasPrefix("CHANGELOG.md:") })
    }
}

@Suite struct ReleaseDocumentsTests {
    @Test func publishWritesACardCroissantAndHarnessTasksThatMatchTheManifest() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let candidate = root.appendingPathComponent("candidate")
        try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: true)
        var social = sampleItem("sv-1", task: .socialValue)
        social.survey = SurveyResult(distribution: [0.5, 0.5, 0, 0], distributionWithNonresponse: [0.5, 0.5, 0, 0], nonresponseOptions: [],
                                     distribution3: nil, scale3: nil, n: 100, nEffective: 90, marginOfError: 0.1, contested: false,
                                     weighting: "raking(region)")
        try ReleaseWriter.writeCandidate(splits: ["dev": [sampleItem("ck-1")], "test": [sampleItem("ck-2"), social]], metadata: metadata, to: candidate)
        let day = Date(timeIntervalSince1970: 1_795_000_000)
        let published = try ReleaseWriter.publish(candidate: candidate, releasesRoot: root.appendingPathComponent("releases"),
                                                  version: "1.0.0", description: "A test benchmark.", publishedOn: day)
        let manifest = try ReleaseManifest.read(from: published.appendingPathComponent("manifest.json"))
        #expect(manifest.documents.map(\.path) == ["CHANGELOG.md", "README.md", "croissant.json", "lm_eval/bench.yaml",
                                                   "lm_eval/bench_common_knowledge.yaml", "lm_eval/bench_common_knowledge_choice_text.yaml",
                                                   "lm_eval/bench_social_value.yaml", "lm_eval/utils.py", "report.html"])
        let report = try String(contentsOf: published.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<h2 id=\"composition\">Items per subject and split</h2>\n<svg"))
        #expect(report.contains("<h2 id=\"answers\">Answer positions per subject</h2>"))
        #expect(report.contains("<h2 id=\"survey\">Social-value distributions</h2>"))
        #expect(report.contains("margin of error of the modal share ±10 points"))
        #expect(report.contains("<title>bench 1.0.0 build report</title>"), "the published report names its version")
        #expect(try ReleaseWriter.verify(published).isEmpty)

        let card = try String(contentsOf: published.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(card.hasPrefix("---\npretty_name: bench\nlicense: cc-by-4.0\nlanguage:\n- ko\n"))
        #expect(card.contains("- config_name: common_knowledge\n  default: true\n  data_files:\n  - split: dev\n    path: common_knowledge/dev.jsonl\n  - split: test\n    path: common_knowledge/test.jsonl\n"))
        #expect(card.contains("## Motivation") && card.contains("## Composition") && card.contains("## Collection")
                && card.contains("## Review") && card.contains("## Uses and limits") && card.contains("## How to cite"))
        #expect(card.contains("weighted (raking(region))"))

        let croissant = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: published.appendingPathComponent("croissant.json"))) as? [String: Any])
        #expect(croissant["conformsTo"] as? String == "http://mlcommons.org/croissant/1.0")
        #expect(croissant["version"] as? String == "1.0.0")
        #expect(croissant["datePublished"] as? String == "2026-11-18")
        let files = try #require(croissant["distribution"] as? [[String: Any]])
        #expect(files.map { $0["sha256"] as? String } == manifest.files.map(\.sha256))
        // Every record field, nested ones as sub-fields read through the column's JSON.
        let recordSets = try #require(croissant["recordSet"] as? [[String: Any]])
        let socialSet = try #require(recordSets.first { $0["@id"] as? String == "social_value/test" })
        let fields = try #require(socialSet["field"] as? [[String: Any]])
        #expect(fields.map { $0["name"] as? String } == ReleaseDocuments.features(withSurvey: true).map(\.name))
        let source = try #require(fields.first { $0["name"] as? String == "source" }?["subField"] as? [[String: Any]])
        let kind = try #require(source.first { $0["name"] as? String == "kind" })
        #expect((kind["source"] as? [String: Any])?["transform"] as? [[String: String]] == [["jsonPath": "kind"]])
        #expect((kind["source"] as? [String: Any])?["extract"] as? [String: String] == ["column": "source"])
        let review = try #require(fields.first { $0["name"] as? String == "review" }?["subField"] as? [[String: Any]])
        let votes = try #require(review.first { $0["name"] as? String == "votes" })
        #expect(votes["repeated"] as? Bool == true)
        let voteFields = try #require(votes["subField"] as? [[String: Any]])
        #expect(voteFields.map { $0["name"] as? String } == ["round", "reviewer", "decision", "adjudication"])
        #expect((voteFields[0]["source"] as? [String: Any])?["transform"] as? [[String: String]] == [["jsonPath": "votes"], ["jsonPath": "round"]])
        let commonSet = try #require(recordSets.first { $0["@id"] as? String == "common_knowledge/test" })
        #expect((commonSet["field"] as? [[String: Any]])?.contains { $0["name"] as? String == "survey" } == false)

        // The card describes every field, and each description comes from the item schema.
        let rows = ReleaseDocuments.features(withSurvey: true).flatMap { ReleaseDocuments.fieldRows($0) }
        #expect(rows.count > 45)
        #expect(rows.filter(\.description.isEmpty).map(\.path) == [])
        #expect(card.contains("| `survey.choice_levels_3` | list of int64 | For each choice, the index of its level in scale_3. |\n"))

        let task = try String(contentsOf: published.appendingPathComponent("lm_eval/bench_common_knowledge.yaml"), encoding: .utf8)
        #expect(task.contains("task: bench_common_knowledge\ncustom_dataset: !function utils.load\ndataset_kwargs:\n  config: common_knowledge\n"))
        #expect(task.contains("test_split: test\nfewshot_split: dev\nfewshot_config:\n  sampler: first_n\n"))
        let socialTask = try String(contentsOf: published.appendingPathComponent("lm_eval/bench_social_value.yaml"), encoding: .utf8)
        // This social-value item has no 3-level scale, so the collapsed score is not offered.
        #expect(socialTask.contains("process_results: !function utils.process_social_value\n"))
        #expect(Self.metrics(of: socialTask) == ["acc", "sva", "one_minus_jsd"])
        #expect(Self.metrics(of: task) == ["acc"])
        let group = try String(contentsOf: published.appendingPathComponent("lm_eval/bench.yaml"), encoding: .utf8)
        #expect(group.contains("group: bench\ntask:\n  - bench_common_knowledge\n  - bench_social_value\n"))

        // Every function a task names is defined in utils.py, which Python parses.
        let utilities = try String(contentsOf: published.appendingPathComponent("lm_eval/utils.py"), encoding: .utf8)
        let defined = Set(utilities.matches(of: /\ndef ([a-z_0-9]+)\(/).map { String($0.1) })
        var named = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: published.appendingPathComponent("lm_eval").path) where file.hasSuffix(".yaml") {
            let text = try String(contentsOf: published.appendingPathComponent("lm_eval/\(file)"), encoding: .utf8)
            named.formUnion(text.matches(of: /!function utils\.([a-z_0-9]+)/).map { String($0.1) })
        }
        #expect(named.count == 7 && named.isSubset(of: defined), "named but not defined: \(named.subtracting(defined))")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read())",
                            published.appendingPathComponent("lm_eval/utils.py").path]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
    }

    @Test func socialValueTasksScoreTheCollapsedScaleWhenEveryItemHasOne() throws {
        var social = sampleItem("sv-1", task: .socialValue)
        social.survey = SurveyResult(distribution: [0.1, 0.2, 0.3, 0.4], distributionWithNonresponse: [0.1, 0.2, 0.3, 0.4], nonresponseOptions: [],
                                     distribution3: [0.3, 0.3, 0.4], scale3: ["disagree", "neutral", "agree"], levels3: [0, 0, 1, 2],
                                     n: 100, nEffective: 90, marginOfError: 0.1, contested: false, weighting: "unweighted")
        let manifest = ReleaseManifest(name: "bench", version: "1.0.0", license: "CC-BY-4.0", pipeline: "p.yaml", pipelineSHA256: "", inputs: [],
                                       reviewStateSHA256: nil,
                                       files: [.init(path: "social_value/test.jsonl", config: "social_value", split: "test", records: 2, bytes: 0, sha256: "")],
                                       tool: .init(name: "build-dataset", version: "0"), itemSchemaVersion: itemSchemaVersion, schemaVersion: "1")
        var unscaled = social
        unscaled.id = "sv-2"
        unscaled.survey?.levels3 = nil
        let both = ReleaseDocuments(manifest: manifest, items: [(social, "test"), (social, "test")], description: "", datePublished: "2026-12-01")
        #expect(Self.metrics(of: both.harnessTask(config: "social_value")) == ["acc", "sva", "sva_3", "one_minus_jsd"])
        #expect(both.harnessTask(config: "social_value").contains("utils.process_social_value_3\n"))
        // No dev split: no few-shot settings.
        #expect(!both.harnessTask(config: "social_value").contains("fewshot"))
        let mixed = ReleaseDocuments(manifest: manifest, items: [(social, "test"), (unscaled, "test")], description: "", datePublished: "2026-12-01")
        #expect(Self.metrics(of: mixed.harnessTask(config: "social_value")) == ["acc", "sva", "one_minus_jsd"])
    }

    static func metrics(of task: String) -> [String] {
        task.matches(of: /\n  - metric: ([a-z_0-9]+)/).map { String($0.1) }
    }
}
