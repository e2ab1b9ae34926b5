import Foundation
import Testing
import DatasetCore
@testable import TextbookIngest

func fixture(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
}

func context(_ document: String, subject: String = "statistics", language: String = "en") -> TextbookContext {
    TextbookContext(sourceID: "openstax", document: document, subject: subject, language: language,
                    license: "CC BY-NC-SA 4.0", revision: "rev")
}

@Suite struct CNXMLReaderTests {
    @Test func readsTheKeyedExerciseOfModuleM46909() throws {
        let module = try CNXMLReader().read(fileAt: try fixture("m46909.cnxml"), context: context("m46909.cnxml"))
        #expect(module.moduleID == "m46909")
        #expect(module.output.title == "Definitions of Statistics, Probability, and Key Terms")
        let keyed = try #require(module.output.items.first { $0.source.element == "element-590" })
        #expect(keyed.choices == ["variable.", "population.", "statistic.", "data."])
        #expect(keyed.answer == "A")
        #expect(keyed.flags.isEmpty)
        #expect(keyed.question.hasSuffix("In this case, X is an example of a:"))
        // The shared lead paragraph ("Use the following information ...") is part of the stem.
        #expect(keyed.question.hasPrefix("Use the following information to answer the next three exercises: A Lake Tahoe"))
        #expect(keyed.source.kind == "cnxml")
        #expect(keyed.source.license == "CC BY-NC-SA 4.0")
        #expect(keyed.task == .commonKnowledge)
    }

    @Test func exercisesWithACommentedOutSolutionNeedAKeyAndAreKept() throws {
        let module = try CNXMLReader().read(fileAt: try fixture("m46909.cnxml"), context: context("m46909.cnxml"))
        let population = try #require(module.output.items.first { $0.source.element == "element-230" })
        #expect(population.answer == nil)
        #expect(population.flags == ["key_commented_out", "needs_key"])
        #expect(population.choices.last == "all Lake Tahoe Community College math students")
        let parameter = try #require(module.output.items.first { $0.source.element == "element-992" })
        #expect(parameter.choices == ["parameter.", "data.", "statistic.", "variable."])
        #expect(parameter.flags.contains("needs_key"))
    }

    @Test func everyExerciseIsAnItemOrSetAsideWithAReason() throws {
        for name in ["m46909.cnxml", "m46882.cnxml"] {
            let text = try String(contentsOf: try fixture(name), encoding: .utf8)
            let exercises = text.components(separatedBy: "<exercise").count - 1
            let module = try CNXMLReader().read(fileAt: try fixture(name), context: context(name))
            #expect(module.output.items.count + module.output.dropped.count == exercises, "\(name)")
            for dropped in module.output.dropped {
                #expect(["not_multiple_choice", "solution_not_a_letter"].contains(dropped.reason))
                #expect(dropped.detail.contains("line"))
            }
        }
    }

    @Test func matchingExercisesWhoseSolutionIsNotOneLetterAreSetAside() throws {
        let module = try CNXMLReader().read(fileAt: try fixture("m46909.cnxml"), context: context("m46909.cnxml"))
        let matching = try #require(module.output.dropped.first { $0.item.source.element == "fs-idm125077712" })
        #expect(matching.reason == "solution_not_a_letter")
        #expect(matching.item.choices.count == 7)
    }

    @Test func readsGlossaryTermsAndMeanings() throws {
        let module = try CNXMLReader().read(fileAt: try fixture("m46882.cnxml"), context: context("m46882.cnxml"))
        #expect(module.glossary.map(\.term) == ["Cumulative Relative Frequency", "Frequency", "Relative Frequency"])
        #expect(module.glossary[1].meaning == "the number of times a value of the data occurs")
        let m46909 = try CNXMLReader().read(fileAt: try fixture("m46909.cnxml"), context: context("m46909.cnxml"))
        let average = try #require(m46909.glossary.first { $0.term == "Average" })
        #expect(average.meaning == "also called mean; a number that describes the central tendency of the data")
    }

    @Test func collectionGivesLicenceAndModuleOrder() throws {
        let collection = try CNXMLCollection.read(fileAt: try fixture("collection.xml"), displayName: "collection.xml")
        #expect(collection.title == "Introductory Statistics 2e")
        #expect(collection.licenseURL == "http://creativecommons.org/licenses/by-nc-sa/4.0/")
        #expect(collection.license == "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International")
        #expect(Array(collection.moduleOrder.prefix(5)) == ["m47830", "m46913", "m46909", "m46885", "m46882"])
    }

