public import Foundation
public import DatasetCore
import SchemaValidation

/// Writes release candidates and publishes them.
public enum ReleaseWriter {
    public struct Metadata: Sendable {
        public var name: String
        public var license: String
        public var pipeline: String
        public var pipelineSHA256: String
        public var inputs: [ReleaseManifest.Input]
        public var reviewStateSHA256: String?
        /// Other benchmarks' layouts the candidate is also written in.
        public var exports: [ReleaseExport]
        /// The pretraining corpora the items were checked against.
        public var corpusContamination: [ReleaseManifest.CorpusCheck] = []
        /// Items pilots flagged and sent back to review.
        public var pilotReview: [ReleaseManifest.PilotReview] = []
        /// Translations per language (empty without translations).
        public var translations: [ParallelRelease.LanguageCount] = []
        /// The quality dossier, written as `quality.json` and into `report.html`.
        public var quality: QualityDossier?

        public init(name: String, license: String, pipeline: String, pipelineSHA256: String,
                    inputs: [ReleaseManifest.Input], reviewStateSHA256: String?, exports: [ReleaseExport] = []) {
            self.name = name
            self.license = license
            self.pipeline = pipeline
            self.pipelineSHA256 = pipelineSHA256
            self.inputs = inputs
            self.reviewStateSHA256 = reviewStateSHA256
            self.exports = exports
        }
    }

    /// Checks every record against the item schema (the project's `schemas/item.schema.json`
    /// when it has one, so a curator can tighten it); returns each violation with the item's id.
    public static func schemaViolations(_ items: [Item], schemaText: String, schemaName: String) throws -> [InputError] {
        try schemaViolations(records: try JSONLines.encode(items), schemaText: schemaText, schemaName: schemaName)
    }

    /// Checks the records of a JSON Lines text, as they are written, against the item schema.
    public static func schemaViolations(records: Data, schemaText: String, schemaName: String) throws -> [InputError] {
        try schemaViolations(records: records, schema: try loadSchema(schemaText, name: schemaName), schemaName: schemaName, firstNumber: 1)
    }

    /// `firstNumber` is the first record's number in its file (a record without an id is named by it).
    static func schemaViolations(records: Data, schema: JSONValue, schemaName: String, firstNumber: Int) throws -> [InputError] {
        let lines = JSONLines.lineRanges(of: records)
        // Checked on every core, each chunk with a validator of its own; problems in record order.
        return try Parallel.chunks(lines.count) { range in
            try violations(ofLines: lines[range], in: records, schema: schema, schemaName: schemaName, firstNumber: firstNumber + range.lowerBound)
        }.flatMap { $0 }
    }

    /// What the schema finds wrong with the given lines of `records`, checked on the calling thread.
    static func violations(ofLines lines: ArraySlice<Range<Int>>, in records: Data, schema: JSONValue, schemaName: String,
                           firstNumber: Int) throws -> [InputError] {
        let validator = try JSONSchemaValidator(schema: schema)
        var scratch = JSONSchemaValidator.Scratch()
        return try lines.enumerated().flatMap { offset, range in
            let line = records[records.startIndex + range.lowerBound..<records.startIndex + range.upperBound]
            return try violations(ofLine: line, number: firstNumber + offset, validator: validator, scratch: &scratch, schemaName: schemaName)
        }
    }

    /// What the schema finds wrong with one record's line, checked on its bytes; a line the
    /// byte check does not take is parsed into a tree and checked as that (and throws when it is
    /// not JSON).
    static func violations(ofLine line: Data, number: Int, validator: JSONSchemaValidator, scratch: inout JSONSchemaValidator.Scratch,
                           schemaName: String) throws -> [InputError] {
        let checked = line.withUnsafeBytes { validator.validate(document: $0, naming: "id", scratch: &scratch) }
        guard let checked else { return violations(of: try JSONValue.parse(line), number: number, validator: validator, schemaName: schemaName) }
        let name = checked.name ?? "record \(number)"
        return checked.failures.map { InputError(file: schemaName, field: "\(name)\($0.instancePath)", $0.message) }
    }

