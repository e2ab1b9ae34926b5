import Foundation
import Testing
import DatasetCore
@testable import Pipeline
import Sampling
import TextbookIngest
import Dedup

func parseSpec(_ yaml: String, project: URL? = nil) throws -> PipelineSpec {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString).yaml")
    try Data(yaml.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try PipelineSpec.load(url, displayName: "p.yaml", projectDirectory: project)
}

let minimalSpec = """
name: mini
seed: 7
sources:
  - id: items
    kind: authored
    path: raw/items.xml
    subject: history
    language: ko
release:
  name: mini-bench
  license: CC-BY-4.0
"""

@Suite struct PipelineSpecTests {
    @Test func parsesAMinimalPipelineWithDefaults() throws {
        let spec = try parseSpec(minimalSpec)
        #expect(spec.name == "mini")
        #expect(spec.seed == 7)
        #expect(spec.sources.map(\.id) == ["items"])
        #expect(spec.sources[0].files == ["path": "raw/items.xml"])
        #expect(spec.splits == SplitAssigner.defaultSplits)
        #expect(spec.sampling.quotas == .all)
        #expect(spec.validation[.commonKnowledge]?.minChoices == 4)
        #expect(spec.releaseName == "mini-bench")
    }

    @Test func everyProblemIsReportedWithFileLineAndKey() throws {
        let yaml = """
        name: mini
        seed: seven
        sources:
          - id: items
            kind: authored
            pth: raw/items.xml
            subject: history
            language: ko
          - id: survey
            kind: poll
            subject: values
            language: ko
        stages:
          validate:
            common_knowledge: {choices: {min: 5, max: 3}}
          sampel: {}
        release:
          name: mini bench
          license: CC-BY-4.0
        """
        do {
            _ = try parseSpec(yaml)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            let lines = error.errors.map(\.description)
            #expect(lines.contains("p.yaml:2:7: 'seed': wrong type: expected a whole number, found the text \"seven\""))
            #expect(lines.contains("p.yaml:6: 'sources[0].pth': unknown key (did you mean 'path'?)"))
            #expect(lines.contains("p.yaml:4:5: 'sources[0].path': missing required key"))
            #expect(lines.contains { $0.hasPrefix("p.yaml:10:11: 'sources[1].kind': unknown source kind 'poll'") })
            #expect(lines.contains("p.yaml:15:33: 'stages.validate.common_knowledge.choices': min is above max"))
            #expect(lines.contains("p.yaml:16: 'stages.sampel': unknown key (did you mean 'sample'?)"))
            #expect(lines.contains { $0.hasPrefix("p.yaml:18:9: 'release.name': release name 'mini bench' must be") })
            #expect(error.errors.count == 7)
        }
    }

