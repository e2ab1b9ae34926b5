import Foundation
import DatasetCore
import ReviewStore

// The review stage: items that reached review are registered in the review database, and the
// decisions recorded there are applied.

extension PipelineSpec {
    static let reviewKeys = ["rounds", "include_unreviewed"]
    static let roundKeys = ["name", "reviewers", "batch_size", "roles", "decisions", "rule", "threshold", "on_disagreement",
                            "labels", "label_threshold", "tasks", "languages", "translations", "guidelines", "guidelines_file"]
    static let labelKeys = ["name", "type", "values", "multiple", "ordinal", "required", "title", "description"]
    static let labelValueKeys = ["value", "title", "description"]

    static func parseReview(_ node: YAMLNode, files: ProjectFiles?, _ d: inout Diagnostics) -> ReviewPlan {
        var plan = ReviewPlan()
        guard let map = node.mapping(&d) else { return plan }
        map.rejectUnknownKeys(allowed: reviewKeys, &d)
        if let value = map["include_unreviewed"]?.bool(&d) { plan.includeUnreviewed = value }
        for entry in map["rounds"]?.sequence(&d) ?? [] {
            guard let round = parseRound(entry, files: files, &d) else { continue }
            if plan.round(round.name) != nil { d.error(entry.location, "round '\(round.name)' is declared twice") }
            plan.rounds.append(round)
        }
        return plan
    }

    static func parseRound(_ node: YAMLNode, files: ProjectFiles?, _ d: inout Diagnostics) -> ReviewRound? {
        guard let map = node.mapping(&d) else { return nil }
        map.rejectUnknownKeys(allowed: roundKeys, &d)
        guard let name = map.required("name", &d)?.string(&d) else { return nil }
        if name.wholeMatch(of: /[a-z0-9][a-z0-9_-]*/) == nil {
            d.error(map["name"]!.location, "round name '\(name)' must be lower-case letters, digits, '_' or '-' (it names batches)")
        }
        var round = ReviewRound(name: name)
        func positive(_ key: String) -> Int? {
            guard let node = map[key], let value = node.int(&d) else { return nil }
            if value < 1 { d.error(node.location, "\(key) must be at least 1"); return nil }
            return value
        }
        func share(_ key: String) -> Double? {
            guard let node = map[key], let value = node.double(&d) else { return nil }
            if !(0 < value && value <= 1) { d.error(node.location, "\(key) must be a share above 0 and at most 1"); return nil }
            return value
        }
        func words<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> [T]? where T.RawValue == String {
            guard let node = map[key], let list = node.strings(&d) else { return nil }
            let values = list.compactMap { word in
                let value = T(rawValue: word)
                if value == nil { d.error(node.location, "unknown \(key) value '\(word)' (one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))") }
                return value
            }
            if values.isEmpty { d.error(node.location, "\(key) needs at least one value") }
            return values
        }
        if let value = positive("reviewers") { round.reviewersPerItem = value }
        if let value = positive("batch_size") { round.batchSize = value }
        if let value = words("roles", ReviewerRole.self) { round.roles = value }
        if let value = words("decisions", ReviewDecision.self) { round.decisions = value }
        if let value = words("tasks", ItemTask.self) { round.tasks = value }
        if let node = map["languages"], let value = node.strings(&d) {
            if value.isEmpty { d.error(node.location, "languages needs at least one language") } else { round.languages = value }
        }
        if let node = map["translations"], let text = node.string(&d) {
            if let scope = ReviewRound.TranslationScope(rawValue: text) { round.translations = scope } else {
                d.error(node.location, "translations must be include, exclude or only")
            }
        }
        if let value = share("label_threshold") { round.labelThreshold = value }
        let threshold = share("threshold")
        if let node = map["rule"], let text = node.string(&d) {
            switch text {
            case "unanimous": round.rule = .unanimous
            case "majority": round.rule = .majority(threshold: threshold ?? 0.5)
            case "any": round.rule = .any
            default: d.error(node.location, "rule must be unanimous, majority or any")
            }
        }
        if threshold != nil, round.rule != .majority(threshold: threshold!) {
            d.error(map["threshold"]!.location, "'threshold' goes with rule: majority")
        }
        if let node = map["on_disagreement"], let text = node.string(&d) {
            if let value = ReviewRound.OnDisagreement(rawValue: text) { round.onDisagreement = value } else {
                d.error(node.location, "on_disagreement must be adjudicate or another_reviewer")
            }
            if round.onDisagreement == .anotherReviewer, round.rule == .unanimous {
                d.error(node.location, "another reviewer can never make a split vote unanimous; use on_disagreement: adjudicate")
            }
        }
        if let node = map["guidelines"], let text = node.string(&d) { round.guidelines = text }
        if let node = map["guidelines_file"], let path = node.projectPath(&d) {
            if map["guidelines"] != nil { d.error(node.location, "give 'guidelines' or 'guidelines_file', not both") }
            if let files {
                // Read now, so that the guidelines in force are part of the round (and audited with it).
                if let problem = files.problem(path) {
                    d.error(node.location, problem)
                } else if let data = FileManager.default.contents(atPath: files.url(path).path) {
                    if let text = String(data: data, encoding: .utf8) { round.guidelines = text } else {
                        d.error(node.location, "'\(path)' is not UTF-8 text")
                    }
                } else {
                    d.error(node.location, "cannot read '\(path)'")
                }
            }
        }
        if !round.decisions.contains(.approve) {
            d.error(map["decisions"]?.location ?? map.node.location, "a round needs the decision 'approve'")
        }
        for entry in map["labels"]?.sequence(&d) ?? [] {
            var spec: LabelSpec?
            if let mapping = entry.mappingIfMapping(&d) {
                mapping.rejectUnknownKeys(allowed: labelKeys, &d)
                guard let labelName = mapping.required("name", &d)?.string(&d) else { continue }
                var label = LabelSpec.known(labelName) ?? LabelSpec(name: labelName, kind: .choice, required: true)
                if let node = mapping["type"], let text = node.string(&d) {
                    if let kind = LabelSpec.Kind(rawValue: text) { label.kind = kind } else { d.error(node.location, "type must be choice, boolean or text") }
                }
                if let node = mapping["values"], let entries = node.sequence(&d) {
                    // A value is its text, or {value, title, description} for what reviewers read.
                    label.values = []
                    for entry in entries {
                        if let value = entry.mappingIfMapping(&d) {
                            value.rejectUnknownKeys(allowed: labelValueKeys, &d)
                            guard let text = value.required("value", &d)?.string(&d) else { continue }
                            label.values.append(text)
                            if let title = value["title"]?.string(&d) { label.valueTitles = (label.valueTitles ?? [:]).merging([text: title]) { $1 } }
                            if let about = value["description"]?.string(&d) {
                                label.valueDescriptions = (label.valueDescriptions ?? [:]).merging([text: about]) { $1 }
                            }
                        } else if let text = entry.string(&d) {
                            label.values.append(text)
                        }
                    }
                }
                if let value = mapping["title"]?.string(&d) { label.title = value }
                if let value = mapping["description"]?.string(&d) { label.description = value }
                if let value = mapping["multiple"]?.bool(&d) { label.multiple = value }
                if let value = mapping["ordinal"]?.bool(&d) { label.ordinal = value }
                if let value = mapping["required"]?.bool(&d) { label.required = value }
                if label.kind == .choice, label.values.isEmpty { d.error(entry.location, "label '\(labelName)' needs its values") }
                if label.ordinal, label.kind != .choice || label.multiple { d.error(entry.location, "only a single-value choice label can be ordinal") }
                spec = label
            } else if let labelName = entry.string(&d) {
                spec = LabelSpec.known(labelName)
                if spec == nil {
                    d.error(entry.location, "'\(labelName)' is not a known label (required_knowledge, region, country, time_sensitive); declare it as {name, type, values}")
                }
            }
            guard let spec else { continue }
            if round.label(spec.name) != nil { d.error(entry.location, "label '\(spec.name)' is declared twice") }
            if ["batch", "reviewer", "item_id", "content_hash", "subject", "question", "answer", "source", "earlier_decisions", "decision", "reason", "comment"].contains(spec.name)
                || spec.name.hasPrefix("choice_") || spec.name.hasPrefix("revised_") {
                d.error(entry.location, "'\(spec.name)' names a column of batch files; choose another label name")
            }
            round.labels.append(spec)
        }
        return round
    }
}

