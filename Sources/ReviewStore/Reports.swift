import Foundation
import DatasetCore
internal import GRDB
public import Statistics

/// Progress of one round.
public struct RoundStatus: Sendable, Codable, Equatable {
    public struct ReviewerProgress: Sendable, Codable, Equatable {
        public var reviewer: String
        public var batches: Int
        public var assigned: Int
        public var decided: Int
    }

    public var round: String
    public var closed: Bool
    /// Items that reached the round, and how many it approved or rejected.
    public var items: Int
    public var approved: Int
    public var rejected: Int
    /// Items that reached the round but are in none of its batches (new, or revised since).
    public var waitingForBatch: Int
    /// Items whose votes disagree and that wait for a lead or another reviewer.
    public var disputed: Int
    public var batches: Int
    public var unassignedSlots: Int
    public var votesExpected: Int
    public var votesDone: Int
    public var reviewers: [ReviewerProgress]
}

extension ReviewStore {
    public func status(plan: ReviewPlan) throws -> [RoundStatus] {
        try readingRounds(plan) { snapshot in try plan.rounds.map { try readStatus(of: $0, snapshot: snapshot) } }
    }

    /// Each round's progress with its agreement, from one reading of the review state: the
    /// curator's page showed them from a reading each, which over half a million items took
    /// seconds apiece.
    public func roundReports(plan: ReviewPlan) throws -> [(status: RoundStatus, agreement: [VariableAgreement])] {
        try readingRounds(plan) { snapshot in
            try plan.rounds.map { round in
                (try readStatus(of: round, snapshot: snapshot), try readAgreement(round: round.name, plan: plan, snapshot: snapshot))
            }
        }
    }

    /// Reads `body` from one snapshot in a read transaction, the rounds brought in line with the
    /// plan first where they are not (a write of its own): over half a million items the reading
    /// takes seconds, which reviewers' decisions, written meanwhile, need not wait for.
    private func readingRounds<T>(_ plan: ReviewPlan, _ body: (ReviewSnapshot) throws -> T) throws -> T {
        if try !database.snapshot({ try roundChanges(plan) }).isEmpty {
            try database.transaction { try syncRounds(plan, actor: Self.shellActor) }
        }
        return try database.snapshot { try body(try ReviewSnapshot(store: self, plan: plan)) }
    }

    func readStatus(of round: ReviewRound, snapshot: ReviewSnapshot) throws -> RoundStatus {
        let members = snapshot.members(of: round)
        let outcomes = members.compactMap { snapshot.outcome(in: round, for: $0) }
        let batches = try batches(round: round.name)
        // The round's members and decisions by batch, each in one query: with a query (and
        // the items decoded) per batch, the status of a round of 5,000 batches took 18 s.
        var keysOfBatch: [String: [String]] = [:]
        try database.eachRow("""
            SELECT bi.batch, bi.item_id, bi.content_hash FROM batch_items bi JOIN batches b ON b.id = bi.batch WHERE b.round = ?
            """, [round.name]) { row in
            keysOfBatch[row[0], default: []].append("\(row[1] as String)/\(row[2] as String)")
        }
        var decidedInBatch: [String: [String: Int]] = [:]
        try database.eachRow("""
            SELECT d.batch, d.reviewer, COUNT(*) FROM decisions d JOIN batches b ON b.id = d.batch
            WHERE b.round = ? GROUP BY d.batch, d.reviewer
            """, [round.name]) { row in
            decidedInBatch[row[0], default: [:]][row[1]] = row[2]
        }
        var batchedKeys = Set<String>(), disputedKeys = Set<String>()
        var expected = 0, slots = 0
        var progress: [String: RoundStatus.ReviewerProgress] = [:]
        for batch in batches {
            let keys = keysOfBatch[batch.id] ?? []
            let needed = batch.kind == .review ? round.reviewersPerItem : 1
            expected += needed * keys.count
            slots += max(0, needed - batch.reviewers.count)
            if batch.kind == .review { batchedKeys.formUnion(keys) } else { disputedKeys.formUnion(keys) }
            for reviewer in batch.reviewers {
                var entry = progress[reviewer] ?? .init(reviewer: reviewer, batches: 0, assigned: 0, decided: 0)
                entry.batches += 1
                entry.assigned += keys.count
                entry.decided += decidedInBatch[batch.id]?[reviewer] ?? 0
                progress[reviewer] = entry
            }
        }
        let done = decidedInBatch.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        let open = members.filter { snapshot.outcome(in: round, for: $0) == nil }
        return RoundStatus(
            round: round.name, closed: try roundIsClosed(round.name), items: members.count,
            approved: outcomes.filter(\.approved).count, rejected: outcomes.filter { !$0.approved }.count,
            waitingForBatch: open.filter { !batchedKeys.contains("\($0.id)/\($0.contentHash)") }.count,
            disputed: open.filter { disputedKeys.contains("\($0.id)/\($0.contentHash)") }.count,
            batches: batches.count, unassignedSlots: slots, votesExpected: expected, votesDone: done,
            reviewers: progress.keys.sorted().map { progress[$0]! })
    }

