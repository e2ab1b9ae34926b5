import Foundation
import Testing
import DatasetCore
@testable import SurveyIngest

func fixture(_ path: String) throws -> URL {
    let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(path)
    #expect(FileManager.default.fileExists(atPath: url.path), "missing fixture \(path)")
    return url
}

@Suite struct CensusMappingTests {
    @Test func readsTheKOSISCensusThroughTheMappingWithoutEditingIt() throws {
        let mapping = try CensusMapping.load(try fixture("census-mapping.yaml"), displayName: "mapping.yaml")
        let reading = try mapping.read(try fixture("kr_census2010_province_sex_age5_utf8.csv"), displayName: "census.csv")
        let margins = reading.margins.margins
        #expect(margins["region"] == ["수도권": 17_985_966, "충청·호남": 7_540_246, "영남": 9_718_962, "강원·제주": 1_520_200])
        #expect(margins["age"] == ["20대": 6_594_369, "30대": 7_794_495, "40대": 8_204_781, "50대": 6_564_826, "60세 이상": 7_606_903])
        #expect(margins["gender"] == ["남성": 17_974_239, "여성": 18_791_135])
        // 16 provinces × 14 five-year age rows from 20 - 24세 to 85세이상.
        #expect(reading.rowsUsed == 16 * 14)
        // The national total, the overlapping 읍부/면부/동부 rows and the subtotals are left out, not double-counted.
        #expect(reading.rowsLeftOut["행정구역별=전국"] != nil)
        #expect(reading.rowsLeftOut["행정구역별=읍부"] != nil)
        #expect(reading.rowsLeftOut["연령별=15 - 64세"] != nil)
        #expect(reading.rowsLeftOut["연령별=평균연령"] != nil)
    }

    @Test func aMistypedCensusLabelIsAnErrorNotASilentZero() throws {
        var text = try String(contentsOf: try fixture("census-mapping.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "[강원도, 제주도]", with: "[강원도, 제주특별자치도]")
        let files = try SurveyFiles(["mapping.yaml": text])
        defer { files.remove() }
        let mapping = try CensusMapping.load(files.url("mapping.yaml"), displayName: "mapping.yaml")
        #expect(throws: InputError(file: "mapping.yaml", field: "dimensions.region",
                                   "census label '제주특별자치도' does not occur in column '행정구역별' of census.csv")) {
            try mapping.read(try fixture("kr_census2010_province_sex_age5_utf8.csv"), displayName: "census.csv")
        }
    }

