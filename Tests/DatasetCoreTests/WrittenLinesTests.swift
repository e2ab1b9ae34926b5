import Foundation
import Testing
@testable import DatasetCore
import CSystemShims

/// Items written again unchanged copy the line they were written as: the bytes are always those
/// of encoding them, whatever happened to the item or the file since. One test at a time: the
/// one that gives every slot to other files would take the others' slots from under them.
@Suite(.serialized) struct WrittenLinesTests {
    /// Items made afresh from the same numbers each time: boxes that were never written.
    static func items(_ range: Range<Int>) -> [Item] {
        range.map { number in
            Item(id: "ck-\(number)", task: .commonKnowledge, subject: "subject \(number % 5)", language: number.isMultiple(of: 2) ? "ko" : "en",
                 question: number.isMultiple(of: 2) ? "다음 중 \"옳은\" 것은? \(number)\n둘째 줄" : "Which one \\ is right? \(number)",
                 choices: ["가 \(number)", "나", "다/라", "\u{1}"], answer: "B", choicesOrdered: number.isMultiple(of: 3),
                 region: number.isMultiple(of: 7) ? "서울" : nil,
                 source: ItemSource(kind: "authored", sourceID: "items", document: "raw/items.xml", element: "q-\(number)", license: "CC-BY-4.0",
                                    revision: "r\(number % 3)"),
                 flags: number.isMultiple(of: 11) ? ["long_stem"] : [])
        }
    }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("written-lines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs `body` with the items numbered `numbers` written to a file in a scratch folder, and
    /// that file opened through the page cache and past it (-1 where the file system cannot).
    static func withWrittenFile(_ numbers: Range<Int>,
                                _ body: (_ directory: URL, _ items: [Item], _ buffered: Int32, _ direct: Int32) throws -> Void) throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("items.jsonl")
        let written = Self.items(numbers)
        _ = try JSONLines.writeAndSync(written, to: url)
        let buffered = open(url.path, O_RDONLY)
        let direct = csys_open_direct_reads(url.path)
        defer {
            close(buffered)
            if direct >= 0 { close(direct) }
        }
        try body(directory, written, buffered, direct)
    }

    @Test func itemsWrittenAgainGiveTheBytesOfEncodingThemAfresh() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = Self.items(0..<40_000)
        _ = try JSONLines.writeAndSync(items, to: directory.appendingPathComponent("first.jsonl"))
        #expect(items.allSatisfy { $0.writtenLine != nil })

        // Another stage keeps some, in another order, and sets others aside inside records of its own.
        let kept = stride(from: items.count - 1, through: 0, by: -3).map { items[$0] }
        let setAside = stride(from: 1, to: items.count, by: 3).map {
            DroppedItem(id: items[$0].id, stage: "sample", reason: "over_quota", detail: "full", item: items[$0])
        }
        let keptURL = directory.appendingPathComponent("kept.jsonl")
        let setAsideURL = directory.appendingPathComponent("set-aside.jsonl")
        #expect(try JSONLines.writeAndSync(kept, to: keptURL).exact)
        _ = try JSONLines.writeAndSync(setAside, to: setAsideURL)

