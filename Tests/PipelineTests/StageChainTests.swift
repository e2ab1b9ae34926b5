import Foundation
import Synchronization
import Testing
import DatasetCore
import Dedup
import Release
import ReviewStore
import TestSupport
@testable import Pipeline

/// The chain of stages: keys made from declared inputs, reasons, previews and leftovers.
@Suite struct StageChainTests {
    @Test func aTightenedInputSchemaIsObeyedOnTheNextRunNotReused() async throws {
        let project = try ProjectCopy(schemas: true)
        defer { project.remove() }
        _ = try await project.runner().run()
        let build = try project.snapshot("build")
        let schema = project.directory.appendingPathComponent("schemas/tallies.schema.json")
        let tightened = try String(contentsOf: schema, encoding: .utf8)
            .replacingOccurrences(of: #""pattern": "^[0-9]+(\\.[0-9]+)?$""#, with: #""pattern": "^[0-9]$""#)
        try project.write(tightened, to: "schemas/tallies.schema.json")
        do {
            _ = try await project.runner().run()
            Issue.record("expected the tightened schema to refuse the tallies")
        } catch let error as InputErrors {
            #expect(error.errors.allSatisfy { $0.location.file == "raw/survey/tallies.csv" && $0.location.field == "count" })
            #expect(error.errors.allSatisfy { $0.message.hasSuffix("(schemas/tallies.schema.json)") })
        }
        // Nothing already built is lost.
        #expect(try project.snapshot("build") == build)
    }

    @Test func theDryRunGoesThroughTheSameStagesAsTheRun() async throws {
        let (project, _) = try await ContaminationTests().project(action: "drop")
        defer { project.remove() }
        try FileManager.default.removeItem(at: project.directory.appendingPathComponent("build"))
        let runner = try project.runner()
        let pool = try await runner.preview(until: .dedup) { reports in
            try JSONLines.read(Item.self, from: reports[.dedup]!.directory.appendingPathComponent(StageFile.items.rawValue)).count
        }
        #expect(!FileManager.default.fileExists(atPath: runner.layout.buildDirectory.appendingPathComponent("dedup").path))
        let reports = try await runner.run()
        let sample = try #require(reports.first { $0.summary.stage == .sample })
        #expect(reports.first { $0.summary.stage == .dedup }?.summary.dropped["contaminated"] == 1)
        #expect(pool == sample.summary.itemsIn)
        // Once built, the preview reads the current outputs in place.
        try await runner.preview(until: .dedup) { reports in
            #expect(reports.values.allSatisfy { $0.reused })
            #expect(reports[.dedup]!.directory.path == runner.layout.stageDirectory(.dedup).path)
        }
    }

    @Test func everyStageReadsEveryInputItDeclaresAndNothingElse() async throws {
        let project = try ProjectCopy(schemas: true)
        defer { project.remove() }
        let runner = try project.runner()
        let reports = try await runner.run()
        for (stage, report) in zip(runner.stages, reports) {
            #expect(report.reason == "no earlier output")
            // Undeclared reads throw; this checks that no declaration is more than the stage reads.
            #expect(report.reads == Set(stage.inputs).subtracting([.tool]), "\(stage.name)")
            #expect(report.record.inputs.map { Set($0.keys) } == Set(stage.inputs.map(\.name)))
        }
    }

    @Test func anUndeclaredReadIsAnErrorNotASilentMiss() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        let environment = PipelineEnvironment(spec: runner.spec, layout: runner.layout, pipelineSHA256: "", jobs: 1, rawHashes: [:])
        let validate = Stage.validate(runner.spec)
        let context = StageContext(stage: validate, environment: environment, upstream: [:], outputDirectory: nil,
                                   progress: StageProgress(stage: .validate))
        #expect(throws: UndeclaredInput.self) { _ = try context.seed() }
        #expect(throws: UndeclaredInput.self) { _ = try context.raw("raw/survey/tallies.csv") }
        #expect(throws: UndeclaredInput.self) { _ = try context.setting(.sample, \.sampling) }
        #expect(throws: UndeclaredInput.self) { _ = try context.read(Item.self, .items, from: .dedup) }
    }

    /// A change to one input of the example, made on a built copy of the project.
    struct Change: CustomStringConvertible {
        var input: StageInput
        var apply: (ProjectCopy) async throws -> Void
        var description: String { input.name }
    }

    static func editPipeline(_ project: ProjectCopy, _ old: String, _ new: String) throws {
        let text = try String(contentsOf: project.pipeline, encoding: .utf8)
        precondition(text.contains(old), old)
        try project.write(text.replacingOccurrences(of: old, with: new), to: "pipelines/example.yaml")
    }

