import Foundation
import Testing
import DatasetCore
@testable import Pipeline
import Release
import TestSupport
import ReviewStore

typealias ExampleProject = ProjectCopy

extension PipelineRunner {
    /// The example's review database with its fact-check round opened and assigned to kim and lee.
    func openFactCheck() throws -> (ReviewStore, ReviewPlan) {
        let store = try ReviewStore(url: layout.reviewDatabase)
        for id in ["kim", "lee"] { try store.addReviewer(Reviewer(id: id, name: id, role: .reviewer), actor: "test") }
        try store.open("fact-check", plan: spec.review, actor: "test")
        _ = try store.assign(round: "fact-check", plan: spec.review, actor: "test")
        return (store, spec.review)
    }
}

extension ProjectCopy {
    func runner(jobs: Int = 2) throws -> PipelineRunner {
        let spec = try PipelineSpec.load(pipeline, displayName: "pipelines/example.yaml", projectDirectory: directory)
        return try PipelineRunner(spec: spec, pipelineFile: pipeline, projectDirectory: directory, jobs: jobs)
    }
}

@Suite struct PipelineRunnerTests {
    @Test func buildsTheExampleIntoAVerifiedReleaseCandidate() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        let runner = try project.runner()
        let reports = try await runner.run()
        #expect(reports.map(\.summary.stage) == StageName.allCases)
        #expect(reports.allSatisfy { !$0.reused })
        #expect(try ReleaseWriter.verify(runner.layout.candidateDirectory).isEmpty)
        let manifest = try ReleaseManifest.read(from: runner.layout.candidateDirectory.appendingPathComponent("manifest.json"))
        // The Korean items and their English translations: a config per language.
        #expect(Set(manifest.files.map(\.config)) == ["social_value", "common_knowledge_ko", "common_knowledge_en"])
        #expect(Set(manifest.files.map(\.split)) == ["dev", "test"])
        #expect(manifest.inputs.count == 9)
        let ingest = reports[0].summary
        #expect(ingest.dropped["min_n"] == 1)
        #expect(reports[1].summary.dropped["choice_count"] == 2)
        #expect(reports[1].summary.dropped["needs_key"] == 3)
        #expect(reports[2].summary.dropped["duplicate"] == 1)
        // The translation of the item entered twice follows the copy dropped.
        #expect(reports[2].summary.dropped[ParallelGroups.sourceSetAside] == 1)
        // Each translation beside its Korean item: the same split, choice order and answer letter, its labels carried.
        var released: [String: (item: Item, split: String)] = [:]
        for file in manifest.files {
            for item in try JSONLines.read(Item.self, from: runner.layout.candidateDirectory.appendingPathComponent(file.path)) {
                released[item.id] = (item, file.split)
            }
        }
        let translations = released.values.filter { $0.item.translation != nil }
        #expect(translations.count == 14)
        for (translation, split) in translations {
            let original = try #require(released[translation.group])
            #expect(original.split == split && original.item.language == "ko" && translation.language == "en")
            #expect(original.item.answer == translation.answer && original.item.choices.count == translation.choices.count)
            #expect(translation.translation?.labelsFrom == "source" && translation.culturalSensitivity == original.item.culturalSensitivity)
        }
        // Balancing moved choices: each translation's choices moved with its item's (the numbers of a year question line up).
        let years = try #require(translations.first { $0.item.question.contains("Hunminjeongeum proclaimed") })
        #expect(years.item.choices == released[years.item.group]!.item.choices.map { $0.replacingOccurrences(of: "년", with: "") })
        // Every social-value item carries its survey statistics.
        let social = try JSONLines.read(Item.self, from: runner.layout.candidateDirectory.appendingPathComponent("social_value/test.jsonl"))
        #expect(!social.isEmpty)
        for item in social {
            let survey = try #require(item.survey)
            #expect(survey.weighting == "raking(region,age,gender)")
            #expect(survey.n > 100 && survey.nEffective > 0 && survey.nEffective < Double(survey.n))
            #expect(survey.marginOfError > 0.01 && survey.marginOfError < 0.1)
            #expect(abs(survey.distribution.reduce(0, +) - 1) < 1e-5)
            #expect(survey.distribution3?.count == 3)
        }
    }

    @Test func thePassagesAuthoredItemsWereWrittenFromAreKeptForTheReviewPage() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run(until: .ingest)
        let passages = try JSONLines.read(Passage.self, from: runner.layout.stageFile(.ingest, .passages))
        let items = try JSONLines.read(Item.self, from: runner.layout.stageFile(.ingest, .items))
        let written = items.filter { $0.source.kind == "authored" && $0.source.passage != nil }
        #expect(written.count >= 2)
        for item in written {
            let passage = try #require(passages.first { $0.document == item.source.document && $0.element == item.source.passage })
            #expect(passage.text.contains("훈민정음") || passage.text.contains("헌법"))
        }
    }

    @Test func aSecondRunReusesEveryStageAndWritesTheSameBytes() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        _ = try await project.runner().run()
        let first = try project.snapshot("build")
        let reports = try await project.runner().run()
        #expect(reports.allSatisfy { $0.reused })
        #expect(try project.snapshot("build") == first)
    }

    /// Stage files are hashed as they are written, not read back: every hash and size each
    /// stage records is its file's on the disk.
    @Test func everyFileAStageRecordsHasItsRecordedHash() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        let reports = try await project.runner().run()
        for report in reports {
            #expect(report.record.files.contains { $0.path == "items.jsonl" } || report.summary.stage == .release)
            for file in report.record.files {
                let onDisk = try Hashing.sha256Hex(fileAt: report.directory.appendingPathComponent(file.path))
                #expect(file.sha256 == onDisk.sha256 && file.bytes == onDisk.bytes, "\(report.summary.stage.rawValue)/\(file.path)")
            }
        }
    }

    /// A hash given for a file is taken only while the file has the size hashed; a file changed
    /// after it was hashed is hashed from the disk.
    @Test func aHashGivenForAFileOfAnotherSizeIsNotTaken() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = StageCache(directory: directory, writeDirectory: directory)
        func run(_ stage: StageName, given: FileDigest) async throws -> StageRecord.File {
            let report = try await cache.run(stage, key: "k", fingerprints: [:]) { staging in
                try Data("abc".utf8).write(to: staging.appendingPathComponent("a.txt"))
                return (StageSummary(stage: stage, itemsIn: 0, itemsOut: 0), [], ["a.txt": given])
            }
            return try #require(report.record.files.first)
        }
        let taken = try await run(.ingest, given: FileDigest(sha256: "given", bytes: 3))
        #expect(taken.sha256 == "given")
        let rehashed = try await run(.validate, given: FileDigest(sha256: "given", bytes: 2))
        #expect(rehashed.sha256 == Hashing.sha256Hex(Data("abc".utf8)) && rehashed.bytes == 3)
    }

    @Test func aFreshBuildIsByteIdenticalWhateverTheParallelism() async throws {
        let one = try ExampleProject(), two = try ExampleProject()
        defer { one.remove(); two.remove() }
        _ = try await one.runner(jobs: 1).run()
        _ = try await two.runner(jobs: 4).run()
        #expect(try one.snapshot("build/example/release") == two.snapshot("build/example/release"))
    }

    @Test func changingAStageSettingRerunsOnlyThatStageAndLaterOnes() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        _ = try await project.runner().run()
        var text = try String(contentsOf: project.pipeline, encoding: .utf8)
        text = text.replacingOccurrences(of: "minimum: 1", with: "minimum: 1\n    oversample: 0.5")
        try Data(text.utf8).write(to: project.pipeline)
        let reports = try await project.runner().run()
        // sample runs again; its output is unchanged (no quotas to oversample), so review is
        // skipped; release runs because the manifest records the pipeline file's hash.
        #expect(reports.map(\.reused) == [true, true, true, false, true, false])
    }

    @Test func aDamagedStageOutputIsRebuiltNotTrusted() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        _ = try await project.runner().run()
        let release = try project.snapshot("build/example/release")
        let items = project.directory.appendingPathComponent("build/example/dedup/items.jsonl")
        try Data("{}\n".utf8).write(to: items)
        let reports = try await project.runner().run()
        #expect(reports.map(\.reused) == [true, true, false, true, true, true])
        #expect(try project.snapshot("build/example/release") == release)
    }

    /// An output of the recorded size written after its record is hashed again, and rebuilt.
    @Test func anOutputEditedInPlaceIsRebuilt() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        _ = try await project.runner().run()
        let items = project.directory.appendingPathComponent("build/example/validate/items.jsonl")
        var data = try Data(contentsOf: items)
        let quote = try #require(data.firstIndex(of: UInt8(ascii: "a")))
        data[quote] = UInt8(ascii: "b")
        try data.write(to: items)
        let reports = try await project.runner().run()
        #expect(reports[1].reused == false && reports[1].reason == "its earlier output is damaged or incomplete")
        #expect(try Data(contentsOf: items) != data)
    }

    @Test func untilStopsAfterTheNamedStage() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        let reports = try await project.runner().run(until: .dedup)
        #expect(reports.map(\.summary.stage) == [.ingest, .validate, .dedup])
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build/example/sample").path))
    }

    @Test func checkReportsEveryProblemInEveryRawInput() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        let tallies = project.directory.appendingPathComponent("raw/survey/tallies.csv")
        var lines = try String(contentsOf: tallies, encoding: .utf8).components(separatedBy: "\n")
        lines[1] = "SV001,수도권,20대,남성,1,-5"
        lines[2] = "SV001,수도권,20대,남성,2,many"
        try Data(lines.joined(separator: "\n").utf8).write(to: tallies)
        let mapping = project.directory.appendingPathComponent("raw/census/mapping.yaml")
        let mappingText = try String(contentsOf: mapping, encoding: .utf8).replacingOccurrences(of: "경기도]", with: "경기]")
        try Data(mappingText.utf8).write(to: mapping)
        try Data("<items><item id=\"x\"><question>질문?</question></item>".utf8)
            .write(to: project.directory.appendingPathComponent("raw/items/korean-knowledge.xml"))
        let problems = try await project.runner().check()
        let described = problems.map(\.description)
        #expect(described.contains("raw/survey/tallies.csv:2: 'count': count -5 is negative"))
        #expect(described.contains("raw/survey/tallies.csv:3: 'count': count 'many' is not a number"))
        #expect(described.contains("raw/census/mapping.yaml: 'dimensions.region': census label '경기' does not occur in column '행정구역별' of raw/census/kr_census2010_province_sex_age5_utf8.csv"))
        #expect(described.contains { $0.hasPrefix("raw/items/korean-knowledge.xml:1:") })
        #expect(problems.count == 4)
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build").path))
    }

    @Test func aFailedRunLeavesEarlierOutputsUntouched() async throws {
        let project = try ExampleProject()
        defer { project.remove() }
        _ = try await project.runner().run()
        let before = try project.snapshot("build")
        try Data("question,region\n".utf8).write(to: project.directory.appendingPathComponent("raw/survey/tallies.csv"))
        await #expect(throws: InputErrors.self) { try await project.runner().run() }
        #expect(try project.snapshot("build") == before)
    }
}

