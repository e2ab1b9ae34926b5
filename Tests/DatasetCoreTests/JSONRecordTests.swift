import Foundation
import Testing
@testable import DatasetCore
import SchemaValidation

/// Items' own JSON writer and reader against Foundation's `Codable` path: the same bytes out,
/// the same values in, on items with every optional field, control characters, non-NFC text,
/// votes and survey results with arbitrary doubles.
@Suite struct JSONRecordTests {
    static func text(_ random: inout SplitMix64) -> String {
        let pieces = ["가", "한국어", "e\u{301}", "\u{1100}\u{1161}", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}",
                      "\u{2028}", "😀", "abc", " ", "<tag>", "&amp;", "ﬁ", "Å"]
        return (0..<Int(random.next() % 8)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    static func double(_ random: inout SplitMix64) -> Double {
        switch random.next() % 5 {
        case 0: Double(random.next() % 1000)
        case 1: random.nextUnit()
        case 2: Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF)
        case 3: random.nextUnit() * 1e-7
        default: -random.nextUnit() * 1e22
        }
    }

    static func item(_ index: Int, _ random: inout SplitMix64) -> Item {
        func maybe<T>(_ value: T) -> T? { random.next() % 2 == 0 ? value : nil }
        let votes = (0..<Int(random.next() % 3)).map { _ in
            ReviewVote(round: text(&random), reviewer: text(&random), decision: "approve", adjudication: random.next() % 2 == 0,
                       labels: (0..<Int(random.next() % 3)).map { _ in ReviewLabel(name: text(&random), value: text(&random)) })
        }
        let survey = SurveyResult(distribution: (0..<4).map { _ in double(&random) },
                                  distributionWithNonresponse: (0..<5).map { _ in double(&random) }, nonresponseOptions: [text(&random)],
                                  distribution3: maybe([double(&random)]), scale3: maybe([text(&random)]), levels3: maybe([0, 2, 1]), n: Int(random.next() % 5000),
                                  nEffective: double(&random), marginOfError: double(&random), contested: random.next() % 2 == 0,
                                  weighting: text(&random))
        return Item(id: "ck-\(index)\(text(&random))", task: index % 2 == 0 ? .commonKnowledge : .socialValue, subject: text(&random),
                    language: "ko", question: text(&random), choices: (0..<Int(random.next() % 5)).map { _ in text(&random) },
                    answer: maybe("B"), choicesOrdered: random.next() % 2 == 0,
                    culturalSensitivity: [.sensitive, .agnostic, .notAnnotated][index % 3], requiredKnowledge: [text(&random)],
                    timeSensitive: maybe(random.next() % 2 == 0), region: maybe(text(&random)), country: maybe("KR"),
                    topic: maybe(text(&random)), grade: maybe(text(&random)),
                    source: ItemSource(kind: "authored", sourceID: text(&random), document: text(&random), element: text(&random),
                                       license: maybe("CC-BY-4.0"), revision: text(&random), position: maybe(Int(random.next() % 100)),
                                       author: maybe(text(&random)), passage: maybe(text(&random)),
                                       fields: index % 2 == 0 ? [SourceField(name: text(&random), value: text(&random))] : []),
                    flags: [text(&random)], review: ReviewSummary(status: "approved", rounds: [text(&random)], version: 1 + index % 3, votes: votes),
                    survey: maybe(survey),
                    translation: maybe(ItemTranslation(group: text(&random), sourceLanguage: "ko", origin: ItemTranslation.Origin.allCases[index % 3],
                                                       system: maybe(text(&random)), labelsFrom: maybe(["source", "own"][index % 2]))))
    }

    static let items: [Item] = {
        var random = SplitMix64(seed: 17)
        return (0..<2_000).map { item($0, &random) }
    }()

    @Test func writesFoundationsBytes() throws {
        let encoder = JSONLines.makeEncoder()
        for item in Self.items {
            var writer = JSONWriter()
            item.writeJSON(to: &writer)
            // Foundation's line, each string normalized as the writer does it.
            let expected = String(decoding: try encoder.encode(Self.normalized(item)), as: UTF8.self)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
        }
    }

    @Test func readsWhatFoundationReads() throws {
        let data = try JSONLines.encode(Self.items)
        let decoder = JSONDecoder()
        var lines = 0
        for line in data.split(separator: 0x0A) {
            let fast = try Item(json: JSONValue.parse(Data(line)))
            #expect(fast == (try decoder.decode(Item.self, from: Data(line))))
            lines += 1
        }
        #expect(lines == Self.items.count)
        #expect(try JSONLines.decode(Item.self, from: data, file: "items.jsonl") == Self.items.map(Self.normalized))
    }

    static func readDirectly<T: JSONReadableRecord>(_ type: T.Type, _ line: some StringProtocol) throws -> T {
        try Data(line.utf8).withUnsafeBytes { bytes in try JSONReader.read(bytes) { try T(reader: &$0) } }
    }