    /// One change for every input any stage of the example declares (besides the tool and
    /// outputs of other stages, which the chain itself carries).
    static func changes(for runner: PipelineRunner) -> [Change] {
        var changes: [StageInput: (ProjectCopy) async throws -> Void] = [
            .settings(.sources): { try editPipeline($0, "min_n: 100", "min_n: 101") },
            .settings(.validate): { try editPipeline($0, "max_choice_length: 300", "max_choice_length: 301") },
            .settings(.dedup): { try editPipeline($0, "  sample:\n", "  dedup:\n    near_duplicates: {threshold: 0.81}\n  sample:\n") },
            .settings(.sample): { try editPipeline($0, "minimum: 1", "minimum: 1\n    oversample: 0.5") },
            .settings(.review): { try editPipeline($0, "batch_size: 50", "batch_size: 51") },
            .settings(.release): { try editPipeline($0, "license: CC-BY-NC-SA-4.0", "license: CC-BY-SA-4.0") },
            .seed: { try editPipeline($0, "seed: 20261123", "seed: 20261124") },
            .pipelineFile: { project in
                let text = try String(contentsOf: project.pipeline, encoding: .utf8)
                try project.write(text + "# a comment changes the file, not a setting\n", to: "pipelines/example.yaml")
            },
            .reviewState: { project in
                let runner = try project.runner()
                let store = try ReviewStore(url: runner.layout.reviewDatabase)
                try store.addReviewer(Reviewer(id: "han", name: "han", role: .lead), actor: "test")
                try store.open("final", plan: runner.spec.review, actor: "test")
                _ = try store.assign(round: "final", plan: runner.spec.review, actor: "test")
                let batch = try #require(try store.batches(round: "final").first)
                let member = try #require(try store.batchItems(batch.id).first)
                try store.submit([Vote(location: SourceLocation(file: "test"), batch: batch.id, itemID: member.item.id,
                                       contentHash: member.contentHash, reviewer: "han", decision: .approve, reason: nil)],
                                 plan: runner.spec.review, actor: "test")
            },
            .corpusHits: { project in
                // An imported hit naming an item that reaches dedup.
                let layout = try project.runner().layout
                let item = try #require(try JSONLines.read(Item.self, from: layout.stageFile(.validate, .items)).first)
                try FileManager.default.createDirectory(at: layout.corpusHits.deletingLastPathComponent(), withIntermediateDirectories: true)
                try JSONLines.encode([CorpusHit(item: item.id, contentHash: item.contentHash, corpus: "web", shard: "a.jsonl", document: "d", span: item.question,
                                                length: 20, ngrams: 6)]).write(to: layout.corpusHits)
            },
            .publishedRelease: { project in
                let layout = try project.runner().layout
                _ = try ReleaseWriter.publish(candidate: layout.candidateDirectory, releasesRoot: layout.releasesRoot,
                                              version: "1.0.0", allowReason: nil, description: "")
            },
        ]
        for stage in runner.stages {
            for input in stage.inputs where changes[input] == nil {
                switch input {
                case .raw(let path):
                    // A trailing line end changes the file's bytes, not what it says.
                    changes[input] = { project in
                        let handle = try FileHandle(forWritingTo: project.directory.appendingPathComponent(path))
                        try handle.seekToEnd()
                        try handle.write(contentsOf: Data("\n".utf8))
                        try handle.close()
                    }
                case .schema(let file):
                    // From the tool's own checks to the project's copy of the schema.
                    changes[input] = { project in
                        try FileManager.default.createDirectory(at: project.directory.appendingPathComponent("schemas"),
                                                                withIntermediateDirectories: true)
                        try FileManager.default.copyItem(at: ProjectCopy.packageRoot.appendingPathComponent(file.path),
                                                         to: project.directory.appendingPathComponent(file.path))
                    }
                default:
                    break
                }
            }
        }
        return changes.map { Change(input: $0.key, apply: $0.value) }.sorted { $0.input < $1.input }
    }