extension Stage {
    static func review(_ spec: PipelineSpec) -> Stage {
        Stage(.review, inputs: [.settings(.review), .reviewState, .output(.sample, .items)], outputs: [.items, .dropped],
              prepare: { context in
                  // Every item that reaches review is registered (a no-op when it already is), even
                  // when the stage's output is reused, so a new review database is never left empty.
                  // The database records which sample output it registered last; the same one
                  // again is not read at all.
                  let source = try context.fingerprint(of: .output(.sample, .items))
                  let actor = "pipeline:\(context.layout.pipelineName)"
                  var registered = 0
                  let made = try context.createReviewStore(registering: {
                      let items = try context.read(Item.self, .items, from: .sample)
                      context.progress.step("registering", total: items.count)
                      registered = items.count
                      return items
                  }, actor: actor, from: source)
                  if made {
                      context.progress.advance(by: registered)
                      return
                  }
                  let store = try context.reviewStore()
                  if try store.registeredSource() == source { return }
                  let items = try context.read(Item.self, .items, from: .sample)
                  context.progress.step("registering", total: items.count)
                  _ = try store.register(items, actor: actor, from: source)
                  context.progress.advance(by: items.count)
              }) { context in
            let items = try context.read(Item.self, .items, from: .sample)
            let plan = try context.setting(.review, \.review)
            context.progress.step("applying decisions", total: items.count)
            let outcome = try context.reviewStore().review(items, plan: plan)
            context.progress.advance(by: items.count)
            try context.write(outcome.kept, .items)
            try context.write(outcome.dropped, .dropped)
            var notes = ["review database \(context.layout.relative(context.layout.reviewDatabase))"]
            let unsettled = outcome.kept.filter { $0.review.status == "in_review" || $0.review.status == "unreviewed" }.count
            if !plan.rounds.isEmpty, unsettled > 0 {
                notes.append("\(unsettled) items have not passed every review round and are kept (include_unreviewed)")
            }
            if !outcome.rawEditConflicts.isEmpty {
                let shown = outcome.rawEditConflicts.prefix(10).joined(separator: ", ") + (outcome.rawEditConflicts.count > 10 ? ", ..." : "")
                notes.append("conflict: \(outcome.rawEditConflicts.count) items changed in the raw files after a reviewer revised them; "
                             + "the raw text stands and is back in review, the revision is kept in the review database (\(shown))")
            }
            return StageSummary(stage: .review, itemsIn: items.count, itemsOut: outcome.kept.count,
                                dropped: StageSummary.droppedCounts(outcome.dropped), notes: notes)
        }
    }
}
