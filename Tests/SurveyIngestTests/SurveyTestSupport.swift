import Foundation
import DatasetCore
@testable import SurveyIngest

/// A temporary folder of survey files for one test.
struct SurveyFiles {
    let directory: URL

    init(_ files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("survey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func questionnaire() throws -> Questionnaire {
        try Questionnaire.load(url("q.yaml"), displayName: "q.yaml")
    }

    func source(settings: SurveySettings = SurveySettings(), margins: Bool = true) throws -> SurveySource {
        let questionnaire = try questionnaire()
        return SurveySource(
            sourceID: "sv", data: try Tallies.load(url("t.csv"), displayName: "t.csv", questionnaire: questionnaire),
            margins: margins ? try PopulationMargins.load(url("m.csv"), displayName: "m.csv") : nil,
            language: "ko", subject: "values", license: "CC-BY-4.0", revision: "r", settings: settings)
    }
}

let agree3Questionnaire = """
survey: test
country: KR
dimensions: [gender]
scales:
  agree3:
    options:
      - {code: "1", ko: 반대, en: Disagree}
      - {code: "2", ko: 중립, en: Neutral}
      - {code: "3", ko: 찬성, en: Agree}
    nonresponse:
      - {code: "9", ko: 모름, en: Don't know}
questions:
  - id: Q1
    topic: family
    scale: agree3
    text: {ko: 첫 번째 질문이다., en: The first question.}
  - id: Q2
    scale: agree3
    text: {ko: 두 번째 질문이다.}
"""

let agree3Tallies = """
question,gender,option,count
Q1,m,1,10
Q1,m,2,20
Q1,m,3,30
Q1,f,1,30
Q1,f,2,10
Q1,f,3,0
Q1,f,9,20
"""
