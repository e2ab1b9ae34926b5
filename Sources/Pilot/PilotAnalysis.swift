public import DatasetCore
import Foundation
import Statistics

/// What a pilot's answers say: each model's scores with bootstrap intervals, per subject and
/// per CS/CA subset, the models' rank order on each subset, the reference score, and an item
/// analysis with flags. Knowledge items are scored right or wrong; social-value items against
/// their surveyed answer distribution (KorNAT's SVA and A-SVA, a neutral-handling SVA, and
/// GlobalOpinionQA's 1 − Jensen–Shannon distance, base 2).
public struct PilotReport: Codable, Sendable, Equatable {
    public struct Score: Codable, Sendable, Equatable {
        public var model: String
        public var task: String
        /// `all`, `subject=<subject>` or `cultural_sensitivity=<CS|CA|->`.
        public var subset: String
        public var metric: String
        public var items: Int
        public var value: Double
        /// The bootstrap 95% percentile interval (items resampled).
        public var lower: Double
        public var upper: Double
    }

    public struct Reference: Codable, Sendable, Equatable {
        public var model: String
        public var task: String
        public var metric: String
        public var reference: Double
        public var value: Double
        public var lower: Double
        public var upper: Double
        /// `pass` when the score reaches the reference, else `fail`.
        public var result: String
        /// Whether the whole interval lies on the same side as the score.
        public var settled: Bool
    }

    public struct Ranking: Codable, Sendable, Equatable {
        public var task: String
        public var metric: String
        public var subset: String
        /// Models from the highest score down (ties by name).
        public var order: [String]
    }

    public struct RankChange: Codable, Sendable, Equatable {
        public struct Move: Codable, Sendable, Equatable {
            public var model: String
            public var fromRank: Int
            public var toRank: Int
            enum CodingKeys: String, CodingKey { case model, fromRank = "from_rank", toRank = "to_rank" }
        }
        public var task: String
        public var metric: String
        public var from: String
        public var to: String
        /// Kendall's tau-b between the two subsets' scores; nil with fewer than two models.
        public var kendallTau: Double?
        public var moved: [Move]
        enum CodingKeys: String, CodingKey { case task, metric, from, to, kendallTau = "kendall_tau", moved }
    }

    public struct ItemResult: Codable, Sendable, Equatable {
        public struct IRT: Codable, Sendable, Equatable {
            public var a: Double
            public var b: Double
        }
        public var id: String
        public var task: String
        public var subject: String
        public var config: String
        public var split: String
        public var culturalSensitivity: String
        public var models: Int
        /// The share of models right.
        public var difficulty: Double
        /// Corrected point-biserial discrimination; nil where undefined (every model alike).
        public var discrimination: Double?
        /// How many models took each choice.
        public var choiceCounts: [Int]
        /// Wrong choices taken by no more than the configured share of models.
        public var deadDistractors: [String]
        public var irt: IRT?
        public var flags: [String]
        enum CodingKeys: String, CodingKey {
            case id, task, subject, config, split, culturalSensitivity = "cultural_sensitivity", models, difficulty, discrimination
            case choiceCounts = "choice_counts", deadDistractors = "dead_distractors", irt, flags
        }
    }

    public struct IRTSummary: Codable, Sendable, Equatable {
        public var fitted: Bool
        public var models: Int
        public var minimumModels: Int
        public var items: Int
        public var note: String
        enum CodingKeys: String, CodingKey { case fitted, models, minimumModels = "minimum_models", items, note }
    }

    public struct InformationSplit: Codable, Sendable, Equatable {
        public struct Agreement: Codable, Sendable, Equatable {
            public var task: String
            public var metric: String
            public var items: Int
            /// Kendall's tau-b between the models' scores on the split and on every item.
            public var kendallTau: Double?
            /// The largest difference of a model's score between the split and every item.
            public var largestScoreDifference: Double
            enum CodingKeys: String, CodingKey {
                case task, metric, items, kendallTau = "kendall_tau", largestScoreDifference = "largest_score_difference"
            }
        }
        public var items: [String]
        public var agreement: [Agreement]
    }

