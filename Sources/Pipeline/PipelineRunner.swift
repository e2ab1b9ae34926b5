public import Foundation
public import DatasetCore
import ReviewStore
import Release
#if canImport(Glibc)
import Glibc
#endif

/// What every stage of one run shares.
struct PipelineEnvironment: Sendable {
    let spec: PipelineSpec
    let layout: ProjectLayout
    let pipelineSHA256: String
    let jobs: Int
    /// Raw file → SHA-256, hashed once at the start of the run.
    let rawHashes: [String: String]

    func publishedRelease() throws -> PublishedRelease? {
        try PublishedRelease.latest(name: spec.releaseName, releasesRoot: layout.releasesRoot)
    }
}

/// Runs a pipeline file's chain of stages from raw inputs to a release candidate under
/// `build/<pipeline>/`. Every command that needs a stage's output goes through this chain.
public struct PipelineRunner: Sendable {
    public let spec: PipelineSpec
    public let layout: ProjectLayout
    public let pipelineSHA256: String
    public let jobs: Int

    public init(spec: PipelineSpec, pipelineFile: URL, projectDirectory: URL, jobs: Int = 2) throws {
        self.spec = spec
        self.layout = ProjectLayout(root: projectDirectory, pipelineName: spec.name)
        self.pipelineSHA256 = try Hashing.sha256Hex(fileAt: pipelineFile).sha256
        self.jobs = max(jobs, 1)
    }

    /// The chain, in order.
    public var stages: [Stage] {
        [.ingest(spec), .validate(spec), .dedup(spec), .sample(spec), .review(spec), .release(spec)]
    }

    /// Runs the stages in order, up to and including `until`, reusing every output whose inputs
    /// are unchanged; `onReport` hears of each stage as it finishes.
    public func run(until: StageName = .release, progress: ProgressReporter = .silent,
                    onReport: (StageReport) -> Void = { _ in }) async throws -> [StageReport] {
        try FileManager.default.createDirectory(at: layout.buildDirectory, withIntermediateDirectories: true)
        let lock = try RunLock.take(url: layout.lockFile, exclusive: true)
        defer { lock.release() }
        StageCache.removeLeftovers(in: layout.buildDirectory)
        let cache = StageCache(directory: layout.buildDirectory, writeDirectory: layout.buildDirectory)
        return try await execute(until: until, cache: cache, progress: progress, onReport: onReport)
    }

    /// The outputs of the chain up to `until` without writing under `build/`: outputs there that
    /// are current are read in place, the others are made in a scratch folder that is removed
    /// afterwards. Stages with effects beyond their output (review registers items) are refused.
    public func preview<T>(until: StageName, _ body: ([StageName: StageReport]) throws -> T) async throws -> T {
        precondition(until < .review, "a preview stops before the review stage, which writes the review database")
        let lock = FileManager.default.fileExists(atPath: layout.lockFile.path) ? try RunLock.take(url: layout.lockFile, exclusive: false) : nil
        defer { lock?.release() }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("build-dataset-preview-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let reports = try await execute(until: until, cache: StageCache(directory: layout.buildDirectory, writeDirectory: scratch),
                                        progress: .silent, onReport: { _ in })
        return try body(Dictionary(uniqueKeysWithValues: reports.map { ($0.summary.stage, $0) }))
    }

    private func execute(until: StageName, cache: StageCache, progress: ProgressReporter,
                         onReport: (StageReport) -> Void) async throws -> [StageReport] {
        defer { progress.end() }
        let environment = PipelineEnvironment(spec: spec, layout: layout, pipelineSHA256: pipelineSHA256, jobs: jobs,
                                              rawHashes: try rawHashes())
        var reports: [StageReport] = []
        var upstream: [StageName: URL] = [:]
        var records: [StageName: StageRecord] = [:]
        let decoded = DecodedOutputs()
        let openStore = OpenReviewStore()
        for stage in stages where stage.name <= until {
            let stageProgress = progress.begin(stage.name)
            let started = StageProgress.now(), usage = ResourceUsage.now()
            var fingerprints: [String: String] = [:]
            for input in stage.inputs {
                fingerprints[input.name] = try fingerprint(input, environment: environment, records: records, openStore: openStore)
            }
            if let prepare = stage.prepare {
                try await prepare(StageContext(stage: stage, environment: environment, upstream: upstream, outputDirectory: nil,
                                               progress: stageProgress, fingerprints: fingerprints, decoded: decoded, openStore: openStore))
            }
            var report = try await cache.run(stage.name, key: Stage.key(stage: stage.name, fingerprints: fingerprints),
                                             fingerprints: fingerprints) { staging in
                let context = StageContext(stage: stage, environment: environment, upstream: upstream, outputDirectory: staging,
                                           progress: stageProgress, fingerprints: fingerprints, decoded: decoded, openStore: openStore)
                // Once the stage has returned or thrown, and its locals are gone.
                defer { context.leftovers.letGo() }
                return (try await stage.produce(context), context.reads, context.hashedAsWritten)
            }
            let used = ResourceUsage.now()
            report.seconds = StageProgress.now() - started
            report.cpuSeconds = used.cpuSeconds - usage.cpuSeconds
            // The kernel counts resident pages in per-CPU batches, so the peak it gives can come
            // out a few pages lower once freed memory is handed back; the peak so far never falls.
            report.peakMemoryBytes = max(used.peakMemoryBytes, reports.last?.peakMemoryBytes ?? 0)
            decoded.drop(after: stage.name, in: stages.filter { $0.name <= until })
            openStore.releaseMemory()
            Reclaim.releaseFreeMemoryLater()
            progress.finish(stageProgress, ran: !report.reused)
            upstream[stage.name] = report.directory
            records[stage.name] = report.record
            reports.append(report)
            onReport(report)
        }
        return reports
    }

