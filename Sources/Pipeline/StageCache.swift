public import Foundation
public import DatasetCore

/// What a stage did, for the run summary.
public struct StageSummary: Codable, Sendable, Equatable {
    public var stage: StageName
    public var itemsIn: Int
    public var itemsOut: Int
    /// Items set aside, by reason.
    public var dropped: [String: Int]
    public var notes: [String]

    public init(stage: StageName, itemsIn: Int, itemsOut: Int, dropped: [String: Int] = [:], notes: [String] = []) {
        self.stage = stage
        self.itemsIn = itemsIn
        self.itemsOut = itemsOut
        self.dropped = dropped
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case stage, itemsIn = "items_in", itemsOut = "items_out", dropped, notes
    }

    public static func droppedCounts(_ dropped: [DroppedItem]) -> [String: Int] {
        // Counted in place: grouping copied every dropped item (half a million from sampling).
        var counts: [String: Int] = [:]
        for index in dropped.indices { counts[dropped[index].reason, default: 0] += 1 }
        return counts
    }
}

/// `stage.json`: the cache key a stage's output was made with, the value of each input that
/// went into it, and the files it made.
public struct StageRecord: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    public var stage: StageName
    public var key: String
    /// Input name → the value it had (a hash, or settings text); absent in outputs of older tools.
    public var inputs: [String: String]?
    public var files: [File]
    public var summary: StageSummary

    public static let fileName = "stage.json"

    func sha256(of file: StageFile) -> String? { files.first { $0.path == file.rawValue }?.sha256 }
}

/// How one stage went in a run.
public struct StageReport: Sendable {
    public var summary: StageSummary
    /// Its output was reused: every input had the value its output was made with.
    public var reused: Bool
    /// Why it ran (nil when reused).
    public var reason: String?
    /// Where its output is.
    public var directory: URL
    public var record: StageRecord
    /// What it read, when it ran.
    public var reads: Set<StageInput>
    /// Wall time of the stage, its preparation and cache check included.
    public var seconds: Double
    /// Processor time (user and system, every thread) the stage took.
    public var cpuSeconds: Double = 0
    /// The process's peak resident memory when the stage ended.
    public var peakMemoryBytes: Int = 0
}

/// A file's SHA-256 and size.
struct FileDigest: Sendable, Equatable {
    var sha256: String
    var bytes: Int

    init(sha256: String, bytes: Int) {
        self.sha256 = sha256
        self.bytes = bytes
    }

    init(_ hashed: (sha256: String, bytes: Int)) {
        self.init(sha256: hashed.sha256, bytes: hashed.bytes)
    }
}

/// A file's size and modification time, from `stat`.
struct FileStatus {
    var bytes: Int
    /// Seconds and nanoseconds.
    var modified: Duration

    init?(_ url: URL) {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        bytes = Int(info.st_size)
        modified = .seconds(info.st_mtim.tv_sec) + .nanoseconds(info.st_mtim.tv_nsec)
    }
}

/// The process's processor time and peak resident memory, from `getrusage`.
struct ResourceUsage {
    var cpuSeconds: Double
    var peakMemoryBytes: Int

    static func now() -> ResourceUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        // ru_maxrss is in kilobytes on Linux, and carries over what the process that started this
        // one held (a benchmark holding its generated items); VmHWM starts afresh at exec.
        return ResourceUsage(cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                             peakMemoryBytes: (peakResidentKilobytes() ?? usage.ru_maxrss) * 1024)
    }

    /// This process's own peak resident set (VmHWM in /proc/self/status), where there is one.
    static func peakResidentKilobytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first
    }
}

/// Keeps stage outputs with the contract of DESIGN.md: each output directory is staged, flushed
/// and renamed into place whole, with `stage.json` inside; an output is reused only when its key
/// is the same and its files still hash as recorded.
struct StageCache: Sendable {
    /// Where outputs are looked up.
    let directory: URL
    /// Where new outputs go: `directory`, or a scratch folder for a preview that writes nothing
    /// under `build/`.
    let writeDirectory: URL

    /// The stage's record if its folder is complete and its files are intact.
    static func intactRecord(in folder: URL) -> StageRecord? {
        let recordURL = folder.appendingPathComponent(StageRecord.fileName)
        guard let data = try? Data(contentsOf: recordURL), let recorded = FileStatus(recordURL),
              let record = try? JSONDecoder().decode(StageRecord.self, from: data) else { return nil }
        for file in record.files {
            let url = folder.appendingPathComponent(file.path)
            guard let status = FileStatus(url), status.bytes == file.bytes else { return nil }
            // A file of the recorded size not modified since the record was written is taken as
            // written, as make and git do: hashing a million items' outputs again took seconds.
            // `build-dataset verify` re-hashes a release whatever the times say.
            if status.modified <= recorded.modified { continue }
            guard let hash = try? Hashing.sha256Hex(fileAt: url), hash.sha256 == file.sha256 else { return nil }
        }
        return record
    }

