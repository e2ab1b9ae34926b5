public import Foundation
public import DatasetCore
public import Dedup
import CompressNIO
import NIOCore
import Dispatch

/// A file of a corpus: JSON Lines, optionally gzip-compressed, one document a line.
public struct CorpusShard: Sendable, Hashable {
    public var url: URL
    /// Its path inside the corpus folder (or its file name when given alone).
    public var name: String

    public init(url: URL, name: String) {
        self.url = url
        self.name = name
    }

    public var isGzip: Bool { url.pathExtension.lowercased() == "gz" }

    /// What a corpus folder's shards end with.
    public static let suffixes = [".jsonl", ".jsonl.gz", ".json.gz"]

    /// The files under each path: a file as it is, a folder's files ending with one of
    /// `suffixes` at any depth, sorted by name.
    public static func find(_ paths: [URL], suffixes: [String] = suffixes) throws -> [CorpusShard] {
        var shards: [CorpusShard] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else {
                throw InputError(file: path.path, "no such file or folder")
            }
            guard isFolder.boolValue else { shards.append(CorpusShard(url: path, name: path.lastPathComponent)); continue }
            let base = path.standardizedFileURL.resolvingSymlinksInPath().path
            let walker = FileManager.default.enumerator(at: path.standardizedFileURL.resolvingSymlinksInPath(), includingPropertiesForKeys: [.isRegularFileKey])
            var found: [CorpusShard] = []
            while let url = walker?.nextObject() as? URL {
                let name = url.lastPathComponent.lowercased()
                guard suffixes.contains(where: name.hasSuffix) else { continue }
                let full = url.standardizedFileURL.path
                found.append(CorpusShard(url: url, name: full.hasPrefix(base + "/") ? String(full.dropFirst(base.count + 1)) : url.lastPathComponent))
            }
            if found.isEmpty { throw InputError(file: path.path, "no \(suffixes.joined(separator: ", ")) files in this folder") }
            shards += found.sorted { $0.name < $1.name }
        }
        return shards
    }
}

/// What a scan read and found.
public struct CorpusScanResult: Sendable {
    public var hits: [CorpusHit] = []
    public var documents = 0
    /// Uncompressed bytes read.
    public var bytes = 0
    /// Lines that were not a JSON object (skipped with `skipMalformed`).
    public var malformed: [SourceLocation] = []
    public var malformedCount = 0
}

/// The scan of corpus shards for the benchmark's n-grams, on every core: the same documents,
/// ids and hits as the datatrove pipeline's `ItemOverlapScanner` on the same files.
public struct CorpusScanner: Sendable {
    public var index: NGramIndex
    public var corpus: String
    public var textKey = "text"
    public var idKey = "id"
    /// Skip lines that are not JSON objects (counted, the first ones named), as datatrove's
    /// readers do; otherwise the first is an error.
    public var skipMalformed = false

    public init(index: NGramIndex, corpus: String) {
        self.index = index
        self.corpus = corpus
    }

    /// Decompressed text read at a time: lines are cut from it and checked on every core.
    public var blockBytes = 8 << 20
    /// The longest line (document) a shard may have: a decompression bomb or a file without
    /// line ends stops there instead of filling memory.
    public var maxLineBytes = 64 << 20

    /// Scans the shards in order; `progress` hears of each block read (the shard and the result so far).
    public func scan(_ shards: [CorpusShard], progress: (CorpusShard, CorpusScanResult) -> Void = { _, _ in }) throws -> CorpusScanResult {
        var result = CorpusScanResult()
        for shard in shards {
            var firstLine = 0
            try Self.blocks(of: shard, blockBytes: blockBytes, maxLineBytes: maxLineBytes) { block in
                let parts = block.withUnsafeBytes { buffer in check(Bytes(buffer), shard: shard) }
                for part in parts {
                    if let line = part.firstMalformed, !skipMalformed {
                        throw InputError(SourceLocation(file: shard.url.path, line: firstLine + line + 1),
                                         "not a JSON object (use --skip-malformed to skip such lines, as datatrove does)")
                    }
                    for (hit, line) in part.hits {
                        var hit = hit
                        if let line { hit.document = "\(shard.name)/\(firstLine + line)" }
                        result.hits.append(hit)
                    }
                    result.documents += part.documents
                    result.malformedCount += part.malformed.count
                    for line in part.malformed where result.malformed.count < 20 {
                        result.malformed.append(SourceLocation(file: shard.url.path, line: firstLine + line + 1))
                    }
                    firstLine += part.lines
                }
                result.bytes += block.count
                progress(shard, result)
            }
        }
        result.hits = CorpusHit.canonical(result.hits)
        return result
    }

    /// A block's bytes, shared by the threads that check its pieces (each reads its own range).
    struct Bytes: @unchecked Sendable {
        let base: UnsafePointer<UInt8>?
        let count: Int

        init(_ buffer: UnsafeRawBufferPointer) {
            base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
            count = buffer.count
        }
    }

    /// What one piece of a block holds; lines count from the piece's start.
    struct Piece: Sendable {
        var lines = 0
        var documents = 0
        /// Hits, with the line of a document that has no id (named once the piece's first line is known).
        var hits: [(CorpusHit, Int?)] = []
        var malformed: [Int] = []
        var firstMalformed: Int? { malformed.first }
    }