    /// Agreement among the round's reviewers on their decision and on each label, over all its
    /// items and per subject, with the number of items behind each figure. Adjudications are
    /// left out: they settle disagreements and are not independent votes.
    public func agreement(round roundName: String, plan: ReviewPlan) throws -> [VariableAgreement] {
        try database.snapshot { try readAgreement(round: roundName, plan: plan, snapshot: ReviewSnapshot(store: self, plan: plan)) }
    }

    func readAgreement(round roundName: String, plan: ReviewPlan, snapshot: ReviewSnapshot) throws -> [VariableAgreement] {
        guard let round = plan.round(roundName) else { throw unknownRound(roundName, plan) }
        // Every item version the round has votes on, with its subject.
        var units: [(key: String, subject: String, votes: [VoteRow])] = []
        // An item's subject is its first version's, looked up for the items with votes only (not
        // by reading the whole items table).
        var subjects: [String: String] = [:]
        func subject(of id: String) throws -> String {
            if let known = subjects[id] { return known }
            let found: String = try database.value("SELECT subject FROM items WHERE id = ? ORDER BY version LIMIT 1", [id]) ?? ""
            subjects[id] = found
            return found
        }
        // Languages from the pool the snapshot has decoded already; an item no longer in it is looked up.
        var languages = Dictionary(snapshot.pool.map { ($0.id, $0.language) }, uniquingKeysWith: { a, _ in a })
        func language(of id: String) throws -> String {
            if let known = languages[id] { return known }
            let found: String = try database.value("SELECT json_extract(record, '$.language') FROM items WHERE id = ? LIMIT 1", [id]) ?? ""
            languages[id] = found
            return found
        }
        var languageOf: [String: String] = [:]
        for (key, votes) in snapshot.votes.sorted(by: { $0.key < $1.key }) where key.hasPrefix("\(roundName)/") {
            let regular = votes.filter { $0.batchKind != .adjudication }
            let itemID = key.dropFirst(roundName.count + 1).split(separator: "/").first.map(String.init) ?? ""
            if !regular.isEmpty {
                units.append((key, try subject(of: itemID), regular))
                languageOf[key] = try language(of: itemID)
            }
        }
        // Each variable: a name, each vote's value (nil when the vote does not answer it), and the
        // order of its values when it is ordinal.
        var variables: [(name: String, value: @Sendable (VoteRow) -> String?, order: [String]?)] = [("decision", { $0.decision.rawValue }, nil)]
        for spec in round.labels {
            let answered: @Sendable (VoteRow) -> Bool = { vote in vote.decision == .approve && vote.labels[spec.name] != nil }
            if spec.kind == .choice, spec.multiple {
                for value in spec.values {
                    variables.append(("\(spec.name)=\(value)", { answered($0) ? String($0.labels[spec.name]!.contains(value)) : nil }, nil))
                }
            } else {
                variables.append((spec.name, { answered($0) ? $0.labels[spec.name]!.first!.lowercased() : nil },
                                  spec.ordinal ? spec.values.map { $0.lowercased() } : nil))
            }
            if spec.name == "required_knowledge" {
                variables.append(("cultural_sensitivity", { vote in
                    answered(vote) ? CulturalSensitivity(requiredKnowledge: vote.labels[spec.name]!).rawValue : nil
                }, nil))
            }
        }
        var scopes: [(String, [(key: String, subject: String, votes: [VoteRow])])] = [("all", units)]
        for subject in Set(units.map(\.subject)).sorted() { scopes.append(("subject=\(subject)", units.filter { $0.subject == subject })) }
        // Items of several languages (a translation round): each language apart as well.
        let unitLanguages = Set(units.map { languageOf[$0.key] ?? "" })
        if unitLanguages.count > 1 || round.isTranslationRound {
            for language in unitLanguages.sorted() { scopes.append(("language=\(language)", units.filter { languageOf[$0.key] == language })) }
        }
        // Each variable in each scope apart from the others, on every core, in order: a round with
        // five labels over half a million items is five bootstraps of alpha.
        let measured = (variables: variables, scopes: scopes, raters: round.reviewersPerItem)
        return Parallel.map(variables.count * scopes.count) { [measured] index in
            let variable = measured.variables[index / measured.scopes.count], (scope, scoped) = measured.scopes[index % measured.scopes.count]
            // Seeded by what is measured, so that the same votes always give the same interval.
            var generator = SplitMix64(seed: 0, label: "agreement\u{1F}\(variable.name)")
            return VariableAgreement.measure(variable: variable.name, scope: scope, order: variable.order, raters: measured.raters,
                                             units: scoped.map { $0.votes.compactMap { vote in variable.value(vote).map { (vote.reviewer, $0) } } },
                                             interval: scope == "all", using: &generator)
        }
    }
}

