import Foundation
import Release

extension PilotReport {
    /// How a flagged item sent to a review round came out.
    public struct FlagReview: Codable, Sendable, Equatable {
        public var id: String
        public var round: String
        public var flags: [String]
        public var outcome: String
        public var revised: Bool

        public init(id: String, round: String, flags: [String], outcome: String, revised: Bool) {
            self.id = id
            self.round = round
            self.flags = flags
            self.outcome = outcome
            self.revised = revised
        }
    }

    /// Subsets in the order tables show them: all items, CS, CA, not annotated, then subjects.
    static func subsetOrder(_ subset: String) -> (Int, String) {
        switch subset {
        case "all": (0, "")
        case "cultural_sensitivity=CS": (1, "")
        case "cultural_sensitivity=CA": (2, "")
        case "cultural_sensitivity=-": (3, "")
        default: (4, subset)
        }
    }

    static func subsetName(_ subset: String) -> String {
        subset == "cultural_sensitivity=-" ? "not annotated"
            : subset.hasPrefix("cultural_sensitivity=") ? String(subset.dropFirst("cultural_sensitivity=".count))
            : subset.hasPrefix("subject=") ? String(subset.dropFirst("subject=".count)) : subset
    }

    static func number(_ value: Double) -> String { String(format: "%.3f", value) }

    static func cell(_ score: Score) -> String {
        "\(number(score.value)) [\(number(score.lower)), \(number(score.upper))] n=\(score.items)"
    }

    /// (task, metric) pairs in report order, with the subsets and models each has.
    var tables: [(task: String, metric: String, subsets: [String], models: Set<String>)] {
        var subsets: [String: Set<String>] = [:], models: [String: Set<String>] = [:]
        var order: [(String, String)] = []
        for score in scores {
            let key = "\(score.task)\u{1F}\(score.metric)"
            if subsets[key] == nil { order.append((score.task, score.metric)) }
            subsets[key, default: []].insert(score.subset)
            models[key, default: []].insert(score.model)
        }
        return order.map { task, metric in
            let key = "\(task)\u{1F}\(metric)"
            return (task, metric, subsets[key]!.sorted { Self.subsetOrder($0) < Self.subsetOrder($1) }, models[key]!)
        }
    }

    struct ScoreKey: Hashable {
        var model: String, task: String, metric: String, subset: String
    }