        let fresh = Self.items(0..<40_000)
        #expect(fresh.allSatisfy { $0.writtenLine == nil })
        #expect(try Data(contentsOf: keptURL) == JSONLines.encode(stride(from: fresh.count - 1, through: 0, by: -3).map { fresh[$0] }))
        #expect(try Data(contentsOf: setAsideURL) == JSONLines.encode(stride(from: 1, to: fresh.count, by: 3).map {
            DroppedItem(id: fresh[$0].id, stage: "sample", reason: "over_quota", detail: "full", item: fresh[$0])
        }))
        #expect(try JSONLines.line(for: kept[10]) == JSONLines.line(for: fresh[fresh.count - 1 - 30]))
        // Each kept item now points at its line in the newer file.
        let line = try #require(kept[0].writtenLine)
        let handle = try FileHandle(forReadingFrom: keptURL)
        defer { try? handle.close() }
        let expectedLine = Data(try JSONLines.line(for: fresh.last!).utf8)
        #expect(line.offset == 0)
        #expect(handle.readData(ofLength: line.length) == expectedLine)
    }

    @Test func aWrittenLineIsCopiedFromItsFile() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = Self.items(0..<100)
        _ = try JSONLines.writeAndSync(items, to: directory.appendingPathComponent("items.jsonl"))
        var writer = JSONWriter()
        let copied = writer.appendWritten(items[42].writtenLine)
        #expect(copied)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == (try JSONLines.line(for: Self.items(42..<43)[0])))
        var other = JSONWriter()
        let copiedNothing = other.appendWritten(nil)
        #expect(!copiedNothing)
        #expect(other.bytes.isEmpty)

        // Asked in place, an item and a record holding one give the line as asked of the value.
        let dropped = items.map { DroppedItem(id: $0.id, stage: "sample", reason: "over_quota", detail: "full", item: $0) }
        items.withUnsafeBufferPointer { buffer in
            #expect(buffer.indices.allSatisfy { Item.carriedLine(at: buffer.baseAddress! + $0) == items[$0].writtenLine })
        }
        dropped.withUnsafeBufferPointer { buffer in
            #expect(buffer.indices.allSatisfy { DroppedItem.carriedLine(at: buffer.baseAddress! + $0) == dropped[$0].carriedLine })
        }
        #expect(items.allSatisfy { $0.writtenLine != nil })
    }

    /// Items written again all unchanged and in the order of the one file they were written to
    /// are that file under a second name; anything else (one fewer, another order, a changed
    /// item, a file edited or removed since) is written, with the bytes of encoding the items.
    @Test func itemsWrittenAgainWholeAndInOrderAreTheirFileUnderASecondName() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        func inode(_ url: URL) throws -> (number: Int, links: Int) {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            return ((attributes[.systemFileNumber] as! NSNumber).intValue, (attributes[.referenceCount] as! NSNumber).intValue)
        }
        let numbers = 800_000..<803_000
        var items = Self.items(numbers)
        let expected = try JSONLines.encode(Self.items(numbers))
        let first = directory.appendingPathComponent("first.jsonl")
        let written = try JSONLines.writeAndSync(items, to: first)

        // The file renamed since, as a stage's staging folder is: the open file is what is named again.
        let moved = directory.appendingPathComponent("moved.jsonl")
        try FileManager.default.moveItem(at: first, to: moved)
        let again = directory.appendingPathComponent("again.jsonl")
        let linked = try JSONLines.writeAndSync(items, to: again)
        #expect(try inode(again).number == inode(moved).number && inode(again).links == 2)
        #expect(linked.sha256 == written.sha256 && linked.bytes == written.bytes && linked.exact)
        #expect(try Data(contentsOf: again) == expected)

        func writtenAnew(_ values: [Item], _ name: String) throws -> Data {
            let url = directory.appendingPathComponent(name)
            let result = try JSONLines.writeAndSync(values, to: url)
            #expect(try inode(url).links == 1, "\(name)")
            let data = try Data(contentsOf: url)
            #expect(result.sha256 == Hashing.sha256Hex(data) && result.bytes == data.count, "\(name)")
            return data
        }
        let fresh = Self.items(numbers)
        #expect(try writtenAnew(Array(items.dropLast()), "fewer.jsonl") == JSONLines.encode(Array(fresh.dropLast())))
        #expect(try writtenAnew(Array(items.dropFirst()), "later.jsonl") == JSONLines.encode(Array(fresh.dropFirst())))
        #expect(try writtenAnew(items.reversed(), "reversed.jsonl") == JSONLines.encode(fresh.reversed()))
        #expect(try writtenAnew([], "none.jsonl").isEmpty)

        // Edited in place to the same length: read back, it is not what was written.
        let kept = Self.items(803_000..<803_100)
        let keptURL = directory.appendingPathComponent("kept.jsonl")
        _ = try JSONLines.writeAndSync(kept, to: keptURL)
        let handle = try FileHandle(forUpdating: keptURL)
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data("#".utf8))
        try handle.close()
        #expect(try writtenAnew(kept, "after-edit.jsonl") == JSONLines.encode(Self.items(803_000..<803_100)))

        // Removed: there is no file to give a second name to.
        let gone = Self.items(803_200..<803_300)
        let goneURL = directory.appendingPathComponent("gone.jsonl")
        _ = try JSONLines.writeAndSync(gone, to: goneURL)
        try FileManager.default.removeItem(at: goneURL)
        #expect(try writtenAnew(gone, "after-removal.jsonl") == JSONLines.encode(Self.items(803_200..<803_300)))

        items[1_500].answer = "D"
        var changed = Self.items(numbers)
        changed[1_500].answer = "D"
        #expect(try writtenAnew(items, "changed.jsonl") == JSONLines.encode(changed))
    }

    /// A line longer than the file is read at a time (1 MiB) is checked whole before the file is named again.
    @Test func aLineLongerThanOneReadIsCheckedWhole() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        var items = Self.items(820_000..<820_010)
        items[4].question = String(repeating: "긴 질문 ", count: 200_000)
        let first = directory.appendingPathComponent("first.jsonl"), again = directory.appendingPathComponent("again.jsonl")
        let written = try JSONLines.writeAndSync(items, to: first)
        #expect(written.bytes > 2 << 20)
        #expect(try JSONLines.writeAndSync(items, to: again).sha256 == written.sha256)
        let numbers = try [first, again].map { try FileManager.default.attributesOfItem(atPath: $0.path)[.systemFileNumber] as? NSNumber }
        #expect(numbers[0] == numbers[1])
    }

    /// Items read from a file this program wrote, said to be as written, carry their lines
    /// there: written again whole they are that file; some of them, their lines copied.
    @Test func itemsReadFromAWrittenFileArePassedOnByTheirLines() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let numbers = 810_000..<812_000
        let first = directory.appendingPathComponent("first.jsonl")
        let written = try JSONLines.writeAndSync(Self.items(numbers), to: first)
        // Blocks smaller than the file, so that lines are marked across several of them.
        let read = try JSONLines.read(Item.self, from: first, linesAreWritten: true, block: 100_000)
        #expect(read.allSatisfy { $0.writtenLine != nil })
        let again = directory.appendingPathComponent("again.jsonl")
        let linked = try JSONLines.writeAndSync(read, to: again)
        #expect(linked.sha256 == written.sha256 && linked.bytes == written.bytes)
        let numbersOfFiles = try [first, again].map { try FileManager.default.attributesOfItem(atPath: $0.path)[.systemFileNumber] as? NSNumber }
        #expect(numbersOfFiles[0] == numbersOfFiles[1])

        var writer = JSONWriter()
        for item in read where item.id.hasSuffix("7") {
            let copied = writer.appendWritten(item.writtenLine)
            #expect(copied)
            writer.endLine()
        }
        #expect(Data(writer.bytes) == (try JSONLines.encode(Self.items(numbers).filter { $0.id.hasSuffix("7") })))
        // Not said to be as written: nothing is marked.
        #expect(try JSONLines.read(Item.self, from: first).allSatisfy { $0.writtenLine == nil })
    }

    /// Items whose file's slot was given to a file of the same length and the same line
    /// lengths, as written: each line is checked against its mark, so the newer file is not
    /// taken for the items' own.
    /// A file of several of the chunks the check reads at a time is named again when every line
    /// reads back, the line across two chunks too; one byte changed in that line, it is not.
    @Test func aFileOfSeveralChunksIsLinkedOnlyWhenEveryLineReadsBack() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        func inode(_ url: URL) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as! NSNumber).intValue
        }
        let items = Self.items(900_000..<906_000)
        let first = directory.appendingPathComponent("first.jsonl")
        let written = try JSONLines.writeAndSync(items, to: first)
        #expect(written.bytes > 2 << 20, "three chunks or more")
        let again = directory.appendingPathComponent("again.jsonl")
        let linked = try JSONLines.writeAndSync(items, to: again)
        #expect(try inode(again) == inode(first))
        #expect(linked.sha256 == written.sha256 && linked.bytes == written.bytes)

        // The byte where the second chunk starts, and every line around it, as it was.
        let boundary = 1 << 20
        let original = try Data(contentsOf: first)
        let handle = try FileHandle(forUpdating: first)
        try handle.seek(toOffset: UInt64(boundary))
        try handle.write(contentsOf: Data([original[boundary] == UInt8(ascii: "#") ? UInt8(ascii: "$") : UInt8(ascii: "#")]))
        try handle.close()
        let anew = directory.appendingPathComponent("anew.jsonl")
        let rewritten = try JSONLines.writeAndSync(items, to: anew)
        #expect(try inode(anew) != inode(first))
        #expect(try Data(contentsOf: anew) == original && rewritten.sha256 == written.sha256)
    }

    @Test func aSlotGivenToAFileOfTheSameShapeIsNotLinkedForTheOldItems() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = Self.items(900_000..<900_040)
        _ = try JSONLines.writeAndSync(old, to: directory.appendingPathComponent("old.jsonl"))
        let slot = try #require(old[0].writtenLine).slot
        // 2310 = 2·3·5·7·11: every number the items are made from gives text of the same length.
        var sameShape = Self.items(909_240..<909_280)
        var rounds = 0
        repeat {
            sameShape = Self.items(909_240..<909_280)
            _ = try JSONLines.writeAndSync(sameShape, to: directory.appendingPathComponent("same-shape-\(rounds).jsonl"))
            rounds += 1
        } while sameShape[0].writtenLine?.slot != slot && rounds < 20 * WrittenFiles.slots
        try #require(sameShape[0].writtenLine?.slot == slot)
        #expect(try JSONLines.encode(sameShape).count == JSONLines.encode(Self.items(900_000..<900_040)).count)

        let again = directory.appendingPathComponent("again.jsonl")
        _ = try JSONLines.writeAndSync(old, to: again)
        #expect(try Data(contentsOf: again) == JSONLines.encode(Self.items(900_000..<900_040)))
    }

    /// Lines asked for in the order they lie in the file, every one or with gaps, are read many
    /// at a time; lines asked for backwards, one read each. The bytes are the lines' either way.
    @Test func linesAskedForInFileOrderAreReadManyAtATime() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = Self.items(0..<5_000)
        _ = try JSONLines.writeAndSync(items, to: directory.appendingPathComponent("items.jsonl"))
        let fresh = Self.items(0..<5_000)
        for (order, most) in [(Array(items.indices), 60), (Array(stride(from: 0, to: items.count, by: 3)), 60),
                              (Array(items.indices.reversed()), items.count)] {
            var writer = JSONWriter()
            for index in order {
                let copied = writer.appendWritten(items[index].writtenLine)
                #expect(copied)
                writer.endLine()
            }
            #expect(writer.readBack.reads <= most && writer.readBack.reads > 1, "\(writer.readBack.reads) reads")
            #expect(Data(writer.bytes) == (try JSONLines.encode(order.map { fresh[$0] })))
        }
        // Lines taken in turn from two runs of the file (items sorted by id from two sources): each
        // run is read ahead in its own window, so about the file is read once, not a window a line.
        let half = items.count / 2
        let interleaved = (0..<half).flatMap { [$0, half + $0] }
        var turns = JSONWriter()
        for index in interleaved {
            let copied = turns.appendWritten(items[index].writtenLine)
            #expect(copied)
            turns.endLine()
        }
        #expect(turns.readBack.reads <= 120, "\(turns.readBack.reads) reads")
        #expect(turns.readBack.bytesRead <= 2 * turns.bytes.count, "\(turns.readBack.bytesRead) bytes read for \(turns.bytes.count)")
        #expect(Data(turns.bytes) == (try JSONLines.encode(interleaved.map { fresh[$0] })))
        // One line at a time from one writer, as registering items in the review database takes them.
        var writer = JSONWriter()
        let lines = items.map { writer.line(for: $0) }
        #expect(writer.readBack.reads <= 60)
        #expect(lines == (try fresh.map { try JSONLines.line(for: $0) }))
    }

    /// Reading ahead goes past the page cache where the file system allows it (the reads are
    /// then whole blocks, from the block a line starts in), and through it where it does not or
    /// where it refuses such a read: the bytes are the lines' every way.
    @Test func readingAheadGoesPastThePageCacheWhereItCanAndGivesTheSameLines() throws {
        try Self.withWrittenFile(800_000..<806_000) { directory, items, buffered, direct in
            // Every other line, then every line of a stretch from an odd place, in file order.
            let taken = Array(stride(from: 0, to: items.count, by: 2)) + Array(1_001..<1_500)
            let expected = taken.map { try! JSONLines.line(for: items[$0]) }
            let descriptors = [WrittenFiles.Descriptors(buffered: buffered, direct: direct),
                               WrittenFiles.Descriptors(buffered: buffered, direct: -1),
                               // A descriptor that refuses the reads (a folder's): they go through the page cache.
                               WrittenFiles.Descriptors(buffered: buffered, direct: open(directory.path, O_RDONLY | O_DIRECTORY))]
            for (index, files) in descriptors.enumerated() {
                var readBack = ReadBack()
                let lines = taken.map { number -> String? in
                    readBack.withLine(items[number].writtenLine!, in: files) { String(decoding: $0, as: UTF8.self) }
                }
                #expect(lines == expected, "descriptors \(index)")
                if index > 0, files.direct >= 0 { close(files.direct) }
                #expect(readBack.reads < 80, "descriptors \(index): \(readBack.reads) reads")
                if index == 0, direct >= 0 {
                    #expect(readBack.directReads >= readBack.reads - 4, "\(readBack.directReads) of \(readBack.reads) past the cache")
                } else {
                    #expect(readBack.directReads == 0)
                }
            }
        }
    }

    /// With a plan, a run of lines close together reads its next stretch ahead on another
    /// thread and never reads past the plan's end; lines a plan says lie far apart are not read.
    @Test func aPlannedRunReadsAheadUpToItsEndAndFarApartLinesAreNotRead() throws {
        try Self.withWrittenFile(810_000..<816_000) { _, items, buffered, direct in
            let taken = Array(0..<5_000).filter { $0 % 7 != 3 }
            let expected = taken.map { try! JSONLines.line(for: items[$0]) }
            let last = items[4_999].writtenLine!
            let planEnd = last.offset + last.length
            for files in [WrittenFiles.Descriptors(buffered: buffered, direct: direct), WrittenFiles.Descriptors(buffered: buffered, direct: -1)] {
                var readBack = ReadBack()
                readBack.plan(slot: last.slot, end: planEnd, dense: true)
                let lines = taken.map { number -> String? in
                    readBack.withLine(items[number].writtenLine!, in: files) { String(decoding: $0, as: UTF8.self) }
                }
                #expect(lines == expected)
                if files.direct >= 0 {
                    #expect(readBack.readsAhead > 0 && readBack.reads == readBack.readsAhead + 1, "\(readBack.readsAhead) of \(readBack.reads) read ahead")
                    #expect(readBack.bytesRead <= AtomicFiles.BlockOutput.alignedUp(planEnd) + readBack.readsAhead * ReadBack.overlap)
                } else {
                    #expect(readBack.readsAhead == 0)
                }
            }
            var sparse = ReadBack()
            sparse.plan(slot: last.slot, end: planEnd, dense: false)
            #expect(taken.prefix(100).allSatisfy { sparse.withLine(items[$0].writtenLine!, in: WrittenFiles.Descriptors(buffered: buffered, direct: direct)) { _ in true } == nil })
            #expect(sparse.reads == 0)
        }
    }

    /// A writer plans its reads from the records it is given: lines in file order are read
    /// ahead, lines far apart are encoded again (in any order), lines close together but out of
    /// order are read as they come.
    @Test func aWriterPlansItsReadsFromTheOrderAndSpreadOfItsRecordsLines() throws {
        try Self.withWrittenFile(820_000..<826_000) { _, items, _, direct in
            var generator = SplitMix64(seed: 5)
            let inOrder = Array(items[..<5_000])
            let farApart = stride(from: 0, to: items.count, by: 50).map { items[$0] }
            let shuffled = inOrder.shuffled(using: &generator)
            let farApartShuffled = farApart.shuffled(using: &generator)
            for (records, readAhead, read) in [(inOrder, true, true), (farApart, false, false), (shuffled, false, true), (farApartShuffled, false, false)] {
                var writer = JSONWriter()
                records.withUnsafeBufferPointer { writer.planReads($0) }
                for item in records { item.writeJSON(to: &writer); writer.endLine() }
                #expect(String(decoding: writer.bytes, as: UTF8.self) == records.map { try! JSONLines.line(for: $0) + "\n" }.joined())
                // Reads ahead go past the page cache: none where the file system cannot.
                #expect((writer.readBack.readsAhead > 0) == (readAhead && direct >= 0), "\(records.count) records: \(writer.readBack.readsAhead) reads ahead")
                #expect((writer.readBack.reads > 0) == read, "\(records.count) records: \(writer.readBack.reads) reads")
            }
        }
    }

    /// A line edited in its file after it was written, an item changed, a copy of an item
    /// changed: each is encoded again, with what it holds now.
    @Test func aChangedItemOrAnEditedFileIsEncodedAgain() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("items.jsonl")
        // Numbers no other test writes, so that no other file could hold the same lines.
        let numbers = 500_000..<502_000
        var items = Self.items(numbers)
        _ = try JSONLines.writeAndSync(items, to: url)

        // Edited in place to the same length (the same file, not a new one renamed over it).
        let handle = try FileHandle(forUpdating: url)
        let text = try #require(String(data: try Data(contentsOf: url), encoding: .utf8))
        try handle.write(contentsOf: Data(text.replacingOccurrences(of: "다음 중", with: "다음 끝").utf8))
        try handle.close()

        var copy = items[5]
        copy.question = "바뀐 질문"
        items[7].answer = "C"
        #expect(items[7].writtenLine == nil && copy.writtenLine == nil && items[5].writtenLine != nil)

        var expected = Self.items(numbers)
        expected[7].answer = "C"
        var changedCopy = expected[5]
        changedCopy.question = "바뀐 질문"
        #expect(try JSONLines.encode(items + [copy]) == JSONLines.encode(expected + [changedCopy]))
        // The edited line is refused; the item a changed copy was made from still has its own.
        var writer = JSONWriter()
        let edited = writer.appendWritten(items[4].writtenLine)
        let unchanged = writer.appendWritten(items[5].writtenLine)
        #expect(!edited)
        #expect(unchanged)
    }

    /// Giving an item what it already holds changes nothing: it keeps its box and its line.
    @Test func settingAFieldToItsValueKeepsTheWrittenLine() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        var items = Self.items(700_000..<700_010)
        _ = try JSONLines.writeAndSync(items, to: directory.appendingPathComponent("items.jsonl"))
        items[3].review = items[3].review
        items[3].culturalSensitivity = .notAnnotated
        var copy = items[4]
        copy.subject = items[4].subject
        #expect(items[3].writtenLine != nil && copy.writtenLine != nil)
        items[3].flags = ["revised"]
        copy.region = "부산"
        #expect(items[3].writtenLine == nil && copy.writtenLine == nil && items[4].writtenLine != nil)
    }

    /// A slot given to another file later: the lines marked with it are encoded again.
    @Test func aSlotGivenToAnotherFileIsNotReadForTheOldLines() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = Self.items(600_000..<600_050)
        _ = try JSONLines.writeAndSync(items, to: directory.appendingPathComponent("items.jsonl"))
        for round in 0..<WrittenFiles.slots {
            _ = try JSONLines.writeAndSync(Self.items(1_000 * (round + 1)..<1_000 * (round + 1) + 50),
                                           to: directory.appendingPathComponent("other-\(round).jsonl"))
        }
        var writer = JSONWriter()
        let copied = writer.appendWritten(items[0].writtenLine)
        #expect(!copied)
        #expect(try JSONLines.encode(items) == JSONLines.encode(Self.items(600_000..<600_050)))
    }

    @Test func theLineHashSeesEveryByteAndTheLength() {
        let line = Array("{\"id\":\"ck-1\",\"question\":\"다음 중 옳은 것은? 서울의 인구는 몇 명인가?\",\"choices\":[\"A\",\"B\"]}".utf8)
        // Every length up to a little over three rounds of the four lanes, so that each byte is
        // seen in a lane, in a word after them and in the tail.
        var seen: Set<UInt64> = []
        for length in 0...line.count {
            let text = Array(line.prefix(length))
            let hash = text.withUnsafeBytes(WrittenLine.hash)
            #expect(hash != 0)
            seen.insert(hash)
            for index in text.indices {
                var changed = text
                changed[index] ^= 0x20
                #expect(changed.withUnsafeBytes(WrittenLine.hash) != hash, "length \(length), byte \(index)")
            }
            #expect((text + [0]).withUnsafeBytes(WrittenLine.hash) != hash, "length \(length)")
        }
        #expect(line.count > 96)
        #expect(seen.count == line.count + 1)
    }
}
