import Foundation
import DatasetCore
public import Dedup

// The dedup stage: exact and near-duplicates, and the contamination check against reference benchmarks.

extension PipelineSpec {
    /// The dedup stage's check against existing benchmarks.
    public struct Contamination: Sendable {
        public var benchmarks: [ReferenceBenchmark] = []
        public var threshold = 0.8
        /// Drop a matching candidate, or keep it with the flag `contaminated`.
        public var drop = true
        /// How items are cut for the scan of pretraining corpora (`contamination export`, `scan`).
        public var ngrams = NGramSizes()
    }

    static let dedupKeys = ["near_duplicates", "contamination", "social_value", "common_knowledge", "prefer_sources"]
    static let defaultNearDuplicateActions: [ItemTask: NearDuplicateAction] = [.socialValue: .report, .commonKnowledge: .drop]

    /// `stages.dedup.<task>.near_duplicates`: drop, report or off, per task.
    static func parseDedupTasks(_ map: YAMLMapping, _ d: inout Diagnostics) -> [ItemTask: NearDuplicateAction] {
        var actions = defaultNearDuplicateActions
        for task in ItemTask.allCases {
            guard let settings = map[task.rawValue]?.mapping(&d) else { continue }
            settings.rejectUnknownKeys(allowed: ["near_duplicates"], &d)
            guard let node = settings["near_duplicates"], let text = node.string(&d) else { continue }
            if let action = NearDuplicateAction(rawValue: text) { actions[task] = action } else {
                d.error(node.location, "near_duplicates must be drop, report or off")
            }
        }
        return actions
    }
    static let contaminationKeys = ["threshold", "action", "references", "ngrams"]
    static let referenceKeys = ["name", "path", "id", "question", "choices"]
    static let nearDuplicateKeys = ["ngram", "permutations", "threshold", "false_negative_weight"]

    static func parseDedup(_ map: YAMLMapping, _ d: inout Diagnostics) -> NearDuplicateSettings? {
        map.rejectUnknownKeys(allowed: dedupKeys, &d)
        var settings = NearDuplicateSettings()
        guard let node = map["near_duplicates"] else { return settings }
        if let settingsMap = node.mappingIfMapping(&d) {
            settingsMap.rejectUnknownKeys(allowed: nearDuplicateKeys, &d)
            func whole(_ key: String, _ range: ClosedRange<Int>) -> Int? {
                guard let node = settingsMap[key], let value = node.int(&d) else { return nil }
                guard range.contains(value) else { d.error(node.location, "\(key) must be between \(range.lowerBound) and \(range.upperBound)"); return nil }
                return value
            }
            func share(_ key: String) -> Double? {
                guard let node = settingsMap[key], let value = node.double(&d) else { return nil }
                guard 0 < value && value < 1 else { d.error(node.location, "\(key) must be above 0 and below 1"); return nil }
                return value
            }
            if let value = whole("ngram", 1...32) { settings.ngram = value }
            if let value = whole("permutations", 16...1024) { settings.permutations = value }
            if let value = share("threshold") { settings.threshold = value }
            if let value = share("false_negative_weight") { settings.falseNegativeWeight = value }
            return settings
        }
        guard let enabled = node.bool(&d) else { return settings }
        return enabled ? settings : nil
    }