    @Test func malformedXMLIsAnInputErrorWithLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).cnxml")
        try Data("<document>\n<content>\n<para>open\n</content></document>".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try CNXMLReader().read(fileAt: url, context: context("bad.cnxml"))
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.location.file == "bad.cnxml")
            #expect(error.location.line == 4)
        }
    }
}

@Suite struct AuthoredItemsReaderTests {
    @Test func readsItemsWithTheirMetadata() throws {
        let output = try AuthoredItemsReader().read(fileAt: try fixture("authored.xml"),
                                                    context: context("authored.xml", subject: "general", language: "ko"))
        #expect(output.items.count == 2)
        let first = output.items[0]
        #expect(first.question == "훈민정음을 창제한 왕은?")
        #expect(first.answer == "B")
        #expect(first.subject == "korean_history")
        #expect(first.language == "ko")
        #expect(first.grade == "중2")
        #expect(first.source.author == "kim")
        #expect(first.source.passage == "p1")
        #expect(output.passages.map { "\($0.document)#\($0.element) \($0.language)" } == ["authored.xml#p1 ko"])
        #expect(output.passages.first?.text.isEmpty == false)
        #expect(first.source.element == "a1")
        let second = output.items[1]
        #expect(second.language == "en")
        #expect(second.flags == ["needs_key"])
    }

    func read(_ xml: String) throws -> TextbookOutput {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("authored-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try AuthoredItemsReader().read(fileAt: url, context: context("items.xml"))
    }

    @Test func aReferenceToAMissingPassageIsAnError() {
        let xml = """
        <items xmlns="urn:build-dataset:authored-items:1" xml:lang="ko">
          <item id="x" passage="nowhere"><question>질문입니다?</question><choice>가</choice><choice>나</choice><answer>A</answer></item>
        </items>
        """
        #expect(throws: InputError(file: "items.xml", line: 2, field: "passage", "passage 'nowhere' is not defined in this file")) {
            try read(xml)
        }
    }

    @Test func duplicateIDsAndMissingQuestionsAreAllReported() throws {
        let xml = """
        <items xmlns="urn:build-dataset:authored-items:1">
          <item id="x"><question>Q one?</question><choice>a</choice><choice>b</choice></item>
          <item id="x"><question>Q two?</question><choice>a</choice><choice>b</choice></item>
        </items>
        """
        #expect(throws: InputError(file: "items.xml", line: 3, field: "id", "item id 'x' already used on line 2")) {
            try read(xml)
        }
    }
}

extension AuthoredItemsReaderTests {
    @Test func everyRepeatOfAnIdNamesItsFirstLine() throws {
        let xml = """
        <items xmlns="urn:build-dataset:authored-items:1">
          <item id="x"><question>Q one?</question><choice>a</choice><choice>b</choice></item>
          <item id="x"><question>Q two?</question><choice>a</choice><choice>b</choice></item>
          <item id="x"><question>Q three?</question><choice>a</choice><choice>b</choice></item>
        </items>
        """
        let error = try #require(throws: InputErrors.self) { try read(xml) }
        #expect(error.errors == [InputError(file: "items.xml", line: 3, field: "id", "item id 'x' already used on line 2"),
                                 InputError(file: "items.xml", line: 4, field: "id", "item id 'x' already used on line 2")])
    }
}

@Suite struct AuthoredItemsSchemaTests {
    func read(_ xml: String, schema: String = authoredItemsDefaultSchema) throws -> TextbookOutput {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("authored-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try AuthoredItemsReader(schemaText: schema).read(fileAt: url, context: context("items.xml"))
    }

    @Test func theBuiltInSchemaIsTheOneInSchemas() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/authored-items.xsd")
        #expect(try String(contentsOf: url, encoding: .utf8) == authoredItemsDefaultSchema)
    }