extension ReviewStore {
    /// The translation round's report (`review translations`, the build report and the card).
    public func translationReview(round roundName: String, plan: ReviewPlan) throws -> TranslationReview {
        try database.snapshot { try readTranslationReview(round: roundName, plan: plan) }
    }

    /// The text edit rates compare: the question and each choice on a line of its own.
    static func editedText(_ item: Item) -> String {
        ([item.question] + item.choices).joined(separator: "\n")
    }

    func readTranslationReview(round roundName: String, plan: ReviewPlan) throws -> TranslationReview {
        guard let round = plan.round(roundName) else { throw unknownRound(roundName, plan) }
        let snapshot = try ReviewSnapshot(store: self, plan: plan)
        enum Outcome { case accepted, edited, rejected, pending }
        var outcomes: [(member: PoolMember, outcome: Outcome, edit: TranslationReview.Edit?)] = []
        for member in snapshot.members(of: round) where member.isTranslation {
            let id = member.id
            // Back through the revisions to the text as it came in, noting one made in this round.
            var hash = member.contentHash, editedHere = false, steps = 0
            while let link = snapshot.revisedFrom["\(id)/\(hash)"], steps <= snapshot.revisedFrom.count {
                if link.round == round.name { editedHere = true }
                hash = link.base
                steps += 1
            }
            let result = snapshot.outcome(in: round, for: member)
            var edit: TranslationReview.Edit?
            // Only an edited translation's texts are read, the version as it came in and this one.
            if editedHere, let incoming = try itemVersion(id, contentHash: hash), let edited = try itemVersion(id, contentHash: member.contentHash) {
                edit = .init(item: id, language: member.language, subject: member.subject,
                             origin: (incoming.item.translation ?? edited.item.translation!).origin.rawValue, reviser: member.author, version: member.version,
                             measures: EditRates.measure(machine: Self.editedText(incoming.item), edited: Self.editedText(edited.item)))
            }
            let outcome: Outcome = result?.approved == false ? .rejected : edit != nil ? .edited : result?.approved == true ? .accepted : .pending
            outcomes.append((member, outcome, edit))
        }
        var rows: [TranslationReview.Row] = []
        for language in Set(outcomes.map(\.member.language)).sorted() {
            let inLanguage = outcomes.filter { $0.member.language == language }
            for subject in ["all"] + Set(inLanguage.map(\.member.subject)).sorted() {
                let scoped = subject == "all" ? inLanguage : inLanguage.filter { $0.member.subject == subject }
                let measures = scoped.compactMap(\.edit?.measures)
                func mean(_ value: (EditRates.Measures) -> Double) -> Double? {
                    measures.isEmpty ? nil : measures.map(value).reduce(0, +) / Double(measures.count)
                }
                func count(_ outcome: Outcome) -> Int { scoped.filter { $0.outcome == outcome }.count }
                rows.append(.init(language: language, subject: subject, items: scoped.count, accepted: count(.accepted), edited: count(.edited),
                                  rejected: count(.rejected), pending: count(.pending), meanCharacters: mean { Double($0.characters) },
                                  meanNormalized: mean(\.normalized), meanTER: mean(\.ter)))
            }
        }
        return TranslationReview(round: round.name, rows: rows, edits: outcomes.compactMap(\.edit).sorted { $0.item < $1.item })
    }
}
