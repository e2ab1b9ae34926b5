import DatasetCore
import Sampling
import Statistics

// The sample stage: stratified selection to quotas, with a ranked reserve.

extension PipelineSpec {
    static let sampleKeys = ["strata", "quotas", "total", "allocation", "deviations", "sub_quotas", "minimum",
                             "allow_shortfall", "oversample"]

    static func parseSampling(_ map: YAMLMapping, _ d: inout Diagnostics) -> SamplingPlan {
        map.rejectUnknownKeys(allowed: sampleKeys, &d)
        var plan = SamplingPlan()
        if let node = map["strata"], let fields = node.strings(&d) {
            for field in fields where !Item.stratumFields.contains(field) {
                d.error(node.location, "unknown stratum field '\(field)' (one of: \(Item.stratumFields.joined(separator: ", ")))")
            }
            if fields.isEmpty { d.error(node.location, "strata needs at least one field") } else { plan.strata = fields }
        }
        func counts(_ node: YAMLNode) -> [String: Int] {
            guard let mapping = node.mapping(&d) else { return [:] }
            var result: [String: Int] = [:]
            for key in mapping.keys {
                guard let value = mapping[key]!.int(&d) else { continue }
                if value < 0 { d.error(mapping[key]!.location, "a quota must not be negative") }
                result[key] = value
            }
            return result
        }
        var deviations: [String: Double] = [:]
        if let node = map["deviations"], let mapping = node.mapping(&d) {
            for key in mapping.keys { deviations[key] = mapping[key]!.double(&d) }
        }
        var method = Allocation.Method.proportional
        if let node = map["allocation"], let text = node.string(&d) {
            if let value = Allocation.Method(rawValue: text) { method = value } else {
                d.error(node.location, "allocation must be one of \(Allocation.Method.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        switch (map["quotas"], map["total"]) {
        case (let quotas?, nil):
            plan.quotas = .counts(counts(quotas))
            if map["allocation"] != nil { d.error(map["allocation"]!.location, "'allocation' goes with 'total', not with 'quotas'") }
        case (nil, let total?):
            if let value = total.int(&d) {
                if method == .neyman, deviations.isEmpty {
                    d.error(total.location, "neyman allocation needs 'deviations' (each stratum's spread)")
                }
                plan.quotas = .total(max(0, value), method, deviations: deviations)
            }
        case (_?, let total?):
            d.error(total.location, "give either 'quotas' (per stratum) or 'total' (with an allocation), not both")
        case (nil, nil):
            break
        }
        if let node = map["sub_quotas"], let mapping = node.mapping(&d) {
            for stratum in mapping.keys {
                guard let entry = mapping[stratum]!.mapping(&d) else { continue }
                entry.rejectUnknownKeys(allowed: ["field", "quotas"], &d)
                guard let field = entry.required("field", &d)?.string(&d), let quotas = entry.required("quotas", &d) else { continue }
                if !Item.stratumFields.contains(field) { d.error(entry["field"]!.location, "unknown field '\(field)'") }
                plan.subQuotas[stratum] = SamplingPlan.SubQuota(field: field, counts: counts(quotas))
            }
        }
        if let node = map["minimum"], let value = node.int(&d) { plan.minimum = max(0, value) }
        if let node = map["allow_shortfall"], let value = node.bool(&d) { plan.allowShortfall = value }
        if let node = map["oversample"], let value = node.double(&d) {
            if value < 0 || value > 10 { d.error(node.location, "oversample must be between 0 and 10 (a share: 0.2 = 20% more)") } else { plan.oversample = value }
        }
        return plan
    }
}

extension Stage {
    static func sample(_ spec: PipelineSpec) -> Stage {
        Stage(.sample, inputs: [.settings(.sample), .seed, .output(.dedup, .items)],
              outputs: [.items, .selection, .shortfall, .dropped]) { context in
            let items = try context.read(Item.self, .items, from: .dedup)
            context.progress.step("selecting", total: items.count)
            var result = try sample(items, plan: try context.setting(.sample, \.sampling), seed: try context.seed(),
                                    file: context.pipelineFileName)
            context.progress.advance(by: items.count)
            // In the order dedup gave them, not in the order of the draws (the selection file
            // keeps each item's stratum and rank): the lines are then copied from dedup's file
            // reading it forward, many at a time, where the draws' order read it a line at a
            // time, and the review stage reads this file so in turn. Translations stay where
            // they were drawn, each right after the item it translates.
            if result.positions.count == result.items.count && result.notSelectedPositions.count == result.notSelected.count {
                result.items.sort(byKeys: result.positions)
                result.notSelected.sort(byKeys: result.notSelectedPositions)
            }
            try context.write(result.items, .items)
            try context.write(result.selections, .selection)
            try context.write(result.report, .shortfall)
            try context.write(result.notSelected, .dropped)
            let short = result.report.filter { $0.shortfall > 0 }
            var notes = short.map { "shortfall \($0.stratum): \($0.available) of \($0.target ?? 0) available" }
            let reserve = result.report.map(\.reserve).reduce(0, +)
            if reserve > 0 { notes.append("\(reserve) reserve items ranked behind the quotas") }
            return StageSummary(stage: .sample, itemsIn: items.count, itemsOut: result.items.count,
                                dropped: StageSummary.droppedCounts(result.notSelected), notes: notes)
        }
    }

    /// Runs the sampling plan over the pool; a stratum below its minimum fails the build unless allowed.
    static func sample(_ items: [Item], plan: SamplingPlan, seed: UInt64, file: String) throws -> SamplingResult {
        if case .total(_, .neyman, let deviations) = plan.quotas {
            let strata = Set(StratifiedSampler.strata(items, plan: plan).keys)
            let missing = strata.subtracting(deviations.keys).sorted()
            if !missing.isEmpty {
                throw InputError(file: file, field: "stages.sample.deviations", "no deviation for strata: \(missing.joined(separator: ", "))")
            }
        }
        let result = StratifiedSampler.sample(items, plan: plan, seed: seed)
        let below = StratifiedSampler.belowMinimum(result.report, plan: plan)
        if !below.isEmpty, !plan.allowShortfall {
            throw InputErrors(below.map { row in
                InputError(file: file, field: "stages.sample.minimum",
                           "stratum \(row.stratum) has \(row.selected) items (\(row.available) available), below the minimum of \(plan.minimum); add items or set allow_shortfall: true")
            })
        }
        return result
    }
}
