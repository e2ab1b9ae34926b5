public import Foundation
public import DatasetCore
public import ReviewStore
public import Release
public import Dedup
import Synchronization

/// The stages of a pipeline, in order.
public enum StageName: String, CaseIterable, Sendable, Codable, Comparable {
    case ingest, validate, dedup, sample, review, release

    public static func < (a: StageName, b: StageName) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A part of the pipeline file that settings come from. Its canonical text is a stage input.
public enum SettingsSection: String, Sendable, CaseIterable, Codable {
    case sources
    case validate = "stages.validate"
    case dedup = "stages.dedup"
    case sample = "stages.sample"
    case review = "stages.review"
    /// `stages.release`, the top-level `release` and `description`.
    case release = "stages.release"
}

/// Something a stage reads. A stage's cache key is computed from the values of the inputs it
/// declares, and it reads through a `StageContext` that refuses anything undeclared.
public enum StageInput: Hashable, Sendable, Comparable {
    /// The tool's version and build: a rebuilt tool reuses nothing.
    case tool
    case settings(SettingsSection)
    case seed
    /// A file the pipeline names (a source's file or a reference benchmark), project-relative.
    case raw(String)
    /// A schema file of the project (its absence is a value too: the tool's own checks apply).
    case schema(SchemaFile)
    /// A file an earlier stage wrote.
    case output(StageName, StageFile)
    /// How an earlier stage went (items in and out, set aside by reason, from its `stage.json`);
    /// its value is the hash of the stage's set-aside file, whose records the counts are of.
    /// Unlike `output`, it keeps none of the stage's records in memory for the reader.
    case summary(StageName)
    /// The pipeline file as a whole (the release manifest records its hash).
    case pipelineFile
    /// Decisions, outcomes, labels and revisions in the review database.
    case reviewState
    /// The latest published version of the release (its splits and choice order are kept).
    case publishedRelease
    /// Corpus contamination hits imported with `contamination import`.
    case corpusHits

    /// How the run summary and `stage.json` name it.
    public var name: String {
        switch self {
        case .tool: "tool version"
        case .settings(let section): section.rawValue
        case .seed: "seed"
        case .raw(let path): path
        case .schema(let file): file.path
        case .output(let stage, let file): "\(stage.rawValue)/\(file.rawValue)"
        case .summary(let stage): "\(stage.rawValue)/stage.json"
        case .pipelineFile: "pipeline file"
        case .reviewState: "review decisions"
        case .publishedRelease: "published release"
        case .corpusHits: "corpus contamination hits"
        }
    }

    public static func < (a: StageInput, b: StageInput) -> Bool { a.name < b.name }
}

/// A stage of the pipeline as a value: what it reads, what it writes, and how it makes its output.
public struct Stage: Sendable {
    public let name: StageName
    /// Everything the stage reads besides `.tool`, which every stage reads.
    public let inputs: [StageInput]
    /// The files it always writes.
    public let outputs: [StageFile]
    /// What else it writes, in words (files written only in some cases, reports).
    public let otherOutputs: [String]
    /// Work done on every run, whether the output is reused or not, once the key is computed
    /// (it may not change the key's inputs).
    let prepare: (@Sendable (StageContext) async throws -> Void)?
    /// Writes the outputs into `context.directory` and says what it did.
    let produce: @Sendable (StageContext) async throws -> StageSummary

    init(_ name: StageName, inputs: [StageInput], outputs: [StageFile], otherOutputs: [String] = [],
         prepare: (@Sendable (StageContext) async throws -> Void)? = nil,
         produce: @escaping @Sendable (StageContext) async throws -> StageSummary) {
        self.name = name
        self.inputs = [.tool] + inputs
        self.outputs = outputs
        self.otherOutputs = otherOutputs
        self.prepare = prepare
        self.produce = produce
    }