    /// Scores by what they are of: a report has one per model, task, metric and subset.
    var index: [ScoreKey: Score] {
        Dictionary(scores.map { (ScoreKey(model: $0.model, task: $0.task, metric: $0.metric, subset: $0.subset), $0) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// The report as text tables for a terminal.
    public var text: String {
        let index = self.index
        var out = "pilot on \(target): \(models.count) model\(models.count == 1 ? "" : "s") (\(models.joined(separator: ", "))); "
        out += "scores with bootstrap 95% intervals (\(resamples) resamples, seed \(seed))\n"
        for table in tables {
            out += "\n\(table.task) \(table.metric)\n"
            let rows = models.filter { table.models.contains($0) }.map { model in
                [model] + table.subsets.map { subset in
                    index[ScoreKey(model: model, task: table.task, metric: table.metric, subset: subset)].map(Self.cell) ?? "–"
                }
            }
            out += Self.textTable(header: ["model"] + table.subsets.map(Self.subsetName), rows: rows)
        }
        if !references.isEmpty {
            out += "\nreference scores\n"
            out += Self.textTable(header: ["model", "task", "metric", "score", "reference", "result"], rows: references.map {
                [$0.model, $0.task, $0.metric, "\(Self.number($0.value)) [\(Self.number($0.lower)), \(Self.number($0.upper))]",
                 Self.number($0.reference), $0.result + ($0.settled ? "" : " (the interval crosses the reference)")]
            })
        }
        if !rankChanges.isEmpty {
            out += "\nrank order\n"
            for ranking in rankings where ["all", "cultural_sensitivity=CS", "cultural_sensitivity=CA"].contains(ranking.subset) {
                out += "  \(ranking.task) \(ranking.metric) on \(Self.subsetName(ranking.subset)): \(ranking.order.joined(separator: " > "))\n"
            }
            for change in rankChanges {
                let tau = change.kendallTau.map(Self.number) ?? "n/a"
                let moves = change.moved.isEmpty ? "no model moves"
                    : change.moved.map { "\($0.model) \($0.fromRank)→\($0.toRank)" }.joined(separator: ", ")
                out += "  \(change.task) \(Self.subsetName(change.from)) → \(Self.subsetName(change.to)): Kendall's tau \(tau); \(moves)\n"
            }
        }
        out += "\nitem analysis: \(items.count) knowledge items; "
        out += Self.flagNames.map { "\(flagCounts[$0] ?? 0) \($0.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ") + "\n"
        out += "2PL: \(irt.note)\n"
        let flagged = items.filter { !$0.flags.isEmpty }
        if !flagged.isEmpty {
            out += Self.textTable(header: ["item", "subject", "share right", "discrimination", "dead distractors", "flags"], rows: flagged.prefix(30).map {
                [$0.id, $0.subject, Self.number($0.difficulty), $0.discrimination.map(Self.number) ?? "n/a",
                 $0.deadDistractors.joined(separator: " "), $0.flags.joined(separator: ", ")]
            })
            if flagged.count > 30 { out += "  … and \(flagged.count - 30) more flagged items (in the JSON report)\n" }
        }
        if let flagReviews, !flagReviews.isEmpty {
            out += "\nflagged items sent to review: " + Self.outcomeCounts(flagReviews) + "\n"
        }
        if let split = informationSplit {
            out += "\ninformation split: \(split.items.count) items\n"
            for entry in split.agreement {
                out += "  \(entry.task) \(entry.metric): \(entry.items) items, Kendall's tau with every item \(entry.kendallTau.map(Self.number) ?? "n/a"), "
                out += "largest score difference \(Self.number(entry.largestScoreDifference))\n"
            }
        }
        return out
    }

    /// The most flagged items the page lists, and the most items its chart draws.
    static let shownFlaggedItems = 200
    static let plottedItems = 2_000

    static let flagNames = ["too_easy", "too_hard", "negative_discrimination", "dead_distractor"]

    static func outcomeCounts(_ reviews: [FlagReview]) -> String {
        let counts = Dictionary(grouping: reviews, by: \.outcome).mapValues(\.count)
        let revised = reviews.filter(\.revised).count
        return ["approved", "rejected", "pending"].map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ") + ", \(revised) revised"
    }

    static func textTable(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}

extension PilotReport {
    /// The report as a page: the tables, a chart of each task's main score per model on all
    /// items, CS and CA with its interval, and a chart of each item's share right against its
    /// discrimination. Readable offline; charts are inline SVG.
    public func html(title: String) -> String {
        let index = self.index
        var body = "<h1>\(Self.escape(title))</h1>\n<p>Pilot on <strong>\(Self.escape(target))</strong>: \(models.count) models. "
        body += "Every score has its bootstrap 95% interval (\(resamples) resamples of the items, seed \(seed)).</p>\n"
        for table in tables {
            body += "<h2>\(Self.escape(table.task)): \(Self.escape(table.metric))</h2>\n"
            if table.metric == "accuracy" && table.task == "common_knowledge" || table.metric == "sva" {
                body += scoreChart(task: table.task, metric: table.metric, index: index)
            }
            body += "<table><tr><th>model</th>" + table.subsets.map { "<th>\(Self.escape(Self.subsetName($0)))</th>" }.joined() + "</tr>\n"
            for model in models where table.models.contains(model) {
                body += "<tr><td>\(Self.escape(model))</td>"
                for subset in table.subsets {
                    let score = index[ScoreKey(model: model, task: table.task, metric: table.metric, subset: subset)]
                    body += "<td>\(score.map { Self.escape(Self.cell($0)) } ?? "–")</td>"
                }
                body += "</tr>\n"
            }
            body += "</table>\n"
        }
        if !references.isEmpty {
            body += "<h2>Reference scores</h2>\n<table><tr><th>model</th><th>task</th><th>score</th><th>reference</th><th>result</th></tr>\n"
            for reference in references {
                body += "<tr><td>\(Self.escape(reference.model))</td><td>\(Self.escape(reference.task))</td>"
                body += "<td>\(Self.number(reference.value)) [\(Self.number(reference.lower)), \(Self.number(reference.upper))]</td>"
                body += "<td>\(Self.number(reference.reference))</td><td>\(reference.result)\(reference.settled ? "" : " (interval crosses)")</td></tr>\n"
            }
            body += "</table>\n"
        }
        if !rankChanges.isEmpty {
            body += "<h2>Rank order</h2>\n<ul>\n"
            for change in rankChanges {
                let moves = change.moved.isEmpty ? "no model moves" : change.moved.map { "\($0.model) \($0.fromRank)→\($0.toRank)" }.joined(separator: ", ")
                body += "<li>\(Self.escape(change.task)) \(Self.escape(Self.subsetName(change.from))) → \(Self.escape(Self.subsetName(change.to))): "
                body += "Kendall's tau \(change.kendallTau.map(Self.number) ?? "n/a"); \(Self.escape(moves))</li>\n"
            }
            body += "</ul>\n"
        }
        body += "<h2>Item analysis</h2>\n<p>\(items.count) knowledge items. "
        body += Self.flagNames.map { "\(flagCounts[$0] ?? 0) \($0.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
        body += ". 2PL: \(Self.escape(irt.note)).</p>\n" + itemChart()
        let flagged = items.filter { !$0.flags.isEmpty }
        if !flagged.isEmpty {
            if flagged.count > Self.shownFlaggedItems {
                body += "<p>The first \(Self.shownFlaggedItems) of \(flagged.count) flagged items by id; report.json lists them all.</p>\n"
            }
            body += "<table><tr><th>item</th><th>subject</th><th>share right</th><th>discrimination</th><th>dead distractors</th><th>flags</th></tr>\n"
            for item in flagged.prefix(Self.shownFlaggedItems) {
                body += "<tr><td>\(Self.escape(item.id))</td><td>\(Self.escape(item.subject))</td><td>\(Self.number(item.difficulty))</td>"
                body += "<td>\(item.discrimination.map(Self.number) ?? "n/a")</td><td>\(item.deadDistractors.joined(separator: " "))</td>"
                body += "<td>\(item.flags.joined(separator: ", "))</td></tr>\n"
            }
            body += "</table>\n"
        }
        if let flagReviews, !flagReviews.isEmpty {
            body += "<h2>Flagged items in review</h2>\n<p>\(Self.outcomeCounts(flagReviews)).</p>\n"
        }
        if let split = informationSplit {
            body += "<h2>Information split</h2>\n<p>\(split.items.count) items.</p>\n<ul>\n"
            for entry in split.agreement {
                body += "<li>\(Self.escape(entry.task)) \(Self.escape(entry.metric)): \(entry.items) items, Kendall's tau with every item "
                body += "\(entry.kendallTau.map(Self.number) ?? "n/a"), largest score difference \(Self.number(entry.largestScoreDifference))</li>\n"
            }
            body += "</ul>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>
        body { font-family: system-ui, "Noto Sans KR", "Apple SD Gothic Neo", sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
        h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; display: block; overflow-x: auto; }
        td, th { padding: 0.2rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
        svg { max-width: 100%; height: auto; }
        svg text { font-size: 12px; fill: #333; }
        </style></head>
        <body>
        \(body)</body></html>

        """
    }

    /// One row per model and subset (all, CS, CA): a dot at the score, a line across its interval.
    func scoreChart(task: String, metric: String, index: [ScoreKey: Score]) -> String {
        let subsets = ["all", "cultural_sensitivity=CS", "cultural_sensitivity=CA"]
        let rows = models.flatMap { model in
            subsets.compactMap { subset in index[ScoreKey(model: model, task: task, metric: metric, subset: subset)] }
        }
        guard !rows.isEmpty else { return "" }
        let labelWidth = 220.0, width = 400.0, rowHeight = 20.0
        var svg = "<svg role=\"img\" viewBox=\"0 0 \(Int(labelWidth + width + 20)) \(Int(Double(rows.count) * rowHeight + 30))\" "
        svg += "width=\"\(Int(labelWidth + width + 20))\"><title>\(Self.escape(task)) \(Self.escape(metric)) per model, 0 to 1</title>\n"
        for (index, score) in rows.enumerated() {
            let y = Double(index) * rowHeight + 10
            svg += "<text x=\"0\" y=\"\(y + 4)\">\(Self.escape(score.model)) · \(Self.escape(Self.subsetName(score.subset)))</text>\n"
            let x = { (value: Double) in labelWidth + value * width }
            svg += "<line x1=\"\(x(score.lower))\" x2=\"\(x(score.upper))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#4e79a7\" stroke-width=\"2\"/>\n"
            svg += "<circle cx=\"\(x(score.value))\" cy=\"\(y)\" r=\"4\" fill=\"#4e79a7\"><title>\(Self.escape(Self.cell(score)))</title></circle>\n"
        }
        let axis = Double(rows.count) * rowHeight + 12
        svg += "<line x1=\"\(labelWidth)\" x2=\"\(labelWidth + width)\" y1=\"\(axis)\" y2=\"\(axis)\" stroke=\"#999\"/>\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<text x=\"\(labelWidth + tick * width - 8)\" y=\"\(axis + 14)\">\(tick)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Each knowledge item: share of models right (x) against discrimination (y, −1 to 1);
    /// flagged items in red.
    func itemChart() -> String {
        let defined = items.filter { $0.discrimination != nil }
        // A page stays light at any size: flagged items first, then the rest, by id.
        let plotted = Array((defined.filter { !$0.flags.isEmpty } + defined.filter(\.flags.isEmpty)).prefix(Self.plottedItems))
        guard !plotted.isEmpty else { return "<p>No item has a defined discrimination (every model answered it alike, or too few models).</p>\n" }
        let size = 300.0, margin = 40.0
        var svg = "<svg role=\"img\" viewBox=\"0 0 \(Int(size + 2 * margin)) \(Int(size + 2 * margin))\" width=\"\(Int(size + 2 * margin))\">"
        svg += "<title>share of models right against discrimination, per item\(plotted.count < defined.count ? " (\(plotted.count) of \(defined.count), flagged first)" : "")</title>\n"
        svg += "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#999\"/>\n"
        svg += "<line x1=\"\(margin)\" x2=\"\(margin + size)\" y1=\"\(margin + size / 2)\" y2=\"\(margin + size / 2)\" stroke=\"#ccc\"/>\n"
        svg += "<text x=\"\(margin)\" y=\"\(margin + size + 28)\">share right: 0 → 1</text>\n"
        svg += "<text x=\"2\" y=\"\(margin - 8)\">discrimination: −1 (bottom) → 1 (top)</text>\n"
        for item in plotted {
            let x = margin + item.difficulty * size, y = margin + (1 - (item.discrimination! + 1) / 2) * size
            svg += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3\" fill=\"\(item.flags.isEmpty ? "#4e79a7" : "#e15759")\"><title>\(Self.escape(item.id))</title></circle>\n"
        }
        svg += "</svg>\n"
        if plotted.count < defined.count { svg += "<p>The chart draws \(plotted.count) of \(defined.count) items, flagged ones first.</p>\n" }
        return svg
    }

    static func escape(_ text: String) -> String { BuildReport.escape(text) }
}