    @Test func countsTooLargeForTheArithmeticAreErrorsNotCrashes() throws {
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire,
                                     "t.csv": agree3Tallies.replacingOccurrences(of: ",10\n", with: ",99999999999999999999\n"),
                                     "m.csv": "dimension,level,count\ngender,m,1e30\ngender,f,75\n"])
        defer { files.remove() }
        #expect(agree3Tallies.contains(",10\n"))
        do {
            _ = try files.source()
            Issue.record("expected errors")
        } catch {
            #expect((error.inputErrors ?? []).map(\.description).contains("t.csv:2: 'count': '99999999999999999999' is larger than any count of people (at most 10^12)"))
        }
        #expect(throws: InputError(file: "m.csv", line: 2, field: "count", "'1e30' is larger than any count of people (at most 10^12)")) {
            _ = try PopulationMargins.load(files.url("m.csv"), displayName: "m.csv")
        }
    }

    @Test func aZeroOrNegativeWeightingTargetIsAnErrorWithItsLine() throws {
        let files = try SurveyFiles(["m.csv": "dimension,level,count\ngender,m,0\ngender,f,-75\nregion,a,abc\n",
                                     "s.csv": "dimension,level,share\ngender,m,0\ngender,f,1\n"])
        defer { files.remove() }
        do {
            _ = try PopulationMargins.load(files.url("m.csv"), displayName: "m.csv")
            Issue.record("expected errors")
        } catch {
            #expect((error.inputErrors ?? []).map(\.description) == [
                "m.csv:2: 'count': count 0 of level 'm' is not above 0; a weighting target must be (leave the level out)",
                "m.csv:3: 'count': count -75 of level 'f' is not above 0; a weighting target must be (leave the level out)",
                "m.csv:4: 'count': count 'abc' is not a number",
            ])
        }
        #expect(throws: InputError(file: "s.csv", line: 2, field: "share", "share 0 of level 'm' is not above 0; a weighting target must be (leave the level out)")) {
            _ = try PopulationMargins.load(files.url("s.csv"), displayName: "s.csv")
        }
        // A census level the mapping names but whose rows count nobody.
        var census = try String(contentsOf: try fixture("kr_census2010_province_sex_age5_utf8.csv"), encoding: .utf8)
        let mapping = try CensusMapping.load(try fixture("census-mapping.yaml"), displayName: "mapping.yaml")
        census = census.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            // Population, men and women (columns 6 to 8) of every 강원도 and 제주도 row set to 0.
            line.contains(",\"강원도\",") || line.contains(",\"제주도\",")
                ? Substring(line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
                    .map { (5...7).contains($0.offset) ? "0" : String($0.element) }.joined(separator: ","))
                : line
        }.joined(separator: "\n")
        try Data(census.utf8).write(to: files.url("census.csv"))
        #expect(throws: InputError(file: "mapping.yaml", field: "dimensions.region",
                                   "level '강원·제주' counts no people in census.csv; a weighting target must be above 0 (leave the level out)")) {
            try mapping.read(files.url("census.csv"), displayName: "census.csv")
        }
    }

    @Test func countsThatAreNotNumbersAreReportedWithTheirLine() throws {
        let census = """
        "title"

        "행정구역별","연령별","인구 (명)","남자 (명)","여자 (명)"
        "서울특별시","20 - 24세",100,50,50
        "서울특별시","25 - 29세",n/a,50,50
        """
        let mapping = """
        count_column: 인구 (명)
        dimensions:
          region: {column: 행정구역별, levels: {수도권: [서울특별시]}}
          age: {column: 연령별, levels: {20대: ["20 - 24세", "25 - 29세"]}}
        """
        let files = try SurveyFiles(["census.csv": census, "mapping.yaml": mapping])
        defer { files.remove() }
        #expect(throws: InputError(file: "census.csv", line: 5, field: "인구 (명)", "'n/a' is not a count")) {
            try CensusMapping.load(files.url("mapping.yaml"), displayName: "mapping.yaml").read(files.url("census.csv"), displayName: "census.csv")
        }
    }

    @Test func marginsWhoseDimensionsDescribeDifferentPopulationsAreAnError() throws {
        let files = try SurveyFiles(["m.csv": "dimension,level,count\nregion,a,600\nregion,b,400\ngender,m,300\ngender,f,300\n"])
        defer { files.remove() }
        #expect(throws: InputError(file: "m.csv", line: 4, field: "count",
                                   "counts of 'gender' sum to 600, but those of 'region' to 1000; margins must describe one population")) {
            try PopulationMargins.load(files.url("m.csv"), displayName: "m.csv")
        }
    }
}

@Suite struct OpinionQATests {
    func read() throws -> SurveyData {
        let folder = "opinionqa_W92"
        return try OpinionQAReader.read(
            info: try fixture("\(folder)/info.csv"), infoName: "info.csv",
            dimensionFiles: try ["SEX", "AGE", "CREGION"].map { ($0, try fixture("\(folder)/\($0)_data.json"), "\($0)_data.json") },
            country: "US")
    }