    /// The value of an input, as it goes into a cache key.
    private func fingerprint(_ input: StageInput, environment: PipelineEnvironment, records: [StageName: StageRecord],
                             openStore: OpenReviewStore) throws -> String {
        switch input {
        case .tool:
            return ToolInfo.buildIdentity
        case .settings(let section):
            return spec.settingsText[section] ?? "default"
        case .seed:
            return String(spec.seed)
        case .raw(let path):
            return environment.rawHashes[path]!
        case .schema(let file):
            let url = layout.schema(file)
            guard FileManager.default.fileExists(atPath: url.path) else { return "absent" }
            return try Hashing.sha256Hex(fileAt: url).sha256
        case .output(let stage, let file):
            return records[stage]?.sha256(of: file) ?? "absent"
        case .summary(let stage):
            return records[stage]?.sha256(of: .dropped) ?? "absent"
        case .pipelineFile:
            return pipelineSHA256
        case .reviewState:
            return try openStore.decisionStateHash(at: layout.reviewDatabase)
        case .publishedRelease:
            return try environment.publishedRelease()?.manifestSHA256 ?? "none"
        case .corpusHits:
            guard FileManager.default.fileExists(atPath: layout.corpusHits.path) else { return "none" }
            return try Hashing.sha256Hex(fileAt: layout.corpusHits).sha256
        }
    }

    private func rawHashes() throws -> [String: String] {
        var hashes: [String: String] = [:]
        for path in Set(spec.inputPaths) {
            do {
                hashes[path] = try Hashing.sha256Hex(fileAt: layout.url(path)).sha256
            } catch {
                throw InputError(file: path, "cannot read: \(error.localizedDescription)")
            }
        }
        return hashes
    }

    /// A context for reading a stage's inputs outside a run (`check`, `survey weigh`).
    private func readingContext(_ stage: Stage) throws -> StageContext {
        let environment = PipelineEnvironment(spec: spec, layout: layout, pipelineSHA256: pipelineSHA256, jobs: jobs,
                                              rawHashes: try rawHashes())
        return StageContext(stage: stage, environment: environment, upstream: [:], outputDirectory: nil,
                            progress: StageProgress(stage: stage.name))
    }

    /// Reads every raw input of every source without writing anything, and returns every
    /// problem found (all sources are read, not only up to the first failure).
    public func check() async -> [InputError] {
        var problems: [InputError] = []
        let context: StageContext
        do {
            context = try readingContext(.ingest(spec))
        } catch {
            return error.inputErrors ?? [InputError(file: spec.file, "\(error)")]
        }
        for source in spec.sources {
            do {
                _ = try IngestedSource.read(source, context: context)
            } catch {
                problems += error.inputErrors ?? [InputError(file: source.files.values.sorted().first ?? spec.file, "\(error)")]
            }
        }
        for benchmark in spec.contamination.benchmarks {
            do {
                _ = try benchmark.read(from: layout.url(benchmark.path))
            } catch {
                problems += error.inputErrors ?? [InputError(file: benchmark.path, "\(error)")]
            }
        }
        return problems
    }

    /// A survey source's answers and margins, as the ingest stage reads them.
    public func surveyData(_ source: PipelineSpec.Source) throws -> SurveyInput {
        try SurveyInput.read(source, context: try readingContext(.ingest(spec)))
    }
}

/// A lock on a pipeline's build folder: a run holds it exclusively, so two runs never
/// interleave; a preview holds it shared, so it never reads a folder a run is replacing.
enum RunLock {
    static func take(url: URL, exclusive: Bool) throws -> FileLock {
        try FileLock(url: url, exclusive: exclusive,
                     busy: InputError(file: url.deletingLastPathComponent().path, "another run of this pipeline is in progress"))
    }
}
