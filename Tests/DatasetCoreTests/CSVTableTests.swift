import Foundation
import Testing
@testable import DatasetCore

@Suite struct CSVTableTests {
    @Test func parsesQuotedFieldsAndKeepsTheLineEachRecordStartsOn() throws {
        let text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,2,3\r\n4,,6\n"
        let table = try CSVTable(text: text, file: "t.csv")
        #expect(table.records.map(\.line) == [1, 2, 4, 5])
        #expect(table.records[1].fields == ["x, y", "say \"hi\"", "two\nlines"])
        #expect(table.records[3].fields == ["4", "", "6"])
    }

    @Test func dropsAByteOrderMark() throws {
        let table = try CSVTable(text: "\u{FEFF}question,count\nq1,3\n", file: "t.csv")
        let headered = try table.withHeader(required: ["question", "count"])
        #expect(headered.columns == ["question", "count"])
    }

    @Test func reportsAnUnterminatedQuoteAtTheLineItOpened() {
        #expect(throws: InputError(file: "t.csv", line: 2, "unterminated quoted field")) {
            try CSVTable(text: "a,b\n\"open,2\n3,4\n", file: "t.csv")
        }
    }

    @Test func reportsAStrayQuote() {
        #expect(throws: InputError.self) { try CSVTable(text: "a,b\nx\"y,2\n", file: "t.csv") }
        #expect(throws: InputError.self) { try CSVTable(text: "a,b\n\"x\"y,2\n", file: "t.csv") }
    }

    @Test func reportsEveryRaggedRowAndMissingColumn() throws {
        let table = try CSVTable(text: "question,count\nq1,1\nq2\nq3,3,extra\n", file: "t.csv")
        do {
            _ = try table.withHeader(required: ["question", "count", "option"])
            Issue.record("expected errors")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.location.line) == [1, 3, 4])
            #expect(error.errors[0].location.field == "option")
        }
    }

    @Test func invalidUTF8IsAnErrorWithItsLine() throws {
        var data = Data("a,b\n1,2\n".utf8)
        data.append(contentsOf: [0x33, 0xC3, 0x28, 0x0A])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).csv")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: InputError(file: "bad.csv", line: 3, "not valid UTF-8 at byte 9; save the file as UTF-8")) {
            try CSVTable(contentsOf: url, displayName: "bad.csv")
        }
    }
}