@Suite struct ReviewStageTests {
    @Test func itemsAreRegisteredEvenWhenTheReviewStageIsReused() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run()
        try FileManager.default.removeItem(at: runner.layout.reviewDatabase.deletingLastPathComponent())
        let reports = try await project.runner().run()
        #expect(reports.first { $0.summary.stage == .review }!.reused)
        let store = try ReviewStore(url: runner.layout.reviewDatabase)
        #expect(try store.currentVersions().count == reports.first { $0.summary.stage == .review }!.summary.itemsIn)
    }

    /// The database records which sample output it registered: a run with the same one writes
    /// nothing to it, and one with another registers again.
    @Test func theSameSampleOutputIsRegisteredOnce() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        _ = try await project.runner().run()
        let store = try ReviewStore(url: try project.runner().layout.reviewDatabase)
        func entries() throws -> [String] {
            try store.auditEntries().map(\.action)
        }
        let first = try entries()
        #expect(first.filter { $0 == "pool.registered" }.count == 1 && first.contains("item.registered"))
        _ = try await project.runner().run()
        #expect(try entries() == first)
        try StageChainTests.editPipeline(project, "question_length: {min: 8,", "question_length: {min: 30,")
        _ = try await project.runner().run()
        #expect(try entries().filter { $0 == "pool.registered" }.count == 2)
    }

    /// Items read from a stage's output in a later run are marked with their lines there, as
    /// if just written: review, run again on the sample's file, names that file again rather
    /// than writing a copy, and what it records of it is the file's own hash.
    @Test func itemsReadFromAnEarlierRunsOutputArePassedOnAsTheirFile() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run()
        let review = runner.layout.stageFile(.review, .items).deletingLastPathComponent()
        try FileManager.default.removeItem(at: review)
        let reports = try await project.runner().run()
        #expect(reports.map(\.reused) == [true, true, true, true, false, true])
        let sample = runner.layout.stageFile(.sample, .items), reviewed = runner.layout.stageFile(.review, .items)
        let attributes = try [sample, reviewed].map { try FileManager.default.attributesOfItem(atPath: $0.path) }
        #expect(attributes[0][.systemFileNumber] as? NSNumber == attributes[1][.systemFileNumber] as? NSNumber)
        let record = try #require(reports.first { $0.summary.stage == .review }?.record)
        #expect(record.sha256(of: .items) == (try Hashing.sha256Hex(fileAt: reviewed)).sha256)
    }

    /// Before anyone decides, review passes the sample's items on unchanged, and its file of
    /// items is the sample's file under a second name; once a decision changes them, it is a
    /// file of its own, and the sample's is untouched.
    @Test func aRejectionRecordedInTheStoreDropsTheItemFromTheRelease() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run()
        func inode(_ stage: StageName) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: runner.layout.stageFile(stage, .items).path)
            return (attributes[.systemFileNumber] as! NSNumber).intValue
        }
        #expect(try inode(.review) == inode(.sample))
        let sampled = try Data(contentsOf: runner.layout.stageFile(.sample, .items))
        let items = try JSONLines.read(Item.self, from: runner.layout.stageFile(.review, .items))
        let target = try #require(items.first { $0.task == .commonKnowledge })
        let (store, plan) = try runner.openFactCheck()
        var votes: [Vote] = []
        for batch in try store.batches(round: "fact-check") {
            for reviewer in batch.reviewers {
                for member in try store.batchItems(batch.id) {
                    let reject = member.item.id == target.id
                    votes.append(Vote(location: SourceLocation(file: "test"), batch: batch.id, itemID: member.item.id,
                                      contentHash: member.contentHash, reviewer: reviewer, decision: reject ? .reject : .approve,
                                      reason: reject ? "wrong key" : nil))
                }
            }
        }
        try store.submit(votes, plan: plan, actor: "test")
        #expect(try store.close("fact-check", plan: plan, actor: "test").rejected == 1)
        let reports = try await project.runner().run()
        let review = reports.first { $0.summary.stage == .review }!
        #expect(!review.reused)
        #expect(review.summary.dropped == ["rejected": 1])
        #expect(try inode(.review) != inode(.sample))
        #expect(try Data(contentsOf: runner.layout.stageFile(.sample, .items)) == sampled)
        let manifest = try ReleaseManifest.read(from: runner.layout.candidateDirectory.appendingPathComponent("manifest.json"))
        let released = try manifest.files.flatMap { try JSONLines.read(Item.self, from: runner.layout.candidateDirectory.appendingPathComponent($0.path)) }
        #expect(!released.contains { $0.id == target.id })
        #expect(manifest.reviewStateSHA256 != nil)
    }

    /// Stages copy the lines of items they pass on unchanged: every file of items and set-aside
    /// items, before and after review changes items, is what encoding its records afresh gives.
    @Test func everyStageFileIsWhatEncodingItsRecordsAfreshGives() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        func expectFilesEncodedAfresh() throws {
            for stage in StageName.allCases where stage != .release {
                let items = runner.layout.stageFile(stage, .items), dropped = runner.layout.stageFile(stage, .dropped)
                #expect(try Data(contentsOf: items) == JSONLines.encode(JSONLines.read(Item.self, from: items)), "\(stage) items")
                #expect(try Data(contentsOf: dropped) == JSONLines.encode(JSONLines.read(DroppedItem.self, from: dropped)), "\(stage) dropped")
            }
            let manifest = try ReleaseManifest.read(from: runner.layout.candidateDirectory.appendingPathComponent("manifest.json"))
            for file in manifest.files {
                let url = runner.layout.candidateDirectory.appendingPathComponent(file.path)
                #expect(try Data(contentsOf: url) == JSONLines.encode(JSONLines.read(Item.self, from: url)), "\(file.path)")
            }
        }
        _ = try await runner.run()
        try expectFilesEncodedAfresh()
        // Votes change the review summary of every item in the round; the run after writes them.
        let (store, plan) = try runner.openFactCheck()
        var votes: [Vote] = []
        for batch in try store.batches(round: "fact-check") {
            for reviewer in batch.reviewers {
                for member in try store.batchItems(batch.id) {
                    votes.append(Vote(location: SourceLocation(file: "test"), batch: batch.id, itemID: member.item.id,
                                      contentHash: member.contentHash, reviewer: reviewer, decision: .approve, reason: nil))
                }
            }
        }
        try store.submit(votes, plan: plan, actor: "test")
        let reports = try await project.runner().run()
        #expect(reports.first { $0.summary.stage == .review }.map { !$0.reused } == true)
        try expectFilesEncodedAfresh()
    }
}