    /// A schema's text, parsed and checked to be one the validator supports.
    static func loadSchema(_ text: String, name: String) throws -> JSONValue {
        do {
            let schema = try JSONValue.parse(Data(text.utf8))
            _ = try JSONSchemaValidator(schema: schema)
            return schema
        } catch let unsupported as JSONSchemaValidator.Unsupported {
            throw InputError(file: name, "\(unsupported)")
        } catch {
            throw InputError(file: name, "not a JSON schema: \(error)")
        }
    }

    /// What the schema finds wrong with one record, each named by the record's id (or its number).
    static func violations(of record: JSONValue, number: Int, validator: JSONSchemaValidator, schemaName: String) -> [InputError] {
        let name = if case .object(let fields) = record, case .string(let id)? = fields["id"] { id } else { "record \(number)" }
        return validator.validate(record).map { InputError(file: schemaName, field: "\(name)\($0.instancePath)", $0.message) }
    }

    /// Whether a path a manifest lists leads out of the release directory (absolute, through
    /// `..`, or by a symbolic link): such a path is reported and never read.
    static func isOutside(_ path: String, of directory: URL) -> Bool {
        let root = directory.resolvingSymlinksInPath().standardizedFileURL.path + "/"
        return path.hasPrefix("/") || path.split(separator: "/").contains("..")
            || !directory.appendingPathComponent(path).resolvingSymlinksInPath().standardizedFileURL.path.hasPrefix(root)
    }

    /// Reads every data file the manifest of `directory` lists once: each line checked against
    /// the schema on its bytes and read as an item, on every core. Returns the number of
    /// records and the problems (lines that are no item, and schema violations, in file order).
    public static func checkRecords(in directory: URL, displayName: String, schemaText: String,
                                    schemaName: String) throws -> (records: Int, problems: [InputError]) {
        let manifest = try ReleaseManifest.read(from: directory.appendingPathComponent("manifest.json"))
        let schema = try loadSchema(schemaText, name: schemaName)
        var records = 0, unreadable: [InputError] = [], violations: [InputError] = []
        for file in manifest.files where !isOutside(file.path, of: directory) {
            let name = "\(displayName)/\(file.path)"
            let data: Data
            do { data = try Data(contentsOf: directory.appendingPathComponent(file.path)) } catch {
                unreadable.append(InputError(file: name, "cannot read: \(error.localizedDescription)"))
                continue
            }
            let lines = JSONLines.lineRanges(of: data)
            let first = records
            let chunks = try Parallel.chunks(lines.count) { range -> (bad: [InputError], violations: [InputError]) in
                let validator = try JSONSchemaValidator(schema: schema)
                var scratch = JSONSchemaValidator.Scratch()
                var bad: [InputError] = [], found: [InputError] = []
                for index in range {
                    let line = data[data.startIndex + lines[index].lowerBound..<data.startIndex + lines[index].upperBound]
                    // A line that is no JSON has no violations; it is said below.
                    found += (try? Self.violations(ofLine: line, number: first + index + 1, validator: validator, scratch: &scratch,
                                                   schemaName: schemaName)) ?? []
                    // A line that the fast reader does not take as an item is read as reading the
                    // file reads it, and said with its line if that fails too.
                    let item = try? line.withUnsafeBytes { bytes in try JSONReader.read(bytes) { try Item(reader: &$0) } }
                    if item == nil {
                        do { _ = try JSONLines.decode(Item.self, from: Data(line), file: name) } catch let error where error.inputErrors != nil {
                            bad += error.inputErrors!.map { InputError(SourceLocation(file: name, line: index + 1, field: $0.location.field), $0.message) }
                        }
                    }
                }
                return (bad, found)
            }
            records += lines.count
            unreadable += chunks.flatMap(\.bad)
            violations += chunks.flatMap(\.violations)
        }
        return (records, unreadable + violations)
    }

