import Foundation
import Testing
import DatasetCore
@testable import Release

@Suite struct ReleaseExportsTests {
    func items() -> [String: [Item]] {
        var korean = sampleItem("ck-1")
        korean.question = "첫 줄,\n\"둘째\" 줄"
        korean.culturalSensitivity = .sensitive
        korean.requiredKnowledge = ["cultural"]
        korean.timeSensitive = false
        korean.country = "KR"
        var english = sampleItem("ck-2")
        english.language = "en-US"
        var five = sampleItem("ck-3")
        five.choices.append("마")
        var six = sampleItem("ck-4")
        six.choices += ["마", "바"]
        var social = sampleItem("sv-1", task: .socialValue)
        social.country = "KR"
        social.choices = ["It's", "\"no\"", "a\u{200B}b"]
        social.answer = "A"
        social.survey = SurveyResult(distribution: [0.5, 0.25, 0.25], distributionWithNonresponse: [0.5, 0.25, 0.25], nonresponseOptions: [],
                                     distribution3: nil, scale3: nil, n: 100, nEffective: 90, marginOfError: 0.1, contested: false,
                                     weighting: "unweighted")
        return ["dev": [korean], "test": [english, five, six, social]]
    }

    func file(_ files: [ReleaseExports.File], _ path: String) throws -> String {
        String(decoding: try #require(files.first { $0.path == path }).data, as: UTF8.self)
    }

    @Test func globalMMLUHasAConfigPerLanguageWithItsFieldsAndSaysWhatIsLeftOut() throws {
        let files = ReleaseExports.files([.globalMMLU], splits: items(), name: "bench")
        #expect(files.map(\.path) == ["exports/global_mmlu/en/test.jsonl", "exports/global_mmlu/ko/dev.jsonl", "exports/global_mmlu/README.md"])
        let row = try #require(try JSONSerialization.jsonObject(with: Data(try file(files, "exports/global_mmlu/ko/dev.jsonl").utf8)) as? [String: Any])
        #expect(Set(row.keys) == Set(ReleaseExports.globalMMLUColumns))
        #expect(row["option_a"] as? String == "가" && row["answer"] as? String == "A" && row["sample_id"] as? String == "ck-1")
        #expect(row["cultural_sensitivity_label"] as? String == "CS" && row["is_annotated"] as? Bool == true)
        #expect(row["required_knowledge"] as? String == "['cultural']" && row["time_sensitive"] as? String == "['No']")
        let card = try file(files, "exports/global_mmlu/README.md")
        #expect(card.contains("- config_name: en\n  data_files:\n  - split: test\n    path: en/test.jsonl\n- config_name: ko\n"))
        #expect(card.contains("2 common-knowledge items are left out: they do not have four choices."))
    }

    @Test func korNATCSVQuotesWhatNeedsQuotingAndCarriesTheDistribution() throws {
        let files = ReleaseExports.files([.kornat], splits: items(), name: "bench")
        #expect(files.map(\.path) == ["exports/kornat/social_value_test.csv", "exports/kornat/common_knowledge_dev.csv",
                                      "exports/kornat/common_knowledge_test.csv", "exports/kornat/README.md"])
        let dev = try file(files, "exports/kornat/common_knowledge_dev.csv")
        #expect(dev == "Category,SubCategory,Question,A,B,C,D,E,Answer\r\ns,,\"첫 줄,\n\"\"둘째\"\" 줄\",가,나,다,라,,A\r\n")
        let social = try file(files, "exports/kornat/social_value_test.csv")
        #expect(social.hasSuffix("\"\"\"no\"\"\",a\u{200B}b,,,A,0.5,0.25,0.25,,,100,0.1\r\n"))
        #expect(try file(files, "exports/kornat/README.md").contains("1 items are left out: they have more than five choices."))
    }

    @Test func globalOpinionQAWritesPythonLiteralsAsItsFilesDo() throws {
        let files = ReleaseExports.files([.globalOpinionQA], splits: items(), name: "bench")
        let row = try #require(try JSONSerialization.jsonObject(with: Data(try file(files, "exports/global_opinion_qa/test.jsonl").utf8)) as? [String: Any])
        #expect(row["options"] as? String == #"["It's", '"no"', 'a\u200bb']"#)
        #expect(row["selections"] as? String == "defaultdict(<class 'list'>, {'KR': [0.5, 0.25, 0.25]})")
    }

    @Test(arguments: [("plain", "'plain'"), ("it's", "\"it's\""), ("it's \"x\"", #"'it\'s "x"'"#), ("a\\b", #"'a\\b'"#),
                      ("줄\n바꿈\t", #"'줄\n바꿈\t'"#), ("\u{7}\u{A0}\u{1F600}", #"'\x07\xa0😀'"#)])
    func pythonStringLiterals(value: String, literal: String) {
        #expect(PythonLiteral.string(value) == literal)
    }

    @Test func inspectSamplesUseInspectsFieldNames() throws {
        let files = ReleaseExports.files([.inspect], splits: items(), name: "bench")
        #expect(files.map(\.path) == ["exports/inspect/social_value_test.jsonl", "exports/inspect/common_knowledge_dev.jsonl",
                                      "exports/inspect/common_knowledge_test.jsonl", "exports/inspect/README.md"])
        let sample = try #require(try JSONSerialization.jsonObject(with: Data(try file(files, "exports/inspect/social_value_test.jsonl").utf8)) as? [String: Any])
        #expect(Set(sample.keys) == ["id", "input", "choices", "target", "metadata"])
        #expect((sample["metadata"] as? [String: Any])?["distribution"] as? [Double] == [0.5, 0.25, 0.25])
    }

    @Test func jsonExportLinesAreWhatJSONSerializationWritesOfThemWithSortedKeys() throws {
        let files = ReleaseExports.files([.globalMMLU, .globalOpinionQA, .inspect], splits: items(), name: "bench")
        var lines = 0
        for export in files where export.path.hasSuffix(".jsonl") {
            for line in String(decoding: export.data, as: UTF8.self).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
                let again = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                #expect(String(decoding: again, as: UTF8.self) == String(line), "\(export.path)")
                lines += 1
            }
        }
        #expect(lines == 2 + 1 + 5)
    }

    @Test func anExportOfManyChunksIsWrittenInOrderAndHashedAsWritten() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let count = 2 * ReleaseWriter.writeChunk + 5_000
        let items = (0..<count).map { sampleItem(String(format: "ck-%016x", $0)) }
        let files = ReleaseExports.files([.inspect, .kornat], splits: ["test": items], name: "bench")
        for file in files where file.count > 0 {
            #expect(file.count == count)
            let document = try ReleaseWriter.writeExport(file, in: root)
            let written = try Data(contentsOf: root.appendingPathComponent(file.path))
            // Compared by hash: a failed `==` of megabytes would have the test library diff them.
            #expect(Hashing.sha256Hex(written) == Hashing.sha256Hex(file.data), "\(file.path)")
            #expect(document.bytes == written.count && document.sha256 == Hashing.sha256Hex(written))
            let rows = String(decoding: written, as: UTF8.self).split(whereSeparator: \.isNewline)
            #expect(rows.count == count + (file.path.hasSuffix(".csv") ? 1 : 0))
            #expect(rows.last!.contains("질문 ck-\(String(format: "%016x", count - 1))"))
        }
    }

    @Test func exportsAreDocumentsOfTheCandidateThatVerifyChecks() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var withExports = metadata
        withExports.exports = [.inspect, .kornat]
        let manifest = try ReleaseWriter.writeCandidate(splits: items(), metadata: withExports, to: root)
        #expect(manifest.documents.map(\.path).filter { $0.hasPrefix("exports/") }.count == 8)
        #expect(try ReleaseWriter.verify(root).isEmpty)
        try Data("{}\n".utf8).write(to: root.appendingPathComponent("exports/inspect/social_value_test.jsonl"))
        #expect(try ReleaseWriter.verify(root).map { $0.components(separatedBy: ":").first! } == [
            "exports/inspect/social_value_test.jsonl", "exports/inspect/social_value_test.jsonl",
        ])
    }
}

extension ReleaseExports.File {
    /// The whole file at once, as the release writes it a chunk at a time.
    var data: Data {
        var data = Data(text.utf8)
        if count > 0 { data.append(contentsOf: records(0..<count)) }
        return data
    }
}