    @Test func missingFilesAreNamedWithTheirKey() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("project-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("raw/items.xml"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        #expect(throws: InputError(file: "p.yaml", line: 6, column: 11, field: "sources[0].path", "'raw/items.xml' is a directory, not a file")) {
            try parseSpec(minimalSpec, project: project)
        }
        try FileManager.default.removeItem(at: project.appendingPathComponent("raw/items.xml"))
        #expect(throws: InputError(file: "p.yaml", line: 6, column: 11, field: "sources[0].path", "file 'raw/items.xml' does not exist")) {
            try parseSpec(minimalSpec, project: project)
        }
    }

    @Test func aSharesSourceNeedsItsSharesFileAndTakesNoMargins() throws {
        let shares = minimalSpec.replacingOccurrences(of: """
          - id: items
            kind: authored
            path: raw/items.xml
        """, with: """
          - id: topline
            kind: survey
            format: shares
            questionnaire: raw/q.yaml
            shares: raw/shares.csv
        """)
        let spec = try parseSpec(shares)
        #expect(spec.sources[0].format == .shares && spec.sources[0].files == ["questionnaire": "raw/q.yaml", "shares": "raw/shares.csv"])
        let withMargins = shares.replacingOccurrences(of: "    shares: raw/shares.csv\n", with: "    shares: raw/shares.csv\n    margins: raw/m.csv\n")
        #expect(withMargins != shares)
        #expect(throws: InputError(file: "p.yaml", line: 9, column: 14, field: "sources[0].margins", "'margins' does not apply to a shares survey source")) {
            try parseSpec(withMargins)
        }
    }

    @Test func aFileOutsideTheProjectIsRefusedWithItsKey() throws {
        for path in ["/etc/passwd", "../elsewhere/items.xml", "raw/../../items.xml", "~/items.xml"] {
            let yaml = minimalSpec.replacingOccurrences(of: "path: raw/items.xml", with: "path: \(path)")
            #expect(throws: InputError(file: "p.yaml", line: 6, column: 11, field: "sources[0].path",
                                       "'\(path)' is not a path inside the project (give it relative to the project folder, without '..')")) {
                try parseSpec(yaml)
            }
        }
        // A name that merely contains two dots is fine.
        #expect(try parseSpec(minimalSpec.replacingOccurrences(of: "path: raw/items.xml", with: "path: raw/items..v2.xml")).sources[0].files["path"] == "raw/items..v2.xml")
    }

    @Test func aRoundTakesGuidelinesFromAFileAndLabelsTheirNamesForReviewers() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("project-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("raw"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        try Data("<items/>".utf8).write(to: project.appendingPathComponent("raw/items.xml"))
        try Data("# 확인\n정답이 하나인지 본다.\n".utf8).write(to: project.appendingPathComponent("raw/check.md"))
        func spec(_ round: String) -> String {
            minimalSpec.replacingOccurrences(of: "release:\n", with: "stages:\n  review:\n    rounds:\n\(round)release:\n")
        }
        let parsed = try parseSpec(spec("""
              - name: check
                guidelines_file: raw/check.md
                labels:
                  - {name: difficulty, title: Difficulty, description: How hard for a 15-year-old, ordinal: true,
                     values: [{value: easy, title: 쉬움, description: most get it}, medium, {value: hard, title: 어려움}]}

        """), project: project)
        let round = try #require(parsed.review.rounds.first)
        #expect(round.guidelines == "# 확인\n정답이 하나인지 본다.\n")
        let label = try #require(round.label("difficulty"))
        #expect(label.values == ["easy", "medium", "hard"] && label.displayTitle == "Difficulty")
        #expect(["easy", "medium", "hard"].map(label.displayTitle(of:)) == ["쉬움", "medium", "어려움"])
        #expect(label.valueDescriptions == ["easy": "most get it"])
        #expect(throws: InputError(file: "p.yaml", line: 13, column: 26, field: "stages.review.rounds[0].guidelines_file", "file 'raw/gone.md' does not exist")) {
            try parseSpec(spec("      - name: check\n        guidelines_file: raw/gone.md\n"), project: project)
        }
    }

    @Test func dedupSettingsAreCheckedWithTheirKeys() throws {
        let yaml = minimalSpec.replacingOccurrences(of: "release:\n", with: """
            stages:
              dedup:
                near_duplicates: {ngram: 0, threshold: 1.5, permutaions: 64}
                contamination:
                  action: delete
                  references:
                    - {name: b, path: raw/b.txt, question: q}
                    - {name: b, path: raw/c.json, id: qid}
            release:

            """)
        do {
            _ = try parseSpec(yaml)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            let lines = error.errors.map(\.description)
            #expect(lines.contains { $0.hasPrefix("p.yaml:11: 'stages.dedup.near_duplicates.permutaions': unknown key (did you mean 'permutations'?)") })
            #expect(lines.contains { $0.hasPrefix("p.yaml:13:15: 'stages.dedup.contamination.action': action must be drop or flag") })
            #expect(lines.contains { $0.contains("'stages.dedup.contamination.references[0].path': a reference benchmark must be") })
            #expect(lines.contains("p.yaml:16:11: 'stages.dedup.contamination.references[1]': reference 'b' is named twice"))
            #expect(lines.contains("p.yaml:11:30: 'stages.dedup.near_duplicates.ngram': ngram must be between 1 and 32"))
            #expect(lines.contains("p.yaml:11:44: 'stages.dedup.near_duplicates.threshold': threshold must be above 0 and below 1"))
            #expect(lines.count == 6)
        }
    }

    @Test func surveySettingsAreCheckedByKindAndRange() throws {
        let yaml = minimalSpec.replacingOccurrences(of: "    language: ko\n", with: "    language: ko\n    survey: {min_n: 10}\n")
        #expect(throws: InputError.self) { try parseSpec(yaml) }
        let survey = """
        name: s
        seed: 1
        sources:
          - {id: v, kind: survey, questionnaire: q.yaml, tallies: t.csv, subject: values, language: ko,
             survey: {confidence: 1.5, weighting: magic, min_n: 50}}
        release: {name: s, license: CC0-1.0}
        """
        do {
            _ = try parseSpec(survey)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.location.field) == ["sources[0].survey.weighting", "sources[0].survey.confidence"])
        }
    }

    @Test func itemBankSourcesTakeAPresetAndAMappingThatOverridesIt() throws {
        let yaml = """
        name: b
        seed: 1
        sources:
          - {id: click, kind: item_bank, preset: click, path: raw/click.json, subject: history, language: ko}
          - {id: sheet, kind: item_bank, path: raw/sheet.txt, format: tsv, subject: science, language: ko,
             mapping: {question: Stem, choices: [A, B, C, D], answer: Key, answer_format: index1, id: No, topic: Unit,
                       keep: {exam_year: Year, url: Link}}}
          - {id: kmmlu, kind: item_bank, preset: kmmlu, path: raw/kmmlu.csv, subject: law, language: ko, mapping: {subject: Field}}
        release: {name: b, license: CC0-1.0}
        """
        let spec = try parseSpec(yaml)
        #expect(spec.sources.map(\.kind) == [.itemBank, .itemBank, .itemBank])
        #expect(spec.sources[0].layout == ItemBankLayout(preset: .click))
        let sheet = try #require(spec.sources[1].layout)
        #expect(sheet.format == .tsv && sheet.question == "Stem" && sheet.choices == .columns(["A", "B", "C", "D"]))
        #expect(sheet.answer == "Key" && sheet.answerFormat == .index1 && sheet.id == "No" && sheet.topic == "Unit")
        #expect(sheet.keep == [.init(name: "exam_year", field: "Year"), .init(name: "url", field: "Link")])
        #expect(spec.sources[2].layout?.subject == "Field" && spec.sources[2].layout?.answerFormat == .index1)

        let wrong = """
        name: b
        seed: 1
        sources:
          - {id: a, kind: item_bank, preset: gsm8k, path: raw/a.csv, subject: s, language: ko}
          - {id: b, kind: item_bank, path: raw/b.csv, subject: s, language: ko}
          - {id: c, kind: item_bank, path: raw/c.csv, subject: s, language: ko, mapping: {question: q, choices: c, answer: a, answer_format: roman, stem: q}}
          - {id: d, kind: authored, path: raw/d.xml, subject: s, language: ko, preset: click}
        release: {name: b, license: CC0-1.0}
        """
        do {
            _ = try parseSpec(wrong)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            let messages = error.errors.map(\.description)
            #expect(messages.contains { $0.contains("unknown item bank preset 'gsm8k' (one of: click, kornat, global_mmlu, mmlu, kmmlu, release)") })
            #expect(messages.contains { $0.contains("an item_bank source needs a preset") })
            #expect(messages.contains { $0.contains("unknown answer_format 'roman'") })
            #expect(messages.contains { $0.contains("stem") })
            #expect(messages.contains { $0.contains("'preset' applies to item_bank and translation sources only") })
        }
    }

    @Test func releaseExportsAreNamedInTheReleaseStage() throws {
        let yaml = minimalSpec.replacingOccurrences(of: "release:\n", with: "stages:\n  release:\n    exports: [global_mmlu, inspect]\nrelease:\n")
        #expect(try parseSpec(yaml).exports == [.globalMMLU, .inspect])
        let wrong = yaml.replacingOccurrences(of: "inspect]", with: "helm]")
        #expect(throws: InputError(file: "p.yaml", line: 11, column: 28, field: "stages.release.exports[1]", "unknown export 'helm' (one of: global_mmlu, kornat, global_opinion_qa, inspect)")) {
            try parseSpec(wrong)
        }
    }

    @Test func dedupIsSetPerTaskAndTheKeepRuleTakesTheCuratorsSourcePriority() throws {
        #expect(try parseSpec(minimalSpec).nearDuplicateActions == [.socialValue: .report, .commonKnowledge: .drop])
        let yaml = minimalSpec.replacingOccurrences(of: "release:\n", with: """
            stages:
              dedup:
                social_value: {near_duplicates: off}
                common_knowledge: {near_duplicates: report}
                prefer_sources: [items]
            release:

            """)
        let spec = try parseSpec(yaml)
        #expect(spec.nearDuplicateActions == [.socialValue: .off, .commonKnowledge: .report])
        #expect(spec.preferSources == ["items"])
        let off = minimalSpec.replacingOccurrences(of: "release:\n", with: "stages:\n  dedup:\n    near_duplicates: false\nrelease:\n")
        #expect(try parseSpec(off).nearDuplicateActions == [.socialValue: .off, .commonKnowledge: .off])
        let wrong = yaml.replacingOccurrences(of: "near_duplicates: off}", with: "near_duplicates: merge}")
            .replacingOccurrences(of: "[items]", with: "[textbook]")
        do {
            _ = try parseSpec(wrong)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.message) == ["near_duplicates must be drop, report or off",
                                                     "prefer_sources names 'textbook', which is not a source of this pipeline"])
        }
    }
}