    @Test func readsWave92WithItsQuirksHandledByVisibleRules() throws {
        let data = try read()
        #expect(data.oneWay.count == 66)
        let houses = try #require(data.questionnaire.question("BIGHOUSES_W92"))
        // MC_options splits these on commas; the options come whole from info.csv.
        #expect(houses.scale.options.map(\.code) == [
            "Larger and farther apart, but schools, stores, and restaurants are several miles away",
            "Smaller and closer to each other, but schools, stores, and restaurants are within walking distance",
        ])
        #expect(houses.scale.nonresponse.map(\.code) == ["Refused"])
        #expect(data.notes.contains { $0.hasPrefix("MC_options split on commas inside options for") && $0.contains("BIGHOUSES_W92") })
        // The scale follows option_ordinal: Better (1) < About the same (1.5) < Worse (2).
        let life = try #require(data.questionnaire.question("LIFEFIFTY_W92"))
        #expect(life.scale.options.map(\.code) == ["Better", "About the same", "Worse"])
        // AGE's "nan" group has no answers and is left out.
        #expect(data.oneWay["POL1JB_W92"]?["AGE"]?.keys.sorted() == ["18-29", "30-49", "50-64", "65+"])
        #expect(data.notes.contains { $0.contains("AGE=nan") })
        #expect(data.oneWay["POL1JB_W92"]?["SEX"]?["Female"]?["Approve"] == Tally(count: 3219))
    }

    @Test func postStratifiesOneDimensionToItsMargin() throws {
        var settings = SurveySettings()
        settings.poststratify = "SEX"
        let margins = PopulationMargins(file: "us.csv", margins: ["SEX": ["Male": 0.49, "Female": 0.51]], lines: [:])
        let source = SurveySource(sourceID: "w92", data: try read(), margins: margins, language: "en", subject: "us_opinion",
                                  license: nil, revision: "r", settings: settings)
        let question = try #require(source.data.questionnaire.question("POL1JB_W92"))
        let weighed = try SocialValueBuilder.weigh(question, in: source)
        // Women 3219/2306/77, men 2283/2250/15: weights 0.51/(5602/10150) and 0.49/(4548/10150).
        let female = 0.51 / (5602.0 / 10150), male = 0.49 / (4548.0 / 10150)
        let approve = 3219 * female + 2283 * male, disapprove = 2306 * female + 2250 * male
        #expect(abs(weighed.shares[0] - approve / (approve + disapprove)) < 1e-12)
        #expect(weighed.weighting == "poststratified(SEX)")
        #expect(weighed.n == 3219 + 2306 + 2283 + 2250)
        let items = try SocialValueBuilder.build(source)
        #expect(items.items.count + items.dropped.count == 66)
        #expect(items.items.allSatisfy { $0.survey?.weighting == "poststratified(SEX)" && $0.language == "en" })
    }
}

@Suite struct KoBBQTests {
    @Test func multiSelectEntriesAreSetAsideByDefault() throws {
        let data = try KoBBQReader.read(try fixture("KoBBQ_survey_result.json"), displayName: "kobbq.json")
        #expect(data.questionnaire.questions.count == 268)
        #expect(data.cells.count == 184)
        #expect(data.setAside.count == 84)
        #expect(data.setAside.allSatisfy { $0.reason == "multi_select" })
        let first = try #require(data.questionnaire.question("1"))
        #expect(first.topic == "Age")
        #expect(first.texts["ko"]?.contains("'게으름'") == true)
        #expect(first.scale.options.map(\.code).last == "no_stereo")
        #expect(data.cells["1"]?[[]]?["청년"] == Tally(count: 40))
        #expect(data.notes.contains { $0.contains("84 entries sum to more than 100") })
    }