    /// The data files' contents in order: each config (by task, then name; a task with
    /// translations has a config per language, `common_knowledge_en`) and its splits in name
    /// order, items in id order; empty files left out.
    static func layout(_ splits: [String: [Item]]) -> [(config: String, split: String, items: [Item])] {
        let parallel = ParallelRelease.parallelTasks(splits.values)
        var byConfig: [String: [String: [Item]]] = [:]
        for (split, items) in splits {
            for item in items { byConfig[ParallelRelease.config(of: item, parallel: parallel), default: [:]][split, default: []].append(item) }
        }
        var files: [(config: String, split: String, items: [Item])] = []
        for task in ItemTask.allCases {
            for config in byConfig.keys.sorted() where ParallelRelease.task(ofConfig: config) == task {
                for split in splits.keys.sorted() {
                    guard let items = byConfig[config]![split]?.sorted(byKey: \.id), !items.isEmpty else { continue }
                    files.append((config, split, items))
                }
            }
        }
        return files
    }

    /// Records encoded, checked and written at a time (two such chunks are held: one being made,
    /// one being written): a million items' file was held whole, beside its items and the
    /// records being checked, at the release stage's peak.
    static let writeChunk = 20_000

    /// Writes one JSONL file per config and split into `directory` (a staging directory), as
    /// `layout` orders them, a chunk of records at a time: each chunk encoded,
    /// checked against the item schema (when `schemaText` is given) and appended, so no file is
    /// held whole. Every schema violation is collected and thrown together once all are checked.
    public static func writeDataFiles(splits: [String: [Item]], to directory: URL, schemaText: String?,
                                      schemaName: String) throws -> [ReleaseManifest.DataFile] {
        let schema = try schemaText.map { try loadSchema($0, name: schemaName) }
        var written: [ReleaseManifest.DataFile] = [], problems: [InputError] = []
        for (config, split, items) in layout(splits) {
            let path = dataPath(config: config, split: split)
            // Each chunk is checked against the schema where it is encoded.
            let (hash, found) = try writeInChunks(to: directory.appendingPathComponent(path), count: items.count) { part in
                let data = try JSONLines.encodedLines(items, range: part).lines
                let found = try schema.map {
                    try violations(ofLines: JSONLines.lineRanges(of: data)[...], in: data, schema: $0, schemaName: schemaName,
                                   firstNumber: part.lowerBound + 1)
                }
                return (data, found ?? [])
            }
            problems += found
            written.append(ReleaseManifest.DataFile(path: path, config: config, split: split, records: items.count,
                                                    bytes: hash.bytes, sha256: hash.hex()))
        }
        try Diagnostics(problems).check()
        return written
    }

    /// Path of a config's split file inside a release: `<config>/<split>.jsonl`.
    public static func dataPath(config: String, split: String) -> String {
        "\(config)/\(split).jsonl"
    }

    /// Writes one JSONL file per config and split, and `manifest.json`, into `directory`
    /// (a staging directory: the caller moves it into place). Items are written in id order.
    @discardableResult
    public static func writeCandidate(splits: [String: [Item]], metadata: Metadata, to directory: URL) throws -> ReleaseManifest {
        try writeCandidate(written: try writeDataFiles(splits: splits, to: directory, schemaText: nil, schemaName: ""),
                           splits: splits, metadata: metadata, to: directory)
    }

    /// Writes the documents beside data files `writeDataFiles` wrote (and checked) into `directory`.
    @discardableResult
    public static func writeCandidate(written files: [ReleaseManifest.DataFile], splits: [String: [Item]], metadata: Metadata,
                                      to directory: URL) throws -> ReleaseManifest {
        let report = Data(BuildReport.html(name: metadata.name, version: nil, items: splits.keys.sorted().flatMap { split in
            splits[split]!.map { (item: $0, split: split) }
        }, pilotReview: metadata.pilotReview, quality: metadata.quality).utf8)
        try AtomicFiles.writeAndSync(report, to: directory.appendingPathComponent("report.html"))
        var manifest = ReleaseManifest(
            name: metadata.name, version: nil, license: metadata.license, pipeline: metadata.pipeline,
            pipelineSHA256: metadata.pipelineSHA256, inputs: metadata.inputs.sorted { $0.path < $1.path },
            reviewStateSHA256: metadata.reviewStateSHA256, files: files,
            tool: .init(name: ToolInfo.name, version: ToolInfo.version),
            itemSchemaVersion: itemSchemaVersion, schemaVersion: manifestSchemaVersion)
        manifest.corpusContamination = metadata.corpusContamination.isEmpty ? nil : metadata.corpusContamination
        manifest.pilotReview = metadata.pilotReview.isEmpty ? nil : metadata.pilotReview
        manifest.translations = metadata.translations.isEmpty ? nil : metadata.translations
        manifest.documents = [.init(path: "report.html", bytes: report.count, sha256: Hashing.sha256Hex(report))]
        if let quality = metadata.quality {
            let data = try quality.encoded()
            try AtomicFiles.writeAndSync(data, to: directory.appendingPathComponent(QualityDossier.fileName))
            manifest.documents.append(.init(path: QualityDossier.fileName, bytes: data.count, sha256: Hashing.sha256Hex(data)))
        }
        for export in ReleaseExports.files(metadata.exports, splits: splits, name: metadata.name) {
            manifest.documents.append(try writeExport(export, in: directory))
        }
        try AtomicFiles.writeAndSync(try manifest.encoded(), to: directory.appendingPathComponent("manifest.json"))
        for config in Set(files.map(\.config)) {
            try AtomicFiles.syncDirectory(directory.appendingPathComponent(config))
        }
        try AtomicFiles.syncDirectory(directory)
        return manifest
    }

