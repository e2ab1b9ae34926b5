import Foundation
import Testing
@testable import DatasetCore

struct Record: Codable, Equatable, Sendable {
    var zeta: String
    var alpha: Int
    var path: String
}

@Suite struct JSONLinesTests {
    @Test func anItemRecordThatGivesAKeyTwiceIsRefusedWithItsLineAndKey() throws {
        let item = Item(id: "ck-1", task: .commonKnowledge, subject: "s", language: "ko", question: "질문?", choices: ["가", "나"],
                        answer: "A", choicesOrdered: false,
                        source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: "e", license: nil, revision: "r"))
        let line = try JSONLines.line(for: item)
        // The same record with its answer given a second time: the decoder alone would read "B".
        let twice = String(line.dropLast()) + #","answer":"B"}"#
        #expect(throws: Never.self) { try JSONLines.decode(Item.self, from: Data(line.utf8), file: "items.jsonl") }
        #expect {
            try JSONLines.decode(Item.self, from: Data((line + "\n" + twice).utf8), file: "items.jsonl")
        } throws: { error in
            (error as? InputError)?.description == "items.jsonl:2: 'answer': the key appears twice in one object"
        }
    }

    @Test func writesSortedKeysUnescapedSlashesNFCOneRecordPerLine() throws {
        // "한" decomposed into conjoining jamo, and e + combining acute.
        let decomposed = "\u{1112}\u{1161}\u{11AB} e\u{0301}"
        let data = try JSONLines.encode([Record(zeta: decomposed, alpha: 1, path: "a/b"), Record(zeta: "x", alpha: 2, path: "")])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text == "{\"alpha\":1,\"path\":\"a/b\",\"zeta\":\"한 é\"}\n{\"alpha\":2,\"path\":\"\",\"zeta\":\"x\"}\n")
        #expect(text.unicodeScalars.contains("\u{D55C}"))
    }

    /// Thousands of lines go through in chunks on every core: the bytes, the order and the line
    /// numbers of problems are the same as one line at a time.
    @Test func manyLinesEncodeAndDecodeInOrderWithTheirLineNumbers() throws {
        let records = (0..<5_000).map { Record(zeta: "레코드 \($0)", alpha: $0, path: "p/\($0 % 7)") }
        let data = try JSONLines.encode(records)
        let oneByOne = try records.map { try JSONLines.line(for: $0) + "\n" }.joined()
        #expect(data == Data(oneByOne.utf8))
        #expect(try JSONLines.decode(Record.self, from: data, file: "many.jsonl") == records)
        var lines = oneByOne.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for broken in [0, 2_499, 4_999] { lines[broken] = #"{"zeta": "x", "alpha": "two", "path": ""}"# }
        do {
            _ = try JSONLines.decode(Record.self, from: Data(lines.joined(separator: "\n").utf8), file: "many.jsonl")
            Issue.record("expected the broken lines to be reported")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.location.line) == [1, 2_500, 5_000])
            #expect(error.errors.allSatisfy { $0.location.file == "many.jsonl" && $0.location.field == "alpha" })
        }
    }

    @Test func linesAreFoundWithOrWithoutAFinalNewlineAndEmptyOnesCount() {
        func lines(_ text: String) -> [String] {
            let data = Data(text.utf8)
            return JSONLines.lineRanges(of: data).map { String(decoding: data[$0], as: UTF8.self) }
        }
        #expect(lines("") == [])
        #expect(lines("\n") == [""])
        #expect(lines("a\nb\n") == ["a", "b"])
        #expect(lines("a\nb") == ["a", "b"])
        #expect(lines("a\n\nb\r\n\n") == ["a", "", "b\r", ""])
    }

    /// A file is written a round of records at a time (32,768), each encoded while the one before
    /// is written: across rounds the bytes are those of encoding all at once, for items (their
    /// own writer) and for other records; the hash and size given are the file's; and an item
    /// whose text NFC changes is said to read back differently.
    @Test func writingInRoundsGivesTheBytesOfEncodingAllAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = ItemSource(kind: "authored", sourceID: "s", document: "d", element: "e", license: nil, revision: "r")
        let items = (0..<70_000).map {
            Item(id: "i-\($0)", task: .commonKnowledge, subject: "s\($0 % 3)", language: "ko", question: "질문 \($0)?", choices: ["가", "나"],
                 answer: "A", choicesOrdered: false, source: source)
        }
        let url = directory.appendingPathComponent("items.jsonl")
        let written = try JSONLines.writeAndSync(items, to: url)
        #expect(written.exact)
        #expect(try Data(contentsOf: url) == JSONLines.encode(items))
        let onDisk = try Hashing.sha256Hex(fileAt: url)
        #expect(written.sha256 == onDisk.sha256 && written.bytes == onDisk.bytes)
        #expect(try JSONLines.read(Item.self, from: url).count == 70_000)

        let records = (0..<70_000).map { Record(zeta: "z\($0)", alpha: $0, path: "a/b") }
        let writtenRecords = try JSONLines.writeAndSync(records, to: url)
        #expect(!writtenRecords.exact)
        #expect(try Data(contentsOf: url) == JSONLines.encode(records))
        #expect(writtenRecords.sha256 == (try Hashing.sha256Hex(fileAt: url)).sha256)

        var decomposed = items[0]
        decomposed.question = "\u{1112}\u{1161}\u{11AB}?"
        #expect(try JSONLines.writeAndSync(Array(items[1...]) + [decomposed], to: url).exact == false)
        #expect(try JSONLines.writeAndSync([Item](), to: url).sha256 == Hashing.sha256Hex(Data()))
    }

    /// A file is read a block at a time, lines cut across blocks: the records, and the line
    /// numbers of bad lines, are those of decoding the whole text, with or without a final newline.
    @Test func readingInBlocksGivesWhatDecodingTheWholeTextGives() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let records = (0..<300).map { Record(zeta: "줄 \($0)", alpha: $0, path: String(repeating: "p", count: $0 % 40)) }
        let text = try JSONLines.encode(records)
        for block in [1, 7, 64, 1 << 20] {
            try text.write(to: url)
            #expect(try JSONLines.read(Record.self, from: url, block: block) == records)
            try text.dropLast().write(to: url)
            #expect(try JSONLines.read(Record.self, from: url, block: block) == records)
        }
        var lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
        lines[0] = #"{"zeta": "x", "alpha": "two", "path": ""}"#
        lines[150] = ""
        lines[299] = #"{"zeta": "x", "alpha": 1"#
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        for block in [5, 1 << 20] {
            do {
                _ = try JSONLines.read(Record.self, from: url, displayName: "blocks.jsonl", block: block)
                Issue.record("expected the broken lines to be reported")
            } catch let error as InputErrors {
                #expect(error.errors.map(\.location.line) == [1, 151, 300])
                #expect(error.errors.allSatisfy { $0.location.file == "blocks.jsonl" })
            }
        }
        #expect(throws: InputError.self) { try JSONLines.read(Record.self, from: url.appendingPathExtension("missing")) }
    }

    /// Read a block at a time, the records come to the caller as each block is decoded, in
    /// file order, and bad lines are still all reported once the file is read.
    @Test func readingBlockByBlockHandsOverEachBlocksRecordsInOrder() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("each-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let records = (0..<200).map { Record(zeta: "줄 \($0)", alpha: $0, path: String(repeating: "p", count: $0 % 30)) }
        let text = try JSONLines.encode(records)
        try text.write(to: url)
        var handed: [[Record]] = []
        try JSONLines.read(Record.self, from: url, block: 256) { handed.append($0) }
        #expect(handed.count > 10)
        #expect(handed.allSatisfy { $0.count <= 256 / 20 })
        #expect(Array(handed.joined()) == records)

        var lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
        lines[3] = #"{"zeta": 1}"#
        lines[180] = "{"
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        var seen = 0
        do {
            try JSONLines.read(Record.self, from: url, displayName: "each.jsonl", block: 256) { seen += $0.count }
            Issue.record("expected the broken lines to be reported")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.location.line) == [4, 181])
        }
        #expect(seen == 198)
    }

    @Test func roundTrips() throws {
        let records = [Record(zeta: "줄\n바꿈", alpha: -3, path: "p")]
        let decoded = try JSONLines.decode(Record.self, from: try JSONLines.encode(records), file: "r.jsonl")
        #expect(decoded == records)
    }

    @Test func reportsEveryBadLineWithItsNumberAndField() throws {
        let text = """
        {"alpha":1,"path":"","zeta":"ok"}
        {"alpha":"two","path":"","zeta":"bad type"}
        {"alpha":3,"path":""}
        {"alpha":4,
        
        {"alpha":5,"path":"","zeta":"ok"}
        """
        do {
            _ = try JSONLines.decode(Record.self, from: Data(text.utf8), file: "items.jsonl")
            Issue.record("expected errors")
        } catch let error as InputErrors {
            let lines = error.errors.map(\.location.line)
            #expect(lines == [2, 3, 4, 5])
            #expect(error.errors[0].location.field == "alpha")
            #expect(error.errors[0].message.contains("expected an integer"))
            #expect(error.errors[1].location.field == "zeta")
            #expect(error.errors[1].message == "missing required field")
            #expect(error.errors[2].message.contains("malformed JSON"))
            #expect(error.errors[3].message.contains("empty line"))
            #expect(error.description.contains("items.jsonl:2: 'alpha'"))
        }
    }

    @Test func rejectsInvalidUTF8WithItsLine() {
        var data = Data("{\"alpha\":1,\"path\":\"\",\"zeta\":\"a\"}\n".utf8)
        data.append(contentsOf: [0x7B, 0xFF, 0x7D, 0x0A])
        #expect(throws: InputError(file: "f.jsonl", line: 2, "not valid UTF-8")) {
            try JSONLines.decode(Record.self, from: data, file: "f.jsonl")
        }
    }
}