@Suite struct ItemSchemaGateTests {
    @Test func aCuratorsTightenedItemSchemaStopsTheRelease() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        _ = try await project.runner().run()
        let schemaText = try String(contentsOf: ProjectCopy.packageRoot.appendingPathComponent("schemas/item.schema.json"), encoding: .utf8)
            .replacingOccurrences(of: #""question": {"type": "string", "minLength": 1,"#, with: #""question": {"type": "string", "minLength": 1, "maxLength": 40,"#)
        try FileManager.default.createDirectory(at: project.directory.appendingPathComponent("schemas"), withIntermediateDirectories: true)
        try project.write(schemaText, to: "schemas/item.schema.json")
        let before = try project.snapshot("build/example/release")
        do {
            _ = try await project.runner().run()
            Issue.record("expected the release to be refused")
        } catch let error as InputErrors {
            #expect(error.errors.allSatisfy { $0.location.file == "schemas/item.schema.json" && $0.message == "longer than 40 characters" })
            #expect(error.errors.allSatisfy { $0.location.field?.hasSuffix("/question") == true })
        }
        #expect(try project.snapshot("build/example/release") == before)
    }
}

@Suite struct ProjectSchemaTests {
    func tighten(_ project: ProjectCopy, _ file: String, _ old: String, _ new: String) throws {
        let url = project.directory.appendingPathComponent("schemas/\(file)")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old), "\(file) lacks \(old)")
        try project.write(text.replacingOccurrences(of: old, with: new), to: "schemas/\(file)")
    }

    @Test func theProjectsOwnSchemasAcceptTheExample() async throws {
        let project = try ProjectCopy(schemas: true)
        defer { project.remove() }
        #expect(try await project.runner().check().isEmpty)
    }

    @Test func aTightenedInputSchemaIsObeyedWithFileLineAndField() async throws {
        let project = try ProjectCopy(schemas: true)
        defer { project.remove() }
        // Counts may have at most one digit.
        try tighten(project, "tallies.schema.json", #""pattern": "^[0-9]+(\\.[0-9]+)?$""#, #""pattern": "^[0-9]$""#)
        let tallies = try await project.runner().check()
        #expect(!tallies.isEmpty)
        #expect(tallies.allSatisfy { $0.location.file == "raw/survey/tallies.csv" && $0.location.field == "count" })
        #expect(tallies.first?.location.line == 3)
        // Question ids must now look like KR-0001.
        try tighten(project, "questionnaire.schema.json", #""id": {"type": "string"}"#, #""id": {"type": "string", "pattern": "^KR-[0-9]{4}$"}"#)
        let questionnaire = try await project.runner().check().filter { $0.location.file == "raw/survey/questionnaire.yaml" }
        #expect(questionnaire.count == 7)
        #expect(questionnaire.first?.location.field == "questions.0.id")
        #expect(questionnaire.first?.location.line == 23)
        #expect(questionnaire.first?.message == "does not match ^KR-[0-9]{4}$ (schemas/questionnaire.schema.json)")
    }

    @Test func aTightenedPipelineSchemaIsObeyed() throws {
        let project = try ProjectCopy(schemas: true)
        defer { project.remove() }
        try tighten(project, "pipeline.schema.json", #""type": "integer",\#n      "minimum": 0,"#, #""type": "integer",\#n      "minimum": 0, "maximum": 1000,"#)
        #expect(throws: InputError(file: "pipelines/example.yaml", line: 6, field: "seed",
                                   "greater than 1000.0 (schemas/pipeline.schema.json)")) {
            try PipelineSpec.load(project.pipeline, displayName: "pipelines/example.yaml", projectDirectory: project.directory)
        }
    }
}

