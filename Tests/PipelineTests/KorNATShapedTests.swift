import Foundation
import Testing
import DatasetCore
@testable import Pipeline
import Release
import Sampling

/// A generated pool shaped like KorNAT's common-knowledge half: seven subjects, science split
/// into four sub-subjects, dev 5 per subject; mathematics and physics fall short on purpose.
struct KorNATProject {
    static let subjects = ["korean", "social_studies", "korean_history", "common_sense", "mathematics", "science", "english"]
    static let scienceTopics = ["earth_science", "biology", "physics", "chemistry"]

    let directory: URL

    init(extra: Int = 0) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kornat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("raw"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("pipelines"), withIntermediateDirectories: true)
        try writePool(extra: extra)
        try Data(Self.pipeline.utf8).write(to: directory.appendingPathComponent("pipelines/kornat.yaml"))
    }

    static let pipeline = """
    name: kornat
    seed: 2024
    sources:
      - {id: pool, kind: authored, path: raw/pool.xml, subject: general, language: ko, license: CC-BY-4.0}
    stages:
      sample:
        strata: [subject]
        quotas: {korean: 120, social_studies: 120, korean_history: 120, common_sense: 120, mathematics: 120, english: 120}
        sub_quotas:
          science: {field: topic, quotas: {earth_science: 30, biology: 30, physics: 30, chemistry: 30}}
        minimum: 100
        allow_shortfall: true
        oversample: 0.1
      release:
        splits: [{name: dev, per_subject: 5}, {name: test}]
    release: {name: kornat-shaped, license: CC-BY-4.0}
    """

    /// Items per subject: 150, but 70 in mathematics; science 40 per topic but 20 in physics.
    func writePool(extra: Int) throws {
        var xml = "<items xmlns=\"urn:build-dataset:authored-items:1\" xml:lang=\"ko\">\n"
        func add(_ subject: String, _ topic: String?, _ index: Int, prefix: String) {
            let language = subject == "english" ? " language=\"en\"" : ""
            let topicAttribute = topic.map { " topic=\"\($0)\"" } ?? ""
            let question = subject == "english"
                ? "Question \(prefix) \(index) about \(subject): which word fits the blank?"
                : "\(subject) \(topic ?? "") 영역 \(prefix) \(index)번 문제: 다음 중 옳은 것은 무엇인가?"
            let choices = subject == "english"
                ? ["first \(index)", "second \(index)", "third \(index)", "fourth \(index)"]
                : ["가 보기 \(index)", "나 보기 \(index)", "다 보기 \(index)", "라 보기 \(index)"]
            xml += "<item id=\"\(prefix)-\(subject)-\(topic ?? "x")-\(index)\" subject=\"\(subject)\"\(topicAttribute)\(language)>"
            xml += "<question>\(question)</question>" + choices.map { "<choice>\($0)</choice>" }.joined() + "<answer>A</answer></item>\n"
        }
        for subject in Self.subjects where subject != "science" {
            for index in 0..<(subject == "mathematics" ? 70 : 150) + extra { add(subject, nil, index, prefix: "q") }
        }
        for topic in Self.scienceTopics {
            for index in 0..<(topic == "physics" ? 20 : 40) + extra / 4 { add("science", topic, index, prefix: "q") }
        }
        xml += "</items>\n"
        try Data(xml.utf8).write(to: directory.appendingPathComponent("raw/pool.xml"))
    }

    var pipelineURL: URL { directory.appendingPathComponent("pipelines/kornat.yaml") }

    func runner() throws -> PipelineRunner {
        let spec = try PipelineSpec.load(pipelineURL, displayName: "pipelines/kornat.yaml", projectDirectory: directory)
        return try PipelineRunner(spec: spec, pipelineFile: pipelineURL, projectDirectory: directory)
    }

    /// Runs the pipeline and publishes its candidate as `version` under `releases/`.
    func runAndPublish(_ version: String) async throws {
        _ = try await runner().run()
        _ = try ReleaseWriter.publish(candidate: try runner().layout.candidateDirectory,
                                      releasesRoot: directory.appendingPathComponent("releases"), version: version)
    }

    func release(_ name: String) throws -> [Item] {
        let root = directory.appendingPathComponent(name)
        let manifest = try ReleaseManifest.read(from: root.appendingPathComponent("manifest.json"))
        return try manifest.files.flatMap { try JSONLines.read(Item.self, from: root.appendingPathComponent($0.path)) }
    }

    func splits(_ name: String) throws -> [String: String] {
        let root = directory.appendingPathComponent(name)
        let manifest = try ReleaseManifest.read(from: root.appendingPathComponent("manifest.json"))
        var result: [String: String] = [:]
        for file in manifest.files {
            for item in try JSONLines.read(Item.self, from: root.appendingPathComponent(file.path)) { result[item.id] = file.split }
        }
        return result
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite struct KorNATShapedTests {
    @Test func meetsQuotasWhereThePoolAllowsAndReportsShortfallsTruthfully() async throws {
        let project = try KorNATProject()
        defer { project.remove() }
        let runner = try project.runner()
        let reports = try await runner.run()
        let items = try project.release("build/kornat/release")
        let bySubject = Dictionary(grouping: items, by: \.subject).mapValues(\.count)
        #expect(bySubject["korean"] == 120)
        #expect(bySubject["english"] == 120)
        #expect(bySubject["mathematics"] == 70)
        #expect(bySubject["science"] == 30 + 30 + 20 + 30)
        let science = Dictionary(grouping: items.filter { $0.subject == "science" }, by: { $0.topic ?? "-" }).mapValues(\.count)
        #expect(science == ["earth_science": 30, "biology": 30, "physics": 20, "chemistry": 30])

        let shortfall = try JSONLines.read(StratumReport.self, from: runner.layout.stageFile(.sample, .shortfall))
        let rows = Dictionary(uniqueKeysWithValues: shortfall.map { ($0.stratum, $0) })
        #expect(rows["mathematics"] == StratumReport(stratum: "mathematics", target: 120, available: 70, selected: 70, reserve: 0, shortfall: 50))
        #expect(rows["science/topic=physics"] == StratumReport(stratum: "science/topic=physics", target: 30, available: 20, selected: 20, reserve: 0, shortfall: 10))
        #expect(rows["korean"] == StratumReport(stratum: "korean", target: 120, available: 150, selected: 120, reserve: 12, shortfall: 0))
        let sampleNotes = reports.first { $0.summary.stage == .sample }!.summary.notes
        #expect(sampleNotes.contains("shortfall mathematics: 70 of 120 available"))
        #expect(sampleNotes.contains("shortfall science/topic=physics: 20 of 30 available"))

        // dev: 5 per subject.
        let splits = try project.splits("build/kornat/release")
        let dev = items.filter { splits[$0.id] == "dev" }
        #expect(Dictionary(grouping: dev, by: \.subject).mapValues(\.count) == Dictionary(uniqueKeysWithValues: KorNATProject.subjects.map { ($0, 5) }))

        // Answer positions: within 2 points of even in every subject with at least 100 items.
        for (subject, members) in Dictionary(grouping: items, by: \.subject) where members.count >= 100 {
            let letters = Dictionary(grouping: members, by: { $0.answer! }).mapValues(\.count)
            for letter in ["A", "B", "C", "D"] {
                #expect(abs(Double(letters[letter] ?? 0) / Double(members.count) - 0.25) <= 0.02, "\(subject) \(letter)")
            }
        }
    }

    @Test func aStratumBelowTheMinimumFailsTheBuildUnlessAllowed() async throws {
        let project = try KorNATProject()
        defer { project.remove() }
        let strict = KorNATProject.pipeline.replacingOccurrences(of: "allow_shortfall: true", with: "allow_shortfall: false")
        try Data(strict.utf8).write(to: project.pipelineURL)
        do {
            _ = try await project.runner().run()
            Issue.record("expected the build to fail")
        } catch let error as InputErrors {
            let text = error.description
            #expect(text.contains("stratum mathematics has 70 items (70 available), below the minimum of 100"))
            #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build/kornat/release").path))
        }
    }

    @Test func addingTenPercentMoreItemsMovesNoPublishedItem() async throws {
        let project = try KorNATProject()
        defer { project.remove() }
        try await project.runAndPublish("1.0.0")
        let published = try project.release("releases/kornat-shaped/1.0.0")
        let publishedSplits = try project.splits("releases/kornat-shaped/1.0.0")

        try project.writePool(extra: 15)
        let reports = try await project.runner().run()
        #expect(reports.first { $0.summary.stage == .release }!.summary.notes.contains("splits and choice order of kornat-shaped 1.0.0 kept"))
        let next = try project.release("build/kornat/release")
        let nextSplits = try project.splits("build/kornat/release")
        let nextByID = Dictionary(uniqueKeysWithValues: next.map { ($0.id, $0) })
        var kept = 0
        for item in published {
            guard let again = nextByID[item.id] else { continue }
            kept += 1
            #expect(nextSplits[item.id] == publishedSplits[item.id], "\(item.id) changed split")
            #expect(again.choices == item.choices && again.answer == item.answer, "\(item.id) changed choice order")
        }
        #expect(kept > published.count * 9 / 10)
    }
}

@Suite struct StraddlingClusterTests {
    /// Two items published in different splits that become copies of one another with different
    /// answers (a conflict, both kept for a person) stay where they were published, and the
    /// release stage says that their cluster straddles the splits.
    @Test func publishedItemsThatBecomeOneClusterAreNamedAsStraddling() async throws {
        let project = try KorNATProject()
        defer { project.remove() }
        try await project.runAndPublish("1.0.0")
        let splits = try project.splits("releases/kornat-shaped/1.0.0")
        let korean = try project.release("releases/kornat-shaped/1.0.0").filter { $0.subject == "korean" }.sorted { $0.id < $1.id }
        let inDev = try #require(korean.first { splits[$0.id] == "dev" })
        let inTest = try #require(korean.first { splits[$0.id] == "test" })

        // The test item's question and choices become the dev item's, its key another choice.
        let pool = project.directory.appendingPathComponent("raw/pool.xml")
        var lines = try String(contentsOf: pool, encoding: .utf8).components(separatedBy: "\n")
        let devLine = try #require(lines.first { $0.contains("id=\"\(inDev.source.element)\"") })
        let testIndex = try #require(lines.firstIndex { $0.contains("id=\"\(inTest.source.element)\"") })
        lines[testIndex] = devLine.replacingOccurrences(of: "id=\"\(inDev.source.element)\"", with: "id=\"\(inTest.source.element)\"")
            .replacingOccurrences(of: "<answer>A</answer>", with: "<answer>B</answer>")
        try Data(lines.joined(separator: "\n").utf8).write(to: pool)

        let reports = try await project.runner().run()
        let notes = reports.first { $0.summary.stage == .release }!.summary.notes
        // Both dedup passes find the pair (the exact pass's conflict, the near pass's cluster): it is said once.
        let pair = [inDev.id, inTest.id].sorted().joined(separator: ", ")
        #expect(notes.filter { $0.contains("straddles splits") } == ["cluster \(pair) straddles splits: its members were published in different splits"], "\(notes)")
        let next = try project.splits("build/kornat/release")
        #expect(next[inDev.id] == "dev" && next[inTest.id] == "test")
    }
}
