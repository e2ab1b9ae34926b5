public import Foundation
public import DatasetCore

/// What a stage did, for the run summary.
public struct StageSummary: Codable, Sendable, Equatable {
    public var stage: String
    public var itemsIn: Int
    public var itemsOut: Int
    /// Items set aside, by reason.
    public var dropped: [String: Int]
    public var notes: [String]

    public init(stage: String, itemsIn: Int, itemsOut: Int, dropped: [String: Int] = [:], notes: [String] = []) {
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
        Dictionary(grouping: dropped, by: \.reason).mapValues(\.count)
    }
}

/// `stage.json`: the cache key a stage's output was made with, and the files it made.
public struct StageRecord: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    public var stage: String
    public var key: String
    public var files: [File]
    public var summary: StageSummary

    public static let fileName = "stage.json"
}

/// How one stage went in a run.
public struct StageReport: Sendable {
    public var summary: StageSummary
    public var skipped: Bool
    public var directory: URL
    public var record: StageRecord
}

/// Runs stages with the contract of DESIGN.md: each output directory is staged, flushed and
/// renamed into place whole, with `stage.json` inside; a stage whose key is unchanged and
/// whose files still hash as recorded is skipped.
public struct StageRunner: Sendable {
    public let buildDirectory: URL

    public init(buildDirectory: URL) {
        self.buildDirectory = buildDirectory
    }

    public func directory(of stage: String) -> URL {
        buildDirectory.appendingPathComponent(stage)
    }

    /// The stage's record if its directory is complete and its files are intact.
    public func intactRecord(of stage: String) -> StageRecord? {
        let directory = directory(of: stage)
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(StageRecord.fileName)),
              let record = try? JSONDecoder().decode(StageRecord.self, from: data) else { return nil }
        for file in record.files {
            guard let hash = try? Hashing.sha256Hex(fileAt: directory.appendingPathComponent(file.path)),
                  hash.sha256 == file.sha256, hash.bytes == file.bytes else { return nil }
        }
        return record
    }

    /// The cache key of a stage: its name, the tool version and everything it depends on.
    public static func key(stage: String, parts: [String]) -> String {
        Hashing.sha256Hex(parts: [ToolInfo.name, ToolInfo.buildIdentity, stage] + parts)
    }

    /// Runs `produce` unless the stage's output is intact with the same key. `produce` writes
    /// its files into the staging directory it is given and returns the summary.
    public func run(stage: String, key: String, produce: (URL) async throws -> StageSummary) async throws -> StageReport {
        let target = directory(of: stage)
        if let record = intactRecord(of: stage), record.key == key {
            return StageReport(summary: record.summary, skipped: true, directory: target, record: record)
        }
        let staging = try AtomicFiles.stagingDirectory(for: target)
        do {
            let summary = try await produce(staging)
            var files: [StageRecord.File] = []
            let enumerator = FileManager.default.enumerator(atPath: staging.path)
            var paths: [String] = []
            while let path = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: staging.appendingPathComponent(path).path, isDirectory: &isDirectory)
                if !isDirectory.boolValue { paths.append(path) }
            }
            for path in paths.sorted() {
                let hash = try Hashing.sha256Hex(fileAt: staging.appendingPathComponent(path))
                files.append(StageRecord.File(path: path, bytes: hash.bytes, sha256: hash.sha256))
            }
            let record = StageRecord(stage: stage, key: key, files: files, summary: summary)
            try StageFiles.writeReport(record, StageRecord.fileName, in: staging)
            try AtomicFiles.syncDirectory(staging)
            try AtomicFiles.replaceDirectory(target, with: staging)
            return StageReport(summary: summary, skipped: false, directory: target, record: record)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }
}

/// Writes stage files into a staging directory: JSONL with a final flush.
enum StageFiles {
    static func write(_ items: [some Encodable], _ name: String, in directory: URL) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFiles.writeAndSync(try JSONLines.encode(items), to: url)
    }

    /// A small report as pretty, key-sorted JSON.
    static func writeReport(_ value: some Encodable, _ name: String, in directory: URL) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFiles.writeAndSync(try JSONLines.prettyDocument(value), to: url)
    }

    static func read<T: Decodable>(_ type: T.Type, _ name: String, in directory: URL) throws -> [T] {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try JSONLines.read(type, from: url)
    }
}
