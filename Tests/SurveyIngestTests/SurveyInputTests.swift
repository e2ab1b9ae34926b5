import Foundation
import Testing
import DatasetCore
@testable import SurveyIngest

@Suite struct SurveyInputTests {
    @Test func readsTheQuestionnaire() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire])
        defer { files.remove() }
        let questionnaire = try files.questionnaire()
        #expect(questionnaire.dimensions == ["gender"])
        #expect(questionnaire.questions.map(\.id) == ["Q1", "Q2"])
        #expect(questionnaire.questions[0].scale.options.map(\.code) == ["1", "2", "3"])
        #expect(questionnaire.questions[0].scale.nonresponse.map(\.code) == ["9"])
        #expect(questionnaire.questions[0].texts["en"] == "The first question.")
    }

    @Test func questionnaireProblemsAreAllReportedWithLines() throws {
        let text = """
        survey: test
        dimensions: [gender]
        scales:
          s:
            options:
              - {code: "1", ko: 가}
              - {code: "1", ko: 나}
            collapse:
              - {codes: ["7"], ko: x}
        questions:
          - id: Q1
            scale: nope
            text: {ko: 질문}
          - id: Q1
            scale: s
            txt: {ko: 질문}
        """
        let files = try SurveyFiles(["q.yaml": text])
        defer { files.remove() }
        do {
            _ = try files.questionnaire()
            Issue.record("expected errors")
        } catch let error as InputErrors {
            let messages = error.errors.map(\.description).joined(separator: "\n")
            #expect(messages.contains("repeats an option code"))
            #expect(messages.contains("collapse names '7'"))
            #expect(messages.contains("q.yaml:12:12: 'questions[0].scale': unknown scale 'nope'"))
            #expect(messages.contains("'questions[1].txt': unknown key (did you mean 'text'?)"))
            #expect(messages.contains("question id 'Q1' appears twice"))
        }
    }

    @Test func eachMalformedTallyRowIsReportedWithLineAndField() throws {
        let tallies = """
        question,gender,option,count
        Q1,m,1,-3
        Q1,m,2,lots
        Q1,m,7,5
        Q9,m,1,5
        Q1,,3,4
        Q1,m,3
        Q1,f,1,2
        Q1,f,1,2
        """
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": tallies])
        defer { files.remove() }
        let questionnaire = try files.questionnaire()
        do {
            _ = try Tallies.load(files.url("t.csv"), displayName: "t.csv", questionnaire: questionnaire)
            Issue.record("expected errors")
        } catch let error as InputError {
            // A ragged row stops the file before its values are read.
            #expect(error == InputError(file: "t.csv", line: 7, "row has 3 fields, the header has 4"))
        }
        let fixed = tallies.replacingOccurrences(of: "Q1,m,3\n", with: "")
        let fixedFiles = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": fixed])
        defer { fixedFiles.remove() }
        do {
            _ = try Tallies.load(fixedFiles.url("t.csv"), displayName: "t.csv", questionnaire: questionnaire)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            let found = error.errors.map { "\($0.location.line!) \($0.location.field!)" }
            #expect(found == ["2 count", "3 count", "4 option", "5 question", "6 gender", "8 option"])
            #expect(error.errors[3].message.contains("not in the questionnaire"))
            #expect(error.errors[5].message.contains("already appear on line 7"))
        }
    }

    @Test func aByteOrderMarkIsAccepted() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": "\u{FEFF}" + agree3Tallies])
        defer { files.remove() }
        let tallies = try Tallies.load(files.url("t.csv"), displayName: "t.csv", questionnaire: try files.questionnaire())
        #expect(tallies.cells["Q1"]?[["m"]]?["2"] == Tally(count: 20))
    }

    @Test func sharesThatDoNotSumToOneAreAnError() throws {
        let files = try SurveyFiles(["m.csv": "dimension,level,share\ngender,m,0.5\ngender,f,0.4\nage,young,1\n"])
        defer { files.remove() }
        #expect(throws: InputError(file: "m.csv", line: 2, field: "share", "shares of 'gender' sum to 0.9, not 1")) {
            try PopulationMargins.load(files.url("m.csv"), displayName: "m.csv")
        }
    }
}
