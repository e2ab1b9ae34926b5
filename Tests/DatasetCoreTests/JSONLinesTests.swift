import Foundation
import Testing
@testable import DatasetCore

struct Record: Codable, Equatable {
    var zeta: String
    var alpha: Int
    var path: String
}

@Suite struct JSONLinesTests {
    @Test func writesSortedKeysUnescapedSlashesNFCOneRecordPerLine() throws {
        // "한" decomposed into conjoining jamo, and e + combining acute.
        let decomposed = "\u{1112}\u{1161}\u{11AB} e\u{0301}"
        let data = try JSONLines.encode([Record(zeta: decomposed, alpha: 1, path: "a/b"), Record(zeta: "x", alpha: 2, path: "")])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text == "{\"alpha\":1,\"path\":\"a/b\",\"zeta\":\"한 é\"}\n{\"alpha\":2,\"path\":\"\",\"zeta\":\"x\"}\n")
        #expect(text.unicodeScalars.contains("\u{D55C}"))
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
