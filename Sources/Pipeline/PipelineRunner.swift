public import Foundation
public import DatasetCore
public import SurveyIngest
import TextbookIngest
import Validation
import Dedup
public import Sampling
import ReviewStore
import Release
#if canImport(Glibc)
import Glibc
#endif

/// The stages of a pipeline, in order.
public enum StageName: String, CaseIterable, Sendable {
    case ingest, validate, dedup, sample, review, release
}

/// Runs a pipeline file from raw inputs to a release candidate under `build/<pipeline>/`.
public struct PipelineRunner: Sendable {
    public var spec: PipelineSpec
    public var projectDirectory: URL
    public var pipelineSHA256: String
    public var jobs: Int

    public init(spec: PipelineSpec, pipelineFile: URL, projectDirectory: URL, jobs: Int = 2) throws {
        self.spec = spec
        self.projectDirectory = projectDirectory
        self.pipelineSHA256 = try Hashing.sha256Hex(fileAt: pipelineFile).sha256
        self.jobs = max(jobs, 1)
    }

    public var buildDirectory: URL { spec.buildDirectory(in: projectDirectory) }

    public var candidateDirectory: URL { buildDirectory.appendingPathComponent(StageName.release.rawValue) }

    public var reviewDatabase: URL { spec.reviewDatabase(in: projectDirectory) }

    func url(_ path: String) -> URL { projectDirectory.appendingPathComponent(path) }