    @Test func theByteReaderReadsWhatFoundationReads() throws {
        let decoder = JSONDecoder()
        for line in String(decoding: try JSONLines.encode(Self.items), as: UTF8.self).split(separator: "\n") {
            #expect(try Self.readDirectly(Item.self, line) == (try decoder.decode(Item.self, from: Data(line.utf8))))
        }
        // Keys in another order, spaces, escapes and a missing optional key read the same.
        let item = try decoder.decode(Item.self, from: JSONLines.encode([Self.items[1]]))
        let json = try #require(try JSONSerialization.jsonObject(with: JSONLines.encode([item])) as? [String: Any])
        let shuffled = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted])
        #expect(try Self.readDirectly(Item.self, String(decoding: shuffled, as: UTF8.self)) == item)
    }

    /// What the byte reader refuses goes the general way: unknown keys are ignored there, a
    /// repeated key is an error naming it, a wrong type is Foundation's error.
    @Test func theByteReaderLeavesTheUnexpectedToTheGeneralReader() throws {
        let line = String(decoding: try JSONLines.encode([Self.items[0]]), as: UTF8.self).dropLast()
        let withExtra = "{\"extra\":[1,{\"a\":null}]," + line.dropFirst()
        #expect(throws: JSONReader.Mismatch.self) { try Self.readDirectly(Item.self, withExtra) }
        #expect(try JSONLines.decode(Item.self, from: Data(withExtra.utf8), file: "items.jsonl") == [Self.normalized(Self.items[0])])

        let repeated = "{\"id\":\"x\"," + line.dropFirst()
        #expect(throws: JSONReader.Mismatch.self) { try Self.readDirectly(Item.self, repeated) }
        #expect {
            try JSONLines.decode(Item.self, from: Data(repeated.utf8), file: "items.jsonl")
        } throws: { "\($0)".contains("items.jsonl:1") && "\($0)".contains("id") && "\($0)".contains("twice") }

        for bad in [line.replacingOccurrences(of: "\"schema_version\":\"", with: "\"schema_version\":null,\"x\":\""),
                    String(line.dropLast()), line + "x", line.replacingOccurrences(of: "\"flags\":[", with: "\"flags\":[1,")] {
            #expect(throws: JSONReader.Mismatch.self) { try Self.readDirectly(Item.self, bad) }
        }
        var invalidUTF8 = Data(line.utf8)
        let question = try #require(invalidUTF8.firstRange(of: Data("\"question\":\"".utf8)))
        invalidUTF8.insert(0xFF, at: question.upperBound)
        #expect(throws: JSONReader.Mismatch.self) { try invalidUTF8.withUnsafeBytes { bytes in try JSONReader.read(bytes) { try Item(reader: &$0) } } }
    }

    @Test func droppedItemsToo() throws {
        let dropped = Self.items.prefix(50).map { DroppedItem(id: $0.id, stage: "validate", reason: "x\n", detail: "\u{301}", item: $0) }
        let encoder = JSONLines.makeEncoder()
        let expected = try dropped.map { String(decoding: try encoder.encode($0), as: UTF8.self).nfc + "\n" }.joined()
        #expect(String(decoding: try JSONLines.encode(dropped), as: UTF8.self) == expected)
        let decoder = JSONDecoder()
        #expect(try JSONLines.decode(DroppedItem.self, from: Data(expected.utf8), file: "dropped.jsonl")
                == expected.split(separator: "\n").map { try decoder.decode(DroppedItem.self, from: Data($0.utf8)) })
    }

    /// A record the fast reader refuses is read by Foundation, which names the line and field.
    @Test func aWrongFieldIsReportedByFoundationsDecoder() throws {
        var line = String(decoding: try JSONLines.encode([Self.items[0]]), as: UTF8.self)
        line = line.replacingOccurrences(of: "\"choices_ordered\":\(Self.items[0].choicesOrdered)", with: "\"choices_ordered\":\"yes\"")
        #expect {
            try JSONLines.decode(Item.self, from: Data(line.utf8), file: "items.jsonl")
        } throws: { error in
            "\(error)".contains("items.jsonl:1") && "\(error)".contains("choices_ordered") && "\(error)".contains("true or false")
        }
    }

    static func normalized(_ item: Item) -> Item {
        // Encoding then decoding through Foundation with the line's NFC applied per string.
        var item = item
        func nfc(_ text: String) -> String { text.nfc }
        item.id = nfc(item.id); item.subject = nfc(item.subject); item.question = nfc(item.question)
        item.choices = item.choices.map(nfc); item.requiredKnowledge = item.requiredKnowledge.map(nfc)
        item.region = item.region.map(nfc); item.topic = item.topic.map(nfc); item.grade = item.grade.map(nfc)
        item.flags = item.flags.map(nfc)
        item.source.sourceID = nfc(item.source.sourceID); item.source.document = nfc(item.source.document)
        item.source.element = nfc(item.source.element); item.source.revision = nfc(item.source.revision)
        item.source.author = item.source.author.map(nfc); item.source.passage = item.source.passage.map(nfc)
        item.review.rounds = item.review.rounds.map(nfc)
        item.review.votes = item.review.votes.map { vote in
            var vote = vote
            vote.round = nfc(vote.round); vote.reviewer = nfc(vote.reviewer)
            vote.labels = vote.labels.map { ReviewLabel(name: nfc($0.name), value: nfc($0.value)) }
            return vote
        }
        if var survey = item.survey {
            survey.nonresponseOptions = survey.nonresponseOptions.map(nfc); survey.scale3 = survey.scale3?.map(nfc)
            survey.weighting = nfc(survey.weighting)
            item.survey = survey
        }
        if var translation = item.translation {
            translation.group = nfc(translation.group); translation.system = translation.system.map(nfc)
            item.translation = translation
        }
        return item
    }
}
