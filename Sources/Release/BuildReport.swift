public import DatasetCore
import Foundation
import Statistics

/// `report.html`: a build report readable offline, its charts drawn as inline SVG.
public enum BuildReport {
    public static func html(name: String, items: [(item: Item, split: String)], pilotReview: [ReleaseManifest.PilotReview] = []) -> String {
        var body = "<h1>\(escape(name)) build report</h1>\n"
        body += "<p>\(items.count) items. Counts are of the release candidate's records.</p>\n"

        // Counted in one pass: filtering every item for every subject and split grew with
        // their product.
        var perSplit: [String: [String: Int]] = [:]
        var perLabel: [String: [CulturalSensitivity: Int]] = [:]
        var perPosition: [String: [String: Int]] = [:]
        for (item, split) in items {
            let subject = "\(item.task.rawValue)/\(item.subject)"
            perSplit[subject, default: [:]][split, default: 0] += 1
            perLabel[subject, default: [:]][item.culturalSensitivity, default: 0] += 1
            if item.task == .commonKnowledge, let answer = item.answer { perPosition[item.subject, default: [:]][answer, default: 0] += 1 }
        }
        let subjects = perSplit.keys.sorted()
        let splits = Array(Set(items.map(\.split))).sorted()
        body += "<h2>Items per subject and split</h2>\n"
        body += barChart(rows: subjects.map { subject in
            (subject, splits.map { Double(perSplit[subject]?[$0] ?? 0) })
        }, legend: splits)

        body += "<h2>Cultural sensitivity per subject</h2>\n"
        body += barChart(rows: subjects.map { subject in
            (subject, [CulturalSensitivity.sensitive, .agnostic, .notAnnotated].map { Double(perLabel[subject]?[$0] ?? 0) })
        }, legend: ["CS", "CA", "not annotated"])

        body += "<h2>Answer positions per subject</h2>\n"
        body += barChart(rows: perPosition.keys.sorted().map { subject in
            (subject, (0..<4).map { Double(perPosition[subject]?[Item.letter($0)] ?? 0) })
        }, legend: ["A", "B", "C", "D"])

        body += "<h2>Agreement per round</h2>\n"
        body += agreementTable(items.map(\.item))

        if !pilotReview.isEmpty {
            body += "<h2>Items a pilot sent back to review</h2>\n<table><tr><th>pilot on</th><th>round</th><th>sent</th><th>approved</th>"
            body += "<th>rejected</th><th>pending</th><th>revised</th></tr>\n"
            for review in pilotReview {
                body += "<tr><td>\(escape(review.target))</td><td>\(escape(review.round))</td><td>\(review.sent)</td><td>\(review.approved)</td>"
                body += "<td>\(review.rejected)</td><td>\(review.pending)</td><td>\(review.revised)</td></tr>\n"
            }
            body += "</table>\n"
        }

        let social = items.map(\.item).filter { $0.survey != nil }.sorted(byKey: \.id)
        if !social.isEmpty {
            body += "<h2>Social-value distributions</h2>\n<p>Weighted shares; the whisker on the modal answer is its 95% margin of error.</p>\n"
            for item in social { body += distribution(item) }
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(name)) build report</title>
        <style>
        body { font-family: system-ui, "Noto Sans KR", "Apple SD Gothic Neo", sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
        h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
        svg text { font-size: 12px; fill: #333; }
        .legend span { display: inline-block; margin-right: 1rem; }
        .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
        </style></head>
        <body>
        \(body)</body></html>

        """
    }

    static let colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"]

    /// Horizontal stacked bars, one row a label.
    static func barChart(rows: [(label: String, values: [Double])], legend: [String]) -> String {
        guard !rows.isEmpty else { return "<p>Nothing to show.</p>\n" }
        let labelWidth = 260.0, barWidth = 420.0, rowHeight = 22.0
        let maximum = max(1, rows.map { $0.values.reduce(0, +) }.max() ?? 1)
        var svg = "<svg role=\"img\" width=\"\(Int(labelWidth + barWidth + 60))\" height=\"\(Int(Double(rows.count) * rowHeight + 10))\">\n"
        for (row, entry) in rows.enumerated() {
            let y = Double(row) * rowHeight + 5
            svg += "<text x=\"0\" y=\"\(y + 14)\">\(escape(entry.label))</text>\n"
            var x = labelWidth
            for (index, value) in entry.values.enumerated() where value > 0 {
                let width = value / maximum * barWidth
                svg += "<rect x=\"\(format(x))\" y=\"\(y)\" width=\"\(format(width))\" height=\"16\" fill=\"\(colors[index % colors.count])\"><title>\(escape(legend[index])): \(Int(value))</title></rect>\n"
                x += width
            }
            svg += "<text x=\"\(format(x + 4))\" y=\"\(y + 14)\">\(Int(entry.values.reduce(0, +)))</text>\n"
        }
        svg += "</svg>\n"
        let key = legend.enumerated().map { index, name in
            "<span><span class=\"swatch\" style=\"background:\(colors[index % colors.count])\"></span>\(escape(name))</span>"
        }.joined()
        return svg + "<div class=\"legend\">\(key)</div>\n"
    }

    static func distribution(_ item: Item) -> String {
        let survey = item.survey!
        let width = 420.0, rowHeight = 20.0, labelWidth = 220.0
        var svg = "<h3>\(escape(item.question))</h3>\n<p>n = \(survey.n), n<sub>eff</sub> = \(format(survey.nEffective)), "
        svg += "margin of error ±\(format(survey.marginOfError * 100)) points\(survey.contested ? ", contested" : ""), \(escape(survey.weighting))</p>\n"
        svg += "<svg role=\"img\" width=\"\(Int(labelWidth + width + 80))\" height=\"\(Int(Double(item.choices.count) * rowHeight + 10))\">\n"
        let modal = survey.distribution.indices.max { survey.distribution[$0] < survey.distribution[$1] }
        for (index, share) in survey.distribution.enumerated() {
            let y = Double(index) * rowHeight + 5
            svg += "<text x=\"0\" y=\"\(y + 13)\">\(escape(index < item.choices.count ? item.choices[index] : "?"))</text>\n"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(format(share * width))\" height=\"14\" fill=\"\(colors[0])\"/>\n"
            if index == modal {
                let low = labelWidth + max(0, share - survey.marginOfError) * width
                let high = labelWidth + min(1, share + survey.marginOfError) * width
                svg += "<line x1=\"\(format(low))\" x2=\"\(format(high))\" y1=\"\(y + 7)\" y2=\"\(y + 7)\" stroke=\"#222\" stroke-width=\"2\"/>\n"
            }
            svg += "<text x=\"\(format(labelWidth + share * width + 6))\" y=\"\(y + 13)\">\(format(share * 100))%</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Text as HTML text or attribute value.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension BuildReport {
    /// Krippendorff's alpha (nominal) per round, from the votes the released items carry, so
    /// that anyone can recompute it from the release files. Adjudications are left out.
    static func agreementTable(_ items: [Item]) -> String {
        let rounds = Array(Set(items.flatMap { $0.review.votes.map(\.round) })).sorted()
        guard !rounds.isEmpty else { return "<p>No review votes are recorded for these items.</p>\n" }
        func alpha(_ round: String, _ value: (ReviewVote) -> String?) -> (Double?, Int) {
            let units = items.map { item in
                item.review.votes.filter { $0.round == round && !$0.adjudication }.compactMap { vote in value(vote).map { (vote.reviewer, $0) } }
            }.filter { $0.count >= 2 }
            let reviewers = Array(Set(units.flatMap { $0.map(\.0) })).sorted()
            let matrix = reviewers.map { reviewer in units.map { unit in unit.first { $0.0 == reviewer }?.1 } }
            return (Agreement.krippendorffAlpha(matrix, level: .nominal), units.count)
        }
        func cell(_ result: (Double?, Int)) -> String {
            result.1 == 0 ? "–" : "\(result.0.map { String(format: "%.3f", $0) } ?? "n/a") (\(result.1) items)"
        }
        var html = "<p>Krippendorff's alpha (nominal) over the released items with at least two votes in the round; "
        html += "1 is perfect agreement, 0 is chance. Computed from each item's <code>review.votes</code>.</p>\n"
        html += "<table><tr><th>round</th><th>decision</th><th>cultural sensitivity (CS/CA)</th></tr>\n"
        for round in rounds {
            let decision = alpha(round) { $0.decision }
            let sensitivity = alpha(round) { vote in
                let knowledge = vote.labels.filter { $0.name == "required_knowledge" }.map(\.value)
                return knowledge.isEmpty ? nil : CulturalSensitivity(requiredKnowledge: knowledge).rawValue
            }
            html += "<tr><td>\(escape(round))</td><td>\(cell(decision))</td><td>\(cell(sensitivity))</td></tr>\n"
        }
        return html + "</table>\n"
    }
}