    /// Writes `head`, then the text of `count` records `make` gives for `writeChunk` of them at a
    /// time, into a new file at `url` (making its folders): each chunk is made on every core while
    /// this thread hashes and writes the one before. The file's hash, and the problems `make` found.
    static func writeInChunks(to url: URL, head: Data = Data(), count: Int,
                              make: @escaping @Sendable (Range<Int>) throws -> (data: Data, problems: [InputError]))
        throws -> (hash: Hashing.Stream, problems: [InputError]) {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var hash = Hashing.Stream(), problems: [InputError] = []
        try AtomicFiles.writeAndSync(to: url) { write in
            hash.update(head)
            try write(head)
            try Parallel.overlapped(count, block: writeChunk, make: { [try make($0)] }) { parts in
                for part in parts {
                    problems += part.problems
                    hash.update(part.data)
                    try write(part.data)
                }
            }
        }
        return (hash, problems)
    }

    /// Writes an export's file inside `directory` and syncs its folder.
    static func writeExport(_ file: ReleaseExports.File, in directory: URL) throws -> ReleaseManifest.Document {
        let url = directory.appendingPathComponent(file.path)
        let (hash, _) = try writeInChunks(to: url, head: Data(file.text.utf8), count: file.count) { [file] part in
            (Data(file.records(part)), [])
        }
        try AtomicFiles.syncDirectory(url.deletingLastPathComponent())
        return .init(path: file.path, bytes: hash.bytes, sha256: hash.hex())
    }

    /// Writes a document at a path inside `directory`, making its folders, and syncs them.
    static func writeDocument(_ data: Data, at path: String, in directory: URL) throws {
        let url = directory.appendingPathComponent(path)
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFiles.writeAndSync(data, to: url)
        try AtomicFiles.syncDirectory(folder)
    }