@Suite struct CollectionOrderTests {
    @Test func aModuleOutsideTheCollectionIsNotedAndGetsNoPosition() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let collection = project.directory.appendingPathComponent("raw/textbooks/openstax-statistics/collection.xml")
        let text = try String(contentsOf: collection, encoding: .utf8).replacingOccurrences(of: "document=\"m46909\"", with: "document=\"m99999\"")
        try Data(text.utf8).write(to: collection)
        let reports = try await project.runner().run(until: .ingest)
        #expect(reports[0].summary.notes.contains(
            "openstax-statistics: module m46909 is not in the reading order of raw/textbooks/openstax-statistics/collection.xml; items carry no position"))
        let items = try JSONLines.read(Item.self, from: project.directory.appendingPathComponent("build/example/ingest/items.jsonl"))
        #expect(items.filter { $0.source.sourceID == "openstax-statistics" }.allSatisfy { $0.source.position == nil })
    }

    @Test func aModuleInTheCollectionCarriesItsPlace() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        _ = try await project.runner().run(until: .ingest)
        let items = try JSONLines.read(Item.self, from: project.directory.appendingPathComponent("build/example/ingest/items.jsonl"))
        let openstax = items.filter { $0.source.sourceID == "openstax-statistics" }
        #expect(!openstax.isEmpty && openstax.allSatisfy { $0.source.position == 3 })
    }
}