    static func parseContamination(_ node: YAMLNode, files: ProjectFiles?, _ d: inout Diagnostics) -> Contamination {
        var result = Contamination()
        guard let map = node.mapping(&d) else { return result }
        map.rejectUnknownKeys(allowed: contaminationKeys, &d)
        if let node = map["threshold"], let value = node.double(&d) {
            if 0 < value && value < 1 { result.threshold = value } else { d.error(node.location, "threshold must be above 0 and below 1") }
        }
        if let node = map["action"], let text = node.string(&d) {
            switch text {
            case "drop": result.drop = true
            case "flag": result.drop = false
            default: d.error(node.location, "action must be drop or flag")
            }
        }
        if let node = map["ngrams"], let sizes = node.mapping(&d) {
            sizes.rejectUnknownKeys(allowed: ["words", "characters"], &d)
            for (key, path) in [("words", \NGramSizes.words), ("characters", \NGramSizes.characters)] {
                guard let node = sizes[key], let value = node.int(&d) else { continue }
                if (5...100).contains(value) { result.ngrams[keyPath: path] = value } else { d.error(node.location, "\(key) must be between 5 and 100") }
            }
        }
        for entry in map["references"]?.sequence(&d) ?? [] {
            guard let reference = entry.mapping(&d) else { continue }
            reference.rejectUnknownKeys(allowed: referenceKeys, &d)
            guard let name = reference.required("name", &d)?.string(&d), let pathNode = reference.required("path", &d),
                  let path = pathNode.projectPath(&d) else { continue }
            let isCSV = path.lowercased().hasSuffix(".csv")
            if !isCSV, !path.lowercased().hasSuffix(".jsonl"), !path.lowercased().hasSuffix(".json") {
                d.error(pathNode.location, "a reference benchmark must be a .jsonl, .json (an array of records) or .csv file")
            }
            if let problem = files?.problem(path) { d.error(pathNode.location, problem) }
            var choices: [String] = []
            if let node = reference["choices"] {
                if isCSV { choices = node.strings(&d) ?? [] } else if let field = node.string(&d) { choices = [field] }
            }
            if result.benchmarks.contains(where: { $0.name == name }) { d.error(entry.location, "reference '\(name)' is named twice") }
            result.benchmarks.append(ReferenceBenchmark(name: name, path: path, idField: reference["id"]?.string(&d) ?? "id",
                                                        questionField: reference["question"]?.string(&d) ?? "question", choiceFields: choices))
        }
        return result
    }
}