    @Test func everySchemaViolationIsReportedWithItsLine() {
        let xml = """
        <items xmlns="urn:build-dataset:authored-items:1">
          <item id="a"><question>Q?</question><choice>only one</choice><answer>A</answer></item>
          <item><question>Q?</question><choice>a</choice><choice>b</choice></item>
          <item id="c"><question>Q?</question><choice>a</choice><choice>b</choice><answer>7</answer></item>
          <note>free text</note>
        </items>
        """
        do {
            _ = try read(xml)
            Issue.record("expected errors")
        } catch let error as InputErrors {
            #expect(error.errors.map(\.location.line) == [2, 3, 4, 5])
            // In words, with the element named and no namespace or pattern.
            #expect(error.errors.map(\.message) == [
                "<answer> is not expected here; expected <choice>",
                "<item> needs an attribute 'id'",
                "<answer>: '7' is not a choice letter; expected one letter from A (the first choice) to J",
                "<note> is not expected here",
            ])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func multiLineTextAndIdsOfAnyCharactersButSpacesAreAccepted() throws {
        let xml = """
        <items xmlns="urn:build-dataset:authored-items:1" xml:lang="ko">
          <passage id="KHB/66/p">첫 문단

            둘째 문단</passage>
          <item id="KHB/66/1" passage="KHB/66/p">
            <question>
              다음은 한국의 역사에 대한 문제이다.
              (가) 시대의 생활 모습으로 옳은 것은?
            </question>
            <choice>우경이 널리
              보급되었다.</choice>
            <choice>철제 농기구를 사용하였다.</choice>
            <answer>B</answer>
          </item>
          <item id="blank"><question>
          </question><choice>a</choice><choice>b</choice></item>
        </items>
        """
        // A question, or a choice, of spaces and line breaks only is refused at its line.
        let blankChoice = xml.replacingOccurrences(of: "<question>\n  </question><choice>a</choice>", with: "<question>Q?</question><choice>\n \t</choice>")
        for (text, element) in [(xml, "question"), (blankChoice, "choice")] {
            #expect { try read(text) } throws: { error in
                (error as? InputError).map { $0.location.line == 16 && $0.message == "<\(element)> is empty or blank; it needs some text" } ?? false
            }
        }
        let output = try read(xml.replacingOccurrences(of: "<item id=\"blank\"><question>\n  </question><choice>a</choice><choice>b</choice></item>\n", with: ""))
        let item = try #require(output.items.first)
        #expect(item.question == "다음은 한국의 역사에 대한 문제이다.\n(가) 시대의 생활 모습으로 옳은 것은?")
        #expect(item.choices == ["우경이 널리\n보급되었다.", "철제 농기구를 사용하였다."])
        #expect(item.source.element == "KHB/66/1" && item.source.passage == "KHB/66/p")
        #expect(output.passages.first?.text == "첫 문단\n\n둘째 문단")
    }

    @Test func aDocumentOutsideTheNamespaceIsRefused() {
        #expect(throws: InputError.self) {
            try read("<items><item id=\"a\"><question>Q?</question><choice>a</choice><choice>b</choice></item></items>")
        }
    }

    @Test func aTightenedSchemaIsObeyed() throws {
        let xml = """
        <items xmlns="urn:build-dataset:authored-items:1">
          <item id="a"><question>Q?</question><choice>a</choice><choice>b</choice><choice>c</choice><answer>A</answer></item>
        </items>
        """
        #expect(try read(xml).items.count == 1)
        let fourChoices = authoredItemsDefaultSchema.replacingOccurrences(of: "minOccurs=\"2\" maxOccurs=\"10\"", with: "minOccurs=\"4\" maxOccurs=\"4\"")
        #expect(throws: InputError.self) { try read(xml, schema: fourChoices) }
        #expect(throws: InputError.self) { try read(xml, schema: "<not-a-schema/>") }
    }
}

@Suite struct GlossaryItemTests {
    func module() throws -> CNXMLReader.Module {
        try CNXMLReader().read(fileAt: try fixture("m46909.cnxml"), context: context("m46909.cnxml"))
    }

    @Test func eachTermBecomesAGeneratedItemWithDistractorsFromTheSameDocument() throws {
        let module = try module()
        var seeded = context("m46909.cnxml")
        seeded.seed = 42
        let items = CNXMLReader.glossaryItems(module.glossary, context: seeded)
        #expect(items.count == module.glossary.count)
        let terms = Set(module.glossary.map(\.term))
        for (item, entry) in zip(items, module.glossary) {
            #expect(item.flags == ["generated"])
            #expect(item.source.kind == "glossary")
            #expect(item.source.element == entry.id)
            #expect(item.answerText == entry.term)
            #expect(item.choices.count == 4 && Set(item.choices).count == 4)
            #expect(Set(item.choices).isSubset(of: terms))
            #expect(item.question == "Which term matches this definition: “\(entry.meaning)”?")
        }
        let average = try #require(items.first { $0.source.element == "average" })
        #expect(average.question == "Which term matches this definition: “also called mean; a number that describes the central tendency of the data”?")
    }

