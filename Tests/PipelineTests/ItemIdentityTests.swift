import Foundation
import Testing
import DatasetCore
@testable import Pipeline
import Release
import TestSupport
import ReviewStore

/// An item keeps its identity through edits of its raw file: rewording makes a new version of
/// the same item, and a raw file put back brings its content back.
@Suite struct ItemIdentityTests {
    static let itemsFile = "raw/items/korean-knowledge.xml"
    static let question = "1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가?"

    func edit(_ project: ProjectCopy, _ old: String, _ new: String) throws {
        let url = project.directory.appendingPathComponent(Self.itemsFile)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old))
        try project.write(text.replacingOccurrences(of: old, with: new), to: Self.itemsFile)
    }

    func released(_ directory: URL) throws -> [Item] {
        try ReleaseContents.items(in: directory, displayName: "release").map(\.item)
    }

    @Test func aRewordedQuestionIsANewVersionOfTheSameItemWithItsHistoryAndAMinorVersion() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run()
        let target = try #require(try released(runner.layout.candidateDirectory).first { $0.question == Self.question })

        // Two reviewers approve the item as first written.
        let (store, plan) = try runner.openFactCheck()
        var votes: [Vote] = []
        for batch in try store.batches(round: "fact-check") {
            for member in try store.batchItems(batch.id) where member.item.id == target.id {
                votes += batch.reviewers.map { Vote(location: SourceLocation(file: "test"), batch: batch.id, itemID: target.id,
                                                    contentHash: member.contentHash, reviewer: $0, decision: .approve) }
            }
        }
        #expect(votes.count == 2)
        try store.submit(votes, plan: plan, actor: "test")
        _ = try await project.runner().run()
        let releases = project.directory.appendingPathComponent("releases")
        let first = try ReleaseWriter.publish(candidate: runner.layout.candidateDirectory, releasesRoot: releases, version: "1.0.0")

        let reworded = "1592년 일본의 침략으로 시작된 전쟁의 이름은 무엇인가?"
        try edit(project, Self.question, reworded)
        let reports = try await project.runner().run()
        let after = try released(runner.layout.candidateDirectory)
        let item = try #require(after.first { $0.id == target.id })
        #expect(item.question == reworded)
        #expect(item.review.version == 2 && item.review.status == "unreviewed" && item.review.votes.isEmpty)
        #expect(!after.contains { $0.question == Self.question })
        // The approvals of the first text are kept, stale, for the reviewer to see.
        let earlier = try store.earlierVersions(of: target.id, except: item.contentHash)
        #expect(earlier.map { "v\($0.version) \($0.item.question) \($0.decisions.map(\.reviewer).sorted())" }
            == ["v1 \(Self.question) [\"kim\", \"lee\"]"])
        #expect(reports.first { $0.summary.stage == .review }!.summary.notes.allSatisfy { !$0.hasPrefix("conflict") })

        // One changed question, nothing removed: a minor version, with the change in the changelog.
        let diff = ReleaseDiff.compare(old: try ReleaseContents.items(in: first, displayName: "1.0.0"),
                                       new: try ReleaseContents.items(in: runner.layout.candidateDirectory, displayName: "candidate"))
        #expect(diff.added.isEmpty && diff.removed.isEmpty && diff.changedMetadata.isEmpty && diff.changedLabels.isEmpty)
        #expect(diff.changedText == [target.id] && diff.requiredBump == .minor)
        #expect(throws: ReleaseWriter.PublishError.self) {
            try ReleaseWriter.publish(candidate: runner.layout.candidateDirectory, releasesRoot: releases, version: "1.0.1")
        }
        let second = try ReleaseWriter.publish(candidate: runner.layout.candidateDirectory, releasesRoot: releases, version: "1.1.0")
        let changelog = try String(contentsOf: second.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        #expect(changelog.contains("### Changed text\n\n- `\(target.id)`\n  - question: “\(Self.question)” → “\(reworded)”\n"))
        #expect(changelog.contains("  - review.version: 1 → 2\n"))
    }

    @Test func anAnswerKeyChangedAndRestoredInTheRawFileGivesTheFirstReleaseBack() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let runner = try project.runner()
        _ = try await runner.run()
        let candidate = runner.layout.relative(runner.layout.candidateDirectory)
        let before = try project.snapshot(candidate)
        #expect(before.count > 5)
        let original = """
                <choice>신미양요</choice>
                <answer>B</answer>
            """
        let wrongKey = original.replacingOccurrences(of: "<answer>B</answer>", with: "<answer>C</answer>")
        try edit(project, original, wrongKey)
        _ = try await project.runner().run()
        let edited = try #require(try released(runner.layout.candidateDirectory).first { $0.question == Self.question })
        #expect(edited.answerText == "정묘호란" && edited.review.version == 2)

        try edit(project, wrongKey, original)
        _ = try await project.runner().run()
        let restored = try #require(try released(runner.layout.candidateDirectory).first { $0.question == Self.question })
        #expect(restored.answerText == "임진왜란" && restored.review.version == 1)
        #expect(try project.snapshot(candidate) == before)
    }

    @Test func anIdTheFileGivesTwoItemsIsAnErrorNamingIt() async throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let chapter = "raw/textbooks/korean-society/chapter-03.xhtml"
        let text = try String(contentsOf: project.directory.appendingPathComponent(chapter), encoding: .utf8)
        try project.write(text.replacingOccurrences(of: "id=\"ch03-q2\"", with: "id=\"ch03-q1\""), to: chapter)
        do {
            _ = try await project.runner().run()
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.location.file == chapter && error.location.field == "ch03-q1")
            #expect(error.message.contains("(source korean-society gives element 'ch03-q1' twice); element ids must be unique"))
        }
    }

    /// Repeated ids are found from the sources' id orders alone: in one source, in any two of
    /// many (merged two at a time), and as `String` equality finds them (a composed and a
    /// decomposed é are one id).
    @Test func repeatedIdsAreFoundInTheSourcesIdOrders() {
        func items(_ ids: [String]) -> [Item] {
            ids.sorted().map { id in
                Item(id: id, task: .commonKnowledge, subject: "s", language: "ko", question: "q", choices: ["a", "b"], answer: "A",
                     choicesOrdered: false, source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: id, license: nil, revision: "r"))
            }
        }
        let sources = (0..<5).map { source in items((0..<4).map { "ck-\($0 * 5 + source)" }) }
        #expect(Stage.idsAreDistinct(sources))
        #expect(Stage.idsAreDistinct([]) && Stage.idsAreDistinct([items([])]))
        #expect(!Stage.idsAreDistinct([items(["ck-1", "ck-2", "ck-2"])]))
        for (a, b) in [(0, 1), (0, 4), (3, 4), (1, 3)] {
            var repeated = sources
            repeated[b] = items(repeated[b].map(\.id) + [repeated[a][2].id])
            #expect(!Stage.idsAreDistinct(repeated), "sources \(a) and \(b)")
        }
        #expect(!Stage.idsAreDistinct([items(["ck-caf\u{E9}"]), items(["ck-cafe\u{301}"])]))
    }
}