    /// Runs stages in order, up to and including `until`; returns each stage's report.
    public func run(until: StageName = .release, progress: (StageReport) -> Void = { _ in }) async throws -> [StageReport] {
        try FileManager.default.createDirectory(at: buildDirectory, withIntermediateDirectories: true)
        let lock = try RunLock(url: buildDirectory.appendingPathComponent(".lock"))
        defer { lock.release() }

        let runner = StageRunner(buildDirectory: buildDirectory)
        var reports: [StageReport] = []
        func finish(_ report: StageReport) {
            reports.append(report)
            progress(report)
        }
        let inputs = try inputHashes()

        // ingest
        let ingestKey = StageRunner.key(stage: "ingest", parts: spec.sources.map(\.configText) + inputs.map { "\($0.path)=\($0.sha256)" })
        finish(try await runner.run(stage: "ingest", key: ingestKey) { directory in
            let ingested = try await ingestAll(inputs: inputs)
            try StageFiles.write(ingested.items, "items.jsonl", in: directory)
            try StageFiles.write(ingested.dropped, "dropped.jsonl", in: directory)
            try StageFiles.write(ingested.passages, "passages.jsonl", in: directory)
            return StageSummary(stage: "ingest", itemsIn: ingested.items.count + ingested.dropped.count,
                                itemsOut: ingested.items.count, dropped: StageSummary.droppedCounts(ingested.dropped),
                                notes: ingested.notes)
        })
        if until == .ingest { return reports }

        // validate
        finish(try await runner.run(stage: "validate", key: key("validate", after: reports.last!)) { directory in
            let items = try StageFiles.read(Item.self, "items.jsonl", in: runner.directory(of: "ingest"))
            let result = Validator.validate(items, rules: spec.validation)
            try StageFiles.write(result.valid, "items.jsonl", in: directory)
            try StageFiles.write(result.rejected, "dropped.jsonl", in: directory)
            let flagged = result.valid.filter { $0.flags.contains("answer_longest") }.count
            return StageSummary(stage: "validate", itemsIn: items.count, itemsOut: result.valid.count,
                                dropped: StageSummary.droppedCounts(result.rejected),
                                notes: flagged > 0 ? ["\(flagged) flagged answer_longest"] : [])
        })
        if until == .validate { return reports }

        // dedup
        let referenceHashes = inputs.filter { input in spec.contamination.benchmarks.contains { $0.path == input.path } }
            .map { "\($0.path)=\($0.sha256)" } + ["seed=\(spec.seed)"]
        finish(try await runner.run(stage: "dedup", key: key("dedup", after: reports.last!, extra: referenceHashes)) { directory in
            let items = try StageFiles.read(Item.self, "items.jsonl", in: runner.directory(of: "validate"))
            var result = ExactDeduplicator.deduplicate(items)
            var notes: [String] = []
            if let settings = spec.nearDuplicates {
                var settings = settings
                settings.seed = spec.seed
                let near = NearDuplicateDeduplicator.deduplicate(result.unique, settings: settings)
                result.unique = near.unique
                result.dropped += near.dropped
                result.clusters += near.clusters
                notes.append("near-duplicates: Jaccard ≥ \(settings.threshold) on \(settings.ngram)-character shingles, "
                             + "\(settings.permutations) permutations, \(settings.banding)")
            }
            if !spec.contamination.benchmarks.isEmpty {
                var settings = spec.nearDuplicates ?? NearDuplicateSettings()
                settings.seed = spec.seed
                settings.threshold = spec.contamination.threshold
                let benchmarks = try spec.contamination.benchmarks.map { ($0, try $0.read(from: url($0.path))) }
                let matches = ContaminationChecker.matches(result.unique, benchmarks: benchmarks, settings: settings)
                result.apply(matches, drop: spec.contamination.drop)
                try StageFiles.write(matches, "contamination.jsonl", in: directory)
                notes.append("contamination: \(matches.count) items match \(benchmarks.map { "\($0.0.name) (\($0.1.count))" }.joined(separator: ", ")) at Jaccard ≥ \(settings.threshold)"
                             + (spec.contamination.drop ? "" : "; flagged, not dropped"))
            }
            try StageFiles.write(result.unique, "items.jsonl", in: directory)
            try StageFiles.write(result.dropped, "dropped.jsonl", in: directory)
            try StageFiles.write(result.clusters, "clusters.jsonl", in: directory)
            let kinds = Dictionary(grouping: result.clusters, by: \.kind)
            if !kinds.isEmpty {
                notes.append("clusters in clusters.jsonl: " + kinds.keys.sorted().map { "\(kinds[$0]!.count) \($0)" }.joined(separator: ", ")
                             + (kinds["conflict"] == nil ? "" : " (conflicts: same or similar question, different choices or answer; kept for review)"))
            }
            return StageSummary(stage: "dedup", itemsIn: items.count, itemsOut: result.unique.count,
                                dropped: StageSummary.droppedCounts(result.dropped), notes: notes)
        })
        if until == .dedup { return reports }

        // sample: stratified selection to quotas, with a ranked reserve
        finish(try await runner.run(stage: "sample", key: key("sample", after: reports.last!, extra: ["seed=\(spec.seed)"])) { directory in
            let items = try StageFiles.read(Item.self, "items.jsonl", in: runner.directory(of: "dedup"))
            let result = try sample(items)
            try StageFiles.write(result.items, "items.jsonl", in: directory)
            try StageFiles.write(result.selections, "selection.jsonl", in: directory)
            try StageFiles.write(result.report, "shortfall.jsonl", in: directory)
            try StageFiles.write(result.notSelected, "dropped.jsonl", in: directory)
            let short = result.report.filter { $0.shortfall > 0 }
            var notes = short.map { "shortfall \($0.stratum): \($0.available) of \($0.target ?? 0) available" }
            let reserve = result.report.map(\.reserve).reduce(0, +)
            if reserve > 0 { notes.append("\(reserve) reserve items ranked behind the quotas") }
            return StageSummary(stage: "sample", itemsIn: items.count, itemsOut: result.items.count,
                                dropped: StageSummary.droppedCounts(result.notSelected), notes: notes)
        })
        if until == .sample { return reports }

        // review: register what reached review and apply recorded decisions
        let store = try ReviewStore(url: reviewDatabase)
        // Every item that reaches review is registered (a no-op when it already is), even when
        // the stage itself is reused, so a new review database is never left empty.
        let reachedReview = try StageFiles.read(Item.self, "items.jsonl", in: runner.directory(of: "sample"))
        try store.register(reachedReview, actor: "pipeline:\(spec.name)")
        let decisionState = try store.decisionStateHash()
        finish(try await runner.run(stage: "review", key: key("review", after: reports.last!, extra: ["decisions=\(decisionState)"])) { directory in
            let items = reachedReview
            let outcome = try store.review(items, plan: spec.review)
            try StageFiles.write(outcome.kept, "items.jsonl", in: directory)
            try StageFiles.write(outcome.dropped, "dropped.jsonl", in: directory)
            var notes = ["review database \(relative(reviewDatabase))"]
            let unsettled = outcome.kept.filter { $0.review.status == "in_review" || $0.review.status == "unreviewed" }.count
            if !spec.review.rounds.isEmpty, unsettled > 0 {
                notes.append("\(unsettled) items have not passed every review round and are kept (include_unreviewed)")
            }
            return StageSummary(stage: "review", itemsIn: items.count, itemsOut: outcome.kept.count,
                                dropped: StageSummary.droppedCounts(outcome.dropped), notes: notes)
        })
        if until == .review { return reports }

        // release candidate: final selection by rank, stable splits, balanced answer positions
        let releasesRoot = projectDirectory.appendingPathComponent("releases")
        let published = try PublishedRelease.latest(name: spec.releaseName, releasesRoot: releasesRoot)
        finish(try await runner.run(stage: "release", key: key("release", after: reports.last!,
                                                                extra: ["release=\(spec.releaseName)", "license=\(spec.license)",
                                                                        "pipeline=\(pipelineSHA256)", "decisions=\(decisionState)",
                                                                        "seed=\(spec.seed)", "published=\(published?.manifestSHA256 ?? "none")",
                                                                        "selection=\(try selectionHash(runner))",
                                                                        "itemSchema=\(Hashing.sha256Hex(try itemSchemaText()))"])) { directory in
            let reviewed = try StageFiles.read(Item.self, "items.jsonl", in: runner.directory(of: "review"))
            let selections = try StageFiles.read(Selection.self, "selection.jsonl", in: runner.directory(of: "sample"))
            let final = finalSelection(reviewed, selections: selections)
            let publishedItems = try published?.items() ?? []
            let balanced = spec.balanceAnswers
                ? AnswerBalancer.balance(final.items, seed: spec.seed, previous: PublishedRelease.choices(of: publishedItems))
                : (items: final.items, report: [])
            // Members of a cluster that are all kept (conflicts, flagged copies) share a split.
            let together = try StageFiles.read(DuplicateCluster.self, "clusters.jsonl", in: runner.directory(of: "dedup"))
                .map(\.members).filter { $0.count > 1 }
            let splits = SplitAssigner(seed: spec.seed, splits: spec.splits)
                .assign(balanced.items, previous: PublishedRelease.splits(of: publishedItems), together: together)
            let violations = try ReleaseWriter.schemaViolations(splits.values.flatMap { $0 }, schemaText: try itemSchemaText(),
                                                                schemaName: "schemas/item.schema.json")
            try Diagnostics(violations).check()
            let metadata = ReleaseWriter.Metadata(
                name: spec.releaseName, license: spec.license, pipeline: spec.file,
                pipelineSHA256: pipelineSHA256, inputs: inputs.map { .init(path: $0.path, sha256: $0.sha256) },
                reviewStateSHA256: decisionState)
            let manifest = try ReleaseWriter.writeCandidate(splits: splits, metadata: metadata, to: directory)
            // Build reports beside the data; only the files the manifest lists are published.
            try StageFiles.writeReport(balanced.report, "reports/answer_positions.json", in: directory)
            try StageFiles.writeReport(final.shortfall, "reports/shortfall.json", in: directory)
            var notes = manifest.files.map { "\($0.path): \($0.records) records" }
            notes += balanced.report.map { "answer positions \($0.subject): \($0.counts.map(String.init).joined(separator: "/")) (chi-square \($0.chiSquare))" }
            notes += final.shortfall.filter { $0.shortfall > 0 }.map { "shortfall \($0.stratum): \($0.selected) of \($0.target ?? 0) after review" }
            if let published { notes.append("splits and choice order of \(spec.releaseName) \(published.version) kept") }
            notes += SplitAssigner.straddling(splits, together: together).map {
                "cluster \($0.joined(separator: ", ")) straddles splits: its members were published in different splits"
            }
            return StageSummary(stage: "release", itemsIn: reviewed.count, itemsOut: manifest.files.map(\.records).reduce(0, +),
                                dropped: final.reserveLeft > 0 ? ["reserve_unused": final.reserveLeft] : [:], notes: notes)
        })
        return reports
    }