    @Test func changingEachDeclaredInputRerunsTheStagesThatDeclareItAndNoEarlierOne() async throws {
        let built = try ProjectCopy()
        defer { built.remove() }
        let runner = try built.runner()
        _ = try await runner.run()
        let changes = Self.changes(for: runner)
        // Outputs and summaries of earlier stages change when those stages' inputs do.
        let declared = Set(runner.stages.flatMap(\.inputs)).filter {
            if case .output = $0 { return false }
            if case .summary = $0 { return false }
            return $0 != .tool
        }
        #expect(Set(changes.map(\.input)) == declared)
        for change in changes {
            let project = try built.duplicate()
            defer { project.remove() }
            try await change.apply(project)
            let reports = try await project.runner().run()
            let declaring = runner.stages.filter { $0.inputs.contains(change.input) }.map(\.name)
            let first = try #require(declaring.min())
            for report in reports {
                let stage = report.summary.stage
                if stage < first {
                    #expect(report.reused, "\(change): \(stage) ran (\(report.reason ?? ""))")
                } else if declaring.contains(stage) {
                    #expect(!report.reused, "\(change): \(stage) was reused")
                    #expect(report.reason?.contains(change.input.name) == true, "\(change): \(stage) ran because \(report.reason ?? "-")")
                }
            }
        }
    }

    @Test func aRunRemovesWhatAKilledRunLeftInTheBuildFolder() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run()
        let build = runner.layout.buildDirectory
        let leftovers = [".dedup.tmp-99999", ".release.old-4242"]
        for name in leftovers {
            try FileManager.default.createDirectory(at: build.appendingPathComponent(name), withIntermediateDirectories: true)
            try Data("partial".utf8).write(to: build.appendingPathComponent(name).appendingPathComponent("items.jsonl"))
        }
        let reports = try await runner.run()
        #expect(reports.allSatisfy { $0.reused })
        for name in leftovers { #expect(!FileManager.default.fileExists(atPath: build.appendingPathComponent(name).path)) }
        #expect(FileManager.default.fileExists(atPath: runner.layout.stageFile(.dedup, .items).path))
    }

    @Test func eachStageThatRanWritesOneProgressLineOffATerminal() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let lines = LinesSink()
        let reporter = ProgressReporter(style: .lines, threshold: 0, write: { lines.append($0) })
        _ = try await project.runner().run(progress: reporter)
        let written = lines.text.split(separator: "\n").map(String.init)
        #expect(written.map { String($0.prefix { $0 != ":" }) } == StageName.allCases.map(\.rawValue))
        #expect(written[1].wholeMatch(of: /validate: done in [0-9.]+ s \(longest step: (reading inputs|checking, 55 items at [0-9,]+\/s)\)/) != nil,
                "\(written[1])")
        // Reused stages say nothing; a quiet run says nothing at all.
        lines.text = ""
        _ = try await project.runner().run(progress: reporter)
        #expect(lines.text.isEmpty)
        _ = try await project.runner().run(progress: ProgressReporter(style: .quiet, threshold: 0, write: { lines.append($0) }))
        #expect(lines.text.isEmpty)
    }

    @Test func theTerminalLineSaysItemsDoneOfTotalRateAndTimeLeft() throws {
        let progress = StageProgress(stage: .dedup)
        progress.step("near-duplicates", total: 100_000)
        progress.advance(by: 45_000)
        let line = progress.line()
        #expect(line.wholeMatch(of: /dedup: near-duplicates 45,000\/100,000 items, [0-9,]+\/s, [0-9.]+ s left|dedup: near-duplicates 45,000\/100,000 items, [0-9,]+\/s, [0-9]+ min [0-9]+ s left/) != nil,
                "\(line)")
    }
}

/// Text written by a progress reporter, for tests.
final class LinesSink: Sendable {
    private let stored = Mutex("")
    var text: String {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
    func append(_ text: String) { stored.withLock { $0 += text } }
}

@Suite struct StageMapTests {
    @Test func theReadmesTableOfStagesIsTheChainInTheCode() throws {
        // The example, with a reference benchmark so that every kind of input shows.
        var spec = try ProjectCopy.packageRunner().spec
        spec.contamination.benchmarks = [ReferenceBenchmark(name: "reference", path: "raw/reference.jsonl", idField: "id",
                                                            questionField: "question", choiceFields: [])]
        let pipeline = ProjectCopy.packageRoot.appendingPathComponent("pipelines/example.yaml")
        let runner = try PipelineRunner(spec: spec, pipelineFile: pipeline, projectDirectory: ProjectCopy.packageRoot)
        let table = Stage.markdownTable(runner.stages)
        let readme = try String(contentsOf: ProjectCopy.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(table), "README.md should hold this table:\n\(table)")
    }
}

extension ProjectCopy {
    /// The runner of the package's own example pipeline, read in place.
    static func packageRunner() throws -> PipelineRunner {
        let pipeline = packageRoot.appendingPathComponent("pipelines/example.yaml")
        let spec = try PipelineSpec.load(pipeline, displayName: "pipelines/example.yaml", projectDirectory: packageRoot)
        return try PipelineRunner(spec: spec, pipelineFile: pipeline, projectDirectory: packageRoot)
    }
}