    /// Why a stage must run: what differs between its last output and the inputs it has now.
    /// `record` is the folder's intact record, if it has one.
    static func reason(previous folder: URL, record: StageRecord?, fingerprints: [String: String]) -> String {
        let manager = FileManager.default
        guard manager.fileExists(atPath: folder.appendingPathComponent(StageRecord.fileName).path) else { return "no earlier output" }
        guard let record else { return "its earlier output is damaged or incomplete" }
        guard let before = record.inputs else { return "its earlier output was made by an older tool" }
        let changed = Set(before.keys).union(fingerprints.keys).filter { before[$0] != fingerprints[$0] }.sorted()
        return changed.isEmpty ? "its cache key changed" : "changed: " + changed.joined(separator: ", ")
    }

    /// Reuses the stage's output if intact with the same key, else runs `produce` into a staging
    /// folder and renames it into place. `produce` gives what it hashed as it wrote, by path
    /// in the folder; other files are hashed from the disk.
    func run(_ stage: StageName, key: String, fingerprints: [String: String],
             produce: (URL) async throws -> (StageSummary, Set<StageInput>, [String: FileDigest])) async throws -> StageReport {
        let existing = directory.appendingPathComponent(stage.rawValue)
        let previous = Self.intactRecord(in: existing)
        if let record = previous, record.key == key {
            return StageReport(summary: record.summary, reused: true, reason: nil, directory: existing, record: record,
                               reads: [], seconds: 0)
        }
        let reason = Self.reason(previous: existing, record: previous, fingerprints: fingerprints)
        let started = StageProgress.now()
        let target = writeDirectory.appendingPathComponent(stage.rawValue)
        let staging = try AtomicFiles.stagingDirectory(for: target)
        do {
            let (summary, reads, hashedAsWritten) = try await produce(staging)
            var files: [StageRecord.File] = []
            let enumerator = FileManager.default.enumerator(atPath: staging.path)
            var paths: [String] = []
            while let path = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: staging.appendingPathComponent(path).path, isDirectory: &isDirectory)
                if !isDirectory.boolValue { paths.append(path) }
            }
            // Files not hashed as they were written are hashed on every core. A file whose size is
            // no longer the one hashed is hashed again.
            let sortedPaths = paths.sorted()
            let hashes = Parallel.map(sortedPaths.count) { index in
                let url = staging.appendingPathComponent(sortedPaths[index])
                if let known = hashedAsWritten[sortedPaths[index]], FileStatus(url)?.bytes == known.bytes { return Result<FileDigest, any Error>.success(known) }
                return Result { try FileDigest(Hashing.sha256Hex(fileAt: url)) }
            }
            for (path, hash) in zip(sortedPaths, hashes) {
                let hash = try hash.get()
                files.append(StageRecord.File(path: path, bytes: hash.bytes, sha256: hash.sha256))
            }
            let record = StageRecord(stage: stage, key: key, inputs: fingerprints, files: files, summary: summary)
            try StageFiles.writeReport(record, StageRecord.fileName, in: staging)
            try AtomicFiles.syncDirectory(staging)
            try AtomicFiles.replaceDirectory(target, with: staging)
            return StageReport(summary: summary, reused: false, reason: reason, directory: target, record: record, reads: reads,
                               seconds: StageProgress.now() - started)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Removes what killed runs left in the build folder: staging (`.<stage>.tmp-PID`) and
    /// retired (`.<stage>.old-PID`) folders. Only called under the run lock.
    static func removeLeftovers(in buildDirectory: URL) {
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: buildDirectory.path)) ?? []
        where name.wholeMatch(of: /\.[a-z]+\.(tmp|old)-[0-9]+/) != nil {
            try? manager.removeItem(at: buildDirectory.appendingPathComponent(name))
        }
    }
}

/// Writes stage files into a staging directory: JSONL with a final flush.
enum StageFiles {
    /// Writes records as JSON Lines: whether reading the file gives back exactly `items`, and its hash.
    static func write(_ items: [some Encodable & Sendable], _ name: String, in directory: URL) throws -> JSONLines.Written {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return try JSONLines.writeAndSync(items, to: url)
    }

    /// A small report as pretty, key-sorted JSON.
    static func writeReport(_ value: some Encodable, _ name: String, in directory: URL) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFiles.writeAndSync(try JSONLines.prettyDocument(value), to: url)
    }
}
