public import DatasetCore
import Dedup
import Foundation
public import Statistics

/// What the release stage knows beyond the released items, for the dossier.
public struct QualityInputs: Sendable {
    public var name: String
    public var funnel: [QualityDossier.FunnelStage] = []
    public var quotas: [QualityDossier.Quota] = []
    public var pilotReview: [ReleaseManifest.PilotReview] = []
    /// Corpus checks run (nil: none).
    public var corpusContamination: [ReleaseManifest.CorpusCheck]?
    /// The pipeline's sources with when their material was collected.
    public var collection: [QualityDossier.SourceCollection] = []
    /// Social-value items' respondents against the population (ingest's, for every item it made).
    public var surveyWeighting: [SurveyWeighting] = []
    /// Clusters of items the dedup stage kept together (similar social-value questions, conflicts).
    public var keptClusters: [[String]] = []
    /// The review rounds as the pipeline defines them, and the ordered values of ordinal labels.
    public var rounds: [QualityDossier.RoundProtocol] = []
    public var ordinalLabels: [String: [String]] = [:]
    /// Each translation round's outcome and edit rates, as the review database has them.
    public var translationReview: [TranslationReview] = []
    /// Characters per shingle, as the dedup stage compares items.
    public var shingle = 5
    public var settings = QualitySettings()
    public var seed: UInt64 = 0

    public init(name: String) { self.name = name }
}