    public var target: String
    public var models: [String]
    public var seed: UInt64
    public var resamples: Int
    public var scores: [Score]
    public var references: [Reference]
    public var rankings: [Ranking]
    public var rankChanges: [RankChange]
    public var items: [ItemResult]
    public var flagCounts: [String: Int]
    public var irt: IRTSummary
    public var informationSplit: InformationSplit?
    /// How the flagged items sent to review came out (`review open --pilot-flags`); nil when none were sent.
    public var flagReviews: [FlagReview]?

    enum CodingKeys: String, CodingKey {
        case target, models, seed, resamples, scores, references, rankings, rankChanges = "rank_changes", items
        case flagCounts = "flag_counts", irt, informationSplit = "information_split", flagReviews = "flag_reviews"
    }
}

public enum PilotAnalysis {
    public static let flags = ["too_easy", "too_hard", "negative_discrimination", "dead_distractor"]

    /// Each task's main score: what the reference score, the rankings and the information split use.
    public static func mainMetric(_ task: ItemTask) -> String {
        task == .socialValue ? "sva" : "accuracy"
    }

    /// The metrics a report scores, in the order `metricValues` gives them.
    static let metrics = ["accuracy", "sva", "sva_3", "n_sva", "one_minus_jsd"]

    /// One model's scores on one item, by metric. A knowledge item has `accuracy`; a
    /// social-value item `accuracy` (the modal answer taken), `sva` (the share of respondents
    /// who took the model's choice), `sva_3` (the same on the agree / neutral / disagree
    /// scale), `n_sva` (SVA, except that the neutral choice counts as right on a question where
    /// no choice has more than half of respondents), and, with log-likelihoods,
    /// `one_minus_jsd` (1 − Jensen–Shannon distance, base 2, between the softmax of the
    /// log-likelihoods and the distribution).
    public static func itemScores(_ item: Item, _ response: PilotResponse) -> [String: Double] {
        var scores: [String: Double] = [:]
        for (metric, value) in zip(metrics, metricValues(item, response)) where !value.isNaN { scores[metric] = value }
        return scores
    }

    /// `itemScores` as one value per metric of `metrics`, NaN where the metric does not apply.
    static func metricValues(_ item: Item, _ response: PilotResponse) -> [Double] {
        var values = [Double](repeating: .nan, count: metrics.count)
        values[0] = item.answer.flatMap(Item.index(ofLetter:)) == response.choice ? 1.0 : 0.0
        guard let survey = item.survey else { return values }
        let shares = survey.distribution
        guard response.choice < shares.count else { return values }
        values[1] = shares[response.choice]
        if let levels = survey.levels3, let collapsed = survey.distribution3, response.choice < levels.count, levels[response.choice] < collapsed.count {
            values[2] = collapsed[levels[response.choice]]
            let neutralIsRight = (shares.max() ?? 0) <= 0.5 && levels[response.choice] == 1
            values[3] = neutralIsRight ? 1 : shares[response.choice]
        }
        if let loglikelihoods = response.loglikelihoods, loglikelihoods.count == shares.count {
            values[4] = 1 - Divergence.jensenShannonDistance(softmax(loglikelihoods), shares)
        }
        return values
    }

