public import DatasetCore
import Foundation
import Statistics

/// `report.html`: a build report readable offline and at phone width, its charts drawn as inline
/// SVG that scales to the page. Each chart has one meaning per colour, its legend and an axis.
public enum BuildReport {
    public static func html(name: String, version: String?, items: [(item: Item, split: String)],
                            pilotReview: [ReleaseManifest.PilotReview] = [], quality: QualityDossier? = nil) -> String {
        // Counted in one pass over the items (half a million at a release's largest), by task,
        // subject, split and label, and named afterwards: filtering every item for every subject
        // and split grew with their product, naming each item's subject made a string for every
        // item, and a pass per section went over every item's box again.
        // The pass runs on every core, its parts joined in order (on one core it was the last
        // third of a second of a release of half a million items).
        struct Cell: Hashable { var task: ItemTask, subject: String, split: String, label: CulturalSensitivity }
        struct Counts: Sendable {
            var cells: [Cell: Int] = [:]
            var review = ReviewTally()
            var translations: [Item] = [], social: [Item] = []

            mutating func add(_ other: Counts) {
                cells.merge(other.cells, uniquingKeysWith: +)
                review.add(other.review)
                translations += other.translations
                social += other.social
            }
        }
        let parts = try! Parallel.chunks(items.count) { range in
            var counts = Counts()
            for (item, split) in items[range] {
                counts.cells[Cell(task: item.task, subject: item.subject, split: split, label: item.culturalSensitivity), default: 0] += 1
                counts.review.add(item)
                if item.translation != nil { counts.translations.append(item) }
                if item.survey != nil { counts.social.append(item) }
            }
            return counts
        }
        let total = parts.reduce(into: Counts()) { $0.add($1) }
        let (cells, review, translations) = (total.cells, total.review, total.translations)

        let title = "\(name) \(version ?? "candidate") build report"
        var body = "<h1>\(escape(title))</h1>\n"
        body += "<p>\(items.count) items\(version == nil ? " in the release candidate" : ", published as version \(escape(version!))"). "
        body += "Every count is of the released records unless a section says otherwise.</p>\n"
        body += "<nav><a href=\"#quality\">Quality checks</a> · <a href=\"#funnel\">Funnel</a> · <a href=\"#quotas\">Quotas</a> · "
        body += "<a href=\"#composition\">Composition</a> · <a href=\"#answers\">Answer positions</a> · <a href=\"#review\">Review</a> · "
        body += "<a href=\"#agreement\">Agreement</a> · <a href=\"#diversity\">Diversity</a> · <a href=\"#authorship\">Authorship</a> · "
        if !translations.isEmpty { body += "<a href=\"#translations\">Translations</a> · " }
        body += "<a href=\"#survey\">Survey distributions</a></nav>\n"
        if let quality {
            body += qualitySection(quality)
            body += funnelSection(quality.funnel)
            body += quotaSection(quality.quotas)
        }

        var perSplit: [String: [String: Int]] = [:]
        var perLabel: [String: [CulturalSensitivity: Int]] = [:]
        for (cell, count) in cells {
            let subject = "\(cell.task.rawValue)/\(cell.subject)"
            perSplit[subject, default: [:]][cell.split, default: 0] += count
            perLabel[subject, default: [:]][cell.label, default: 0] += count
        }
        let subjects = perSplit.keys.sorted()
        let splits = Array(Set(cells.keys.map(\.split))).sorted()
        body += "<h2 id=\"composition\">Items per subject and split</h2>\n"
        body += barChart(rows: subjects.map { subject in
            (subject, splits.map { Double(perSplit[subject]?[$0] ?? 0) })
        }, legend: splits, axis: "items")
        body += "<h2>Cultural sensitivity per subject</h2>\n"
        body += barChart(rows: subjects.map { subject in
            (subject, [CulturalSensitivity.sensitive, .agnostic, .notAnnotated].map { Double(perLabel[subject]?[$0] ?? 0) })
        }, legend: ["CS", "CA", "not annotated"], axis: "items")

        // Without a dossier (a candidate of an older build) the figures that come from the
        // released records alone are still shown, measured on the items in id order as the
        // dossier measures them, so that the seeded intervals do not depend on how they came.
        let released = quality == nil ? items.map(\.item).sorted(byKey: \.id) : []
        body += answerSection(quality?.answerBalance ?? QualityDossier.answerBalance(released))
        body += reviewSection(review, pilotReview: pilotReview)
        body += agreementSection(quality?.agreement ?? QualityDossier.roundAgreement(released, inputs: QualityInputs(name: name)))
        if let quality {
            body += diversitySection(quality)
            body += authorshipSection(quality.authorship, personalData: quality.personalData)
        }
        body += translationSection(translations, review: quality?.translationReview ?? [])

        let social = total.social.sorted(byKey: \.id)
        if !social.isEmpty {
            body += "<h2 id=\"survey\">Social-value distributions</h2>\n<p>Weighted shares of respondents (blue); each whisker is the option's "
            body += "margin of error, z·√(p(1−p)/n<sub>eff</sub>) on Kish's effective sample size, at the survey's confidence (95% unless its source says otherwise). Beneath each, in grey, the share before weighting.</p>\n"
            body += "<div class=\"legend\"><span><span class=\"swatch\" style=\"background:\(colors[0])\"></span>weighted</span>"
            body += "<span><span class=\"swatch\" style=\"background:#999\"></span>before weighting</span></div>\n"
            let weighting = Dictionary((quality?.surveyWeighting ?? []).map { ($0.item, $0) }, uniquingKeysWith: { first, _ in first })
            let compared = social.compactMap { item in weighting[item.id]?.largestGap.map { (item, $0) } }
            if !compared.isEmpty {
                body += "<p>Representativeness: the largest difference, over the weighting dimensions' levels, between a level's share of the "
                body += "question's respondents and its share of the population, before and after weighting.</p>\n"
                body += table(["item", "weighting", "before", "after", "n<sub>eff</sub>/n"], compared.map { item, gap in
                    [escape(item.id), escape(item.survey!.weighting), QualityDossier.format(gap.unweighted), QualityDossier.format(gap.weighted),
                     QualityDossier.format(item.survey!.n > 0 ? item.survey!.nEffective / Double(item.survey!.n) : nil)]
                }, numeric: [2, 3, 4])
            }
            for item in social { body += distribution(item, weighting: weighting[item.id]) }
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, "Noto Sans KR", "Apple SD Gothic Neo", sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; line-height: 1.4; }
        h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
        nav { font-size: 0.9rem; }
        p, h1, h2, h3, li { overflow-wrap: anywhere; }
        svg { max-width: 100%; height: auto; display: block; }
        svg text { font-size: 12px; fill: #333; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 0.9rem; }
        th, td { border-bottom: 1px solid #eee; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        td small { color: #555; }
        .pass { color: #1b7837; font-weight: 600; }
        .fail { color: #b2182b; font-weight: 600; }
        .not_applicable { color: #777; }
        .legend span { display: inline-block; margin-right: 1rem; }
        .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
        @media (max-width: 40rem) { body { margin: 1rem auto; padding: 0 0.5rem; } th, td { padding: 0.2rem 0.3rem; } }
        </style></head>
        <body>
        \(body)</body></html>

        """
    }

    static let colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"]

    /// A table that scrolls sideways on a narrow screen rather than widening the page.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var html = "<div class=\"scroll\"><table><tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for row in rows {
            html += "<tr>" + row.enumerated().map { index, cell in numeric.contains(index) ? "<td class=\"number\">\(cell)</td>" : "<td>\(cell)</td>" }.joined() + "</tr>\n"
        }
        return html + "</table></div>\n"
    }

    static func qualitySection(_ quality: QualityDossier) -> String {
        var html = "<h2 id=\"quality\">Quality checks</h2>\n<p>Each check the pipeline ran, with the ISO/IEC 5259-2 measure and the NIA/TTA "
        html += "AI-data criterion it answers, its value on this release, the threshold from the pipeline file's <code>quality</code> section "
        html += "(or its default) and whether it passed. A failing check marked as blocking stops <code>build-dataset release</code>. "
        html += "The same figures are in <code>quality.json</code>.</p>\n"
        let failing = quality.checks.filter { $0.status == "fail" }
        html += "<p>\(quality.checks.filter { $0.status == "pass" }.count) passed, \(failing.count) failed"
        html += "\(quality.blocking.isEmpty ? "" : " (\(quality.blocking.count) blocking)"), "
        html += "\(quality.checks.filter { $0.status == "not_applicable" }.count) had nothing to measure.</p>\n"
        // Four columns, what the check measures under its name: readable on a phone.
        html += table(["check", "value", "rule", "result"], quality.checks.map { check in
            ["<strong>\(escape(check.name.rawValue))</strong><br><small>ISO/IEC 5259-2 \(escape(check.measure)) · NIA/TTA \(escape(check.criterion))</small>"
                + "<br><small>\(escape(check.definition)); \(escape(check.detail))</small>",
             QualityDossier.format(check.value), "\(check.comparison == "at_least" ? "≥" : "≤")\u{00A0}\(QualityDossier.format(check.threshold))",
             "<span class=\"\(check.status)\">\(check.status.replacingOccurrences(of: "_", with: " "))\(check.blocks ? " (blocks release)" : "")</span>"]
        }, numeric: [1])
        return html
    }

    static func funnelSection(_ funnel: [QualityDossier.FunnelStage]) -> String {
        guard !funnel.isEmpty else { return "" }
        var html = "<h2 id=\"funnel\">Funnel from raw input to release</h2>\n<p>Items into and out of each stage (ingest counts source records), "
        html += "and those set aside with their reasons; every set-aside item is in its stage's <code>dropped.jsonl</code>.</p>\n"
        html += barChart(rows: funnel.map { ($0.stage, [Double($0.itemsOut), Double($0.setAside.values.reduce(0, +))]) },
                         legend: ["kept", "set aside"], axis: "items")
        html += table(["stage", "in", "out", "set aside by reason"], funnel.map { stage in
            [stage.stage, String(stage.itemsIn), String(stage.itemsOut),
             stage.setAside.isEmpty ? "–" : stage.setAside.sorted { $0.key < $1.key }.map { "\(escape($0.key)) \($0.value)" }.joined(separator: ", ")]
        }, numeric: [1, 2])
        return html
    }

    static func quotaSection(_ quotas: [QualityDossier.Quota]) -> String {
        var html = "<h2 id=\"quotas\">Strata against quotas</h2>\n"
        guard !quotas.isEmpty else { return html + "<p>The sample stage defines no strata.</p>\n" }
        html += "<p>Items each stratum needed (its quota), had after review and kept; a shortfall is a quota review left unmet.</p>\n"
        html += table(["stratum", "quota", "available", "selected", "shortfall"], quotas.map { quota in
            [escape(quota.stratum), quota.target.map(String.init) ?? "all", String(quota.available), String(quota.selected),
             quota.shortfall > 0 ? "<span class=\"fail\">\(quota.shortfall)</span>" : "0"]
        }, numeric: [1, 2, 3, 4])
        return html
    }

    static func answerSection(_ balance: [QualityDossier.AnswerBalance]) -> String {
        var html = "<h2 id=\"answers\">Answer positions per subject</h2>\n"
        guard !balance.isEmpty else { return html + "<p>No common-knowledge items with an answer key.</p>\n" }
        html += "<p>Answer keys per position among the subject's items with its usual number of choices, and the chi-square test "
        html += "of an even spread (a small p-value means the positions are uneven beyond chance).</p>\n"
        let width = balance.map(\.counts.count).max() ?? 0
        html += barChart(rows: balance.map { ($0.subject, $0.counts.map(Double.init)) }, legend: (0..<width).map(Item.letter), axis: "items")
        html += table(["subject", "keys per position", "chi-square", "df", "p-value"], balance.map { row in
            [escape(row.subject), row.counts.map(String.init).joined(separator: " / "), QualityDossier.format(row.chiSquare),
             String(row.degreesOfFreedom), QualityDossier.format(row.pValue)]
        }, numeric: [2, 3, 4])
        return html
    }

    /// The released items' review statuses, and their votes per round and decision.
    struct ReviewTally: Sendable {
        var statuses: [String: Int] = [:]
        var votes: [String: [String: Int]] = [:]
        var settled: [String: Int] = [:]

        mutating func add(_ item: Item) {
            let review = item.review
            statuses[review.status, default: 0] += 1
            for vote in review.votes { votes[vote.round, default: [:]][vote.adjudication ? "adjudicated" : vote.decision, default: 0] += 1 }
            for round in review.rounds { settled[round, default: 0] += 1 }
        }

        /// Adds another part's counts.
        mutating func add(_ other: ReviewTally) {
            statuses.merge(other.statuses, uniquingKeysWith: +)
            for (round, decisions) in other.votes { votes[round, default: [:]].merge(decisions, uniquingKeysWith: +) }
            settled.merge(other.settled, uniquingKeysWith: +)
        }
    }

    /// Votes per round and decision on the released items, and each item's status.
    static func reviewSection(_ tally: ReviewTally, pilotReview: [ReleaseManifest.PilotReview]) -> String {
        let (statuses, votes, settled) = (tally.statuses, tally.votes, tally.settled)
        var html = "<h2 id=\"review\">Review outcomes</h2>\n"
        html += "<p>Released items by review status: " + statuses.keys.sorted().map { "\(escape($0)) \(statuses[$0]!)" }.joined(separator: ", ") + ".</p>\n"
        if votes.isEmpty {
            html += "<p>No review votes are recorded on these items.</p>\n"
        } else {
            let decisions = ["approve", "reject", "revise", "adjudicated"]
            html += barChart(rows: votes.keys.sorted().map { round in (round, decisions.map { Double(votes[round]?[$0] ?? 0) }) },
                             legend: decisions, axis: "votes")
            html += table(["round", "items it settled", "approve", "reject", "revise", "adjudicated"], votes.keys.sorted().map { round in
                [escape(round), String(settled[round] ?? 0)] + decisions.map { String(votes[round]?[$0] ?? 0) }
            }, numeric: [1, 2, 3, 4, 5])
        }
        if !pilotReview.isEmpty {
            html += "<h3>Items a pilot sent back to review</h3>\n"
            html += table(["pilot on", "round", "sent", "approved", "rejected", "pending", "revised"], pilotReview.map { review in
                [escape(review.target), escape(review.round), String(review.sent), String(review.approved), String(review.rejected),
                 String(review.pending), String(review.revised)]
            }, numeric: [2, 3, 4, 5, 6])
        }
        return html
    }

    static func agreementSection(_ agreement: [QualityDossier.RoundAgreement]) -> String {
        var html = "<h2 id=\"agreement\">Agreement per round and label</h2>\n"
        guard !agreement.isEmpty else { return html + "<p>No released item has two or more votes in a round.</p>\n" }
        html += "<p>From each item's <code>review.votes</code> (adjudications left out), over items with at least two votes. "
        html += "Krippendorff's alpha (nominal) with its 95% bootstrap interval (1,000 draws of items, seeded); Gwet's AC1 and Fleiss' kappa "
        html += "with standard errors — AC1 stays meaningful when one label is rare, where kappa collapses; quadratic-weighted kappa per pair "
        html += "of reviewers for ordinal labels. Alpha ≥ 0.800 is reliable, ≥ 0.667 tentative.</p>\n"
        html += table(["round", "label", "items", "alpha [95% interval]", "AC1 ± SE", "Fleiss' kappa ± SE", "quadratic kappa (pairs)"], agreement.map { row in
            let a = row.agreement
            let interval = a.alphaNominalInterval.map { " [\(QualityDossier.format($0[0])), \(QualityDossier.format($0[1]))]" } ?? ""
            let quadratic = a.cohen.compactMap { pair in pair.quadraticKappa.map { "\(pair.reviewers.joined(separator: "/")) \(QualityDossier.format($0))" } }
            return [escape(row.round), escape(a.variable), String(a.items), QualityDossier.format(a.alphaNominal) + interval,
                    QualityDossier.format(a.ac1), QualityDossier.format(a.fleissGeneralized), quadratic.isEmpty ? "–" : escape(quadratic.joined(separator: ", "))]
        }, numeric: [2])
        return html
    }

    static func diversitySection(_ quality: QualityDossier) -> String {
        var html = "<h2 id=\"diversity\">Diversity per subject</h2>\n"
        guard !quality.diversity.isEmpty else { return html + "<p>No items.</p>\n" }
        html += "<p>The Vendi score is the effective number of distinct items: the exponential of the entropy of the eigenvalues of the "
        html += "items' similarity matrix (exact Jaccard similarity of the same character shingles as deduplication) over their number. "
        html += "Per item, 1 means no two items overlap. Templated items have another item at Jaccard ≥ "
        html += "\(QualityDossier.format(quality.templateSimilarity)).</p>\n"
        let lowest = quality.diversity.filter { $0.measured >= 2 }.sorted { $0.vendiPerItem < $1.vendiPerItem }.prefix(3).map(\.stratum)
        if !lowest.isEmpty { html += "<p>Least diverse: \(lowest.map(escape).joined(separator: ", ")).</p>\n" }
        html += table(["subject", "items", "measured", "Vendi score", "per item", "templated"], quality.diversity.map { row in
            [escape(row.stratum), String(row.items), String(row.measured), QualityDossier.format(row.vendi), QualityDossier.format(row.vendiPerItem),
             String(row.templated)]
        }, numeric: [1, 2, 3, 4, 5])
        return html
    }

    /// Released translations per language and origin, and each translation round's outcome with
    /// its edit rates; nothing without translations.
    static func translationSection(_ translations: [Item], review: [TranslationReview]) -> String {
        guard !translations.isEmpty || !review.isEmpty else { return "" }
        var html = "<h2 id=\"translations\">Translations</h2>\n<p>Released translations per language, by how they were made, and "
        html += "whose labels they carry (carried from the item translated, or given in a round on the translation itself).</p>\n"
        let byLanguage = Dictionary(grouping: translations, by: \.language)
        html += table(["language", "human", "post-edited", "machine", "labels carried", "labels own"], byLanguage.keys.sorted().map { language in
            let members = byLanguage[language]!
            func count(_ origin: ItemTranslation.Origin) -> String { String(members.filter { $0.translation!.origin == origin }.count) }
            return [escape(language), count(.human), count(.postEdited), count(.machine),
                    String(members.filter { $0.translation!.labelsFrom == "source" }.count), String(members.filter { $0.translation!.labelsFrom == "own" }.count)]
        }, numeric: [1, 2, 3, 4, 5])
        for round in review {
            html += "<h3>Round \(escape(round.round))</h3>\n<p>Translations accepted as they came, edited by a reviewer or rejected; "
            html += "over the edited ones, the mean character edit distance, the same over the longer text, and the translation edit "
            html += "rate (TER, words) against the text as it came in.</p>\n"
            func share(_ count: Int, _ total: Int) -> String { total == 0 ? "–" : "\(count) (\(String(format: "%.1f", 100 * Double(count) / Double(total)))%)" }
            html += table(["language", "subject", "items", "accepted", "edited", "rejected", "pending", "characters", "normalized", "TER"], round.rows.map { row in
                [escape(row.language), escape(row.subject), String(row.items), share(row.accepted, row.items), share(row.edited, row.items),
                 share(row.rejected, row.items), String(row.pending), row.meanCharacters.map { String(format: "%.1f", $0) } ?? "–",
                 QualityDossier.format(row.meanNormalized), QualityDossier.format(row.meanTER)]
            }, numeric: [2, 3, 4, 5, 6, 7, 8, 9])
        }
        return html
    }

    static func authorshipSection(_ authorship: [QualityDossier.Authorship], personalData: [QualityDossier.PersonalData]) -> String {
        var html = "<h2 id=\"authorship\">Authorship</h2>\n<p>Who or what wrote the items of each subject: the author the source names "
        html += "(<code>source:&lt;id&gt;</code> where it names none; a translation's translator), items generated from glossaries, items reviewers "
        html += "revised, and translations by how they were made.</p>\n"
        html += table(["subject", "authors", "generated", "revised by a reviewer", "translations by origin"], authorship.map { row in
            [escape(row.stratum), row.authors.sorted { $0.key < $1.key }.map { "\(escape($0.key)) \($0.value)" }.joined(separator: ", "),
             String(row.generated), String(row.revised), escape(QualityDossier.origins(row.translated))]
        }, numeric: [2, 3])
        html += "<h3>Personal data</h3>\n"
        if personalData.isEmpty {
            html += "<p>No released text matches a phone number, resident registration number or e-mail address pattern.</p>\n"
        } else {
            html += "<p>Text matching a personal-data pattern, to be reviewed:</p>\n"
            html += table(["item", "kind", "field"], personalData.map { [escape($0.item), escape($0.kind), escape($0.field)] })
        }
        return html
    }

    /// Horizontal stacked bars, one row a label, with a labelled axis; scales to the page.
    static func barChart(rows: [(label: String, values: [Double])], legend: [String], axis: String) -> String {
        guard !rows.isEmpty else { return "<p>Nothing to show.</p>\n" }
        let labelWidth = 230.0, barWidth = 400.0, rowHeight = 22.0
        let maximum = max(1, rows.map { $0.values.reduce(0, +) }.max() ?? 1)
        let height = Double(rows.count) * rowHeight + 36
        let width = labelWidth + barWidth + 60
        var svg = "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        for (row, entry) in rows.enumerated() {
            let y = Double(row) * rowHeight + 5
            svg += "<text x=\"0\" y=\"\(y + 14)\">\(escape(entry.label))</text>\n"
            var x = labelWidth
            for (index, value) in entry.values.enumerated() where value > 0 {
                let width = value / maximum * barWidth
                svg += "<rect x=\"\(format(x))\" y=\"\(y)\" width=\"\(format(width))\" height=\"16\" fill=\"\(colors[index % colors.count])\"><title>\(escape(legend[index])): \(format(value))</title></rect>\n"
                x += width
            }
            svg += "<text x=\"\(format(x + 4))\" y=\"\(y + 14)\">\(format(entry.values.reduce(0, +)))</text>\n"
        }
        let axisY = Double(rows.count) * rowHeight + 8
        svg += "<line x1=\"\(labelWidth)\" x2=\"\(labelWidth + barWidth)\" y1=\"\(axisY)\" y2=\"\(axisY)\" stroke=\"#999\"/>\n"
        svg += "<text x=\"\(labelWidth)\" y=\"\(axisY + 14)\">0</text>\n"
        svg += "<text x=\"\(labelWidth + barWidth)\" y=\"\(axisY + 14)\" text-anchor=\"end\">\(format(maximum)) \(escape(axis))</text>\n"
        svg += "</svg>\n"
        let key = legend.enumerated().map { index, name in
            "<span><span class=\"swatch\" style=\"background:\(colors[index % colors.count])\"></span>\(escape(name))</span>"
        }.joined()
        return svg + "<div class=\"legend\">\(key)</div>\n"
    }

    /// One social-value item: each option's weighted share with its margin of error (its figure
    /// to the right of the whisker, so that the two never overlap) and, beneath it in grey, its
    /// share before weighting.
    static func distribution(_ item: Item, weighting: SurveyWeighting? = nil) -> String {
        let survey = item.survey!
        let width = 360.0, rowHeight = 26.0, labelWidth = 220.0
        var html = "<h3>\(escape(item.question))</h3>\n<p>n = \(survey.n), n<sub>eff</sub> = \(format(survey.nEffective)), "
        html += "margin of error of the modal share ±\(format(survey.marginOfError * 100)) points\(survey.contested ? ", contested" : ""), \(escape(survey.weighting))"
        if let gap = weighting?.largestGap {
            html += "; largest gap to the population margins \(format(gap.unweighted * 100)) points before weighting, \(format(gap.weighted * 100)) after"
        }
        html += "</p>\n"
        let height = Double(item.choices.count) * rowHeight + 30
        let total = labelWidth + width + 90
        html += "<svg role=\"img\" viewBox=\"0 0 \(Int(total)) \(Int(height))\" width=\"\(Int(total))\" height=\"\(Int(height))\">\n"
        // Each option's margin at the confidence of the item's own (its source's `confidence`),
        // whose z the modal share's margin gives back.
        let modal = survey.distribution.max() ?? 0
        let spread = (modal * (1 - modal) / survey.nEffective).squareRoot()
        let z = spread > 0 && survey.marginOfError.isFinite ? survey.marginOfError / spread : SurveyMath.normalQuantile(0.975)
        for (index, share) in survey.distribution.enumerated() {
            let y = Double(index) * rowHeight + 5
            let margin = z * (share * (1 - share) / survey.nEffective).squareRoot()
            let low = labelWidth + max(0, share - margin) * width, high = labelWidth + min(1, share + margin) * width
            html += "<text x=\"0\" y=\"\(y + 13)\">\(escape(index < item.choices.count ? item.choices[index] : "?"))</text>\n"
            html += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(format(share * width))\" height=\"14\" fill=\"\(colors[0])\">"
            html += "<title>weighted \(format(share * 100))% ± \(format(margin * 100))</title></rect>\n"
            if let unweighted = weighting?.unweighted, index < unweighted.count {
                html += "<rect x=\"\(labelWidth)\" y=\"\(y + 16)\" width=\"\(format(unweighted[index] * width))\" height=\"5\" fill=\"#999\">"
                html += "<title>before weighting \(format(unweighted[index] * 100))%</title></rect>\n"
            }
            html += "<line x1=\"\(format(low))\" x2=\"\(format(high))\" y1=\"\(y + 7)\" y2=\"\(y + 7)\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"
            html += "<text x=\"\(format(max(high, labelWidth + share * width) + 6))\" y=\"\(y + 13)\">\(format(share * 100))% ±\(format(margin * 100))</text>\n"
        }
        let axisY = Double(item.choices.count) * rowHeight + 6
        html += "<line x1=\"\(labelWidth)\" x2=\"\(labelWidth + width)\" y1=\"\(axisY)\" y2=\"\(axisY)\" stroke=\"#999\"/>\n"
        html += "<text x=\"\(labelWidth)\" y=\"\(axisY + 14)\">0%</text><text x=\"\(labelWidth + width)\" y=\"\(axisY + 14)\" text-anchor=\"end\">100% of respondents</text>\n"
        return html + "</svg>\n"
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