extension Stage {
    static func dedup(_ spec: PipelineSpec) -> Stage {
        let references = spec.contamination.benchmarks.map { StageInput.raw($0.path) }
        // Sources: their order is the default priority of the keep rule.
        return Stage(.dedup, inputs: [.settings(.dedup), .settings(.sources), .seed, .output(.validate, .items), .corpusHits] + references,
                     outputs: [.items, .dropped, .clusters],
                     otherOutputs: ["`contamination.jsonl` (when the pipeline names reference benchmarks)",
                                    "`corpus_contamination.jsonl` (when corpus hits were imported)"]) { context in
            let seed = try context.seed()
            let items = try context.read(Item.self, .items, from: .validate)
            context.progress.step("exact duplicates", total: items.count)
            let preferred = try context.setting(.dedup, \.preferSources)
            let rule = KeepRule(sourcePriority: preferred + (try context.setting(.sources, \.sources)).map(\.id).filter { !preferred.contains($0) })
            let actions = try context.setting(.dedup, \.nearDuplicateActions)
            let nearSettings = try context.setting(.dedup, \.nearDuplicates).map { settings in
                var settings = settings
                settings.seed = seed
                return settings
            }
            func findDuplicates(_ items: [Item]) -> DedupResult {
                var result = ExactDeduplicator.deduplicate(items, rule: rule)
                context.progress.advance(by: items.count)
                if let settings = nearSettings {
                    context.progress.step("near-duplicates", total: result.unique.count)
                    let near = NearDuplicateDeduplicator.deduplicate(result.unique, settings: settings, actions: actions,
                                                                     conflicts: result.clusters, rule: rule) { context.progress.advance(by: $0) }
                    result.unique = near.unique
                    result.dropped += near.dropped
                    result.clusters += near.clusters
                }
                return result
            }
            var result: DedupResult
            if ParallelGroups.anyTranslation(items) {
                // Items in their own language first; translations of those set aside follow them;
                // then the translations with the kept items of their languages (duplicates never
                // cross languages), so that a translation copying another item of its language is found.
                let first = findDuplicates(items.filter { $0.translation == nil })
                let followed = ParallelGroups.removingOrphans(first.unique + items.filter { $0.translation != nil }, stage: "dedup")
                let languages = Set(followed.kept.lazy.filter { $0.translation != nil }.map(\.language))
                let again = followed.kept.filter { languages.contains($0.language) }
                context.progress.step("duplicates among translations", total: again.count)
                let second = findDuplicates(again)
                let kept = Set(second.unique.map(\.id))
                let withTranslation = Set(again.lazy.filter { $0.translation != nil }.map(\.id))
                result = DedupResult(unique: followed.kept.filter { !languages.contains($0.language) || kept.contains($0.id) },
                                     dropped: first.dropped + followed.dropped + second.dropped,
                                     clusters: first.clusters + second.clusters.filter { $0.members.contains(where: withTranslation.contains) })
            } else {
                result = findDuplicates(items)
            }
            var notes: [String] = []
            if let settings = nearSettings {
                notes.append("near-duplicates: Jaccard ≥ \(settings.threshold) on \(settings.ngram)-character shingles, "
                             + "\(settings.permutations) permutations, \(settings.banding); "
                             + ItemTask.allCases.map { "\($0.rawValue) \(actions[$0] ?? .drop)" }.joined(separator: ", "))
            }
            let contamination = try context.setting(.dedup, \.contamination)
            if !contamination.benchmarks.isEmpty {
                var settings = try context.setting(.dedup, \.nearDuplicates) ?? NearDuplicateSettings()
                settings.seed = seed
                settings.threshold = contamination.threshold
                context.progress.step("contamination", total: result.unique.count)
                let benchmarks = try contamination.benchmarks.map { ($0, try $0.read(from: try context.raw($0.path))) }
                let matches = ContaminationChecker.matches(result.unique, benchmarks: benchmarks, settings: settings)
                context.progress.advance(by: result.unique.count)
                result.apply(matches, drop: contamination.drop)
                try context.write(matches, .contamination)
                notes.append("contamination: \(matches.count) items match \(benchmarks.map { "\($0.0.name) (\($0.1.count))" }.joined(separator: ", ")) at Jaccard ≥ \(settings.threshold)"
                             + (contamination.drop ? "" : "; flagged, not dropped"))
            }
            let hits = try context.corpusHits()
            if !hits.isEmpty {
                let applied = result.apply(corpusHits: hits, drop: contamination.drop)
                try context.write(applied, .corpusContamination)
                let corpora = Dictionary(grouping: applied, by: \.hit.corpus)
                let found = corpora.keys.sorted().map { "\(Set(corpora[$0]!.map(\.hit.item)).count) items found in \($0)" }
                notes.append("pretraining corpora: " + (found.isEmpty ? "no item found" : found.joined(separator: ", ")
                    + (contamination.drop ? ", dropped" : "; flagged, not dropped")))
                let current = Dictionary(items.map { ($0.id, $0.contentHash) }, uniquingKeysWith: { first, _ in first })
                let changed = Set(hits.filter { hit in current[hit.item].map { $0 != hit.contentHash } ?? false }.map(\.item))
                if !changed.isEmpty {
                    notes.append("\(changed.count) items were changed since the scan that found them: those hits no longer apply (export and scan again)")
                }
                let absent = Set(hits.map(\.item)).filter { current[$0] == nil }.count
                if absent > 0 { notes.append("\(absent) items with imported hits no longer reach dedup") }
            }
            // A translation of an item found in a benchmark or a corpus follows it.
            let followed = ParallelGroups.removingOrphans(result.unique, stage: "dedup")
            result.unique = followed.kept
            result.dropped += followed.dropped
            context.progress.step("writing", total: result.unique.count + result.dropped.count)
            try context.write(result.unique, .items)
            context.progress.advance(by: result.unique.count)
            try context.write(result.dropped, .dropped)
            context.progress.advance(by: result.dropped.count)
            try context.write(result.clusters, .clusters)
            let kinds = Dictionary(grouping: result.clusters, by: \.kind)
            if !kinds.isEmpty {
                notes.append("clusters in clusters.jsonl: " + kinds.keys.sorted().map { "\(kinds[$0]!.count) \($0)" }.joined(separator: ", ")
                             + (kinds["conflict"] == nil ? "" : " (conflicts: same or similar question, different choices or answer; kept for review)")
                             + (kinds["similar"] == nil ? "" : " (similar: near-duplicates reported, not dropped)"))
            }
            return StageSummary(stage: .dedup, itemsIn: items.count, itemsOut: result.unique.count,
                                dropped: StageSummary.droppedCounts(result.dropped), notes: notes)
        }
    }
}