    static func softmax(_ values: [Double]) -> [Double] {
        let top = values.max() ?? 0
        let weights = values.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// The report on `target`'s items from `answers` (model → item id → response).
    public static func analyze(target: PilotTarget, answers: [String: [String: PilotResponse]], settings: PilotSettings,
                               seed: UInt64) -> PilotReport {
        let models = answers.keys.sorted()
        let answered = target.items.filter { pilotItem in models.contains { answers[$0]?[pilotItem.item.id] != nil } }
            .sorted { $0.item.id < $1.item.id }
        // Models and items by position from here on, not looked up by id for every score.
        let responses: [[PilotResponse?]] = models.map { model in
            let byItem = answers[model]!
            return answered.map { byItem[$0.item.id] }
        }
        // values[metric][model][item], NaN where not answered or not applicable.
        var values = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: .nan, count: answered.count), count: models.count),
                                  count: metrics.count)
        for (m, row) in responses.enumerated() {
            for (i, response) in row.enumerated() {
                guard let response else { continue }
                for (k, value) in metricValues(answered[i].item, response).enumerated() { values[k][m][i] = value }
            }
        }

        // Every (task, subset, model, metric) with values, then their intervals on every core.
        struct Job: Sendable { var task: ItemTask, subset: String, model: Int, metric: Int, values: [Double] }
        var jobs: [Job] = []
        for task in ItemTask.allCases {
            let taskItems = answered.indices.filter { answered[$0].item.task == task }
            guard !taskItems.isEmpty else { continue }
            var subsets: [(String, [Int])] = [("all", taskItems)]
            let bySubject = Dictionary(grouping: taskItems) { answered[$0].item.subject }
            for subject in bySubject.keys.sorted() { subsets.append(("subject=\(subject)", bySubject[subject]!)) }
            for label in ["CS", "CA", "-"] {
                let members = taskItems.filter { answered[$0].item.culturalSensitivity.rawValue == label }
                if !members.isEmpty { subsets.append(("cultural_sensitivity=\(label)", members)) }
            }
            // A task in several languages (translations): each language apart as well.
            let byLanguage = Dictionary(grouping: taskItems) { answered[$0].item.language }
            if byLanguage.count > 1 {
                for language in byLanguage.keys.sorted() { subsets.append(("language=\(language)", byLanguage[language]!)) }
            }
            let taskMetrics = task == .socialValue ? Array(metrics.indices) : [0]
            for model in models.indices {
                for (subset, members) in subsets {
                    for metric in taskMetrics {
                        let row = values[metric][model]
                        let present = members.map { row[$0] }.filter { !$0.isNaN }
                        if !present.isEmpty { jobs.append(Job(task: task, subset: subset, model: model, metric: metric, values: present)) }
                    }
                }
            }
        }
        let resamples = settings.resamples, work = jobs
        let scores = Parallel.map(work.count) { index -> PilotReport.Score in
            let job = work[index], model = models[job.model], metric = metrics[job.metric]
            var generator = SplitMix64(seed: seed, label: "pilot/\(model)/\(job.task.rawValue)/\(job.subset)/\(metric)")
            let interval = Bootstrap.meanInterval(job.values, resamples: resamples, using: &generator)
            let mean = job.values.reduce(0, +) / Double(job.values.count)
            return PilotReport.Score(model: model, task: job.task.rawValue, subset: job.subset, metric: metric, items: job.values.count,
                                     value: mean, lower: interval?.lower ?? mean, upper: interval?.upper ?? mean)
        }

        let (rankings, changes) = rankOrders(scores)
        var references: [PilotReport.Reference] = []
        for (task, reference) in settings.referenceScores.sorted(by: { $0.key < $1.key }) {
            for score in scores where score.task == task.rawValue && score.subset == "all" && score.metric == mainMetric(task) {
                let passes = score.value >= reference
                references.append(PilotReport.Reference(
                    model: score.model, task: score.task, metric: score.metric, reference: reference, value: score.value,
                    lower: score.lower, upper: score.upper, result: passes ? "pass" : "fail",
                    settled: passes ? score.lower >= reference : score.upper < reference))
            }
        }

        let (itemResults, irt) = analyzeItems(answered, models: models, responses: responses, settings: settings)
        var flagCounts = Dictionary(uniqueKeysWithValues: flags.map { ($0, 0) })
        for result in itemResults { for flag in result.flags { flagCounts[flag, default: 0] += 1 } }
        let split = settings.informationItems.map { size in
            informationSplit(size: size, items: answered, models: models, values: values, discrimination: itemResults, seed: seed)
        }
        return PilotReport(target: target.key, models: models, seed: seed, resamples: settings.resamples, scores: scores,
                           references: references, rankings: rankings, rankChanges: changes, items: itemResults,
                           flagCounts: flagCounts, irt: irt, informationSplit: split, flagReviews: nil)
    }

    /// Models in order of each task's main score on every subset, and how the order changes
    /// from all items to CS and CA, and from CA to CS.
    static func rankOrders(_ scores: [PilotReport.Score]) -> ([PilotReport.Ranking], [PilotReport.RankChange]) {
        var rankings: [PilotReport.Ranking] = []
        var changes: [PilotReport.RankChange] = []
        for task in ItemTask.allCases {
            let metric = mainMetric(task)
            let relevant = scores.filter { $0.task == task.rawValue && $0.metric == metric }
            var bySubset: [String: [String: Double]] = [:]
            for score in relevant { bySubset[score.subset, default: [:]][score.model] = score.value }
            for subset in bySubset.keys.sorted() {
                let values = bySubset[subset]!
                let order = values.keys.sorted { (values[$0]!, $1) > (values[$1]!, $0) }
                rankings.append(PilotReport.Ranking(task: task.rawValue, metric: metric, subset: subset, order: order))
            }
            let pairs = [("all", "cultural_sensitivity=CS"), ("all", "cultural_sensitivity=CA"), ("cultural_sensitivity=CA", "cultural_sensitivity=CS")]
            for (from, to) in pairs {
                guard let a = bySubset[from], let b = bySubset[to] else { continue }
                let models = a.keys.filter { b[$0] != nil }.sorted()
                func order(_ values: [String: Double]) -> [String] { models.sorted { (values[$0]!, $1) > (values[$1]!, $0) } }
                let before = order(a), after = order(b)
                let moved = models.compactMap { model -> PilotReport.RankChange.Move? in
                    let x = before.firstIndex(of: model)! + 1, y = after.firstIndex(of: model)! + 1
                    return x == y ? nil : PilotReport.RankChange.Move(model: model, fromRank: x, toRank: y)
                }
                changes.append(PilotReport.RankChange(task: task.rawValue, metric: metric, from: from, to: to,
                                                      kendallTau: ItemAnalysis.kendallTau(models.map { a[$0]! }, models.map { b[$0]! }),
                                                      moved: moved))
            }
        }
        return (rankings, changes)
    }

    /// Difficulty, discrimination, choices taken, a 2PL fit and flags for each knowledge item.
    /// Social-value items have no right answer and are left out. `responses[model][item]`.
    static func analyzeItems(_ items: [PilotItem], models: [String], responses: [[PilotResponse?]],
                             settings: PilotSettings) -> ([PilotReport.ItemResult], PilotReport.IRTSummary) {
        let keyed = items.indices.filter { items[$0].item.task == .commonKnowledge && items[$0].item.answer.flatMap(Item.index(ofLetter:)) != nil }
        let right: [[Bool?]] = keyed.map { index in
            let key = Item.index(ofLetter: items[index].item.answer!)!
            return models.indices.map { responses[$0][index].map { $0.choice == key } }
        }
        let discrimination = ItemAnalysis.correctedPointBiserial(right)

        // The 2PL fit takes the items every model answered that some got right and some wrong.
        var irtParameters: [Int: TwoParameterLogistic.Parameters] = [:]
        let fittable = right.indices.filter { index in
            right[index].allSatisfy { $0 != nil } && right[index].contains(true) && right[index].contains(false)
        }
        var note: String
        if models.count < settings.minModelsForIRT {
            note = "\(models.count) models answered; a 2PL fit needs at least \(settings.minModelsForIRT) (pilot.irt_min_models)"
        } else if fittable.isEmpty {
            note = "no item was answered by every model with some right and some wrong"
        } else {
            let fitted = TwoParameterLogistic.fit(fittable.map { right[$0].map { $0! } })
            for (index, parameters) in zip(fittable, fitted) { irtParameters[index] = parameters }
            note = "fitted on the \(fittable.count) items every model answered with some right and some wrong (girth's twopl_mml estimator)"
        }
        let irt = PilotReport.IRTSummary(fitted: !irtParameters.isEmpty, models: models.count, minimumModels: settings.minModelsForIRT,
                                         items: irtParameters.count, note: note)

        let results = keyed.indices.map { index -> PilotReport.ItemResult in
            let pilotItem = items[keyed[index]], item = pilotItem.item
            let responses = models.indices.compactMap { responses[$0][keyed[index]] }
            var counts = [Int](repeating: 0, count: item.choices.count)
            for response in responses where response.choice < counts.count { counts[response.choice] += 1 }
            let key = Item.index(ofLetter: item.answer!)!
            let share = Double(counts[key]) / Double(max(1, responses.count))
            let dead = counts.indices.filter { $0 != key && Double(counts[$0]) <= settings.deadDistractorShare * Double(responses.count) }
                .map(Item.letter)
            var flags: [String] = []
            if responses.count >= settings.minModelsForFlags {
                if share >= settings.tooEasy { flags.append("too_easy") }
                if share <= settings.tooHard { flags.append("too_hard") }
                if let value = discrimination[index], value < settings.minDiscrimination { flags.append("negative_discrimination") }
                if !dead.isEmpty { flags.append("dead_distractor") }
            }
            return PilotReport.ItemResult(
                id: item.id, task: item.task.rawValue, subject: item.subject, config: pilotItem.config, split: pilotItem.split,
                culturalSensitivity: item.culturalSensitivity.rawValue, models: responses.count, difficulty: share,
                discrimination: discrimination[index], choiceCounts: counts, deadDistractors: dead,
                irt: irtParameters[index].map { PilotReport.ItemResult.IRT(a: $0.a, b: $0.b) }, flags: flags)
        }
        return (results, irt)
    }

    /// The `size` items, over tasks in proportion to their answered items, that keep the models'
    /// main scores closest to those on every item: chosen one at a time, each the item that
    /// makes the models' order agree best with the full order (Kendall's tau), then the scores
    /// closest (squared differences), then the more discriminating item, then a seeded draw.
    /// Only items every model answered are candidates.
    static func informationSplit(size: Int, items: [PilotItem], models: [String], values: [[[Double]]],
                                 discrimination: [PilotReport.ItemResult], seed: UInt64) -> PilotReport.InformationSplit {
        let discriminationByID = Dictionary(discrimination.map { ($0.id, $0.discrimination ?? -2) }, uniquingKeysWith: { a, _ in a })
        let tasks = ItemTask.allCases.filter { task in items.contains { $0.item.task == task } }
        let candidatesByTask = tasks.map { task in
            let main = metrics.firstIndex(of: mainMetric(task))!
            return items.indices.filter { i in items[i].item.task == task && models.indices.allSatisfy { !values[main][$0][i].isNaN } }
        }
        // Largest remainder: each task's share of the split follows its share of candidates.
        let total = candidatesByTask.map(\.count).reduce(0, +)
        let target = min(size, total)
        var quotas = candidatesByTask.map { total == 0 ? 0 : $0.count * target / total }
        let remainders = candidatesByTask.indices.sorted { a, b in
            let ra = candidatesByTask[a].count * target % max(1, total), rb = candidatesByTask[b].count * target % max(1, total)
            return (ra, b) > (rb, a)
        }
        for index in remainders.prefix(target - quotas.reduce(0, +)) { quotas[index] += 1 }

        var chosen: [String] = []
        var agreement: [PilotReport.InformationSplit.Agreement] = []
        for (taskIndex, task) in tasks.enumerated() {
            let metric = mainMetric(task), main = metrics.firstIndex(of: metric)!
            let candidates = candidatesByTask[taskIndex].map { items[$0] }
            guard !candidates.isEmpty else { continue }
            let matrix = candidatesByTask[taskIndex].map { i in models.indices.map { values[main][$0][i] } }
            let full = models.indices.map { m in matrix.map { $0[m] }.reduce(0, +) / Double(candidates.count) }
            let draws = candidates.map { pilotItem -> UInt64 in
                var generator = SplitMix64(seed: seed, label: "pilot/information/\(pilotItem.item.id)")
                return generator.next()
            }
            var sums = [Double](repeating: 0, count: models.count)
            var taken = Set<Int>()
            for step in 0..<quotas[taskIndex] {
                var best: (index: Int, key: (Double, Double, Double, UInt64))?
                for index in candidates.indices where !taken.contains(index) {
                    let means = models.indices.map { (sums[$0] + matrix[index][$0]) / Double(step + 1) }
                    let tau = models.count >= 2 ? (ItemAnalysis.kendallTau(means, full) ?? 0) : 1
                    let error = zip(means, full).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                    let key = (tau, -error, discriminationByID[candidates[index].item.id] ?? 0, draws[index])
                    if best == nil || key > best!.key { best = (index, key) }
                }
                guard let best else { break }
                taken.insert(best.index)
                for m in models.indices { sums[m] += matrix[best.index][m] }
            }
            let picked = taken.sorted()
            chosen += picked.map { candidates[$0].item.id }
            if !picked.isEmpty {
                let means = models.indices.map { sums[$0] / Double(picked.count) }
                agreement.append(.init(task: task.rawValue, metric: metric, items: picked.count,
                                       kendallTau: models.count >= 2 ? ItemAnalysis.kendallTau(means, full) : nil,
                                       largestScoreDifference: zip(means, full).map { abs($0 - $1) }.max() ?? 0))
            }
        }
        return PilotReport.InformationSplit(items: chosen.sorted(), agreement: agreement)
    }
}