    @Test func normalizingKeepsMultiSelectEntriesAsShares() throws {
        let data = try KoBBQReader.read(try fixture("KoBBQ_survey_result.json"), displayName: "kobbq.json", multiSelect: .normalize)
        #expect(data.cells.count == 268)
        var settings = SurveySettings()
        settings.minN = 50
        let output = try SocialValueBuilder.build(SurveySource(sourceID: "kobbq", data: data, margins: nil, language: "ko",
                                                               subject: "stereotypes", license: "MIT", revision: "r", settings: settings))
        #expect(output.items.count == 268)
        let potato = try #require(output.items.first { $0.question.contains("'감자를 좋아함'") })
        let survey = try #require(potato.survey)
        #expect(abs(survey.distribution.reduce(0, +) - 1) < 1e-5)
        #expect(potato.choices[potato.choices.count - 1] == "해당하는 집단 없음")
        #expect(potato.answerText == "강원도")
        #expect(potato.choicesOrdered == false)
        // Multi-select entries count people, not selections: n is the panel of 100.
        #expect(output.items.allSatisfy { $0.survey?.n == 100 && ($0.survey?.nEffective ?? 0) <= 100 + 1e-9 })
    }

    @Test func aCountThatIsTrueOrBeyondAnyPanelIsAnErrorNamingTheEntryAndGroup() throws {
        let entries = #"[{"category": "Age", "stereotype": "s", "survey_stats": {"a": true, "b": 1e19, "no_stereo": 3}}]"#
        let files = try SurveyFiles(["k.json": entries])
        defer { files.remove() }
        do {
            _ = try KoBBQReader.read(files.url("k.json"), displayName: "k.json")
            Issue.record("expected errors")
        } catch {
            #expect((error.inputErrors ?? []).map(\.description).sorted() == [
                "k.json: '[0].survey_stats.a': count is not a whole number of at least 0",
                "k.json: '[0].survey_stats.b': '1e+19' is larger than any count of people (at most 10^12)",
            ])
        }
    }
}

@Suite struct MicrodataTests {
    @Test func designWeightsCarryIntoSharesAndEffectiveSampleSize() throws {
        let microdata = """
        respondent,gender,Q1,Q2,w
        1,m,1,,1
        2,m,3,2,1
        3,f,1,9,2
        4,f,2,1,2
        """
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "r.csv": microdata])
        defer { files.remove() }
        let data = try MicrodataReader.read(files.url("r.csv"), displayName: "r.csv", questionnaire: try files.questionnaire(), weightColumn: "w")
        #expect(data.cells["Q1"]?[["f"]]?["1"] == Tally(count: 1, weight: 2, weightSquared: 4))
        var settings = SurveySettings()
        settings.minN = 1
        let source = SurveySource(sourceID: "m", data: data, margins: nil, language: "ko", subject: "v", license: nil, revision: "r", settings: settings)
        let weighed = try SocialValueBuilder.weigh(try #require(data.questionnaire.question("Q1")), in: source)
        // Weighted: option 1 → 1 + 2, option 2 → 2, option 3 → 1 (total 6).
        #expect(weighed.shares == [0.5, 2.0 / 6, 1.0 / 6])
        #expect(weighed.n == 4)
        #expect(abs(weighed.nEffective - 36.0 / 10) < 1e-12)
    }

    @Test func badRowsAreReportedWithLineAndColumn() throws {
        let microdata = """
        respondent,gender,Q1,w,extra
        1,m,1,1,x
        1,m,7,0,x
        """
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire, "r.csv": microdata])
        defer { files.remove() }
        do {
            _ = try MicrodataReader.read(files.url("r.csv"), displayName: "r.csv", questionnaire: try files.questionnaire(), weightColumn: "w")
            Issue.record("expected errors")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.description) == [
                "r.csv:1: 'extra': column is neither a dimension, a question of q.yaml, the weight column nor 'respondent'",
                "r.csv:3: 'respondent': respondent '1' already appears on line 2",
            ])
        }
    }
}