    /// The sampling plan over the pool, computed in memory: nothing is written.
    public func samplingPlan() async throws -> (pool: Int, report: [StratumReport]) {
        let ingested = try await ingestAll(inputs: try inputHashes())
        let valid = Validator.validate(ingested.items, rules: spec.validation).valid
        let unique = ExactDeduplicator.deduplicate(valid).unique
        return (unique.count, StratifiedSampler.sample(unique, plan: spec.sampling, seed: spec.seed).report)
    }

    /// Runs the sampling plan over the pool; a stratum below its minimum fails the build unless allowed.
    func sample(_ items: [Item]) throws -> SamplingResult {
        if case .total(_, .neyman, let deviations) = spec.sampling.quotas {
            let strata = Set(items.map { StratifiedSampler.stratum(of: $0, plan: spec.sampling) })
            let missing = strata.subtracting(deviations.keys).sorted()
            if !missing.isEmpty {
                throw InputError(file: spec.file, field: "stages.sample.deviations", "no deviation for strata: \(missing.joined(separator: ", "))")
            }
        }
        let result = StratifiedSampler.sample(items, plan: spec.sampling, seed: spec.seed)
        let below = StratifiedSampler.belowMinimum(result.report, plan: spec.sampling)
        if !below.isEmpty, !spec.sampling.allowShortfall {
            throw InputErrors(below.map { row in
                InputError(file: spec.file, field: "stages.sample.minimum",
                           "stratum \(row.stratum) has \(row.selected) items (\(row.available) available), below the minimum of \(spec.sampling.minimum); add items or set allow_shortfall: true")
            })
        }
        return result
    }

