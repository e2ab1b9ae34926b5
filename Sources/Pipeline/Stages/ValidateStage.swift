import DatasetCore
import Validation

// The validate stage: schema and content rules per task; each rejected item is kept with its reason.

extension PipelineSpec {
    static let validateKeys = ["common_knowledge", "social_value", "sources"]
    static let rulesKeys = ["choices", "question_length", "max_choice_length", "allow_all_of_the_above", "long_answer_ratio", "actions"]

    /// A mapping of rule → drop, flag or off.
    static func parseActions(_ node: YAMLNode, _ d: inout Diagnostics) -> [String: RuleAction] {
        guard let map = node.mapping(&d) else { return [:] }
        map.rejectUnknownKeys(allowed: Validator.ruleNames, &d)
        var actions: [String: RuleAction] = [:]
        for rule in map.keys where Validator.ruleNames.contains(rule) {
            guard let value = map[rule]?.string(&d) else { continue }
            if let action = RuleAction(rawValue: value) { actions[rule] = action } else {
                d.error(map[rule]!.location, "a rule's action is drop, flag or off")
            }
        }
        return actions
    }

    /// `stages.validate.sources`: source id → rule actions for that source's items.
    static func parseValidationBySource(_ node: YAMLNode?, sources: [String], _ d: inout Diagnostics) -> [String: [String: RuleAction]] {
        guard let validate = node?.mappingIfMapping(&d), let bySource = validate["sources"]?.mapping(&d) else { return [:] }
        var result: [String: [String: RuleAction]] = [:]
        for id in bySource.keys {
            if !sources.contains(id) { d.error(bySource[id]!.location, "'\(id)' is not a source of this pipeline") }
            result[id] = parseActions(bySource[id]!, &d)
        }
        return result
    }

    /// `stages.validate`: rules per task, each starting from the task's defaults.
    static func parseValidate(_ node: YAMLNode?, _ d: inout Diagnostics) -> [ItemTask: ValidationRules] {
        var validation: [ItemTask: ValidationRules] = [
            .commonKnowledge: .commonKnowledgeDefault, .socialValue: .socialValueDefault,
        ]
        guard let validate = node?.mapping(&d) else { return validation }
        validate.rejectUnknownKeys(allowed: validateKeys, &d)
        for task in ItemTask.allCases {
            if let node = validate[task.rawValue], let rules = parseRules(node, defaults: validation[task]!, &d) {
                validation[task] = rules
            }
        }
        return validation
    }

    static func parseRules(_ node: YAMLNode, defaults: ValidationRules, _ d: inout Diagnostics) -> ValidationRules? {
        guard let map = node.mapping(&d) else { return nil }
        map.rejectUnknownKeys(allowed: rulesKeys, &d)
        var rules = defaults
        func range(_ key: String) -> (Int, Int)? {
            guard let value = map[key] else { return nil }
            if let bounds = value.mappingIfMapping(&d) {
                bounds.rejectUnknownKeys(allowed: ["min", "max"], &d)
                let low = bounds["min"]?.int(&d) ?? 0
                let high = bounds["max"]?.int(&d) ?? Int.max
                if low > high { d.error(value.location, "min is above max") }
                return (low, high)
            }
            guard let exact = value.int(&d) else { return nil }
            return (exact, exact)
        }
        if let (low, high) = range("choices") { rules.minChoices = low; rules.maxChoices = high }
        if let (low, high) = range("question_length") { rules.minQuestionLength = low; rules.maxQuestionLength = high }
        if let value = map["max_choice_length"]?.int(&d) { rules.maxChoiceLength = value }
        if let value = map["allow_all_of_the_above"]?.bool(&d) { rules.allowAllOfTheAbove = value }
        if let value = map["long_answer_ratio"]?.double(&d) { rules.longAnswerRatio = value }
        if let node = map["actions"] { rules.actions = parseActions(node, &d) }
        return rules
    }
}

extension Stage {
    /// Items checked in chunks of this many, so that progress moves.
    static let validationChunk = 10_000

    static func validate(_ spec: PipelineSpec) -> Stage {
        Stage(.validate, inputs: [.settings(.validate), .output(.ingest, .items)], outputs: [.items, .dropped]) { context in
            let rules = try context.setting(.validate, \.validation)
            let bySource = try context.setting(.validate, \.validationBySource)
            let items = try context.read(Item.self, .items, from: .ingest)
            context.progress.step("checking", total: items.count)
            var valid: [Item] = [], rejected: [DroppedItem] = []
            let originals = ParallelGroups.originals(items)
            for start in stride(from: 0, to: items.count, by: validationChunk) {
                let chunk = Validator.validate(Array(items[start..<min(start + validationChunk, items.count)]), rules: rules,
                                               sourceActions: bySource, originals: originals)
                valid += chunk.valid
                rejected += chunk.rejected
                context.progress.advance(by: chunk.valid.count + chunk.rejected.count)
            }
            let followed = ParallelGroups.removingOrphans(valid, stage: "validate")
            valid = followed.kept
            rejected += followed.dropped
            try context.write(valid, .items)
            try context.write(rejected, .dropped)
            let flagged = Dictionary(grouping: valid.flatMap { $0.flags.filter(Validator.ruleNames.contains) }, by: { $0 }).mapValues(\.count)
            return StageSummary(stage: .validate, itemsIn: items.count, itemsOut: valid.count,
                                dropped: StageSummary.droppedCounts(rejected),
                                notes: flagged.keys.sorted().map { "\(flagged[$0]!) flagged \($0)" })
        }
    }
}