@Suite struct OpinionQATotalsTests {
    @Test func dimensionFilesThatDisagreeOnTotalsAreNotedOrSetAside() throws {
        let files = try ["SEX", "CREGION"].map { ($0, try fixture("opinionqa_W92/\($0)_data.json"), "\($0)_data.json") }
        let lenient = try OpinionQAReader.read(info: try fixture("opinionqa_W92/info.csv"), infoName: "info.csv", dimensionFiles: files, country: "US")
        // SEX counts 10,150 answers to POL1JB_W92 and CREGION 10,221: 0.69% apart.
        #expect(lenient.setAside.isEmpty)
        #expect(lenient.notes.contains { $0.hasPrefix("dimension files' totals differ by up to 0.69%") })
        let strict = try OpinionQAReader.read(info: try fixture("opinionqa_W92/info.csv"), infoName: "info.csv", dimensionFiles: files,
                                              country: "US", maxTotalMismatch: 0.005)
        #expect(strict.setAside.count == 66)
        let first = try #require(strict.setAside.first { $0.question == "POL1JB_W92" })
        #expect(first.reason == "sum_mismatch")
        #expect(first.detail.contains("CREGION 10221, SEX 10150"))
    }
}

@Suite struct MalformedJSONTests {
    @Test func aBrokenChoiceCountFileNamesFileAndLine() throws {
        let files = try SurveyFiles(["k.json": "[\n  {\"category\": \"Age\", \"stereotype\": \"x\",\n  \"survey_stats\": {\"a\": 1,}\n]\n"])
        defer { files.remove() }
        do {
            _ = try KoBBQReader.read(files.url("k.json"), displayName: "k.json")
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.location.file == "k.json")
            #expect(error.message.hasPrefix("malformed JSON"))
        }
        let wrongShape = try SurveyFiles(["k.json": "{\"not\": \"a list\"}"])
        defer { wrongShape.remove() }
        #expect(throws: InputError(file: "k.json", "expected a JSON list of survey entries")) {
            try KoBBQReader.read(wrongShape.url("k.json"), displayName: "k.json")
        }
    }
}