extension QualityDossier {
    /// Measures every check on the released items, taken in id order so that the seeded
    /// figures (the agreement intervals, the diversity samples) do not depend on how they came.
    public static func measure(_ released: [Item], inputs: QualityInputs) -> QualityDossier {
        let items = released.sorted(byKey: \.id)
        // The Vendi scores and authorship read the items only: made on other threads meanwhile,
        // each on its own (authorship after the scores left one core counting alone at the end
        // of a release of half a million items).
        let diversityMade = Parallel.start { Self.diversity(items, inputs: inputs) }
        let authorshipMade = Parallel.start { Self.authorship(items) }
        let count = items.count
        let ids = Set(items.map(\.id))
        func share(_ part: Int) -> Double? { count == 0 ? nil : Double(part) / Double(count) }
        var values: [Check.Kind: (value: Double?, detail: String)] = [:]

        // The counts below in one pass: each of them a pass of its own, copying the items it
        // counted into an array (`filter`, `Dictionary(grouping:)`), went over half a million
        // items' boxes again on one core.
        // Each item's missing fields are counted by field, so that the detail says what to supply.
        var missing: [String: Int] = [:], statuses: [String: Int] = [:]
        var complete = 0, labelled = 0, contaminated = 0, timeSensitive = 0, timeUnlabelled = 0
        for item in items {
            var gaps = 0
            func lacks(_ field: String, _ isMissing: Bool) {
                guard isMissing else { return }
                missing[field, default: 0] += 1
                gaps += 1
            }
            lacks("question", item.question.isEmpty)
            lacks("two choices", item.choices.count < 2)
            if item.task == .socialValue { lacks("survey", item.survey == nil) } else { lacks("answer", item.answer == nil) }
            let source = item.source
            lacks("source document", source.document.isEmpty)
            lacks("source licence", (source.license ?? "").isEmpty)
            if gaps == 0 { complete += 1 }
            if item.culturalSensitivity != .notAnnotated { labelled += 1 }
            statuses[item.review.status, default: 0] += 1
            if item.flags.contains("contaminated") { contaminated += 1 }
            switch item.timeSensitive {
            case true?: timeSensitive += 1
            case nil: timeUnlabelled += 1
            case false?: break
            }
        }
        values[.completeness] = (share(complete), "\(count - complete) of \(count) items lack a field their task needs" + reasons(missing))
        values[.labelCompleteness] = (share(labelled), "\(count - labelled) of \(count) items are not labelled CS or CA")
        let validated = inputs.funnel.first { $0.stage == "validate" }
        values[.consistency] = (share(count), "\(count) records conform to the item schema; "
            + (validated.map { "the validation rules set aside \($0.setAside.values.reduce(0, +)) of \($0.itemsIn) candidates" + reasons($0.setAside) } ?? "no validation stage"))
        values[.reviewAccuracy] = (share(statuses["approved"] ?? 0),
                                   statuses.keys.sorted().map { "\($0) \(statuses[$0]!)" }.joined(separator: ", "))
        let sent = inputs.pilotReview.map(\.sent).reduce(0, +), pending = inputs.pilotReview.map(\.pending).reduce(0, +)
        values[.pilotFollowUp] = sent == 0 ? (nil, "no pilot sent items back to review")
            : (Double(sent - pending) / Double(sent), "\(sent - pending) of \(sent) flagged items settled")

        let agreement = roundAgreement(items, inputs: inputs)
        let alphas = agreement.filter { ["decision", "cultural_sensitivity"].contains($0.agreement.variable) }
            .compactMap { row in row.agreement.alphaNominal.map { (row, $0) } }
        if let lowest = alphas.min(by: { $0.1 < $1.1 }) {
            // AC1 beside it: a rare value (nearly every vote "approve") drives alpha down where reviewers still agree.
            values[.agreement] = (lowest.1, "lowest: \(lowest.0.agreement.variable) in \(lowest.0.round), over \(lowest.0.agreement.items) items "
                + "(Gwet's AC1 \(QualityDossier.format(lowest.0.agreement.ac1)))")
        } else if agreement.isEmpty {
            values[.agreement] = (nil, "no item has two or more votes in a round")
        } else {
            // Alpha is undefined when every vote gave the same value: agreement without variation.
            values[.agreement] = (nil, "every vote on the decision and CS/CA gave the same value, so alpha is undefined")
        }

        let duplicated = Set(inputs.keptClusters.flatMap { cluster in
            let released = cluster.filter(ids.contains)
            return released.count > 1 ? released : []
        })
        values[.duplication] = (share(duplicated.count), "\(duplicated.count) items share a duplicate cluster with another released item")
        if let checks = inputs.corpusContamination, !checks.isEmpty {
            values[.contamination] = (share(contaminated), "\(contaminated) released items found in \(checks.map(\.corpus).joined(separator: ", "))")
        } else {
            values[.contamination] = (nil, "not checked against a pretraining corpus")
        }
        let quotas = inputs.quotas.filter { $0.target != nil }
        values[.quotaBalance] = quotas.isEmpty ? (nil, "no quotas") : (
            Double(quotas.filter { $0.shortfall == 0 }.count) / Double(quotas.count),
            "\(quotas.filter { $0.shortfall > 0 }.count) of \(quotas.count) strata short of their quota")

        let balance = answerBalance(items)
        if let lowest = balance.min(by: { $0.pValue < $1.pValue }) {
            values[.answerBalance] = (lowest.pValue, "lowest: \(lowest.subject), \(lowest.counts.map(String.init).joined(separator: "/"))")
        } else {
            values[.answerBalance] = (nil, "no subject with an answer key")
        }
        let (diversity, authorship) = (try! diversityMade.wait(), try! authorshipMade.wait())
        if let lowest = diversity.filter({ $0.measured >= 2 }).min(by: { $0.vendiPerItem < $1.vendiPerItem }) {
            values[.diversity] = (lowest.vendiPerItem, "lowest: \(lowest.stratum), Vendi \(String(format: "%.2f", lowest.vendi)) of \(lowest.measured) items")
        } else {
            values[.diversity] = (nil, "no subject with two or more items")
        }
        let weighting = inputs.surveyWeighting.filter { ids.contains($0.item) }.sorted { $0.item < $1.item }
        let gaps = weighting.compactMap { row in row.largestGap.map { (row.item, $0) } }
        let surveys = items.compactMap(\.survey).filter { $0.n > 0 }
        if let after = gaps.max(by: { $0.1.weighted < $1.1.weighted }), let before = gaps.max(by: { $0.1.unweighted < $1.1.unweighted }) {
            let efficiency = surveys.map { $0.nEffective / Double($0.n) }.min().map { String(format: "%.3f", $0) } ?? "n/a"
            values[.representativeness] = (after.1.weighted, "largest gap to the population margins after weighting \(QualityDossier.format(after.1.weighted)) "
                + "(\(after.0)), before \(QualityDossier.format(before.1.unweighted)) (\(before.0)); lowest Kish efficiency n_eff/n \(efficiency)")
        } else {
            values[.representativeness] = (nil, surveys.isEmpty ? "no social-value items" : "no social-value item was weighted to population margins")
        }
        values[.timeliness] = (share(timeSensitive), "\(timeSensitive) time-sensitive, \(timeUnlabelled) not labelled")
        let personal = try! Parallel.chunks(items.count) { range in
            items[range].flatMap { item in
                PersonalDataPatterns.kinds(in: item.question).map { PersonalData(item: item.id, kind: $0, field: "question") }
                    + PersonalDataPatterns.kinds(inLines: item.choices).map { PersonalData(item: item.id, kind: $0, field: "choices") }
            }
        }.flatMap { $0 }
        let personalItems = Set(personal.map(\.item)).count
        values[.identifiability] = (share(personalItems), "\(personalItems) items to review for personal data")

        let checks = Check.Kind.allCases.map { kind in
            let override = inputs.settings.checks[kind]
            let rule = kind.rule
            let threshold = override?.threshold ?? rule.threshold
            let measured = values[kind] ?? (nil, "")
            let status = measured.value.map { value in
                // Within a hair of the threshold counts as meeting it: shares are ratios of counts.
                (rule.atLeast ? value >= threshold - 1e-12 : value <= threshold + 1e-12) ? "pass" : "fail"
            } ?? "not_applicable"
            return Check(name: kind, measure: kind.measure.iso, criterion: kind.measure.nia, definition: kind.definition,
                         value: measured.value, comparison: rule.atLeast ? "at_least" : "at_most", threshold: threshold,
                         status: status, blocking: override?.block ?? false, detail: measured.detail)
        }
        return QualityDossier(name: inputs.name, version: nil, items: count, checks: checks, funnel: inputs.funnel,
                              quotas: inputs.quotas, diversity: diversity, answerBalance: balance, agreement: agreement,
                              personalData: personal, authorship: authorship, templateSimilarity: inputs.settings.templateSimilarity,
                              rounds: inputs.rounds, surveyWeighting: weighting, collection: inputs.collection,
                              translationReview: inputs.translationReview.isEmpty ? nil : inputs.translationReview)
    }