    @Test func theSameSeedGivesTheSameItemsAndAnotherSeedOthers() throws {
        let glossary = try module().glossary
        var first = context("m46909.cnxml"), second = context("m46909.cnxml")
        first.seed = 1
        second.seed = 2
        #expect(CNXMLReader.glossaryItems(glossary, context: first) == CNXMLReader.glossaryItems(glossary, context: first))
        #expect(CNXMLReader.glossaryItems(glossary, context: first).map(\.choices) != CNXMLReader.glossaryItems(glossary, context: second).map(\.choices))
    }

    @Test func aGlossaryWithFewerTermsThanChoicesGivesNoItems() throws {
        let glossary = try CNXMLReader().read(fileAt: try fixture("m46882.cnxml"), context: context("m46882.cnxml")).glossary
        #expect(glossary.count == 3)
        #expect(CNXMLReader.glossaryItems(glossary, context: context("m46882.cnxml")).isEmpty)
    }

    @Test func exercisesCarryTheirSectionTitle() throws {
        let items = try module().output.items
        let keyed = try #require(items.first { $0.source.element == "element-590" })
        #expect(keyed.topic != nil)
    }
}

@Suite struct XHTMLReaderTests {
    @Test func headingsAndParagraphsBecomePassagesInTheDocumentLanguage() throws {
        let output = try XHTMLReader().read(fileAt: try fixture("chapter.xhtml"), context: context("chapter.xhtml", subject: "social_studies", language: "en"))
        #expect(output.title == "3장. 민주 정치와 시민")
        #expect(output.passages.map(\.element) == ["ch03-p1", "ch03-p2", "ch03-p3"])
        #expect(output.passages[0].headings == ["3장. 민주 정치와 시민", "1. 헌법과 국민 주권"])
        #expect(output.passages[2].headings == ["3장. 민주 정치와 시민", "2. 권력 분립"])
        #expect(output.passages.allSatisfy { $0.language == "ko" })
        #expect(output.passages[1].text == "국민은 선거를 통해 대표를 뽑고, 대표는 국민의 뜻에 따라 권력을 행사한다. 이를 대의 민주 정치라고 한다.")
    }

    @Test func anAssessmentBecomesItemsKeyedByTheMarkedChoice() throws {
        let output = try XHTMLReader().read(fileAt: try fixture("chapter.xhtml"), context: context("chapter.xhtml", subject: "social_studies"))
        #expect(output.items.map(\.source.element) == ["ch03-q1", "ch03-q2", "ch03-q3"])
        #expect(output.items[0].question == "우리나라에서 법을 만드는 권한, 즉 입법권을 가진 기관은?")
        #expect(output.items[0].choices == ["정부", "국회", "법원", "헌법재판소"])
        #expect(output.items[0].answer == "B")
        #expect(output.items[1].answer == "C")
        #expect(output.items[2].answer == nil && output.items[2].flags == ["needs_key"])
        #expect(output.items.allSatisfy { $0.language == "ko" && $0.source.kind == "xhtml" })
    }

    @Test func twoMarkedAnswersAreSetAsideAndNamedEntitiesAreRefused() throws {
        let xhtml = """
        <html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en"><body>
        <section epub:type="assessment"><div epub:type="question"><p>Pick one?</p>
        <ol><li class="correct">a</li><li data-correct="true">b</li></ol></div></section></body></html>
        """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("q-\(UUID().uuidString).xhtml")
        try Data(xhtml.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let output = try XHTMLReader().read(fileAt: url, context: context("q.xhtml"))
        #expect(output.items.isEmpty)
        #expect(output.dropped.map(\.reason) == ["answer_key"])
        try Data("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>a&nbsp;b</p></body></html>".utf8).write(to: url)
        #expect(throws: InputError.self) { try XHTMLReader().read(fileAt: url, context: context("q.xhtml")) }
    }
}