    /// The cache key: the stage's name and the value of every input it declares. The one function
    /// that makes keys, so that nothing a stage reads can be left out of one by hand.
    public static func key(stage: StageName, fingerprints: [String: String]) -> String {
        Hashing.sha256Hex(parts: [ToolInfo.name, stage.rawValue] + fingerprints.keys.sorted().flatMap { [$0, fingerprints[$0]!] })
    }
}

/// A read of something a stage did not declare: a defect of the stage, never of the input.
public struct UndeclaredInput: Error, CustomStringConvertible {
    public var stage: StageName
    public var input: StageInput
    public var description: String {
        "internal error: stage \(stage.rawValue) read \(input.name), which it does not declare as an input"
    }
}

/// What a stage may read and where it writes. Every read goes through a declared input.
public final class StageContext: Sendable {
    public let stage: StageName
    let declared: Set<StageInput>
    let environment: PipelineEnvironment
    /// Earlier stages' output folders (in `build/`, or a scratch folder for a preview).
    let upstream: [StageName: URL]
    /// Where the stage writes its outputs; nil when only reading (`check`, `prepare`).
    let outputDirectory: URL?
    public let progress: StageProgress
    /// The value of each input as it went into the stage's key (empty before the key is made).
    let fingerprints: [String: String]
    /// Earlier stages' files already decoded in this stage, shared by its `prepare` and `produce`.
    let decoded: DecodedOutputs
    /// The review database as the run's stages share it.
    let openStore: OpenReviewStore
    /// What the stage keeps to its end, let go of on the reclaiming queue once it has returned.
    let leftovers = Reclaim.Pile()
    private let readInputs = Mutex<Set<StageInput>>([])
    private let hashedFiles = Mutex<[String: FileDigest]>([:])

    init(stage: Stage, environment: PipelineEnvironment, upstream: [StageName: URL], outputDirectory: URL?, progress: StageProgress,
         fingerprints: [String: String] = [:], decoded: DecodedOutputs = DecodedOutputs(), openStore: OpenReviewStore = OpenReviewStore()) {
        self.stage = stage.name
        self.declared = Set(stage.inputs)
        self.environment = environment
        self.upstream = upstream
        self.outputDirectory = outputDirectory
        self.progress = progress
        self.fingerprints = fingerprints
        self.decoded = decoded
        self.openStore = openStore
    }

    /// The inputs read so far.
    public var reads: Set<StageInput> { readInputs.withLock { $0 } }

    /// The files written so far that were hashed as they were written, by path in the output folder.
    var hashedAsWritten: [String: FileDigest] { hashedFiles.withLock { $0 } }

    /// Notes the SHA-256 and size of a file the stage wrote into its output folder, hashed from
    /// the bytes it wrote, so that the file is not read back to be hashed.
    func wrote(_ path: String, sha256: String, bytes: Int) {
        hashedFiles.withLock { $0[path] = FileDigest(sha256: sha256, bytes: bytes) }
    }

    private func use(_ input: StageInput) throws {
        guard declared.contains(input) else { throw UndeclaredInput(stage: stage, input: input) }
        _ = readInputs.withLock { $0.insert(input) }
    }

    /// A setting from a section of the pipeline file.
    public func setting<T>(_ section: SettingsSection, _ keyPath: KeyPath<PipelineSpec, T>) throws -> T {
        try use(.settings(section))
        return environment.spec[keyPath: keyPath]
    }

    public func seed() throws -> UInt64 {
        try use(.seed)
        return environment.spec.seed
    }

    /// The pipeline file: its name as given and its SHA-256.
    public func pipelineFile() throws -> (file: String, sha256: String) {
        try use(.pipelineFile)
        return (environment.spec.file, environment.pipelineSHA256)
    }

    /// A raw file the pipeline names.
    public func raw(_ path: String) throws -> URL {
        try use(.raw(path))
        return environment.layout.url(path)
    }

    /// The SHA-256 of a raw file, as hashed at the start of the run.
    public func rawHash(_ path: String) throws -> String {
        try use(.raw(path))
        return environment.rawHashes[path]!
    }

    /// The project's schema file, or nil where the project has none.
    public func schemaText(_ file: SchemaFile) throws -> String? {
        try use(.schema(file))
        let url = environment.layout.schema(file)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Data(contentsOf: url).utf8Text(file: file.path)
    }

    /// A check against the project's JSON schema, or nil where the project has none.
    public func schemaCheck(_ file: SchemaFile) throws -> SchemaCheck? {
        try use(.schema(file))
        return try SchemaCheck.load(environment.layout.schema(file), displayName: file.path)
    }

    /// Where an earlier stage's file is.
    public func url(of file: StageFile, from stage: StageName) throws -> URL {
        try use(.output(stage, file))
        return upstream[stage]!.appendingPathComponent(file.rawValue)
    }

