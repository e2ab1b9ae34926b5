import Foundation
import Testing
import CSystemShims
@testable import DatasetCore

@Suite struct AtomicFilesTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writeReplacesWholeAndLeavesNoTemporaryFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.txt")
        try AtomicFiles.write(Data("one".utf8), to: url)
        try AtomicFiles.write(Data("two".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.txt"])
    }

    @Test func renameNoReplaceRefusesAnExistingTarget() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = directory.appendingPathComponent("a"), b = directory.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
        try Data("kept".utf8).write(to: b.appendingPathComponent("f"))
        #expect(try AtomicFiles.renameNoReplace(a, to: b) == false)
        #expect(FileManager.default.fileExists(atPath: a.path))
        #expect(try AtomicFiles.renameNoReplace(a, to: directory.appendingPathComponent("c")))
    }

    @Test func replaceDirectorySwapsInTheStagedOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("stage")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: target.appendingPathComponent("items.jsonl"))
        let staged = try AtomicFiles.stagingDirectory(for: target)
        try Data("new".utf8).write(to: staged.appendingPathComponent("items.jsonl"))
        try AtomicFiles.replaceDirectory(target, with: staged)
        #expect(try String(contentsOf: target.appendingPathComponent("items.jsonl"), encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stage"])
    }

    /// Chunks of every size around the block and the alignment, bytes that differ everywhere.
    static func chunks() -> [Data] {
        let block = AtomicFiles.BlockOutput.blockBytes
        var generator = SplitMix64(seed: 17)
        return [1, 4_096, 3 * block + 17, 5, block - 3, 0, (1 << 20) + 1, block].map { count in
            Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
    }

    @Test func aLargeFileGoesPastThePageCacheInWholeBlocksAndReadsBackAsWritten() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("large.jsonl")
        let chunks = Self.chunks()
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(descriptor >= 0)
        // Whether this file system takes direct writes at all (a few do not).
        let direct = csys_set_direct_writes(descriptor, 1) == 0 && csys_set_direct_writes(descriptor, 0) == 0
        var output = AtomicFiles.BlockOutput(descriptor: descriptor, path: url.path)
        for chunk in chunks { try chunk.withUnsafeBytes { try output.append($0) } }
        try output.finish()
        output.deallocate()
        close(descriptor)
        let total = chunks.reduce(0) { $0 + $1.count }
        #expect(output.directBytes == (direct ? total / 4_096 * 4_096 : 0))
        #expect(try Data(contentsOf: url) == chunks.reduce(Data(), +))

        // The same through the public call, which also flushes.
        try AtomicFiles.writeAndSync(chunks: chunks, to: url)
        #expect(try Data(contentsOf: url) == chunks.reduce(Data(), +))
    }

    /// A block written on the writing thread that fails is reported by the next block's
    /// append, with the file's path; what is left is freed once that write is over.
    @Test func aFailedBlockWriteIsReportedWithTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("read-only.jsonl")
        try Data("x".utf8).write(to: url)
        // Opened for reading only: every write is refused (EBADF), past the page cache or not.
        let descriptor = open(url.path, O_RDONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var output = AtomicFiles.BlockOutput(descriptor: descriptor, path: url.path)
        defer { output.deallocate() }
        // The chunks fill several blocks.
        let failure = #expect(throws: AtomicFiles.Failure.self) {
            for chunk in Self.chunks() { try chunk.withUnsafeBytes { try output.append($0) } }
        }
        #expect(failure?.path == url.path && failure?.operation == "write" && failure?.code == EBADF)
        #expect(try Data(contentsOf: url) == Data("x".utf8))
    }

    @Test func aFileThatRefusesDirectWritesIsWrittenThroughThePageCache() throws {
        // The null device takes writes but not O_DIRECT.
        let descriptor = open("/dev/null", O_WRONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var output = AtomicFiles.BlockOutput(descriptor: descriptor, path: "/dev/null")
        defer { output.deallocate() }
        for chunk in Self.chunks() { try chunk.withUnsafeBytes { try output.append($0) } }
        try output.finish()
        #expect(output.directBytes == 0)
    }

    @Test func aSmallFileIsWrittenThroughThePageCacheWhole() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("small.json")
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(descriptor) }
        var output = AtomicFiles.BlockOutput(descriptor: descriptor, path: url.path)
        defer { output.deallocate() }
        let text = Data(String(repeating: "가나다 abc\n", count: 1_000).utf8)
        try text.withUnsafeBytes { try output.append($0) }
        try output.finish()
        #expect(output.directBytes == 0)
        #expect(try Data(contentsOf: url) == text)
    }

    /// Starting a file's writeback asks the system to write its changed pages (an invalid
    /// descriptor is refused, so the call is made) and leaves its bytes as they were; the part
    /// an earlier call started on is dropped from the page cache; a missing file is left alone.
    @Test func startingTheWritebackOfAFileLeavesItsBytes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("built.sqlite")
        let text = Data(String(repeating: "가나다 abc\n", count: 200_000).utf8)
        try text.write(to: url)
        let descriptor = open(url.path, O_RDONLY)
        defer { close(descriptor) }
        #expect(csys_start_writeback(descriptor) == 0)
        #if os(Linux)
        #expect(csys_start_writeback(-1) == -1 && errno == EBADF)
        #endif
        let started = AtomicFiles.startWriteback(url)
        #expect(started == text.count)
        let cachedBefore = try residentPages(of: url)
        #expect(AtomicFiles.startWriteback(url, dropping: started) == text.count)
        #if os(Linux)
        // A file system that keeps files in memory (tmpfs) has no pages to drop.
        if try fileSystem(of: url) != "tmpfs" {
            #expect(cachedBefore.resident == cachedBefore.pages)
            let cached = try residentPages(of: url)
            #expect(cached.resident < cached.pages / 2, "\(cached.resident) of \(cached.pages) pages still cached after dropping")
        }
        #endif
        #expect(try Data(contentsOf: url) == text)
        #expect(AtomicFiles.startWriteback(directory.appendingPathComponent("missing")) == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing").path))
    }

    /// The type of the file system a path is on: that of the longest mount point before it.
    private func fileSystem(of url: URL) throws -> String {
        let mounts = try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)
        let path = url.resolvingSymlinksInPath().path
        var found: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 2 else { continue }
            let point = fields[1]
            let under = path == point || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
            if under, point.count >= (found?.point.count ?? 0) { found = (point, fields[2]) }
        }
        return try #require(found).type
    }

    /// How many of a file's pages are in the page cache (mincore over a mapping of it).
    private func residentPages(of url: URL) throws -> (resident: Int, pages: Int) {
        let descriptor = open(url.path, O_RDONLY)
        defer { close(descriptor) }
        let length = Int(try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int))
        let mapping = try #require(mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0))
        defer { munmap(mapping, length) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var states = [UInt8](repeating: 0, count: (length + pageSize - 1) / pageSize)
        #expect(mincore(mapping, length, &states) == 0)
        return (states.filter { $0 & 1 != 0 }.count, states.count)
    }
}
