import Foundation
import Testing
@testable import Dedup
import DatasetCore

@Suite struct ContaminationCheckerTests {
    let reference = ReferenceBenchmark(name: "CLIcK-history", path: "History_KHB.json", idField: "id", questionField: "question",
                                       choiceFields: ["choices"])

    func candidate(_ id: String, question: String, choices: [String]) -> Item {
        Item(id: id, task: .commonKnowledge, subject: "history", language: "ko", question: question, choices: choices, answer: "A",
             choicesOrdered: false,
             source: ItemSource(kind: "authored", sourceID: "s", document: "d.xml", element: id, license: nil, revision: "r"))
    }

    @Test func copiesOfAPublishedBenchmarkAreFoundWithTheirIdsAndOthersAreNot() throws {
        let url = try #require(Bundle.module.url(forResource: "History_KHB", withExtension: "json", subdirectory: "Fixtures"))
        let entries = try reference.read(from: url)
        #expect(entries.count == (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [Any])?.count)
        let click = try CLIcKItem.load()
        let history = click.filter { $0.id.hasPrefix("KHB") }
        let tradition = click.filter { $0.id.hasPrefix("KIIP_tradition") }
        // A verbatim copy with its choices reversed, a copy with a particle changed, and 50 questions of another file.
        let verbatim = history[3], edited = history[10]
        var items = [candidate("ck-verbatim", question: verbatim.question, choices: verbatim.choices.reversed()),
                     candidate("ck-edited", question: edited.question.replacingOccurrences(of: "은", with: "는"), choices: edited.choices)]
        items += tradition.prefix(50).enumerated().map { candidate("ck-other-\($0.offset)", question: $0.element.question, choices: $0.element.choices) }
        let matches = ContaminationChecker.matches(items, benchmarks: [(reference, entries)],
                                                   settings: NearDuplicateSettings(ngram: 5, threshold: 0.8, seed: 3))
        let byID = Dictionary(uniqueKeysWithValues: matches.map { ($0.id, $0) })
        #expect(byID["ck-verbatim"]?.referenceID == verbatim.id)
        #expect(byID["ck-verbatim"]?.similarity == 1)
        #expect(byID["ck-edited"]?.referenceID == edited.id)
        #expect(matches.count == 2, "\(matches)")
    }

    @Test func aBrokenRecordOfAJSONArrayIsNamedWithItsField() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contamination-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bench.json")
        try Data(#"[{"id": "a", "question": "질문", "choices": ["가"]}, {"id": "b", "question": 3, "choices": []}, 7]"#.utf8).write(to: file)
        let error = try #require(throws: InputErrors.self) { try reference.read(from: file) }
        #expect(error.errors.map(\.description) == ["History_KHB.json record 2: 'question': missing, or not a string",
                                                    "History_KHB.json record 3: not a JSON object"])
        try Data("{not json".utf8).write(to: file)
        #expect(throws: InputError.self) { try reference.read(from: file) }
    }
}
