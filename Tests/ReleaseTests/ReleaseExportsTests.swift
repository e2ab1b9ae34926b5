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

    func file(_ files: [(path: String, data: Data)], _ path: String) throws -> String {
        String(decoding: try #require(files.first { $0.path == path }).data, as: UTF8.self)
    }

    @Test func globalMMLUHasAConfigPerLanguageWithItsFieldsAndSaysWhatIsLeftOut() throws {
        let files = try ReleaseExports.files([.globalMMLU], splits: items(), name: "bench")
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
        let files = try ReleaseExports.files([.kornat], splits: items(), name: "bench")
        #expect(files.map(\.path) == ["exports/kornat/social_value_test.csv", "exports/kornat/common_knowledge_dev.csv",
                                      "exports/kornat/common_knowledge_test.csv", "exports/kornat/README.md"])
        let dev = try file(files, "exports/kornat/common_knowledge_dev.csv")
        #expect(dev == "Category,SubCategory,Question,A,B,C,D,E,Answer\r\ns,,\"첫 줄,\n\"\"둘째\"\" 줄\",가,나,다,라,,A\r\n")
        let social = try file(files, "exports/kornat/social_value_test.csv")
        #expect(social.hasSuffix("\"\"\"no\"\"\",a\u{200B}b,,,A,0.5,0.25,0.25,,,100,0.1\r\n"))
        #expect(try file(files, "exports/kornat/README.md").contains("1 items are left out: they have more than five choices."))
    }

    @Test func globalOpinionQAWritesPythonLiteralsAsItsFilesDo() throws {
        let files = try ReleaseExports.files([.globalOpinionQA], splits: items(), name: "bench")
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
        let files = try ReleaseExports.files([.inspect], splits: items(), name: "bench")
        #expect(files.map(\.path) == ["exports/inspect/social_value_test.jsonl", "exports/inspect/common_knowledge_dev.jsonl",
                                      "exports/inspect/common_knowledge_test.jsonl", "exports/inspect/README.md"])
        let sample = try #require(try JSONSerialization.jsonObject(with: Data(try file(files, "exports/inspect/social_value_test.jsonl").utf8)) as? [String: Any])
        #expect(Set(sample.keys) == ["id", "input", "choices", "target", "metadata"])
        #expect((sample["metadata"] as? [String: Any])?["distribution"] as? [Double] == [0.5, 0.25, 0.25])
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