    /// The records of an earlier stage's file; none if the stage did not write it.
    public func read<T: Decodable & Sendable>(_ type: T.Type, _ file: StageFile, from stage: StageName) throws -> [T] {
        let url = try url(of: file, from: stage)
        return try decoded.records(stage: stage, file: file) {
            guard FileManager.default.fileExists(atPath: url.path) else { return [] }
            // A stage's output is read only once the runner found it as its record says it was written.
            return try JSONLines.read(type, from: url, displayName: environment.layout.relative(url), linesAreWritten: true)
        }
    }

    /// How an earlier stage went: items in and out and those set aside by reason.
    public func summary(of stage: StageName) throws -> StageSummary {
        try use(.summary(stage))
        let url = upstream[stage]!.appendingPathComponent(StageRecord.fileName)
        return try JSONDecoder().decode(StageRecord.self, from: Data(contentsOf: url)).summary
    }

    /// The records of an earlier stage's file, for the last stage that reads it: the run keeps
    /// no copy, so they are let go when the stage lets them go.
    public func take<T: Decodable & Sendable>(_ type: T.Type, _ file: StageFile, from stage: StageName) throws -> [T] {
        let records = try read(type, file, from: stage)
        decoded.forget(stage: stage, file: file)
        return records
    }

    /// The pipeline's review database, opened (and created or migrated) for this stage.
    /// The hash of the review decisions, as it went into this stage's key.
    public func reviewStateSHA256() throws -> String {
        try use(.reviewState)
        if let value = fingerprints[StageInput.reviewState.name] { return value }
        return try ReviewStore.decisionStateHash(at: environment.layout.reviewDatabase)
    }

    /// The value a declared input went into the stage's key with.
    public func fingerprint(of input: StageInput) throws -> String {
        try use(input)
        guard let value = fingerprints[input.name] else { preconditionFailure("stage \(stage.rawValue) has no fingerprint of \(input.name)") }
        return value
    }

    public func reviewStore() throws -> ReviewStore {
        try use(.reviewState)
        return try openStore.store(at: environment.layout.reviewDatabase)
    }

    /// Makes the review database with `items` registered when there is none yet; false when
    /// there is one (then `reviewStore()` opens it).
    public func createReviewStore(registering items: () throws -> [Item], actor: String, from source: String) throws -> Bool {
        try use(.reviewState)
        return try openStore.create(at: environment.layout.reviewDatabase, registering: items, actor: actor, from: source)
    }

    /// The imported corpus hits (none before any import).
    public func corpusHits() throws -> [CorpusHit] {
        try use(.corpusHits)
        let url = environment.layout.corpusHits
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try JSONLines.read(CorpusHit.self, from: url, displayName: environment.layout.relative(url))
    }

    public func publishedRelease() throws -> PublishedRelease? {
        try use(.publishedRelease)
        return try environment.publishedRelease()
    }

    /// Writes records as JSONL into the stage's output folder, flushed.
    public func write(_ records: [some Encodable & Sendable], _ file: StageFile) throws {
        let written = try StageFiles.write(records, file.rawValue, in: directory())
        wrote(file.rawValue, sha256: written.sha256, bytes: written.bytes)
        if written.exact { decoded.keep(records, stage: stage, file: file) }
    }

    /// Writes a small report (pretty JSON) under the stage's output folder.
    public func writeReport(_ value: some Encodable, _ path: String) throws {
        try StageFiles.writeReport(value, path, in: directory())
    }

    /// The folder the stage writes into (a staging folder, renamed into place when the stage is done).
    public func directory() throws -> URL {
        guard let outputDirectory else { preconditionFailure("stage \(stage.rawValue) wrote outside its run") }
        return outputDirectory
    }

    public var layout: ProjectLayout { environment.layout }
    /// The pipeline file as the user named it, for messages about its settings.
    public var pipelineFileName: String { environment.spec.file }
    public var jobs: Int { environment.jobs }
}

/// The review database, opened once for a run: work a stage leaves running on it (a large
/// registration's log being copied into the database) goes on through the next, and ends
/// when the run lets the store go.
final class OpenReviewStore: @unchecked Sendable {
    // Unchecked: stages use the store one after another; the lock only guards its opening.
    private let lock = NSLock()
    private var store: ReviewStore?
    private var decisionState: ReviewStore.DecisionState?