    /// The item schema the release checks records against: the project's copy, or the built-in one.
    private func itemSchemaText() throws -> String {
        let projectSchema = url("schemas/item.schema.json")
        guard FileManager.default.fileExists(atPath: projectSchema.path) else { return builtInItemSchema }
        return try Data(contentsOf: projectSchema).utf8Text(file: "schemas/item.schema.json")
    }

    private func selectionHash(_ runner: StageRunner) throws -> String {
        try Hashing.sha256Hex(fileAt: runner.directory(of: "sample").appendingPathComponent("selection.jsonl")).sha256
    }

    /// Per stratum, the quota's worth of reviewed items in rank order: reserve items replace
    /// items lost in review. Strata without a quota keep all their items.
    func finalSelection(_ items: [Item], selections: [Selection]) -> (items: [Item], shortfall: [StratumReport], reserveLeft: Int) {
        let byID = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
        var kept: [Item] = []
        var report: [StratumReport] = []
        var reserveLeft = 0
        for (stratum, members) in Dictionary(grouping: selections, by: \.stratum).sorted(by: { $0.key < $1.key }) {
            let ranked = members.sorted { $0.rank < $1.rank }.compactMap { byID[$0.id] }
            let quota = members.first?.quota ?? ranked.count
            kept += ranked.prefix(quota)
            reserveLeft += max(0, ranked.count - quota)
            report.append(StratumReport(stratum: stratum, target: members.first?.quota, available: ranked.count,
                                        selected: min(quota, ranked.count), reserve: max(0, ranked.count - quota),
                                        shortfall: max(0, quota - ranked.count)))
        }
        return (kept, report, reserveLeft)
    }

    /// Reads every raw input of every source without writing anything, and returns every
    /// problem found (all sources are read, not only up to the first failure).
    public func check() async -> [InputError] {
        var problems: [InputError] = []
        let inputs: [InputHash]
        do {
            inputs = try inputHashes()
        } catch {
            return error.inputErrors ?? [InputError(file: spec.file, "\(error)")]
        }
        let hashes = Dictionary(uniqueKeysWithValues: inputs.map { ($0.path, $0.sha256) })
        for source in spec.sources {
            do {
                _ = try ingest(source, hashes: hashes)
            } catch {
                problems += error.inputErrors ?? [InputError(file: source.files.values.sorted().first ?? spec.file, "\(error)")]
            }
        }
        for benchmark in spec.contamination.benchmarks {
            do {
                _ = try benchmark.read(from: url(benchmark.path))
            } catch {
                problems += error.inputErrors ?? [InputError(file: benchmark.path, "\(error)")]
            }
        }
        return problems
    }

    private func key(_ stage: String, after previous: StageReport, extra: [String] = []) -> String {
        let upstream = previous.record.files.map { "\(previous.record.stage)/\($0.path)=\($0.sha256)" }
        return StageRunner.key(stage: stage, parts: upstream + [spec.stageConfigText[stage] ?? "default"] + extra)
    }

