import Foundation
import Testing
import CompressNIO
import NIOCore
import DatasetCore
import Dedup
@testable import CorpusScan

@Suite struct CorpusScanTests {
    let index = NGramIndex([NGramIndex.Entry(id: "ck-1", contentHash: "h1", language: "ko", n: 15, question: "훈민정음을 창제한 조선의 왕은 누구인가?",
                                             choices: ["태조", "세종", "세조", "정조"], answer: "세종")])
    static let planted = "오늘의 퀴즈: 훈민정음을 창제한 조선의 왕은 누구인가? 세종"

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("part"), withIntermediateDirectories: true)
        return url
    }

    func gzip(_ text: String) throws -> Data {
        var buffer = ByteBuffer(string: text)
        let compressed = try buffer.compress(with: .gzip)
        return Data(compressed.readableBytesView)
    }

    static func line(_ id: String?, _ text: String) -> String {
        let textJSON = String(decoding: try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
        return id.map { "{\"id\": \"\($0)\", \"text\": \(textJSON)}\n" } ?? "{\"text\": \(textJSON)}\n"
    }

    @Test func shardsInFoldersPlainAndGzipWithTwoMembersAndDocumentsWithoutIds() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        // Blank lines count as lines, as datatrove numbers them; a document without text is skipped.
        try Data((Self.line("a", "아무 관계 없는 글") + "\n" + Self.line(nil, Self.planted) + "{\"id\": \"empty\", \"text\": \"\"}\n").utf8)
            .write(to: root.appendingPathComponent("part/one.jsonl"))
        // Two gzip members one after the other (as pigz or a concatenation writes them).
        let members = try gzip(Self.line("g1", "처음 부분")) + gzip(Self.line("g2", Self.planted) + Self.line(nil, "끝"))
        try members.write(to: root.appendingPathComponent("two.jsonl.gz"))
        try Data("not a shard".utf8).write(to: root.appendingPathComponent("notes.txt"))
        let shards = try CorpusShard.find([root])
        #expect(shards.map(\.name) == ["part/one.jsonl", "two.jsonl.gz"])
        let result = try CorpusScanner(index: index, corpus: "web").scan(shards)
        #expect(result.documents == 5)
        #expect(result.hits.map { "\($0.shard) \($0.document)" } == ["part/one.jsonl part/one.jsonl/2", "two.jsonl.gz g2"])
        #expect(result.hits.allSatisfy { $0.item == "ck-1" && $0.contentHash == "h1" && $0.corpus == "web" && $0.span == "훈민정음을 창제한 조선의 왕은 누구인가? 세종" })
    }

    @Test func linesAreNumberedAcrossBlocksAndBothCoresGiveTheSameHits() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        var text = ""
        for number in 0..<5_000 { text += Self.line(number % 997 == 0 ? nil : "d\(number)", number % 997 == 0 ? Self.planted : "문서 \(number) 내용") }
        try Data(text.utf8).write(to: root.appendingPathComponent("big.jsonl"))
        var scanner = CorpusScanner(index: index, corpus: "web")
        let whole = try scanner.scan(try CorpusShard.find([root]))
        scanner.blockBytes = 4_096
        let blocks = try scanner.scan(try CorpusShard.find([root]))
        #expect(whole.hits == blocks.hits)
        #expect(whole.hits.map(\.document) == ["big.jsonl/0", "big.jsonl/1994", "big.jsonl/2991", "big.jsonl/3988", "big.jsonl/997", "big.jsonl/4985"].sorted())
    }

    @Test func aLineThatIsNotJSONStopsTheScanWithItsLineUnlessSkipped() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let shard = root.appendingPathComponent("bad.jsonl")
        try Data((Self.line("a", "글") + "{\"id\": \"b\", \"text\": \"잘린\n" + Self.line("c", Self.planted)).utf8).write(to: shard)
        var scanner = CorpusScanner(index: index, corpus: "web")
        let error = #expect(throws: InputError.self) { try scanner.scan(try CorpusShard.find([shard])) }
        #expect(error?.description.contains("bad.jsonl:2") == true, "\(String(describing: error))")
        scanner.skipMalformed = true
        let result = try scanner.scan(try CorpusShard.find([shard]))
        #expect(result.malformedCount == 1)
        #expect(result.hits.map(\.document) == ["c"])

        try Data([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03]).write(to: root.appendingPathComponent("broken.jsonl.gz"))
        #expect(throws: InputError.self) { try scanner.scan(try CorpusShard.find([root.appendingPathComponent("broken.jsonl.gz")])) }
        let whole = try gzip(String(repeating: Self.line("x", "긴 문서의 내용입니다 \(UUID().uuidString)"), count: 200))
        try whole.prefix(whole.count / 2).write(to: root.appendingPathComponent("cut.jsonl.gz"))
        let cut = #expect(throws: InputError.self) { try scanner.scan(try CorpusShard.find([root.appendingPathComponent("cut.jsonl.gz")])) }
        #expect(cut?.description.contains("ends before its compressed stream does") == true, "\(String(describing: cut))")
        #expect(throws: InputError.self) { try CorpusShard.find([root.appendingPathComponent("missing")]) }
        // A folder whose name ends as a shard's does is found as one, and refused by name.
        let folderShard = root.appendingPathComponent("nested/inner.jsonl")
        try FileManager.default.createDirectory(at: folderShard, withIntermediateDirectories: true)
        let unreadable = #expect(throws: InputError.self) { try scanner.scan(try CorpusShard.find([root.appendingPathComponent("nested")])) }
        #expect(unreadable?.description.contains("inner.jsonl: cannot read: Is a directory") == true, "\(String(describing: unreadable))")

        // 8 MB of one character without a line end, in 8 KB of gzip: refused at the longest line
        // allowed (64 MiB unless set), not read into memory.
        try gzip(String(repeating: "a", count: 8 << 20)).write(to: root.appendingPathComponent("bomb.jsonl.gz"))
        scanner.blockBytes = 1 << 20
        scanner.maxLineBytes = 4 << 20
        let bomb = #expect(throws: InputError.self) { try scanner.scan(try CorpusShard.find([root.appendingPathComponent("bomb.jsonl.gz")])) }
        #expect(bomb?.description.contains("a line longer than 4194304 bytes starts at byte 0") == true, "\(String(describing: bomb))")
    }
}
