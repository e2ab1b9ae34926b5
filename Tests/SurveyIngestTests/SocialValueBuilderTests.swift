import Foundation
import Testing
import DatasetCore
@testable import SurveyIngest

@Suite struct SocialValueBuilderTests {
    @Test func rakedDistributionNEffectiveAndMarginOfError() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": agree3Tallies,
                                     "m.csv": "dimension,level,count\ngender,m,25\ngender,f,75\n"])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        settings.trimRatio = nil
        let output = try SocialValueBuilder.build(try files.source(settings: settings))
        #expect(output.items.count == 1)
        let item = try #require(output.items.first)
        let survey = try #require(item.survey)
        // Each man weighs 25/60, each woman 75/60 (the cells are raked to 25:75).
        let m = 25.0 / 60, f = 75.0 / 60
        let weighted = [10 * m + 30 * f, 20 * m + 10 * f, 30 * m]
        let substantive = weighted.reduce(0, +)
        for (share, expected) in zip(survey.distribution, weighted.map { $0 / substantive }) {
            #expect(abs(share - expected) < 1e-6)
        }
        let all = weighted + [20 * f]
        for (share, expected) in zip(survey.distributionWithNonresponse, all.map { $0 / all.reduce(0, +) }) {
            #expect(abs(share - expected) < 1e-6)
        }
        #expect(survey.n == 100)
        let nEffective = pow(60 * m + 40 * f, 2) / (60 * m * m + 40 * f * f)
        #expect(abs(survey.nEffective - nEffective) < 1e-6)
        let p = weighted[0] / substantive
        #expect(abs(survey.marginOfError - 1.959963984540054 * (p * (1 - p) / nEffective).squareRoot()) < 1e-6)
        #expect(survey.contested == false)
        #expect(survey.weighting == "raking(gender)")
        #expect(item.answer == "A")
        #expect(item.choices == ["반대", "중립", "찬성"])
        #expect(item.choicesOrdered)
        #expect(item.topic == "family")
        #expect(item.country == "KR")
        #expect(survey.nonresponseOptions == ["모름"])
        // 60 men and 60 women answered (20 of the women "모름"); the population is 25:75, and raking meets it.
        let weighting = try #require(output.weighting.first)
        #expect(weighting.item == item.id && weighting.unweighted == [0.4, 0.3, 0.3])
        #expect(weighting.margins == [.init(dimension: "gender", level: "f", population: 0.75, unweighted: 0.5, weighted: 0.75),
                                      .init(dimension: "gender", level: "m", population: 0.25, unweighted: 0.5, weighted: 0.25)])
        #expect(weighting.largestGap.map { [$0.unweighted, $0.weighted] } == [0.25, 0])
    }

    @Test func aTrimmingCapThatCannotHoldIsSaidOrStopsTheRun() throws {
        // Women are 40 of 100 respondents but 99% of the population: no cap of 1.5 × the mean holds.
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": agree3Tallies,
                                     "m.csv": "dimension,level,count\ngender,m,1\ngender,f,99\n"])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        settings.trimRatio = 1.5
        let survey = try #require(try SocialValueBuilder.build(try files.source(settings: settings)).items.first?.survey)
        #expect(survey.weighting == "raking(gender); trim 1.5× not held")
        settings.trimMustHold = true
        do {
            _ = try SocialValueBuilder.build(try files.source(settings: settings))
            Issue.record("expected the run to stop")
        } catch let error as InputError {
            #expect(error.location.file == "q.yaml" && error.location.field != nil)
            #expect(error.message.contains("the trimming cap of 1.5 × the mean weight cannot hold"))
        }
    }

    @Test func withoutMarginsTheDistributionIsUnweighted() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": agree3Tallies])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        let survey = try #require(try SocialValueBuilder.build(try files.source(settings: settings, margins: false)).items.first?.survey)
        #expect(survey.distribution == [0.4, 0.3, 0.3])
        #expect(survey.weighting == "unweighted")
        #expect(abs(survey.nEffective - 100) < 1e-9)
        let output = try SocialValueBuilder.build(try files.source(settings: settings, margins: false))
        #expect(output.weighting.first?.margins == [] && output.weighting.first?.largestGap == nil, "nothing to compare without margins")
    }

    @Test func aLeadWithinTheMarginIsContested() throws {
        let tallies = "question,gender,option,count\nQ1,m,1,26\nQ1,m,2,24\nQ1,m,3,10\nQ1,f,1,24\nQ1,f,2,26\nQ1,f,3,10\n"
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": tallies])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        let survey = try #require(try SocialValueBuilder.build(try files.source(settings: settings, margins: false)).items.first?.survey)
        #expect(survey.contested)
    }

    @Test func rulesSetQuestionsAsideWithTheirReason() throws {
        let tallies = agree3Tallies + "\nQ2,m,1,3\nQ2,f,2,2\n"
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": tallies,
                                     "m.csv": "dimension,level,count\ngender,m,25\ngender,f,75\n"])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        settings.maxNonresponseShare = 0.2
        let output = try SocialValueBuilder.build(try files.source(settings: settings))
        #expect(output.items.isEmpty)
        #expect(output.dropped.map(\.reason) == ["nonresponse_share", "min_n"])
        #expect(output.dropped[1].detail == "5 substantive answers, fewer than 10")
    }

    @Test func aMarginLevelWithNoRespondentsSetsTheQuestionAside() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": agree3Tallies,
                                     "m.csv": "dimension,level,count\ngender,m,25\ngender,f,70\ngender,x,5\n"])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        let output = try SocialValueBuilder.build(try files.source(settings: settings))
        #expect(output.dropped.first?.reason == "weighting")
        #expect(output.dropped.first?.detail.contains("gender=x") == true)
    }

    @Test func aTallyLevelMissingFromTheMarginsIsAnError() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "t.csv": agree3Tallies,
                                     "m.csv": "dimension,level,count\ngender,m,25\ngender,w,75\n"])
        defer { files.remove() }
        var settings = SurveySettings()
        settings.minN = 10
        #expect(throws: InputError.self) { try SocialValueBuilder.build(try files.source(settings: settings)) }
    }
}