    public func relative(_ url: URL) -> String {
        let base = projectDirectory.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }

    struct InputHash: Sendable {
        var path: String
        var sha256: String
    }

    func inputHashes() throws -> [InputHash] {
        try Set(spec.inputPaths).sorted().map { path in
            do {
                return InputHash(path: path, sha256: try Hashing.sha256Hex(fileAt: url(path)).sha256)
            } catch {
                throw InputError(file: path, "cannot read: \(error.localizedDescription)")
            }
        }
    }

    struct Ingested: Sendable {
        var items: [Item] = []
        var dropped: [DroppedItem] = []
        var passages: [Passage] = []
        var notes: [String] = []
    }

    /// Reads every source, at most `jobs` at a time; items come out in source order, then id order.
    func ingestAll(inputs: [InputHash]) async throws -> Ingested {
        let hashes = Dictionary(uniqueKeysWithValues: inputs.map { ($0.path, $0.sha256) })
        let sources = spec.sources
        var results = [Ingested?](repeating: nil, count: sources.count)
        try await withThrowingTaskGroup(of: (Int, Ingested).self) { group in
            var next = 0
            func add() {
                let index = next
                let source = sources[index]
                group.addTask { (index, try ingest(source, hashes: hashes)) }
                next += 1
            }
            while next < min(jobs, sources.count) { add() }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < sources.count { add() }
            }
        }
        var all = Ingested()
        var seen: [String: String] = [:]
        for (source, result) in zip(sources, results.map { $0! }) {
            for item in result.items {
                if let other = seen[item.id] {
                    throw InputError(file: item.source.document, field: item.source.element,
                                     "item id \(item.id) is produced twice (sources \(other) and \(source.id)); element ids must be unique")
                }
                seen[item.id] = source.id
            }
            all.items += result.items.sorted { $0.id < $1.id }
            all.dropped += result.dropped.sorted { $0.id < $1.id }
            all.passages += result.passages
            all.notes += result.notes
        }
        return all
    }

    func ingest(_ source: PipelineSpec.Source, hashes: [String: String]) throws -> Ingested {
        var result = Ingested()
        switch source.kind {
        case .survey:
            let data = try surveyData(source)
            let output = try SocialValueBuilder.build(SurveySource(
                sourceID: source.id, data: data.data, margins: data.margins, language: source.language,
                subject: source.subject, license: source.license, revision: hashes[data.answerFile]!, settings: source.survey))
            result.items = output.items
            result.dropped = output.dropped
            result.notes.append("\(source.id): \(output.items.count) social-value items from \(data.data.questionnaire.questions.count) questions")
            result.notes += data.data.notes.map { "\(source.id): \($0)" }
        case .cnxml:
            let path = source.files["path"]!
            let collection = try source.files["collection"].map { try CNXMLCollection.read(fileAt: url($0), displayName: $0) }
            let license = source.license ?? collection?.licenseURL ?? collection?.license
            let moduleContext = context(source, path, hashes, license, nil)
            let module = try CNXMLReader().read(fileAt: url(path), context: moduleContext)
            let generated = source.glossaryItems ? CNXMLReader.glossaryItems(module.glossary, context: moduleContext) : []
            result.items = module.output.items + generated
            result.dropped = module.output.dropped
            result.passages = module.output.passages
            // The module's place in its collection's reading order, known once the module is read.
            if let collection, let id = module.moduleID, let index = collection.moduleOrder.firstIndex(of: id) {
                for i in result.items.indices { result.items[i].source.position = index + 1 }
                for i in result.dropped.indices { result.dropped[i].item.source.position = index + 1 }
            } else if let collectionPath = source.files["collection"] {
                // Said, not guessed: the items keep no position.
                result.notes.append("\(source.id): module \(module.moduleID ?? "without a content-id") is not in the reading order of \(collectionPath); items carry no position")
            }
            result.notes.append("\(source.id): \(module.output.items.count) exercises as items, \(module.glossary.count) glossary terms, \(generated.count) generated glossary items")
        case .xhtml:
            let path = source.files["path"]!
            let output = try XHTMLReader().read(fileAt: url(path), context: context(source, path, hashes, source.license, nil))
            result.items = output.items
            result.dropped = output.dropped
            result.passages = output.passages
            result.notes.append("\(source.id): \(output.passages.count) passages, \(output.items.count + output.dropped.count) quiz questions")
        case .authored:
            let path = source.files["path"]!
            // A project may tighten the schema; its copy in schemas/ then rules.
            let projectSchema = url("schemas/authored-items.xsd")
            let reader = FileManager.default.fileExists(atPath: projectSchema.path)
                ? AuthoredItemsReader(schemaText: try Data(contentsOf: projectSchema).utf8Text(file: "schemas/authored-items.xsd"),
                                      schemaName: "schemas/authored-items.xsd")
                : AuthoredItemsReader()
            let output = try reader.read(fileAt: url(path), context: context(source, path, hashes, source.license, nil))
            result.items = output.items
            result.notes.append("\(source.id): \(output.items.count) authored items")
        }
        return result
    }

    /// Reads a survey source's answers and margins, whatever its format. Each file is read even
    /// when another has problems, so that all of them are reported.
    public func surveyData(_ source: PipelineSpec.Source) throws -> (data: SurveyData, margins: PopulationMargins?, answerFile: String) {
        var diagnostics = Diagnostics()
        func schema(_ file: String) throws -> SchemaCheck? { try SchemaCheck.project(projectDirectory, file: file) }
        let margins = try diagnostics.collect { () throws -> PopulationMargins? in
            guard let path = source.files["margins"] else { return nil }
            if let mappingPath = source.files["margins_mapping"] {
                let mapping = try CensusMapping.load(url(mappingPath), displayName: mappingPath, schema: try schema("census-mapping.schema.json"))
                return try mapping.read(url(path), displayName: path).margins
            }
            return try PopulationMargins.load(url(path), displayName: path, schema: try schema("margins.schema.json"))
        } ?? nil
        let format = source.format ?? .long
        var answerFile = source.files["tallies"] ?? source.files["microdata"] ?? source.files["questionnaire"] ?? ""
        var data: SurveyData?
        switch format {
        case .long, .microdata:
            let questionnairePath = source.files["questionnaire"]!
            if let questionnaire = try diagnostics.collect({
                try Questionnaire.load(url(questionnairePath), displayName: questionnairePath, schema: try schema("questionnaire.schema.json"))
            }) {
                data = try diagnostics.collect {
                    format == .long
                        ? try Tallies.load(url(answerFile), displayName: answerFile, questionnaire: questionnaire,
                                           schema: try schema("tallies.schema.json"))
                        : try MicrodataReader.read(url(answerFile), displayName: answerFile, questionnaire: questionnaire,
                                                   weightColumn: source.survey.weightColumn, schema: try schema("microdata.schema.json"))
                }
            }
        case .opinionqa:
            let info = source.files["questionnaire"]!
            let oneway = source.files.keys.filter { $0.hasPrefix("oneway.") }.sorted().map { role in
                (dimension: String(role.dropFirst("oneway.".count)), url: url(source.files[role]!), name: source.files[role]!)
            }
            answerFile = info
            data = try diagnostics.collect {
                try OpinionQAReader.read(info: url(info), infoName: info, dimensionFiles: oneway, country: nil,
                                        maxTotalMismatch: source.survey.maxTotalMismatch)
            }
        case .kobbq:
            data = try diagnostics.collect {
                try KoBBQReader.read(url(answerFile), displayName: answerFile, panelSize: source.survey.panelSize,
                                     multiSelect: source.survey.multiSelect)
            }
        }
        try diagnostics.check()
        return (data!, margins, answerFile)
    }

    private func context(_ source: PipelineSpec.Source, _ path: String, _ hashes: [String: String], _ license: String?,
                         _ position: Int?) -> TextbookContext {
        TextbookContext(sourceID: source.id, document: path, subject: source.subject, language: source.language,
                        license: license, revision: hashes[path]!, position: position, seed: spec.seed)
    }
}

/// An exclusive lock on a pipeline's build directory, so two runs never interleave.
final class RunLock {
    private let descriptor: Int32

    init(url: URL) throws {
        descriptor = open(url.path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw AtomicFiles.Failure(path: url.path, operation: "open lock", code: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw InputError(file: url.deletingLastPathComponent().path, "another run of this pipeline is in progress")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