    /// Checks a block in pieces that end at line ends, on every core, in order.
    func check(_ bytes: Bytes, shard: CorpusShard) -> [Piece] {
        guard let base = bytes.base, bytes.count > 0 else { return [] }
        // Cut points: about 16 pieces a core, each moved to just after a line feed.
        let wanted = Parallel.cores * 16
        var cuts = [0]
        for index in 1..<wanted {
            var cut = max(cuts.last!, bytes.count * index / wanted)
            while cut < bytes.count, cut > 0, base[cut - 1] != 0x0A { cut += 1 }
            if cut > cuts.last!, cut < bytes.count { cuts.append(cut) }
        }
        cuts.append(bytes.count)
        let bounds = cuts
        var pieces = [Piece](repeating: Piece(), count: bounds.count - 1)
        pieces.withUnsafeMutableBufferPointer { slots in
            let output = Slots(base: slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { index in
                output.base[index] = checkPiece(bytes, from: bounds[index], to: bounds[index + 1], shard: shard)
            }
        }
        return pieces
    }

    struct Slots: @unchecked Sendable {
        let base: UnsafeMutablePointer<Piece>
    }

    private func checkPiece(_ bytes: Bytes, from start: Int, to end: Int, shard: CorpusShard) -> Piece {
        let base = bytes.base!
        var piece = Piece()
        var lineStart = start
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end, base[lineEnd] != 0x0A { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart, base[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            checkLine(base + lineStart, count: contentEnd - lineStart, line: piece.lines, shard: shard, into: &piece)
            piece.lines += 1
            lineStart = lineEnd + 1
        }
        return piece
    }

    private func checkLine(_ start: UnsafePointer<UInt8>, count: Int, line: Int, shard: CorpusShard, into piece: inout Piece) {
        guard (0..<count).contains(where: { start[$0] != 0x20 && start[$0] != 0x09 }) else { return }
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: start), count: count, deallocator: .none)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            piece.malformed.append(line)
            return
        }
        guard let text = object[textKey] as? String, !text.isEmpty else { return }
        piece.documents += 1
        var document: String? = nil
        switch object[idKey] {
        case let id as String: document = id
        case let id as NSNumber where !(id is Bool): document = id.stringValue
        default: break
        }
        for match in index.matches(in: text) {
            let entry = index.entries[match.entry]
            piece.hits.append((CorpusHit(item: entry.id, contentHash: entry.contentHash, corpus: corpus, shard: shard.name, document: document ?? "",
                                         span: match.span, length: match.length, ngrams: match.ngrams), document == nil ? line : nil))
        }
    }

    /// Calls `body` with consecutive blocks of the shard's text, each ending at a line's end
    /// (the last may not), decompressing gzip as it goes.
    static func blocks(of shard: CorpusShard, blockBytes: Int, maxLineBytes: Int, _ body: (Data) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: shard.url.path) else { throw InputError(file: shard.url.path, "cannot be read") }
        defer { try? handle.close() }
        var pending = Data()
        var delivered = 0
        // The end of the last line feed in `pending`, if any (found in each new piece only).
        var lastLineEnd: Int? = nil
        func deliver(_ bytes: Data, final: Bool) throws {
            if let newline = bytes.lastIndex(of: 0x0A) { lastLineEnd = pending.count + (newline - bytes.startIndex) + 1 }
            pending += bytes
            if final {
                if !pending.isEmpty { try body(pending) }
                pending = Data()
                return
            }
            guard pending.count >= blockBytes else { return }
            guard let cut = lastLineEnd else {
                guard pending.count <= maxLineBytes else {
                    throw InputError(file: shard.url.path, "a line longer than \(maxLineBytes) bytes starts at byte \(delivered) of its text")
                }
                return
            }
            try body(pending.prefix(cut))
            delivered += cut
            pending = Data(pending.dropFirst(cut))
            lastLineEnd = nil
        }
        let decompressor = shard.isGzip ? try ZlibDecompressor(algorithm: .gzip) : nil
        while true {
            let chunk = try handle.readBlock(upToCount: 1 << 20, file: shard.url.path)
            guard let decompressor else {
                try deliver(chunk, final: chunk.isEmpty)
                if chunk.isEmpty { return }
                continue
            }
            if chunk.isEmpty {
                // An input-starved inflate at the end means the stream stopped before its end.
                var nothing = ByteBuffer()
                nothing.reserveCapacity(16)
                var output = ByteBuffer()
                output.reserveCapacity(4 << 10)
                do {
                    try decompressor.inflate(from: &nothing, to: &output)
                } catch {
                    throw InputError(file: shard.url.path, "not a whole gzip file: it ends before its compressed stream does")
                }
                try deliver(Data(), final: true)
                return
            }
            var input = ByteBuffer(bytes: chunk)
            var restarted = false
            while input.readableBytes > 0 {
                var output = ByteBuffer()
                output.reserveCapacity(4 << 20)
                var full = false
                do {
                    try decompressor.inflate(from: &input, to: &output)
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    full = true
                } catch let error as CompressNIOError where error == .inputBufferOverflow {
                    // All input taken; more is needed from the file.
                } catch {
                    throw InputError(file: shard.url.path, "not a readable gzip file (\(error))")
                }
                let produced = output.readableBytes
                try deliver(Data(output.readableBytesView), final: false)
                // A stream that ended with input left is followed by another gzip member.
                if !full && produced == 0 && input.readableBytes > 0 {
                    guard !restarted else { throw InputError(file: shard.url.path, "not a readable gzip file (data after its end)") }
                    try decompressor.reset()
                    restarted = true
                    continue
                }
                restarted = false
                if !full && produced == 0 { break }
            }
        }
    }
}