    func store(at url: URL) throws -> ReviewStore {
        lock.lock()
        defer { lock.unlock() }
        if let store { return store }
        let opened = try ReviewStore(url: url)
        store = opened
        return opened
    }

    /// Makes the database at `url` with the items registered, when there is none yet
    /// (`ReviewStore.create`); false, with nothing read or made, when there is one.
    func create(at url: URL, registering items: () throws -> [Item], actor: String, from source: String) throws -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard store == nil, let made = try ReviewStore.create(at: url, registering: items, actor: actor, from: source) else { return false }
        store = made
        return true
    }

    /// The hash of what review decided (`ReviewStore.decisionStateHash`), read again only when
    /// the audit log has grown since: the review and release stages both key on it, and over a
    /// million decisions each reading took more than a second.
    func decisionStateHash(at url: URL) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if store == nil {
            // No database yet: a new one's hash, without making it.
            guard ReviewStore.databaseExists(at: url) else { return try ReviewStore.decisionStateHash(at: url) }
            store = try ReviewStore(url: url)
        }
        let state = try store!.decisionState(reusing: decisionState)
        decisionState = state
        return state.hash
    }

    /// Lets go of the database's page caches once the work queued on it is done: between stages
    /// they are of no use, and each connection may hold up to 64 MiB (`cache_size`).
    func releaseMemory() {
        lock.lock()
        defer { lock.unlock() }
        store?.releaseMemory()
    }
}

/// Stage outputs held in memory during one run: what a stage wrote (when reading the file would
/// give back exactly those records) and what a stage decoded, so that a later stage, or the same
/// stage's `produce` after its `prepare`, does not decode the file again. The runner drops each
/// file after the last stage that reads it.
final class DecodedOutputs: Sendable {
    private let records = Mutex<[String: any Sendable]>([:])

    private static func key(_ stage: StageName, _ file: StageFile) -> String { "\(stage.rawValue)/\(file.rawValue)" }

    func records<T: Sendable>(stage: StageName, file: StageFile, decode: () throws -> [T]) throws -> [T] {
        if let known = records.withLock({ $0[Self.key(stage, file)] }) as? [T] { return known }
        let decoded = try decode()
        records.withLock { $0[Self.key(stage, file)] = decoded }
        return decoded
    }

    func keep<T: Sendable>(_ values: [T], stage: StageName, file: StageFile) {
        records.withLock { $0[Self.key(stage, file)] = values }
    }

    func forget(stage: StageName, file: StageFile) {
        _ = records.withLock { $0.removeValue(forKey: Self.key(stage, file)) }
    }

    /// Forgets the files no stage after `stage` reads.
    func drop(after stage: StageName, in chain: [Stage]) {
        let wanted = Set(chain.filter { $0.name > stage }.flatMap(\.inputs).compactMap { input -> String? in
            if case .output(let from, let file) = input { return Self.key(from, file) }
            return nil
        })
        Reclaim.later(records.withLock { held in
            let unwanted = held.filter { !wanted.contains($0.key) }
            held = held.filter { wanted.contains($0.key) }
            return unwanted
        })
    }
}

extension Stage {
    /// The chain as a Markdown table (stage, what it reads, what it writes), for the README's
    /// code map; a test keeps the two the same.
    public static func markdownTable(_ stages: [Stage]) -> String {
        var lines = ["| stage | reads (its cache key) | writes to build/<pipeline>/<stage>/ |", "|---|---|---|"]
        for stage in stages {
            var reads: [String] = []
            for input in stage.inputs {
                let name: String
                switch input {
                case .raw: name = "raw files"
                case .schema(let file): name = "`\(file.path)`"
                case .output(let from, let file): name = "`\(from.rawValue)/\(file.rawValue)`"
                case .summary(let from): name = "`\(from.rawValue)/stage.json`"
                case .settings(let section): name = "`\(section.rawValue)`"
                default: name = input.name
                }
                if !reads.contains(name) { reads.append(name) }
            }
            let writes = stage.outputs.map { "`\($0.rawValue)`" } + stage.otherOutputs
            lines.append("| \(stage.name.rawValue) | \(reads.joined(separator: ", ")) | \(writes.joined(separator: ", ")), `stage.json` |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
