import Foundation
import Testing
@testable import XMLReader

/// libxml2 parses on a second thread, chunks ahead of the handler: a file many chunks long
/// must read exactly as it would on one thread, and a handler that stops must stop the parser.
@Suite struct PipelinedReadTests {
    /// `count` items of about 80 bytes each: 40,000 make over 3 MB, more than the pipe holds.
    static func manyItems(_ count: Int, tail: String = "</doc>") -> String {
        var xml = "<doc>\n"
        for index in 0..<count {
            xml += "  <item id=\"i\(index)\" n=\"\(index)\"><q>문항 \(index) text</q><!-- c --><e/></item>\n"
        }
        return xml + tail
    }

    @Test func aFileOfManyChunksReadsWholeAndInOrder() throws {
        let count = 40_000
        let file = try TemporaryXML(Self.manyItems(count))
        defer { file.remove() }
        #expect(try FileManager.default.attributesOfItem(atPath: file.url.path)[.size] as! Int > 2 * XMLEventPipe.capacity * XMLEventPipe.chunkBytes)
        var ids: [String] = [], texts: [String] = [], lines: [Int] = [], ends = 0, comments = 0
        try XMLStreamReader().readGatheringText(fileAt: file.url, displayName: "many.xml") { event in
            switch event {
            case .start(let start):
                if start.name == "item" {
                    ids.append(start.attributes["id"] ?? "?")
                    lines.append(start.line)
                    #expect(start.attributes["n"] == String(ids.count - 1))
                }
                return start.name == "q" ? .text : .events
            case .text(let text) where text != " ": texts.append(text)
            case .end(let name, _) where name == "item": ends += 1
            case .comment: comments += 1
            default: break
            }
            return .events
        }
        #expect(ids == (0..<count).map { "i\($0)" })
        #expect(lines == (0..<count).map { $0 + 2 })
        #expect(texts.count == count && texts[count - 1] == "문항 \(count - 1) text")
        #expect(ends == count && comments == count)
    }

    @Test func anErrorAfterManyChunksComesAfterEveryEventBeforeIt() throws {
        let count = 40_000
        let file = try TemporaryXML(Self.manyItems(count, tail: "<broken></doc>"))
        defer { file.remove() }
        var items = 0
        #expect {
            try XMLStreamReader().read(fileAt: file.url, displayName: "broken.xml") { event in
                if case .start(let start) = event, start.name == "item" { items += 1 }
            }
        } throws: { error in
            guard let error = error as? XMLReadError else { return false }
            return error.file == "broken.xml" && error.line == count + 2 && error.message.contains("mismatch")
        }
        // libxml2 parses a few hundred bytes ahead of the node it reports, so the last items
        // before the error may go unreported, as on one thread; none is lost further back.
        #expect(items <= count && items > count - 10)
    }

    struct Stop: Error {}

    @Test func aHandlerThatThrowsStopsTheParserAtOnce() throws {
        let file = try TemporaryXML(Self.manyItems(200_000))
        defer { file.remove() }
        let reader = XMLStreamReader()
        let clock = ContinuousClock()
        var whole = 0
        let wholeRead = try clock.measure {
            try reader.read(fileAt: file.url, displayName: "stop.xml") { if case .start = $0 { whole += 1 } }
        }
        #expect(whole == 1 + 200_000 * 3)
        // Were the parser to read on to the end after the handler stopped, ten stopped reads
        // would take ten whole reads; it stops within the few chunks it is ahead.
        let stoppedReads = clock.measure {
            for _ in 0..<10 {
                var items = 0
                #expect(throws: Stop.self) {
                    try reader.read(fileAt: file.url, displayName: "stop.xml") { event in
                        if case .start(let start) = event, start.name == "item" {
                            items += 1
                            if items == 10 { throw Stop() }
                        }
                    }
                }
                #expect(items == 10)
            }
        }
        #expect(stoppedReads < wholeRead)
    }
}
