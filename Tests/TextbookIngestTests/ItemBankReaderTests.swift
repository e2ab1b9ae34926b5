import Foundation
import Testing
import DatasetCore
@testable import TextbookIngest

/// The real CLIcK files, kept once in the dedup tests' fixtures.
func clickFile(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DedupTests/Fixtures/\(name)")
}

@Suite struct ItemBankReaderTests {
    func read(_ preset: ItemBankLayout.Preset, _ name: String, subject: String = "bank", language: String = "ko") throws -> TextbookOutput {
        try ItemBankReader(layout: ItemBankLayout(preset: preset))
            .read(fileAt: try fixture(name), context: context(name, subject: subject, language: language))
    }

    func read(_ text: String, _ layout: ItemBankLayout, file: String) throws -> TextbookOutput {
        try ItemBankReader(layout: layout).read(Data(text.utf8), context: context(file, subject: "bank", language: "ko"))
    }

    func messages(_ body: () throws -> Any) -> [String] {
        do {
            _ = try body()
            return []
        } catch {
            return (error.inputErrors ?? []).map(\.description)
        }
    }

    @Test(arguments: ["History_KHB.json", "Tradition_KIIP.json"])
    func realCLIcKFilesComeInWithEveryQuestionByteForByte(name: String) throws {
        let records = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: clickFile(name))) as? [[String: Any]])
        let output = try ItemBankReader(layout: ItemBankLayout(preset: .click))
            .read(fileAt: clickFile(name), context: context(name, subject: "bank", language: "ko"))
        #expect(output.items.count == records.count)
        #expect(output.notes.isEmpty)
        let multiLine = records.filter { ($0["question"] as? String)?.contains("\n") == true }.count
        #expect(multiLine > 0 && output.items.filter { $0.question.contains("\n") }.count == multiLine)
        for (record, item) in zip(records, output.items) {
            #expect(Array(item.question.utf8) == Array((record["question"] as! String).utf8))
            #expect(item.choices == record["choices"] as! [String])
            // CLIcK gives the answer as the choice's text.
            #expect(item.answerText == record["answer"] as? String)
            #expect(item.source.element == record["id"] as? String)
            #expect(item.source.kind == "item_bank")
            #expect(item.subject == "bank" && item.language == "ko" && item.task == .commonKnowledge)
        }
        #expect(Set(output.items.map(\.id)).count == records.count)
    }

    @Test func numbersTooLargeForIntAreReadAsTextNotTrapped() throws {
        let json = #"[{"id": "1", "paragraph": "", "question": "q", "choices": [1e300, 2, 2.5, -1e19], "answer": 2}]"#
        let output = try read(json, ItemBankLayout(preset: .click), file: "big.json")
        #expect(output.items.first?.choices == ["1e+300", "2", "2.5", "-1e+19"])
        #expect(ItemBankReader.numberText(3) == "3" && ItemBankReader.numberText(-9e18) == "-9e+18")
    }

    @Test func korNATColumnsWithAMultiLineQuestionAndAnEmptyFifthChoice() throws {
        let items = try read(.kornat, "kornat.csv").items
        #expect(items.map(\.question) == ["다음 중 갑오개혁의 내용으로 옳은 것은?\n(단, 1894년 기준)", "지구의 자전 주기는 약 \"몇 시간\"인가?"])
        #expect(items.map(\.choices.count) == [4, 5])
        #expect(items.map(\.answer) == ["A", "B"])
        #expect(items.map(\.subject) == ["한국사", "과학"])
        #expect(items.map(\.topic) == ["근대", "지구과학"])
        // Without an id column, the line the row starts on names it.
        #expect(items.map(\.source.element) == ["line 2", "line 4"])
    }

    @Test func globalMMLUFieldsAndItsCulturalSensitivityLabels() throws {
        let items = try read(.globalMMLU, "global_mmlu.csv", language: "en").items
        #expect(items.map(\.source.element) == ["high_school_geography/test/12", "abstract_algebra/test/1", "anatomy/test/3"])
        #expect(items.map(\.culturalSensitivity) == [.sensitive, .agnostic, .notAnnotated])
        #expect(items[1].choices == ["0", "2", "4", "6"] && items[1].answer == "B")
        #expect(items.map(\.subject) == ["high_school_geography", "abstract_algebra", "anatomy"])
    }

    @Test func otherFieldsAreKeptUnderTheNamesTheMappingGives() throws {
        var layout = ItemBankLayout(preset: .globalMMLU)
        layout.keep = [.init(name: "category", field: "subject_category"), .init(name: "annotated", field: "is_annotated"),
                       .init(name: "reference", field: "reference")]
        let items = try ItemBankReader(layout: layout).read(fileAt: try fixture("global_mmlu.csv"), context: context("global_mmlu.csv")).items
        #expect(items[0].source.fields == [SourceField(name: "category", value: "Social Sciences"), SourceField(name: "annotated", value: "True"),
                                           SourceField(name: "reference", value: "[]")])
        // An empty cell is not kept.
        #expect(items[2].source.fields.map(\.name) == ["category", "annotated"])
        #expect(throws: InputError.self) {
            var missing = layout
            missing.keep.append(.init(name: "x", field: "no_such_column"))
            _ = try ItemBankReader(layout: missing).read(fileAt: try fixture("global_mmlu.csv"), context: context("global_mmlu.csv"))
        }
    }

    @Test func headerlessMMLUAndOneBasedKMMLU() throws {
        let mmlu = try read(.mmlu, "mmlu_test.csv", subject: "abstract_algebra", language: "en").items
        #expect(mmlu.count == 2)
        #expect(mmlu[1].question.hasPrefix("Statement 1 | If aH") && mmlu[1].question.contains("\nStatement 2"))
        #expect(mmlu[1].choices == ["True, True", "False, False", "True, False", "False, True"])
        #expect(mmlu.map(\.answer) == ["B", "B"] && mmlu[0].subject == "abstract_algebra")
        let kmmlu = try read(.kmmlu, "kmmlu.csv").items
        #expect(kmmlu.map(\.answer) == ["C", "B"])
        #expect(kmmlu.map(\.subject) == ["Taxation", "Law"])
    }

    @Test func aReleaseCanBeReadBack() throws {
        let items = try read(.release, "release.jsonl").items
        #expect(items.map(\.source.element) == ["ck-0ce853f33f3ba06e", "ck-1111111111111111"])
        #expect(items.map(\.language) == ["ko", "en"])
        #expect(items.map(\.culturalSensitivity) == [.sensitive, .notAnnotated])
        #expect(items[0].country == "KR" && items[1].grade == "9" && items[1].topic == "capitals")
        #expect(items[0].question.contains("\n"))
    }

    @Test func jsonArraysObjectsOfArraysColumnsAndTSV() throws {
        let layout = ItemBankLayout(id: "id", question: "q", choices: .list("c"), answer: "a", answerFormat: .index0)
        let array = #"[{"id": "x/1", "q": "Q1", "c": ["a", "b"], "a": 1}]"#
        let bySplit = #"{"test": [{"id": "x/1", "q": "Q1", "c": ["a", "b"], "a": 1}], "dev": [{"id": 7, "q": "Q0", "c": ["a", "b"], "a": 0}]}"#
        let columns = #"{"id": ["x/1", "x/2"], "q": ["Q1", "Q2"], "c": [["a", "b"], ["c", "d"]], "a": [1, 0]}"#
        #expect(try read(array, layout, file: "bank.json").items.map(\.answer) == ["B"])
        // Arrays in key order: dev, then test; a numeric id is text.
        #expect(try read(bySplit, layout, file: "bank.json").items.map(\.source.element) == ["7", "x/1"])
        #expect(try read(columns, layout, file: "bank.json").items.map(\.choices) == [["a", "b"], ["c", "d"]])
        let tsv = "id\tq\tA\tB\tanswer\nk,1\tSay \"hi\", twice\tyes\tno\tb\n"
        let tsvLayout = ItemBankLayout(id: "id", question: "q", choices: .columns(["A", "B"]), answer: "answer")
        let item = try #require(try read(tsv, tsvLayout, file: "bank.tsv").items.first)
        #expect(item.question == "Say \"hi\", twice" && item.source.element == "k,1" && item.answer == "B")
    }

    @Test func aRepeatedIdIsReportedWithBothPlacesAndBothItemsKept() throws {
        let text = "id,q,A,B,answer\nk1,Same question,x,y,A\nk2,Other,x,y,B\nk1,Same question,x,y,A\n"
        let layout = ItemBankLayout(id: "id", question: "q", choices: .columns(["A", "B"]), answer: "answer")
        let output = try read(text, layout, file: "bank.csv")
        #expect(output.items.count == 3 && Set(output.items.map(\.id)).count == 3)
        #expect(output.items.map(\.source.element) == ["k1", "k2", "k1"])
        #expect(output.notes == ["bank.csv: id 'k1' at line 4 repeats line 2; both are kept"])
    }

    @Test func everyMalformedRowIsReportedWithItsLineFieldAndWhatWasExpected() throws {
        let layout = ItemBankLayout(id: "id", question: "q", choices: .columns(["A", "B", "C"]), answer: "answer")
        let text = """
            id,q,A,B,C,answer
            1,Fine,x,y,z,C
            2,,x,y,z,A
            3,Gap,x,,z,A
            4,Letter,x,y,z,F
            5,One choice,x,,,A

            """
        #expect(messages { try read(text, layout, file: "bank.csv") } == [
            "bank.csv:3: 'q': empty; expected text",
            "bank.csv:4: 'B': empty choice before a later one; choices must be contiguous",
            "bank.csv:5: 'answer': 'F' is not a choice letter; expected one of A–C",
            "bank.csv:6: 'A,B,C': 1 choice; an item needs at least 2",
        ])
        let byText = ItemBankLayout(question: "q", choices: .list("c"), answer: "a", answerFormat: .text)
        let jsonl = """
            {"q": "Q", "c": ["a", "b"], "a": "c"}
            {"q": "Q", "c": "a, b", "a": "a"}
            {"q": 3.5, "c": ["a", "b"], "a": "a"}
            not json
            {"q": ["x"], "c": ["a", "a"], "a": "a"}

            """
        #expect(messages { try read(jsonl, byText, file: "bank.jsonl") } == [
            "bank.jsonl:4:1: not JSON: unexpected text",
        ])
        let parsedLines = jsonl.split(separator: "\n").filter { $0 != "not json" }.joined(separator: "\n")
        #expect(messages { try read(parsedLines, byText, file: "bank.jsonl") } == [
            "bank.jsonl:1: 'a': 'c' is not the text of any choice",
            "bank.jsonl:2: 'c': expected a list of choices (a JSON array of text)",
            "bank.jsonl:4: 'q': expected text, found a list",
            "bank.jsonl:4: 'a': 'a' is the text of 2 choices",
        ])
        let indexed = ItemBankLayout(question: "q", choices: .list("c"), answer: "a", answerFormat: .index1)
        #expect(messages { try read(#"[{"q": "Q", "c": ["a", "b"], "a": 3}, 5]"#, indexed, file: "bank.json") } == [
            "bank.json: 'record 2': expected a JSON object, found a number",
        ])
        #expect(messages { try read(#"[{"q": "Q", "c": ["a", "b"], "a": 3}]"#, indexed, file: "bank.json") } == [
            "bank.json: 'record 1/a': '3' is not a choice number; expected 1 to 2",
        ])
        #expect(messages { try read("[{\"q\": \"Q\",\n \"c\": [\"a\" \"b\"]}]", indexed, file: "bank.json") } == [
            "bank.json:2: not JSON: expected ',' or ']'",
        ])
        #expect(messages { try read("question,answer\nQ,A\n", layout, file: "bank.csv") }.first?.contains("missing column") == true)
        #expect(messages { try read("x", layout, file: "bank.txt") } == [
            "bank.txt: 'format': cannot tell the item bank's format from its name; give format: csv, tsv, json or jsonl",
        ])
    }
}
