public import DatasetCore
public import Statistics
public import SchemaValidation

/// Stratified selection to quotas, set in the pipeline file's `stages.sample`.
public struct SamplingPlan: Sendable, Hashable {
    public enum Quotas: Sendable, Hashable {
        /// Every item is kept (no quotas).
        case all
        /// A count per stratum.
        case counts([String: Int])
        /// A total split over the strata found in the pool; Neyman allocation needs each
        /// stratum's spread (e.g. the standard deviation of scores, or sqrt(p(1−p))).
        case total(Int, Allocation.Method, deviations: [String: Double])
    }

    /// A stratum's quota split by another field, e.g. science into four sub-subjects.
    public struct SubQuota: Sendable, Hashable {
        public var field: String
        public var counts: [String: Int]

        public init(field: String, counts: [String: Int]) {
            self.field = field
            self.counts = counts
        }
    }

    /// Item fields whose values, joined by "/", name a stratum.
    public var strata: [String] = ["task", "subject"]
    public var quotas: Quotas = .all
    public var subQuotas: [String: SubQuota] = [:]
    /// A stratum with fewer selected items fails the build unless `allowShortfall`.
    public var minimum: Int = 0
    public var allowShortfall: Bool = false
    /// Select this share more than each quota, as a ranked reserve for review loss.
    public var oversample: Double = 0

    public init() {}
}

/// One row of the shortfall report.
public struct StratumReport: Codable, Sendable, Equatable {
    public var stratum: String
    public var target: Int?
    public var available: Int
    public var selected: Int
    public var reserve: Int
    public var shortfall: Int

    public init(stratum: String, target: Int?, available: Int, selected: Int, reserve: Int, shortfall: Int) {
        self.stratum = stratum
        self.target = target
        self.available = available
        self.selected = selected
        self.reserve = reserve
        self.shortfall = shortfall
    }

    enum CodingKeys: String, CodingKey {
        case stratum, target, available, selected, reserve, shortfall
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stratum, forKey: .stratum)
        try container.encode(target, forKey: .target)
        try container.encode(available, forKey: .available)
        try container.encode(selected, forKey: .selected)
        try container.encode(reserve, forKey: .reserve)
        try container.encode(shortfall, forKey: .shortfall)
    }
}

/// An item's place in the selection: its stratum (or sub-stratum) and rank there, the quota, and
/// whether it is within the quota or in the ranked reserve that replaces items lost in review.
public struct Selection: Codable, Sendable, Hashable {
    public var id: String
    public var stratum: String
    public var rank: Int
    public var quota: Int?
    public var reserve: Bool

    public init(id: String, stratum: String, rank: Int, quota: Int?, reserve: Bool) {
        self.id = id
        self.stratum = stratum
        self.rank = rank
        self.quota = quota
        self.reserve = reserve
    }
}

// One selection per sampled item crosses from sample to release: Foundation's encoder and
// decoder took 1.3 of the 29 processor-seconds of a 100,000-item run, at least half of it
// on these.
extension Selection: JSONReadableRecord {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id"); writer.string(id)
        // Absent, not null, when there is no quota, as the synthesized `Codable` writes it.
        if let quota { writer.key("quota"); writer.int(quota) }
        writer.key("rank"); writer.int(rank)
        writer.key("reserve"); writer.bool(reserve)
        writer.key("stratum"); writer.string(stratum)
        writer.endObject()
    }

    public init(json: JSONValue) throws {
        self.init(id: try json.field("id").stringValue(), stratum: try json.field("stratum").stringValue(),
                  rank: try json.field("rank").intValue(), quota: try json.optionalField("quota")?.intValue(),
                  reserve: try json.field("reserve").boolValue())
    }

    public init(reader: inout JSONReader) throws {
        var id: String?, quota: Int?, rank: Int?, reserve: Bool?, stratum: String?
        try reader.object(["id", "quota", "rank", "reserve", "stratum"]) { reader, key in
            switch key {
            case 0: id = try reader.string()
            case 1: quota = reader.null() ? nil : try reader.int()
            case 2: rank = try reader.int()
            case 3: reserve = try reader.bool()
            default: stratum = try reader.string()
            }
        }
        guard let id, let rank, let reserve, let stratum else { throw JSONReader.Mismatch() }
        self.init(id: id, stratum: stratum, rank: rank, quota: quota, reserve: reserve)
    }
}

