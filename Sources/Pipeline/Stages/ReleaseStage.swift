import Foundation
import DatasetCore
import Sampling
import Dedup
import Release
import ReviewStore

// The release stage: the final selection by rank, stable splits and balanced answer positions,
// written as a release candidate with its manifest.

extension PipelineSpec {
    static let releaseStageKeys = ["splits", "balance_answers", "exports", "min_human_verified"]
    static let releaseKeys = ["name", "license"]

    /// `stages.release`: the splits and whether answer positions are balanced.
    static func parseReleaseStage(_ node: YAMLNode?, _ d: inout Diagnostics) -> (splits: [SplitAssigner.Split], balanceAnswers: Bool, exports: [ReleaseExport]) {
        var splits = SplitAssigner.defaultSplits
        var balanceAnswers = true
        var exports: [ReleaseExport] = []
        guard let release = node?.mapping(&d) else { return (splits, balanceAnswers, exports) }
        release.rejectUnknownKeys(allowed: releaseStageKeys, &d)
        if let list = release["splits"]?.sequence(&d) {
            var parsed: [SplitAssigner.Split] = []
            for (index, node) in list.enumerated() {
                guard let entry = node.mapping(&d) else { continue }
                entry.rejectUnknownKeys(allowed: ["name", "per_subject"], &d)
                guard let name = entry.required("name", &d)?.string(&d) else { continue }
                let size = entry["per_subject"]?.int(&d)
                if entry["per_subject"] == nil, index != list.count - 1 {
                    d.error(node.location, "only the last split may take the rest; give '\(name)' a per_subject count")
                }
                if let size, size < 0 { d.error(entry["per_subject"]!.location, "per_subject must not be negative") }
                if parsed.contains(where: { $0.name == name }) { d.error(node.location, "split '\(name)' is named twice") }
                if name.wholeMatch(of: /[a-z][a-z0-9_]*/) == nil {
                    d.error(entry["name"]!.location, "split name '\(name)' must be lower-case letters, digits or '_' (it names a file)")
                }
                parsed.append(SplitAssigner.Split(name: name, perSubject: size))
            }
            if parsed.isEmpty { d.error(release["splits"]!.location, "at least one split is needed") } else { splits = parsed }
        }
        if let value = release["balance_answers"]?.bool(&d) { balanceAnswers = value }
        for node in release["exports"]?.sequence(&d) ?? [] {
            guard let name = node.string(&d) else { continue }
            if let export = ReleaseExport(rawValue: name) { exports.append(export) } else {
                d.error(node.location, "unknown export '\(name)' (one of: \(ReleaseExport.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        return (splits, balanceAnswers, exports)
    }

    /// The top-level `release`: the published name and licence.
    static func parseRelease(_ node: YAMLNode?, _ d: inout Diagnostics) -> (name: String?, license: String?) {
        guard let release = node?.mapping(&d) else { return (nil, nil) }
        release.rejectUnknownKeys(allowed: releaseKeys, &d)
        let name = release.required("name", &d)?.string(&d)
        let license = release.required("license", &d)?.string(&d)
        if let name, name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) == nil {
            d.error(release["name"]!.location, "release name '\(name)' must be letters, digits, '.', '_' or '-' (it names a folder)")
        }
        return (name, license)
    }
}

extension Stage {
    static func release(_ spec: PipelineSpec) -> Stage {
        // The manifest lists every raw input with its hash, so each is an input here too.
        let raw = Set(spec.inputPaths).sorted().map(StageInput.raw)
        // The earlier stages' summaries make the dossier's funnel; dedup's and review's settings
        // its shingles and agreement.
        let funnel = funnelStages.map(StageInput.summary)
        let inputs: [StageInput] = [.settings(.release), .settings(.sources), .settings(.dedup), .settings(.review), .seed, .pipelineFile, .reviewState,
                                    .publishedRelease, .schema(.item), .output(.review, .items), .output(.sample, .selection),
                                    .output(.dedup, .clusters), .output(.dedup, .corpusContamination), .output(.ingest, .surveyWeighting)]
            + funnel + raw
        return Stage(.release, inputs: inputs, outputs: [],
                     otherOutputs: ["the release candidate (`manifest.json`, `<config>/<split>.jsonl` and the documents beside them)",
                                    "`reports/`"]) { context in
            let seed = try context.seed()
            let published = try context.publishedRelease()
            let placements = try published?.placements() ?? PublishedRelease.Placements()
            let itemsIn: Int, final: (shortfall: [StratumReport], reserveLeft: Int)
            let balanced: (items: [Item], report: [AnswerBalancer.SubjectBalance])
            let translations: (kept: [Item], counts: [ParallelRelease.LanguageCount])
            do {
                // The reviewed items go once balanced, where balancing changed them: at a million
                // candidates both sets were in memory when the run was at its largest.
                let reviewed = try context.take(Item.self, .items, from: .review)
                let selections = try context.take(Selection.self, .selection, from: .sample)
                context.progress.step("splitting", total: reviewed.count)
                let selected = finalSelection(reviewed, selections: selections)
                (itemsIn, final) = (reviewed.count, (selected.shortfall, selected.reserveLeft))
                // Without translations (asked on every core), the items as they are, not a copy.
                let translated = ParallelGroups.anyTranslation(selected.items)
                let originals = translated ? selected.items.filter { $0.translation == nil } : selected.items
                balanced = try context.setting(.release, \.balanceAnswers)
                    ? AnswerBalancer.balance(originals, seed: seed, previous: placements.choices)
                    : (items: originals, report: [])
                translations = parallel(translated ? selected.items.filter { $0.translation != nil } : [], before: originals, after: balanced.items,
                                        minimum: try context.setting(.release, \.minHumanVerified))
                // The items balancing replaced, and the selections, are freed while the splits are made.
                Reclaim.later((reviewed, selections, selected, originals))
            }
            // Members of a cluster that are all kept (conflicts, flagged copies) share a split. A
            // group both dedup passes found (a conflict is the exact pass's cluster and the near
            // pass's too) is one group, said once if it straddles splits.
            var groups = Set<Set<String>>()
            let together = try context.read(DuplicateCluster.self, .clusters, from: .dedup).map(\.members)
                .filter { $0.count > 1 && groups.insert(Set($0)).inserted }
            var splits = SplitAssigner(seed: seed, splits: try context.setting(.release, \.splits))
                .assign(balanced.items, previous: placements.splits, together: together)
            if !translations.kept.isEmpty {
                // A translation goes where the item it translates went, in every language.
                var splitOf: [String: String] = [:]
                for (split, items) in splits { for item in items { splitOf[item.id] = split } }
                for item in translations.kept { splits[splitOf[item.group]!]!.append(item) }
            }
            context.progress.advance(by: itemsIn)
            // Looked for meanwhile, on another thread: half a second of one core at the stage's end
            // at a million candidates (the ids of each split are sorted to look members up).
            let straddling = Parallel.start { [splits] in SplitAssigner.straddling(splits, together: together) }
            let released = splits.values.map(\.count).reduce(0, +)
            context.progress.step("checking and writing", total: released)
            // Encoded once, a chunk at a time: the schema checks the bytes that are written.
            let directory = try context.directory()
            let written = try ReleaseWriter.writeDataFiles(splits: splits, to: directory, schemaText: try context.schemaText(.item) ?? builtInItemSchema,
                                                           schemaName: SchemaFile.item.path)
            for file in written { context.wrote(file.path, sha256: file.sha256, bytes: file.bytes) }
            let pipeline = try context.pipelineFile()
            let releaseName = try context.setting(.release, \.releaseName)
            var metadata = ReleaseWriter.Metadata(
                name: releaseName, license: try context.setting(.release, \.license),
                pipeline: pipeline.file, pipelineSHA256: pipeline.sha256,
                inputs: try Set(spec.inputPaths).sorted().map { .init(path: $0, sha256: try context.rawHash($0)) },
                reviewStateSHA256: try context.reviewStateSHA256(), exports: try context.setting(.release, \.exports))
            let contamination = Dictionary(grouping: try context.read(CorpusContamination.self, .corpusContamination, from: .dedup), by: \.hit.corpus)
            metadata.corpusContamination = contamination.keys.sorted().map { corpus in
                let hits = contamination[corpus]!
                return .init(corpus: corpus, itemsFound: Set(hits.map(\.hit.item)).count, action: hits[0].action,
                             documents: Set(hits.map { "\($0.hit.shard)\u{1F}\($0.hit.document)" }).count)
            }
            let store = try context.reviewStore()
            metadata.pilotReview = pilotReview(try store.pilotFlagOutcomes())
            metadata.translations = translations.counts
            // What the splits hold: the balanced items, each in one split, and the translations
            // kept. Without translations they are in id order already, as the dossier sorts them.
            let releasedItems = translations.kept.isEmpty ? balanced.items : balanced.items + translations.kept
            let quality = try qualityDossier(context, store: store, released: releasedItems, together: together, metadata: metadata,
                                             funnelEnd: .init(stage: "release", itemsIn: itemsIn, itemsOut: released,
                                                              setAside: final.reserveLeft > 0 ? ["reserve_unused": final.reserveLeft] : [:]),
                                             quotas: final.shortfall)
            metadata.quality = quality
            let manifest = try ReleaseWriter.writeCandidate(written: written, splits: splits, metadata: metadata, to: directory)
            context.progress.advance(by: released)
            // Build reports beside the data; only the files the manifest lists are published.
            try context.writeReport(balanced.report, "reports/answer_positions.json")
            try context.writeReport(final.shortfall, "reports/shortfall.json")
            var notes = manifest.files.map { "\($0.path): \($0.records) records" }
            notes += balanced.report.map { "answer positions \($0.subject): \($0.counts.map(String.init).joined(separator: "/")) (chi-square \($0.chiSquare))" }
            notes += final.shortfall.filter { $0.shortfall > 0 }.map { "shortfall \($0.stratum): \($0.selected) of \($0.target ?? 0) after review" }
            notes += translations.counts.map { count in
                "translations into \(count.language): \(count.human) human, \(count.postEdited) post-edited, \(count.machine) machine; "
                    + "\(count.humanVerified) made or checked by people" + (count.included ? "" : ", below min_human_verified: not released")
            }
            if let published { notes.append("splits and choice order of \(releaseName) \(published.version) kept") }
            notes += quality.checks.filter { $0.status == "fail" }.map { check in
                "quality check \(check.name.rawValue) fails: \(QualityDossier.format(check.value)) \(check.comparison == "at_least" ? "<" : ">") "
                    + "\(QualityDossier.format(check.threshold))\(check.blocking ? " (blocks release)" : "") — \(check.detail)"
            }
            notes += try straddling.wait().map {
                "cluster \($0.joined(separator: ", ")) straddles splits: its members were published in different splits"
            }
            context.leftovers.add((splits, balanced, translations, together))
            return StageSummary(stage: .release, itemsIn: itemsIn, itemsOut: manifest.files.map(\.records).reduce(0, +),
                                dropped: final.reserveLeft > 0 ? ["reserve_unused": final.reserveLeft] : [:], notes: notes)
        }
    }

    /// Translations beside the items they translate, once those are balanced: each takes its
    /// item's choice order and (unless a round labelled it) labels; languages with fewer than
    /// `minimum` made or checked by people stay out.
    static func parallel(_ translations: [Item], before: [Item], after: [Item], minimum: Int) -> (kept: [Item], counts: [ParallelRelease.LanguageCount]) {
        guard !translations.isEmpty else { return ([], []) }
        let old = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(after.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let carried = ParallelRelease.alignChoices(translations, before: old, after: new).map { ParallelRelease.carryLabels($0, from: new[$0.group]) }
        return ParallelRelease.gate(carried, minimum: minimum)
    }

    /// The stages before release, in order: the dossier's funnel.
    static let funnelStages: [StageName] = [.ingest, .validate, .dedup, .sample, .review]

    /// The quality dossier of the candidate: the released items with what the run knows about
    /// how they got there.
    static func qualityDossier(_ context: StageContext, store: ReviewStore, released: [Item], together: [[String]], metadata: ReleaseWriter.Metadata,
                               funnelEnd: QualityDossier.FunnelStage, quotas: [StratumReport]) throws -> QualityDossier {
        var inputs = QualityInputs(name: metadata.name)
        inputs.funnel = try funnelStages.map { stage in
            let summary = try context.summary(of: stage)
            return .init(stage: stage.rawValue, itemsIn: summary.itemsIn, itemsOut: summary.itemsOut, setAside: summary.dropped)
        } + [funnelEnd]
        inputs.quotas = quotas.map { .init(stratum: $0.stratum, target: $0.target, available: $0.available, selected: $0.selected, shortfall: $0.shortfall) }
        inputs.pilotReview = metadata.pilotReview
        inputs.corpusContamination = metadata.corpusContamination.isEmpty ? nil : metadata.corpusContamination
        inputs.keptClusters = together
        inputs.collection = try context.setting(.sources, \.sources).map { .init(source: $0.id, kind: $0.kind.rawValue, collected: $0.collected) }
        inputs.surveyWeighting = try context.read(SurveyWeighting.self, .surveyWeighting, from: .ingest)
        let plan = try context.setting(.review, \.review)
        for round in plan.rounds where round.isTranslationRound {
            inputs.translationReview.append(try store.translationReview(round: round.name, plan: plan))
        }
        for round in plan.rounds {
            inputs.rounds.append(.init(round: round.name, reviewersPerItem: round.reviewersPerItem, labelThreshold: round.labelThreshold,
                                       labels: round.labels.map(\.name)))
            for label in round.labels where label.ordinal { inputs.ordinalLabels[label.name] = label.values }
        }
        inputs.shingle = try context.setting(.dedup, \.nearDuplicates)?.ngram ?? NearDuplicateSettings().ngram
        inputs.settings = try context.setting(.release, \.quality)
        inputs.seed = try context.seed()
        return QualityDossier.measure(released, inputs: inputs)
    }

    /// Flagged items sent to review, counted per pilot target and round.
    static func pilotReview(_ outcomes: [PilotFlagOutcome]) -> [ReleaseManifest.PilotReview] {
        Dictionary(grouping: outcomes) { "\($0.target)\u{1F}\($0.round)" }.sorted { $0.key < $1.key }.map { _, group in
            var flags: [String: Int] = [:]
            for outcome in group { for flag in outcome.flags { flags[flag, default: 0] += 1 } }
            return ReleaseManifest.PilotReview(
                target: group[0].target, round: group[0].round, sent: group.count,
                approved: group.filter { $0.outcome == "approved" }.count, rejected: group.filter { $0.outcome == "rejected" }.count,
                pending: group.filter { $0.outcome == "pending" }.count, revised: group.filter(\.revised).count, flags: flags)
        }
    }

    /// Per stratum, the quota's worth of reviewed items in rank order: reserve items replace
    /// items lost in review. Strata without a quota keep all their items.
    static func finalSelection(_ items: [Item], selections: [Selection]) -> (items: [Item], shortfall: [StratumReport], reserveLeft: Int) {
        // Items are found by id in a sorted list of their ids: a table of half a million ids
        // took most of a second of one core.
        let byID = TextOrder.Sorted(items.map(\.id))
        // Positions, not copies of the selections: grouping and ranking copies of a million
        // retained their strings (0.5 s of processor at a million candidates).
        let strata = Dictionary(grouping: selections.indices, by: { selections[$0].stratum })
        let names = strata.keys.sorted()
        // Strata apart from one another: on every core, joined in the order of their names.
        let parts = Parallel.map(names.count) { [strata] index in
            let members = strata[names[index]]!
            // Quotas count items in their own language; translations follow below.
            let ranked = members.sorted { selections[$0].rank < selections[$1].rank }
                .compactMap { byID.position(of: selections[$0].id).map { items[$0] } }.filter { $0.translation == nil }
            let first = members.first.map { selections[$0] }
            let quota = first?.quota ?? ranked.count
            let report = StratumReport(stratum: names[index], target: first?.quota, available: ranked.count,
                                       selected: min(quota, ranked.count), reserve: max(0, ranked.count - quota),
                                       shortfall: max(0, quota - ranked.count))
            return (kept: Array(ranked.prefix(quota)), report: report)
        }
        var kept = parts.flatMap(\.kept)
        if ParallelGroups.anyTranslation(items) {
            let keptIDs = Set(kept.map(\.id))
            kept += items.filter { $0.translation.map { keptIDs.contains($0.group) } ?? false }
        }
        return (kept, parts.map(\.report), parts.map(\.report.reserve).reduce(0, +))
    }
}
