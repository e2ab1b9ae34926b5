import Foundation
import Testing
import DatasetCore
@testable import ReviewStore

@Suite struct PilotAnswerStoreTests {
    static let answers = [
        StoredPilotAnswer(itemID: "ck-1", contentHash: "h1", choice: 0, loglikelihoods: [-0.1, -2.5, -1e-300, -3.0000000000000004]),
        StoredPilotAnswer(itemID: "ck-2", contentHash: "h2", choice: 2, loglikelihoods: nil),
    ]

    @Test func importingAgainChangesNothingAndDifferentAnswersAreRefused() throws {
        let (store, url) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let first = try store.importPilotAnswers(Self.answers, target: "release 1.0.0", model: "m", source: "a.jsonl", replace: false, actor: "test")
        #expect(first == PilotImportSummary(added: 2, replaced: 0, unchanged: 0))
        let entries = try store.auditEntries().count
        let again = try store.importPilotAnswers(Self.answers, target: "release 1.0.0", model: "m", source: "a.jsonl", replace: false, actor: "test")
        #expect(again == PilotImportSummary(added: 0, replaced: 0, unchanged: 2))
        #expect(try store.auditEntries().count == entries)
        // Log-likelihoods read back exactly, so that an identical file compares equal.
        #expect(try store.pilotAnswers(target: "release 1.0.0")["m"]?["ck-1"] == Self.answers[0])

        var changed = Self.answers
        changed[1].choice = 3
        changed.append(StoredPilotAnswer(itemID: "ck-3", contentHash: "h3", choice: 1, loglikelihoods: nil))
        #expect(throws: PilotAnswerConflict.self) {
            try store.importPilotAnswers(changed, target: "release 1.0.0", model: "m", source: "b.jsonl", replace: false, actor: "test")
        }
        // Refused whole: the new answer to ck-3 was not kept either.
        #expect(try store.pilotAnswers(target: "release 1.0.0")["m"]?.count == 2)
        let replaced = try store.importPilotAnswers(changed, target: "release 1.0.0", model: "m", source: "b.jsonl", replace: true, actor: "test")
        #expect(replaced == PilotImportSummary(added: 1, replaced: 1, unchanged: 1))
        #expect(try store.pilotAnswers(target: "release 1.0.0")["m"]?["ck-2"]?.choice == 3)
        // Other targets and models are apart.
        #expect(try store.pilotAnswers(target: "release 2.0.0").isEmpty)
        #expect(try store.pilotTargets().map(\.target) == ["release 1.0.0"])
        #expect(try store.auditEntries().filter { $0.action == "pilot.imported" }.count == 2)
        #expect(try store.verifyAudit().isEmpty)
    }

    @Test func flaggedItemsGoToTheirRoundAndTheirOutcomeIsKept() throws {
        let round = ReviewRound(name: "recheck", reviewersPerItem: 1, batchSize: 10)
        let fixture = try Fixture(plan: ReviewPlan(rounds: [round]), items: (1...4).map { reviewItem("ck-\($0)") },
                                  reviewers: [Reviewer(id: "kim", name: "Kim", role: .reviewer)])
        defer { fixture.remove() }
        let batches = try fixture.store.openForPilotFlags("recheck", plan: fixture.plan, target: "release 1.0.0",
                                                          flagged: ["ck-2": ["too_easy"], "ck-4": ["dead_distractor", "too_hard"]], actor: "test")
        #expect(try batches.flatMap { try fixture.store.batchMembers($0.id).map(\.itemID) } == ["ck-2", "ck-4"])
        let outcomes = try fixture.store.pilotFlagOutcomes(target: "release 1.0.0")
        #expect(outcomes.map(\.itemID) == ["ck-2", "ck-4"])
        #expect(outcomes.allSatisfy { $0.outcome == "pending" && !$0.revised && $0.round == "recheck" })
        #expect(outcomes[1].flags == ["dead_distractor", "too_hard"])
        #expect(try fixture.store.verifyAudit().isEmpty)
    }
}