/// Published shares with their n, as toplines and summaries give them.
@Suite struct PublishedSharesTests {
    /// Wave 92's answers as a topline would publish them: each question's shares over both sexes
    /// in percent to one decimal, and the number of respondents.
    func topline(_ data: SurveyData, questions: [String]) -> String {
        var lines = ["question,option,share,n,n_effective,n_source"]
        for id in questions {
            let bySex = data.oneWay[id]!["SEX"]!
            var counts: [String: Double] = [:]
            for options in bySex.values { for (code, tally) in options { counts[code, default: 0] += tally.count } }
            let n = counts.values.reduce(0, +)
            for option in data.questionnaire.question(id)!.scale.allOptions {
                let percent = ((counts[option.code] ?? 0) / n * 1000).rounded() / 10
                let effective = id == "POL1JB_W92" ? "5000" : ""
                lines.append("\(id),\"\(option.code)\",\(percent),\(Int(n)),\(effective),Pew ATP W92 topline")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func opinionQA() throws -> SurveyData {
        try OpinionQAReader.read(info: try fixture("opinionqa_W92/info.csv"), infoName: "info.csv",
                                 dimensionFiles: [("SEX", try fixture("opinionqa_W92/SEX_data.json"), "SEX_data.json")], country: "US")
    }

    @Test func wave92PublishedAsSharesGivesItsDistributionNAndEffectiveNAsPublished() throws {
        let tallies = try opinionQA()
        let questions = ["POL1JB_W92", "LIFEFIFTY_W92", "BIGHOUSES_W92"]
        let files = try SurveyFiles(["shares.csv": topline(tallies, questions: questions)])
        defer { files.remove() }
        let data = try PublishedShares.load(files.url("shares.csv"), displayName: "shares.csv", questionnaire: tallies.questionnaire)
        let source = SurveySource(sourceID: "w92", data: data, margins: nil, language: "en", subject: "us_opinion", license: nil,
                                  revision: "r", settings: SurveySettings())
        let fromTallies = SurveySource(sourceID: "w92", data: tallies, margins: nil, language: "en", subject: "us_opinion", license: nil,
                                       revision: "r", settings: SurveySettings())
        for id in questions {
            let question = try #require(tallies.questionnaire.question(id))
            let published = try SocialValueBuilder.weigh(question, in: source)
            let counted = try SocialValueBuilder.weigh(question, in: fromTallies)
            // One decimal of a percentage is at most 0.05 points off each share.
            for (share, exact) in zip(published.shares, counted.shares) { #expect(abs(share - exact) < 0.001) }
            #expect(abs(published.n - counted.n) <= 5)
        }
        let biden = try SocialValueBuilder.weigh(try #require(tallies.questionnaire.question("POL1JB_W92")), in: source)
        // 10,150 respondents, 0.9 % refused; the effective n is the publisher's, scaled to the substantive answers.
        #expect(biden.n == 10_059)
        #expect(abs(biden.nEffective - 5000 * 0.991) < 1e-6)
        #expect(abs(biden.marginOfError - 1.959964 * (biden.shares[0] * (1 - biden.shares[0]) / biden.nEffective).squareRoot()) < 1e-5)
        #expect(biden.weighting == "published shares; n 10150, effective n 5000 from Pew ATP W92 topline")
        let life = try SocialValueBuilder.weigh(try #require(tallies.questionnaire.question("LIFEFIFTY_W92")), in: source)
        #expect(life.weighting == "published shares; n 10150 from Pew ATP W92 topline")
        #expect(abs(life.nEffective - Double(life.n)) < 1)
        let items = try SocialValueBuilder.build(source).items
        #expect(items.count == 3 && items.allSatisfy { $0.survey?.weighting.hasPrefix("published shares; n 10150") == true })
        // Rounded percentages that do not add to 100 are scaled, and said.
        #expect(data.notes.allSatisfy { $0.hasPrefix("shares.csv: the shares of") && $0.hasSuffix("scaled to 100 % (rounding in the published figures)") })
    }

    @Test func badSharesAreErrorsWithLineAndField() throws {
        let text = """
        question,option,share,n,n_effective,n_source
        Q1,1,0.5,100,,report table 3
        Q1,2,0.3,100,,report table 3
        Q1,3,0.07,100,,report table 3
        Q2,1,0.5,100.5,,report
        Q2,2,0.5,120,,report
        Q2,2,0.5,120,,report
        Q2,3,-1,120,,report
        Q2,3,0.1,120,130,report
        Q3,1,1,10,,
        Q9,1,1,10,,x
        Q3,4,1,10,,x
        """
        let files = try SurveyFiles(["q.yaml": agree3Questionnaire.replacingOccurrences(of: "questions:", with: """
        questions:
          - id: Q3
            scale: agree3
            text: {ko: 세 번째 질문이다.}
        """), "s.csv": text])
        defer { files.remove() }
        do {
            _ = try PublishedShares.load(files.url("s.csv"), displayName: "s.csv", questionnaire: try files.questionnaire())
            Issue.record("expected errors")
        } catch {
            #expect((error.inputErrors ?? []).map(\.description) == [
                "s.csv:5: 'n': n '100.5' is not a whole number of respondents of at least 1",
                "s.csv:7: 'option': option '2' of Q2 already has a share on line 6",
                "s.csv:8: 'share': share '-1' is not a number from 0 to 1 (or a percentage from 0 to 100)",
                "s.csv:9: 'n_effective': n_effective '130' is not a number above 0 and at most n (120)",
                "s.csv:10: 'n_source': say where the n of Q3 comes from (a report's table, a topline)",
                "s.csv:11: 'question': question 'Q9' is not in the questionnaire q.yaml",
                "s.csv:12: 'option': unknown option '4' for Q3 (scale 'agree3' has 1, 2, 3, 9)",
                "s.csv:2: 'share': the shares of Q1 sum to 0.87; give every option's share, as fractions summing to 1 or percentages summing to 100",
            ])
        }
    }
}