    /// Every way the directory differs from its manifest: a missing, resized, rehashed or
    /// miscounted file, or a data file the manifest does not list.
    public static func verify(_ directory: URL) throws -> [String] {
        let manifest = try ReleaseManifest.read(from: directory.appendingPathComponent("manifest.json"))
        var problems: [String] = []
        func outside(_ path: String) -> Bool { isOutside(path, of: directory) }
        for path in (manifest.files.map(\.path) + manifest.documents.map(\.path)) where outside(path) {
            problems.append("\(path): outside the release directory; not read")
        }
        for file in manifest.files where !outside(file.path) {
            let url = directory.appendingPathComponent(file.path)
            guard let data = try? Data(contentsOf: url) else {
                problems.append("\(file.path): missing")
                continue
            }
            if data.count != file.bytes { problems.append("\(file.path): \(data.count) bytes, manifest says \(file.bytes)") }
            let hash = Hashing.sha256Hex(data)
            if hash != file.sha256 { problems.append("\(file.path): SHA-256 \(hash), manifest says \(file.sha256)") }
            let records = data.withUnsafeBytes { bytes in bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
            if records != file.records { problems.append("\(file.path): \(records) records, manifest says \(file.records)") }
        }
        for document in manifest.documents where !outside(document.path) {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(document.path)) else {
                problems.append("\(document.path): missing")
                continue
            }
            if data.count != document.bytes { problems.append("\(document.path): \(data.count) bytes, manifest says \(document.bytes)") }
            let hash = Hashing.sha256Hex(data)
            if hash != document.sha256 { problems.append("\(document.path): SHA-256 \(hash), manifest says \(document.sha256)") }
        }
        // Every file the manifest does not list is reported, whatever its name; a candidate also
        // holds its stage's record and the build report, which are not part of the release.
        let listed = Set(manifest.files.map(\.path) + manifest.documents.map(\.path) + ["manifest.json"])
        let isCandidate = FileManager.default.fileExists(atPath: directory.appendingPathComponent("stage.json").path)
        if let enumerator = FileManager.default.enumerator(atPath: directory.path) {
            for case let path as String in enumerator where !listed.contains(path) {
                if isCandidate, path == "stage.json" || path.hasPrefix("reports/") { continue }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory), isDirectory.boolValue { continue }
                problems.append("\(path): not listed in the manifest")
            }
        }
        return problems
    }

    public enum PublishError: Error, CustomStringConvertible, Equatable {
        case noCandidate(String)
        case candidateDamaged([String])
        case versionExists(String)
        case invalidVersion(String)
        case notNewer(version: String, latest: String)
        case bumpTooSmall(version: String, latest: String, required: VersionBump, diff: ReleaseDiff)
        /// Quality checks the pipeline file says block a release, failing: "check: value vs rule".
        case qualityBlocked([String])

        public var description: String {
            switch self {
            case .noCandidate(let path):
                return "no release candidate at \(path); run `build-dataset run` first"
            case .qualityBlocked(let checks):
                return "the candidate fails quality checks the pipeline file's `quality` section says block a release: "
                    + checks.joined(separator: "; ") + " (see quality.json or report.html; fix the items, or change the check's threshold or block)"
            case .candidateDamaged(let problems):
                return "the release candidate does not match its manifest; run `build-dataset run` again:\n" + problems.joined(separator: "\n")
            case .versionExists(let path):
                return "\(path) already exists; a published version is never rewritten, choose a new version"
            case .invalidVersion(let version):
                return "version '\(version)' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
            case .notNewer(let version, let latest):
                return "version \(version) is not newer than the published \(latest)"
            case .bumpTooSmall(let version, let latest, let required, let diff):
                return "\(latest) → \(version) is too small a step: the changes need a \(required) version " +
                    "(\(diff.removed.count) removed, \(diff.changedAnswer.count) with a changed answer, \(diff.added.count) added, " +
                    "\(diff.changedText.count) with changed text, \(diff.changedLabels.count) with changed labels); " +
                    "choose a larger version, or pass --allow \"reason\" to publish anyway (the reason goes into the changelog)"
            }
        }
    }

    /// Copies a verified candidate to `releases/<name>/<version>/` with the version set in its
    /// manifest. The new directory appears whole or not at all, and never replaces an existing one.
    public static func publish(candidate: URL, releasesRoot: URL, version: String, allowReason: String? = nil,
                               description: String = "", reviewAuditHead: String? = nil, publishedOn: Date = Date()) throws -> URL {
        guard let semantic = SemanticVersion(version) else {
            throw PublishError.invalidVersion(version)
        }
        let manifestURL = candidate.appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: manifestURL.path) else { throw PublishError.noCandidate(candidate.path) }
        let problems = try verify(candidate)
        guard problems.isEmpty else { throw PublishError.candidateDamaged(problems) }
        var manifest = try ReleaseManifest.read(from: manifestURL)
        var quality = try QualityDossier.read(in: candidate, manifest: manifest)
        if let blocking = quality?.blocking, !blocking.isEmpty {
            throw PublishError.qualityBlocked(blocking.map { check in
                "\(check.name.rawValue) \(QualityDossier.format(check.value)), needs \(check.comparison == "at_least" ? "≥" : "≤") "
                    + "\(QualityDossier.format(check.threshold)) (\(check.detail))"
            })
        }
        let target = releasesRoot.appendingPathComponent(manifest.name).appendingPathComponent(version)
        // One publisher of a release name at a time; another waits, then finds the version taken.
        let lock = try FileLock(url: releasesRoot.appendingPathComponent(".\(manifest.name).publish.lock"),
                                exclusive: true, wait: true, busy: AtomicFiles.Failure(path: releasesRoot.path, operation: "lock", code: errno))
        defer { lock.release() }
        if FileManager.default.fileExists(atPath: target.path) { throw PublishError.versionExists(target.path) }

        // Semantic versioning against the latest published version, and its changelog.
        let latest = try PublishedRelease.latest(name: manifest.name, releasesRoot: releasesRoot)
        let candidateItems = try ReleaseContents.items(in: candidate, displayName: "candidate")
        let diff = ReleaseDiff.compare(old: try latest?.items() ?? [], new: candidateItems)
        var previousChangelog = ""
        if let latest {
            guard let bump = VersionBump.between(SemanticVersion(latest.version)!, semantic) else {
                throw PublishError.notNewer(version: version, latest: latest.version)
            }
            if bump < diff.requiredBump, allowReason == nil {
                throw PublishError.bumpTooSmall(version: version, latest: latest.version, required: diff.requiredBump, diff: diff)
            }
            previousChangelog = (try? String(contentsOf: latest.directory.appendingPathComponent("CHANGELOG.md"), encoding: .utf8))?
                .replacingOccurrences(of: "# Changelog\n\n", with: "") ?? ""
        }
        let changelog = "# Changelog\n\n" + diff.changelogEntry(version: version, previous: latest?.version,
                                                                 allowReason: latest == nil ? nil : allowReason) + previousChangelog

        let staging = try AtomicFiles.stagingDirectory(for: target)
        for file in manifest.files {
            let destination = staging.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFiles.writeAndSync(try Data(contentsOf: candidate.appendingPathComponent(file.path)), to: destination)
        }
        // The report and the dossier name the version they are published as; the rest is copied.
        quality?.version = version
        let report = Data(BuildReport.html(name: manifest.name, version: version, items: candidateItems,
                                           pilotReview: manifest.pilotReview ?? [], quality: quality).utf8)
        let qualityData = try quality?.encoded()
        for (index, document) in manifest.documents.enumerated() {
            var data = try Data(contentsOf: candidate.appendingPathComponent(document.path))
            if document.path == "report.html" { data = report }
            if document.path == QualityDossier.fileName, let qualityData { data = qualityData }
            manifest.documents[index] = .init(path: document.path, bytes: data.count, sha256: Hashing.sha256Hex(data))
            try writeDocument(data, at: document.path, in: staging)
        }
        let changelogData = Data(changelog.utf8)
        try AtomicFiles.writeAndSync(changelogData, to: staging.appendingPathComponent("CHANGELOG.md"))
        manifest.version = version
        manifest.reviewAuditHead = reviewAuditHead
        manifest.documents.append(.init(path: "CHANGELOG.md", bytes: changelogData.count, sha256: Hashing.sha256Hex(changelogData)))
        let day = ISO8601DateFormatter.string(from: publishedOn, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        var documents = ReleaseDocuments(manifest: manifest, items: candidateItems,
                                         description: description.isEmpty ? "\(manifest.name) benchmark release." : description,
                                         datePublished: day)
        documents.quality = quality
        for document in try documents.all() {
            try writeDocument(document.data, at: document.path, in: staging)
            manifest.documents.append(.init(path: document.path, bytes: document.data.count, sha256: Hashing.sha256Hex(document.data)))
        }
        manifest.documents.sort { $0.path < $1.path }
        try AtomicFiles.writeAndSync(try manifest.encoded(), to: staging.appendingPathComponent("manifest.json"))
        for config in Set(manifest.files.map(\.config)) {
            try AtomicFiles.syncDirectory(staging.appendingPathComponent(config))
        }
        try AtomicFiles.syncDirectory(staging)
        guard try AtomicFiles.renameNoReplace(staging, to: target) else {
            try? FileManager.default.removeItem(at: staging)
            throw PublishError.versionExists(target.path)
        }
        try AtomicFiles.syncDirectory(target.deletingLastPathComponent())
        return target
    }
}