public struct SamplingResult: Sendable {
    /// Selected and reserve items, by stratum then rank.
    public var items: [Item]
    public var selections: [Selection]
    public var report: [StratumReport]
    public var notSelected: [DroppedItem]
    /// Where each of `items` and of `notSelected` was in the items sampled from; empty when
    /// translations were sampled (each goes with the item it translates).
    public var positions: [Int] = []
    public var notSelectedPositions: [Int] = []

    public init(items: [Item], selections: [Selection], report: [StratumReport], notSelected: [DroppedItem]) {
        self.items = items
        self.selections = selections
        self.report = report
        self.notSelected = notSelected
    }
}

public enum StratifiedSampler {
    /// The positions of each stratum's items, in the items' order, by the stratum's name (the
    /// values of the plan's fields, joined by "/"). Items are grouped by those values, each numbered
    /// once per field, and each group is named once: naming every item's stratum made and
    /// hashed a string for each of a million candidates, most of a second of one core.
    public static func strata(_ items: [Item], plan: SamplingPlan) -> [String: [Int]] {
        let fields = plan.strata
        // The values are read on every core: reading an item's fields is mostly waiting for
        // its storage to come from memory, which each core does apart.
        let read = try! Parallel.chunks(items.count) { range in
            range.flatMap { index in fields.map(items[index].field) }
        }.flatMap { $0 }
        var numbers = [[String: Int]](repeating: [:], count: fields.count)
        var values = [[String]](repeating: [], count: fields.count)
        var groups: [[Int]: [Int]] = [:]
        var key = [Int](repeating: 0, count: fields.count)
        for index in items.indices {
            for position in fields.indices {
                let value = read[index * fields.count + position]
                if let number = numbers[position][value] {
                    key[position] = number
                } else {
                    key[position] = values[position].count
                    numbers[position][value] = values[position].count
                    values[position].append(value)
                }
            }
            groups[key, default: []].append(index)
        }
        // Named in the order of each group's first item; values holding "/" can join into one
        // name, whose items then keep their order.
        var named: [String: [Int]] = [:]
        for members in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
            let name = members.key.enumerated().map { values[$0.offset][$0.element] }.joined(separator: "/")
            if let earlier = named[name] { named[name] = (earlier + members.value).sorted() } else { named[name] = members.value }
        }
        return named
    }

    /// Ranks each stratum's items by a draw from the seed and the item's id (so adding items
    /// never reorders the others), and keeps the top quota plus the oversampled reserve.
    /// A stratum with sub-quotas is taken sub-stratum by sub-stratum, each to its own quota.
    /// Quotas count items in their own language: a translation comes with the item it
    /// translates, after it, with its selection (stratum, rank, reserve), or not at all.
    public static func sample(_ items: [Item], plan: SamplingPlan, seed: UInt64) -> SamplingResult {
        // Looked for on every core, as the strata are read below: a pass over every item waits
        // for each one's storage to come from memory.
        if ParallelGroups.anyTranslation(items) {
            return withTranslations(sample(items.filter { $0.translation == nil }, plan: plan, seed: seed), items.filter { $0.translation != nil })
        }
        let groups = strata(items, plan: plan)
        var names = groups.keys.sorted()
        if case .counts(let counts) = plan.quotas {
            names = Array(Set(names).union(counts.keys)).sorted()
        }
        let targets = quotas(for: names, sizes: names.map { groups[$0]?.count ?? 0 }, plan: plan)

        // Strata are drawn apart from one another: on every core, joined in the order of their names.
        let strata = Parallel.map(names.count) { [names, groups] index in
            let members = groups[names[index]] ?? []
            var part = sample(stratum: names[index], members.map { items[$0] }, quota: targets[names[index]], plan: plan, seed: seed)
            part.positions = part.positions.map { members[$0] }
            part.notSelectedPositions = part.notSelectedPositions.map { members[$0] }
            return part
        }
        var result = SamplingResult(items: [], selections: [], report: [], notSelected: [])
        for stratum in strata {
            result.items += stratum.items
            result.selections += stratum.selections
            result.report += stratum.report
            result.notSelected += stratum.notSelected
            result.positions += stratum.positions
            result.notSelectedPositions += stratum.notSelectedPositions
        }
        result.report.sort { $0.stratum < $1.stratum }
        return result
    }

    /// One stratum's items in the order of their draws: each part's quota and reserve chosen
    /// (the stratum whole, or one part per value of its sub-quota field), the rest set aside.
    private static func sample(stratum name: String, _ items: [Item], quota: Int?, plan: SamplingPlan, seed: UInt64) -> SamplingResult {
        let order = Item.rankedOrder(items, seed: seed, purpose: "sample")
        let ranked = order.map { items[$0] }
        var parts: [(label: String, positions: [Int], quota: Int?)] = [(name, Array(ranked.indices), quota)]
        if let sub = plan.subQuotas[name] {
            parts = sub.counts.keys.sorted().map { value in
                ("\(name)/\(sub.field)=\(value)", ranked.indices.filter { ranked[$0].field(sub.field) == value }, sub.counts[value]!)
            }
        }
        var result = SamplingResult(items: [], selections: [], report: [], notSelected: [])
        // Chosen items are marked by their place in the draw: comparing ids hashed every one of them.
        var chosen = [Bool](repeating: false, count: ranked.count)
        for part in parts {
            let withReserve = part.quota.map { Int((Double($0) * (1 + plan.oversample)).rounded(.up)) } ?? part.positions.count
            let picked = part.positions.prefix(withReserve)
            let selected = min(part.quota ?? picked.count, picked.count)
            for (rank, position) in picked.enumerated() {
                chosen[position] = true
                result.items.append(ranked[position])
                result.positions.append(order[position])
                result.selections.append(Selection(id: ranked[position].id, stratum: part.label, rank: rank + 1, quota: part.quota,
                                                   reserve: rank >= selected))
            }
            result.report.append(StratumReport(stratum: part.label, target: part.quota, available: part.positions.count,
                                               selected: selected, reserve: picked.count - selected,
                                               shortfall: max(0, (part.quota ?? 0) - part.positions.count)))
        }
        let detail = "stratum \(name) is full (quota \(quota ?? 0) plus reserve)"
        for (position, item) in ranked.enumerated() where !chosen[position] {
            result.notSelected.append(DroppedItem(id: item.id, stage: "sample", reason: "over_quota", detail: detail, item: item))
            result.notSelectedPositions.append(order[position])
        }
        return result
    }

    static func withTranslations(_ result: SamplingResult, _ translations: [Item]) -> SamplingResult {
        let byGroup = Dictionary(grouping: translations, by: \.group).mapValues { $0.sorted(byKey: \.id) }
        var joined = SamplingResult(items: [], selections: [], report: result.report, notSelected: [])
        for (item, selection) in zip(result.items, result.selections) {
            joined.items.append(item)
            joined.selections.append(selection)
            for translation in byGroup[item.id] ?? [] {
                joined.items.append(translation)
                joined.selections.append(Selection(id: translation.id, stratum: selection.stratum, rank: selection.rank,
                                                   quota: selection.quota, reserve: selection.reserve))
            }
        }
        for dropped in result.notSelected {
            joined.notSelected.append(dropped)
            for translation in byGroup[dropped.id] ?? [] {
                joined.notSelected.append(DroppedItem(id: translation.id, stage: dropped.stage, reason: dropped.reason,
                                                      detail: "the item it translates (\(dropped.id)) was not selected: \(dropped.detail)",
                                                      item: translation))
            }
        }
        return joined
    }

    static func quotas(for names: [String], sizes: [Int], plan: SamplingPlan) -> [String: Int] {
        switch plan.quotas {
        case .all:
            return [:]
        case .counts(let counts):
            var targets: [String: Int] = [:]
            for name in names { if let count = counts[name] { targets[name] = count } }
            for (name, sub) in plan.subQuotas where targets[name] == nil {
                targets[name] = sub.counts.values.reduce(0, +)
            }
            return targets
        case .total(let total, let method, let deviations):
            let quotas = Allocation.allocate(total: total, populations: sizes.map(Double.init),
                                             deviations: names.map { deviations[$0] ?? 0 }, method: method)
            return Dictionary(uniqueKeysWithValues: zip(names, quotas))
        }
    }

    /// The strata whose selection falls below the plan's minimum.
    public static func belowMinimum(_ report: [StratumReport], plan: SamplingPlan) -> [StratumReport] {
        report.filter { $0.selected < plan.minimum }
    }
}