    static func reasons(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "" : " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }

    /// Agreement per round on the decision, the cultural-sensitivity label and every other
    /// single-valued label, from the votes the released items carry (adjudications left out).
    static func roundAgreement(_ items: [Item], inputs: QualityInputs) -> [RoundAgreement] {
        let rounds = Set(items.flatMap { $0.review.votes.map(\.round) }).sorted()
        var result: [RoundAgreement] = []
        for round in rounds {
            let votes = items.map { $0.review.votes.filter { $0.round == round && !$0.adjudication } }
            var variables: [(name: String, value: @Sendable (ReviewVote) -> String?)] = [("decision", { $0.decision })]
            let labelNames = Set(votes.joined().flatMap { $0.labels.map(\.name) }).sorted()
            for name in labelNames {
                if name == "required_knowledge" {
                    variables.append(("cultural_sensitivity", { vote in
                        let knowledge = vote.labels.filter { $0.name == name }.map(\.value)
                        return knowledge.isEmpty ? nil : CulturalSensitivity(requiredKnowledge: knowledge).rawValue
                    }))
                } else if votes.joined().allSatisfy({ vote in vote.labels.filter { $0.name == name }.count <= 1 }) {
                    variables.append((name, { vote in vote.labels.first { $0.name == name }?.value.lowercased() }))
                }
            }
            // The round's variables apart from one another, on every core, in order (one round's
            // votes held at a time).
            result += Parallel.map(variables.count) { [votes, variables] index in
                let (name, value) = variables[index]
                var generator = SplitMix64(seed: inputs.seed, label: "quality agreement\u{1F}\(round)\u{1F}\(name)")
                let units = votes.map { $0.compactMap { vote in value(vote).map { (vote.reviewer, $0) } } }
                return RoundAgreement(round: round, agreement: VariableAgreement.measure(
                    variable: name, scope: "all", order: inputs.ordinalLabels[name]?.map { $0.lowercased() },
                    raters: inputs.rounds.first { $0.round == round }?.reviewersPerItem ?? 2, units: units, interval: true, using: &generator))
            }.filter { $0.agreement.items > 0 }
        }
        return result
    }

    /// Answer keys per position for each common-knowledge subject, over the items with the
    /// subject's most frequent number of choices, with the chi-square test of an even spread.
    /// Translations are left out: they repeat their items' answer letters.
    static func answerBalance(_ items: [Item]) -> [AnswerBalance] {
        // Counted in one pass, per subject: its items per number of choices, and for each number
        // the keys per position (grouping the items first copied every one of them twice).
        var sizes: [String: [Int: Int]] = [:], positions: [String: [Int: [Int]]] = [:]
        for item in items where item.task == .commonKnowledge && item.translation == nil {
            guard let answer = item.answer else { continue }
            let (subject, k) = (item.subject, item.choices.count)
            sizes[subject, default: [:]][k, default: 0] += 1
            if let index = Item.index(ofLetter: answer), index < k {
                positions[subject, default: [:]][k, default: Array(repeating: 0, count: k)][index] += 1
            }
        }
        return sizes.keys.sorted().compactMap { subject in
            guard let k = sizes[subject]!.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) })?.key, k >= 2 else { return nil }
            let counts = positions[subject]?[k] ?? Array(repeating: 0, count: k)
            let total = counts.reduce(0, +)
            guard total > 0 else { return nil }
            let expected = Double(total) / Double(k)
            let chiSquare = counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            return AnswerBalance(subject: subject, counts: counts, chiSquare: chiSquare, degreesOfFreedom: k - 1,
                                 pValue: Distributions.chiSquareSurvival(chiSquare, degreesOfFreedom: Double(k - 1)))
        }
    }

    /// The Vendi score of each subject over the exact Jaccard similarity of the dedup stage's
    /// shingles (question and sorted choices), on at most `diversitySample` items drawn with the seed.
    /// Translations are left out: another language's text would count as new content.
    static func diversity(_ items: [Item], inputs: QualityInputs) -> [SubjectDiversity] {
        let strata = Self.strata(items.lazy.filter { $0.translation == nil })
        // Subjects on every core: each is a similarity matrix and its eigenvalues, independent of the others.
        return Parallel.map(strata.count) { index in
            let stratum = strata[index].name
            var members = strata[index].members.sorted(byKey: \.id)
            let size = members.count
            if size > inputs.settings.diversitySample {
                var generator = SplitMix64(seed: inputs.seed, label: "quality diversity\u{1F}\(stratum)")
                members.shuffle(using: &generator)
                members = Array(members.prefix(inputs.settings.diversitySample)).sorted(byKey: \.id)
            }
            let shingles = members.map { Shingles.hashes(of: NearDuplicateDeduplicator.comparedText($0), n: inputs.shingle) }
            let n = shingles.count
            var similarity = [Double](repeating: 0, count: n * n)
            var templated = Set<Int>()
            for i in 0..<n {
                similarity[i * n + i] = 1
                for j in (i + 1)..<n {
                    let value = Shingles.jaccard(shingles[i], shingles[j])
                    similarity[i * n + j] = value
                    similarity[j * n + i] = value
                    if value >= inputs.settings.templateSimilarity { templated.insert(i); templated.insert(j) }
                }
            }
            let vendi = Vendi.score(similarity: similarity, count: n)
            return SubjectDiversity(stratum: stratum, items: size, measured: n, vendi: vendi,
                                    vendiPerItem: n == 0 ? 0 : vendi / Double(n), templated: templated.count)
        }
    }

    /// Counted in one pass into each stratum's tally, without gathering each stratum's items
    /// or naming a source for each item without an author.
    static func authorship(_ items: [Item]) -> [Authorship] {
        struct Tally {
            var authors: [String: Int] = [:], sources: [String: Int] = [:], origins: [String: Int] = [:]
            var generated = 0, revised = 0

            mutating func add(_ item: Item) {
                let source = item.source
                if let author = source.author { authors[author, default: 0] += 1 } else { sources[source.sourceID, default: 0] += 1 }
                if let origin = item.translation?.origin { origins[origin.rawValue, default: 0] += 1 }
                if item.flags.contains("generated") { generated += 1 }
                if item.review.version > 1 { revised += 1 }
            }
        }
        var tallies: [Stratum: Tally] = [:]
        for item in items { tallies[Stratum(task: item.task, subject: item.subject), default: Tally()].add(item) }
        return tallies.map { stratum, tally in
            var authors = tally.authors
            for (source, count) in tally.sources { authors["source:\(source)", default: 0] += count }
            return Authorship(stratum: stratum.name, authors: authors, generated: tally.generated, revised: tally.revised,
                              translated: tally.origins.isEmpty ? nil : tally.origins)
        }.sorted { $0.stratum < $1.stratum }
    }

    /// Items grouped by task and subject, each group named `task/subject`, in the order of the
    /// names; items keep their order within a group. Grouped by the pair, and each group named
    /// once: a name made for every item was half a million strings at a release's largest.
    static func strata(_ items: some Sequence<Item>) -> [(name: String, members: [Item])] {
        var groups: [Stratum: [Item]] = [:]
        for item in items { groups[Stratum(task: item.task, subject: item.subject), default: []].append(item) }
        return groups.map { (name: $0.key.name, members: $0.value) }.sorted { $0.name < $1.name }
    }

    private struct Stratum: Hashable {
        var task: ItemTask, subject: String
        var name: String { "\(task.rawValue)/\(subject)" }
    }
}
