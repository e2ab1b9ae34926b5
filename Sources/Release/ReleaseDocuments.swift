public import Foundation
public import DatasetCore
import Statistics

/// The documents that let people load, trust and cite a release: a dataset card with Hugging
/// Face front matter, Croissant metadata, and an lm-evaluation-harness task per config.
public struct ReleaseDocuments: Sendable {
    public var manifest: ReleaseManifest
    public var items: [(item: Item, split: String)]
    public var description: String
    public var datePublished: String
    /// The build's quality dossier: the card's and Croissant's figures on review, agreement,
    /// set-aside items and limits come from it.
    public var quality: QualityDossier?

    public init(manifest: ReleaseManifest, items: [(item: Item, split: String)], description: String, datePublished: String) {
        self.manifest = manifest
        self.items = items
        self.description = description
        self.datePublished = datePublished
    }

    /// Path → contents, for every document.
    public func all() throws -> [(path: String, data: Data)] {
        let documents = [("README.md", Data(card().utf8)), ("croissant.json", try croissant())]
        return documents + harnessFiles()
    }

    var configs: [String] { Array(Set(manifest.files.map(\.config))).sorted() }

    static func isSocial(_ config: String) -> Bool { ParallelRelease.task(ofConfig: config) == .socialValue }

    var languages: [String] { Array(Set(items.map { String($0.item.language.prefix { $0 != "-" }) })).sorted() }

    static func sizeCategory(_ count: Int) -> String {
        switch count {
        case ..<1_000: "n<1K"
        case ..<10_000: "1K<n<10K"
        case ..<100_000: "10K<n<100K"
        case ..<1_000_000: "100K<n<1M"
        default: "1M<n<10M"
        }
    }

    static func licenseTag(_ spdx: String) -> String { spdx.lowercased() }

    /// The dataset card: YAML front matter for the Hugging Face Hub, then a datasheet.
    public func card() -> String {
        var text = "---\n"
        text += "pretty_name: \(manifest.name)\n"
        text += "license: \(Self.licenseTag(manifest.license))\n"
        text += "language:\n" + languages.map { "- \($0)\n" }.joined()
        text += "task_categories:\n- multiple-choice\n- question-answering\n"
        text += "size_categories:\n- \(Self.sizeCategory(items.count))\n"
        // Explicit features: a column that is null throughout one file (say, grade in dev) would
        // otherwise be typed as null there and fail to load beside the file where it has text.
        text += "dataset_info:\n"
        for config in configs {
            text += "- config_name: \(config)\n  features:\n"
            text += Self.features(withSurvey: Self.isSocial(config)).map { Self.featureYAML($0, indent: "  ") }.joined()
        }
        text += "configs:\n"
        for (index, config) in configs.enumerated() {
            text += "- config_name: \(config)\n"
            if index == 0 { text += "  default: true\n" }
            text += "  data_files:\n"
            for file in manifest.files where file.config == config {
                text += "  - split: \(file.split)\n    path: \(file.path)\n"
            }
        }
        text += "---\n\n"
        text += "# \(manifest.name) \(manifest.version ?? "")\n\n\(description)\n\n"
        text += "## Motivation\n\nA benchmark of what a language model knows and values about one country: "
        text += "social values, with the surveyed population's answer distribution as ground truth, and common knowledge from school material. "
        text += "Built with \(manifest.tool.name) \(manifest.tool.version) from the pipeline `\(manifest.pipeline)` (SHA-256 `\(manifest.pipelineSHA256)`).\n\n"
        text += "## Composition\n\n| config | split | records |\n|---|---|---|\n"
        for file in manifest.files { text += "| \(file.config) | \(file.split) | \(file.records) |\n" }
        text += "\n| task | subject | language | CS | CA | not annotated |\n|---|---|---|---|---|---|\n"
        let groups = Dictionary(grouping: items.map(\.item)) { "\($0.task.rawValue)\u{1F}\($0.subject)\u{1F}\($0.language)" }
        for key in groups.keys.sorted() {
            let parts = key.split(separator: "\u{1F}").map(String.init)
            let members = groups[key]!
            func count(_ label: CulturalSensitivity) -> Int { members.filter { $0.culturalSensitivity == label }.count }
            text += "| \(parts[0]) | \(parts[1]) | \(parts[2]) | \(count(.sensitive)) | \(count(.agnostic)) | \(count(.notAnnotated)) |\n"
        }
        text += translationsSection()
        text += "\n## Fields\n\nEvery record has these fields (`survey` on social-value records only; `translation` is null on items in their own language); "
        text += "lists of records are walked with `.`.\n\n"
        text += "| field | type | description |\n|---|---|---|\n"
        for row in Self.features(withSurvey: true).flatMap({ Self.fieldRows($0) }) {
            text += "| `\(row.path)` | \(row.type) | \(row.description.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        text += "\nCroissant's record sets hold every field but `review.votes.labels` (a list inside a list of records, which "
        text += "Croissant's sub-fields cannot express); the JSON Lines files have it.\n"
        text += "\n## Collection\n\n"
        let sources = Dictionary(grouping: items.map(\.item.source)) { $0.sourceID }
        for id in sources.keys.sorted() {
            let source = sources[id]!
            let kinds = Set(source.map(\.kind)).sorted().joined(separator: ", ")
            let licenses = Set(source.compactMap(\.license)).sorted().joined(separator: "; ")
            let documents = Set(source.map(\.document)).sorted().joined(separator: ", ")
            let collected = quality?.collection.first { $0.source == id }?.collected
            text += "- `\(id)` (\(kinds)): \(documents); licence: \(licenses.isEmpty ? "not stated" : licenses)\(collected.map { "; collected \($0)" } ?? "")\n"
        }
        if let quality {
            text += quality.collectionTimeframe.map { "\nCollected or written: \($0) (as the pipeline file's `sources[].collected` states).\n" }
                ?? "\nThe pipeline file does not say when the material was collected (`sources[].collected`).\n"
        }
        let weightings = Set(items.compactMap { $0.item.survey?.weighting }).sorted()
        if !weightings.isEmpty {
            text += "\nSocial-value distributions are weighted (\(weightings.joined(separator: ", "))) to population margins; "
            text += "each carries n, Kish's effective sample size and the 95% margin of error of its modal share, "
            text += "and is marked contested when the modal answer's lead is within that margin.\n"
        }
        if let quality, !quality.funnel.isEmpty {
            text += "\nFrom \(quality.funnel[0].itemsIn) source records to \(quality.items) released items; set aside on the way "
            text += "(each with its reason in the stage's `dropped.jsonl`):\n\n| stage | in | out | set aside |\n|---|---|---|---|\n"
            for stage in quality.funnel {
                let reasons = stage.setAside.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                text += "| \(stage.stage) | \(stage.itemsIn) | \(stage.itemsOut) | \(reasons.isEmpty ? "–" : reasons) |\n"
            }
        }
        if let quality, !quality.authorship.isEmpty {
            text += "\n### Authorship\n\n| subject | authors | generated | revised by a reviewer | translations by origin |\n|---|---|---|---|---|\n"
            for row in quality.authorship {
                text += "| \(row.stratum) | \(row.authors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) | "
                text += "\(row.generated) | \(row.revised) | \(QualityDossier.origins(row.translated)) |\n"
            }
        }
        text += "\n## Review\n\n"
        let statuses = Dictionary(grouping: items.map(\.item), by: \.review.status).mapValues(\.count)
        text += statuses.keys.sorted().map { "- \($0): \(statuses[$0]!) items" }.joined(separator: "\n") + "\n"
        let rounds = Set(items.flatMap(\.item.review.rounds)).sorted()
        text += rounds.isEmpty ? "\nNo released item has been settled by a review round.\n" : "\nRounds that settled released items: \(rounds.joined(separator: ", ")).\n"
        let votes = items.flatMap(\.item.review.votes)
        if !votes.isEmpty {
            let reviewers = Set(votes.map(\.reviewer)).count
            text += "\n\(votes.count) votes by \(reviewers) reviewers are kept in each item's `review.votes`, with the labels each reviewer gave; "
            text += "a label holds when at least the round's share of its reviewers gave it, "
            text += "and an item is CS when cultural, regional or dialect knowledge holds. `review.version` above 1 marks a revised item.\n"
        }
        if let quality, !quality.rounds.isEmpty {
            text += "\nThe pipeline's rounds:\n\n| round | reviewers per item | votes per released item | label threshold | labels |\n|---|---|---|---|---|\n"
            for round in quality.rounds {
                text += "| \(round.round) | \(round.reviewersPerItem) | \(votesPerItem(round.round)) | \(Self.percent(round.labelThreshold)) | "
                text += "\(round.labels.isEmpty ? "–" : round.labels.joined(separator: ", ")) |\n"
            }
        }
        if let quality, !quality.agreement.isEmpty {
            text += "\nAgreement on the released items (adjudications left out; alpha with its seeded 95% bootstrap interval, AC1 and "
            text += "Fleiss' kappa with standard errors):\n\n| round | label | items | Krippendorff's alpha | Gwet's AC1 | Fleiss' kappa |\n|---|---|---|---|---|---|\n"
            for row in quality.agreement {
                let a = row.agreement
                let interval = a.alphaNominalInterval.map { " [\(QualityDossier.format($0[0])), \(QualityDossier.format($0[1]))]" } ?? ""
                text += "| \(row.round) | \(a.variable) | \(a.items) | \(QualityDossier.format(a.alphaNominal))\(interval) | "
                text += "\(QualityDossier.format(a.ac1)) | \(QualityDossier.format(a.fleissGeneralized)) |\n"
            }
        }
        text += "\n## Contamination\n\n"
        if let checks = manifest.corpusContamination, !checks.isEmpty {
            text += "Items were looked for in pretraining corpora by n-gram overlap (`build-dataset contamination`): "
            text += "an item counts as found when a document shares a run of its words (or, for Korean, Japanese and Chinese, its characters) "
            text += "with its question and choices or its question and answer.\n\n| corpus | items found | documents | items were |\n|---|---|---|---|\n"
            for check in checks { text += "| \(check.corpus) | \(check.itemsFound) | \(check.documents) | \(check.action) |\n" }
            if checks.contains(where: { $0.action == "flagged" }) {
                text += "\nFlagged items are released with the flags `contaminated` and `contaminated:<corpus>`.\n"
            }
        } else {
            text += "The items were not checked against pretraining corpora for this release.\n"
        }
        if let reviews = manifest.pilotReview, !reviews.isEmpty {
            text += "\n## Pilot\n\nModels were run on the items before release (`build-dataset pilot`), and the items their answers flagged "
            text += "(too easy, too hard, discriminating the wrong way, or with a choice no model took) went back to review:\n\n"
            text += "| pilot on | round | items sent | approved | rejected | pending | revised | flags |\n|---|---|---|---|---|---|---|---|\n"
            for review in reviews {
                let flags = review.flags.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "_", with: " ")) \($0.value)" }
                text += "| \(review.target) | \(review.round) | \(review.sent) | \(review.approved) | \(review.rejected) | \(review.pending) | "
                text += "\(review.revised) | \(flags.joined(separator: ", ")) |\n"
            }
        }
        if let quality {
            text += "\n## Quality\n\nThe checks the build ran (`quality.json` holds them with their definitions and the figures behind them; "
            text += "`report.html` shows them with charts). Measures are ISO/IEC 5259-2's; criteria are NIA/TTA's AI-data quality criteria.\n\n"
            text += "| check | measure | criterion | value | rule | result |\n|---|---|---|---|---|---|\n"
            for check in quality.checks {
                text += "| \(check.name.rawValue) | \(check.measure) | \(check.criterion) | \(QualityDossier.format(check.value)) | "
                text += "\(check.comparison == "at_least" ? "≥" : "≤") \(QualityDossier.format(check.threshold)) | \(check.status.replacingOccurrences(of: "_", with: " ")) |\n"
            }
        }
        text += "\n## Uses and limits\n\nFor evaluating language models; not for training them. Social-value items have no correct answer: "
        text += "compare a model's answer with the distribution (e.g. the share of respondents who chose it, or 1 − Jensen–Shannon distance, base 2).\n\n"
        text += limitations().map { "- \($0)\n" }.joined()
        text += "\n## Files and integrity\n\n`manifest.json` lists every file with its size, record count and SHA-256; "
        text += "check them with `build-dataset verify <this directory>`. `CHANGELOG.md` says what changed from the previous version.\n"
        text += "\n## How to cite\n\n```bibtex\n@misc{\(manifest.name.replacingOccurrences(of: "-", with: "_"))_\((manifest.version ?? "candidate").replacingOccurrences(of: ".", with: "_")),\n"
        text += "  title = {\(manifest.name)},\n  version = {\(manifest.version ?? "candidate")},\n  year = {\(datePublished.prefix(4))},\n"
        text += "  note = {Built with \(manifest.tool.name) \(manifest.tool.version)}\n}\n```\n"
        return text
    }

    static func percent(_ share: Double) -> String {
        let value = share * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }

    /// Votes per released item in a round, two decimals.
    func votesPerItem(_ round: String) -> String {
        guard !items.isEmpty else { return "0" }
        let votes = items.map { $0.item.review.votes.filter { $0.round == round && !$0.adjudication }.count }.reduce(0, +)
        return String(format: "%.2f", Double(votes) / Double(items.count))
    }

    func collectionText() -> String {
        let kinds = Set(items.map(\.item.source.kind)).sorted()
        var text = "Items from \(Set(items.map(\.item.source.sourceID)).count) sources (\(kinds.joined(separator: ", ")))"
        let surveyed = items.filter { $0.item.survey != nil }
        if !surveyed.isEmpty {
            text += "; \(surveyed.count) social-value items carry survey answer distributions weighted (\(Set(surveyed.compactMap { $0.item.survey?.weighting }).sorted().joined(separator: ", ")))"
        }
        return text + ". The sources, files and licences are listed in README.md."
    }

    func preprocessingText() -> String {
        guard let funnel = quality?.funnel, let first = funnel.first else { return "Items pass validation, deduplication, sampling and review; see README.md." }
        let reasons = funnel.flatMap { stage in stage.setAside.map { "\(stage.stage): \($0.key) \($0.value)" } }.sorted()
        return "From \(first.itemsIn) source records to \(items.count) released items through ingest, validation, deduplication, "
            + "sampling, review and release. Set aside: \(reasons.isEmpty ? "none" : reasons.joined(separator: "; "))."
    }

    func annotationProtocolText() -> String {
        guard let rounds = quality?.rounds, !rounds.isEmpty else { return "No review rounds are defined; items were not labelled by reviewers." }
        return "Review rounds, each recorded with an audit trail: " + rounds.map { round in
            "\(round.round) (\(round.reviewersPerItem) reviewer\(round.reviewersPerItem == 1 ? "" : "s") per item"
                + (round.labels.isEmpty ? "" : "; labels \(round.labels.joined(separator: ", ")) hold when at least \(Self.percent(round.labelThreshold)) of an item's reviewers give them")
                + ")"
        }.joined(separator: "; ") + ". An item is CS when cultural, regional or dialect knowledge holds."
    }

    func annotationsPerItemText() -> String {
        let rounds = quality?.rounds.map(\.round) ?? Set(items.flatMap { $0.item.review.votes.map(\.round) }).sorted()
        guard !rounds.isEmpty else { return "0" }
        return rounds.map { "\($0): \(votesPerItem($0))" }.joined(separator: "; ")
    }

    func agreementText() -> String {
        guard let agreement = quality?.agreement, !agreement.isEmpty else { return "No item has two or more votes in a round, so agreement is not measured." }
        return "Agreement (Krippendorff's alpha, nominal; Gwet's AC1): " + agreement.map { row in
            "\(row.round) \(row.agreement.variable) alpha \(QualityDossier.format(row.agreement.alphaNominal)), AC1 \(QualityDossier.format(row.agreement.ac1?.value)) over \(row.agreement.items) items"
        }.joined(separator: "; ") + "."
    }

    func machineAnnotationText() -> String {
        let generated = items.filter { $0.item.flags.contains("generated") }.count
        return generated == 0 ? "No item was generated or machine-annotated."
            : "\(generated) items were generated from glossary entries by a fixed template (flag `generated`); no labels are machine-made."
    }

    func personalDataText() -> String {
        guard let quality else { return "Not scanned." }
        let flagged = Set(quality.personalData.map(\.item)).count
        return flagged == 0 ? "Released text was scanned for phone numbers, resident registration numbers and e-mail addresses; none was found."
            : "\(flagged) \(flagged == 1 ? "item matches" : "items match") a personal-data pattern (listed in quality.json) and need review."
    }

    /// What a user should know before trusting scores, computed from the build: failing checks,
    /// small subjects, contested survey items, generated items.
    func limitations() -> [String] {
        var notes: [String] = []
        for check in quality?.checks ?? [] where check.status == "fail" {
            notes.append("The \(check.name.rawValue.replacingOccurrences(of: "_", with: " ")) check fails (\(QualityDossier.format(check.value)) against "
                         + "\(check.comparison == "at_least" ? "at least" : "at most") \(QualityDossier.format(check.threshold))): \(check.detail).")
        }
        let subjects = Dictionary(grouping: items.map(\.item)) { "\($0.task.rawValue)/\($0.subject)" }.mapValues(\.count)
        let small = subjects.filter { $0.value < 100 }.sorted { $0.key < $1.key }
        if !small.isEmpty {
            notes.append("\(small.count) of \(subjects.count) subjects have fewer than 100 items (\(small.map { "\($0.key) \($0.value)" }.joined(separator: ", "))): their scores are noisy.")
        }
        let contested = items.filter { $0.item.survey?.contested == true }.count
        if contested > 0 {
            notes.append("\(contested) social-value \(contested == 1 ? "item is" : "items are") contested: the modal answer leads by no more than the margin of error.")
        }
        let generated = items.filter { $0.item.flags.contains("generated") }.count
        if generated > 0 { notes.append("\(generated) items were generated from glossaries and deserve stricter review.") }
        return notes.isEmpty ? ["No check failed."] : notes
    }

    /// Per language of translations: the origins, how many people made or checked, and whether
    /// the language is in the release; empty without translations.
    func translationsSection() -> String {
        guard let counts = manifest.translations, !counts.isEmpty else { return "" }
        var text = "\n## Translations\n\nTranslations share the `translation.group` (the id of the item translated) and its split "
        text += "in every language, with the same choice order and answer letter. Labels (`cultural_sensitivity`, `required_knowledge`, "
        text += "`region`, `country`, `time_sensitive`) are carried from the item translated unless a round labelled the translation "
        text += "itself (`translation.labels_from`). A language is released only with at least the pipeline's `min_human_verified` "
        text += "translations made or checked by people (translated or post-edited by people, or approved in review).\n\n"
        text += "| language | human | post-edited | machine | made or checked by people | released |\n|---|---|---|---|---|---|\n"
        for count in counts {
            text += "| \(count.language) | \(count.human) | \(count.postEdited) | \(count.machine) | \(count.humanVerified) | \(count.included ? "yes" : "no") |\n"
        }
        for round in quality?.translationReview ?? [] {
            text += "\nRound `\(round.round)` (edit rates of reviewers' edits against the text as it came in: characters, normalized, TER):\n\n"
            text += "| language | subject | items | accepted | edited | rejected | pending | characters | normalized | TER |\n|---|---|---|---|---|---|---|---|---|---|\n"
            for row in round.rows {
                text += "| \(row.language) | \(row.subject) | \(row.items) | \(row.accepted) | \(row.edited) | \(row.rejected) | \(row.pending) | "
                text += "\(row.meanCharacters.map { String(format: "%.1f", $0) } ?? "–") | \(QualityDossier.format(row.meanNormalized)) | \(QualityDossier.format(row.meanTER)) |\n"
            }
        }
        let labels = Dictionary(grouping: items.compactMap(\.item.translation), by: { $0.labelsFrom ?? "none" }).mapValues(\.count)
        if !labels.isEmpty {
            text += "\nLabels of released translations: " + labels.keys.sorted().map { "\($0) \(labels[$0]!)" }.joined(separator: ", ") + ".\n"
        }
        return text
    }

    /// A column of a release file as the Hub's `datasets` library types it.
    indirect enum Feature {
        case value(String, String)
        case sequence(String, String)
        case structure(String, [Feature])
        /// A list of records.
        case list(String, [Feature])

        var name: String {
            switch self {
            case .value(let name, _), .sequence(let name, _), .structure(let name, _), .list(let name, _): name
            }
        }
    }

    static func features(withSurvey: Bool) -> [Feature] {
        var features: [Feature] = [
            .value("id", "string"), .value("task", "string"), .value("subject", "string"), .value("language", "string"),
            .value("question", "string"), .sequence("choices", "string"), .value("answer", "string"),
            .value("choices_ordered", "bool"), .value("cultural_sensitivity", "string"), .sequence("required_knowledge", "string"),
            .value("time_sensitive", "bool"), .value("region", "string"), .value("country", "string"), .value("topic", "string"),
            .value("grade", "string"),
            .structure("source", [.value("kind", "string"), .value("source_id", "string"), .value("document", "string"),
                                  .value("element", "string"), .value("license", "string"), .value("revision", "string"),
                                  .value("position", "int64"), .value("author", "string"), .value("passage", "string"),
                                  .list("fields", [.value("name", "string"), .value("value", "string")])]),
            .sequence("flags", "string"),
            .structure("review", [
                .value("status", "string"), .sequence("rounds", "string"), .value("version", "int64"),
                .list("votes", [.value("round", "string"), .value("reviewer", "string"), .value("decision", "string"),
                                .value("adjudication", "bool"), .list("labels", [.value("name", "string"), .value("value", "string")])]),
            ]),
            .structure("translation", [
                .value("group", "string"), .value("labels_from", "string"), .value("origin", "string"),
                .value("source_language", "string"), .value("system", "string"),
            ]),
            .value("schema_version", "string"),
        ]
        if withSurvey {
            features.append(.structure("survey", [
                .sequence("distribution", "float64"), .sequence("distribution_with_nonresponse", "float64"),
                .sequence("nonresponse_options", "string"), .sequence("distribution_3", "float64"), .sequence("scale_3", "string"),
                .sequence("choice_levels_3", "int64"),
                .value("n", "int64"), .value("n_effective", "float64"), .value("margin_of_error", "float64"),
                .value("contested", "bool"), .value("weighting", "string"),
            ]))
        }
        return features
    }

    static func featureYAML(_ feature: Feature, indent: String) -> String {
        switch feature {
        case .value(let name, let type):
            return "\(indent)- name: \(name)\n\(indent)  dtype: \(type)\n"
        case .sequence(let name, let type):
            return "\(indent)- name: \(name)\n\(indent)  sequence: \(type)\n"
        case .structure(let name, let members):
            return "\(indent)- name: \(name)\n\(indent)  struct:\n" + members.map { featureYAML($0, indent: indent + "  ") }.joined()
        case .list(let name, let members):
            return "\(indent)- name: \(name)\n\(indent)  list:\n" + members.map { featureYAML($0, indent: indent + "  ") }.joined()
        }
    }

    /// MLCommons Croissant 1.0 metadata, with Responsible-AI fields for the annotation.
    public func croissant() throws -> Data {
        var distribution: [[String: Any]] = []
        var recordSets: [[String: Any]] = []
        for file in manifest.files {
            distribution.append([
                "@type": "cr:FileObject", "@id": file.path, "name": file.path, "contentUrl": file.path,
                "encodingFormat": "application/jsonlines", "sha256": file.sha256, "contentSize": "\(file.bytes) B",
            ])
            let setID = file.path.replacingOccurrences(of: ".jsonl", with: "")
            recordSets.append([
                "@type": "cr:RecordSet", "@id": setID, "name": setID,
                "description": "\(file.config) items of the \(file.split) split.",
                "field": Self.features(withSurvey: Self.isSocial(file.config)).compactMap {
                    Self.croissantField($0, parentID: setID, file: file.path, column: nil, path: [])
                },
            ])
        }
        let annotated = items.filter { $0.item.culturalSensitivity != .notAnnotated }.count
        let fields: [String: Any] = [
            "@context": Self.croissantContext,
            "@type": "sc:Dataset",
            "name": manifest.name,
            "description": description,
            "conformsTo": "http://mlcommons.org/croissant/1.0",
            "license": "https://spdx.org/licenses/\(manifest.license).html",
            "url": "https://huggingface.co/datasets/\(manifest.name)",
            "version": manifest.version ?? "0.0.0",
            "datePublished": datePublished,
            "creator": ["@type": "sc:Organization", "name": "\(manifest.name) curators"],
            "citeAs": "\(manifest.name) \(manifest.version ?? "candidate"), built with \(manifest.tool.name) \(manifest.tool.version)",
            "distribution": distribution,
            "recordSet": recordSets,
            "rai:dataCollection": collectionText(),
            "rai:dataPreprocessingProtocol": preprocessingText(),
            "rai:dataAnnotationProtocol": annotationProtocolText(),
            "rai:annotationsPerItem": annotationsPerItemText(),
            "rai:dataAnnotationAnalysis": "\(annotated) of \(items.count) items carry cultural-sensitivity labels. " + agreementText(),
            "rai:machineAnnotationTools": machineAnnotationText(),
            "rai:personalSensitiveInformation": personalDataText(),
            "rai:dataLimitations": limitations().joined(separator: " "),
            "rai:dataUseCases": "Evaluation of language models' knowledge and values of one country; not for training.",
        ]
        var document = fields
        if let timeframe = quality?.collectionTimeframe { document["rai:dataCollectionTimeframe"] = timeframe }
        var data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }

    static func croissantType(_ type: String) -> String {
        switch type {
        case "bool": "sc:Boolean"
        case "int64": "sc:Integer"
        case "float64": "sc:Float"
        default: "sc:Text"
        }
    }

    /// A record field for a column of the file, or a sub-field read from inside one: the
    /// column's JSON is walked with one `jsonPath` transform per level, which mlcroissant applies
    /// to each element of a list. A list of records inside a list of records cannot be expressed
    /// that way (`review.votes[].labels`); it is left out and the card says so.
    static func croissantField(_ feature: Feature, parentID: String, file: String, column: String?, path: [String],
                               insideList: Bool = false) -> [String: Any]? {
        let name = feature.name
        let id = "\(parentID)/\(name)"
        let dotted = (path + [name]).joined(separator: ".")
        var field: [String: Any] = ["@type": "cr:Field", "@id": id, "name": name,
                                    "description": fieldDescriptions[column.map { "\($0).\(dotted)" } ?? dotted] ?? ""]
        func source(_ transforms: [String]) -> [String: Any] {
            var source: [String: Any] = ["fileObject": ["@id": file], "extract": ["column": column ?? name]]
            if !transforms.isEmpty { source["transform"] = transforms.map { ["jsonPath": $0] } }
            return source
        }
        let transforms = column == nil ? [] : path + [name]
        switch feature {
        case .value(_, let type):
            field["dataType"] = croissantType(type)
            field["source"] = source(transforms)
        case .sequence(_, let type):
            field["dataType"] = croissantType(type)
            field["repeated"] = true
            field["source"] = source(transforms)
        case .structure(_, let members):
            field["subField"] = members.compactMap {
                croissantField($0, parentID: id, file: file, column: column ?? name, path: column == nil ? [] : path + [name], insideList: insideList)
            }
        case .list(_, let members):
            if insideList { return nil }
            field["repeated"] = true
            field["subField"] = members.compactMap {
                croissantField($0, parentID: id, file: file, column: column ?? name, path: path + [name], insideList: true)
            }
        }
        return field
    }

    /// Each record field's description from the item schema, by dotted path (`source.kind`;
    /// a list of records is walked through, `review.votes.round`).
    static let fieldDescriptions: [String: String] = {
        guard let schema = (try? JSONSerialization.jsonObject(with: Data(builtInItemSchema.utf8))) as? [String: Any] else { return [:] }
        let definitions = schema["$defs"] as? [String: Any] ?? [:]
        var descriptions: [String: String] = [:]
        func walk(_ properties: [String: Any], prefix: String) {
            for (name, value) in properties {
                guard var property = value as? [String: Any] else { continue }
                if let reference = property["$ref"] as? String, let target = definitions[String(reference.split(separator: "/").last!)] as? [String: Any] {
                    property = target.merging(property) { own, _ in own }
                }
                descriptions[prefix + name] = property["description"] as? String
                if let nested = property["properties"] as? [String: Any] { walk(nested, prefix: prefix + name + ".") }
                if let items = property["items"] as? [String: Any], let nested = items["properties"] as? [String: Any] {
                    walk(nested, prefix: prefix + name + ".")
                }
            }
        }
        walk(schema["properties"] as? [String: Any] ?? [:], prefix: "")
        return descriptions
    }()

    /// The card's table of fields: dotted path, type and description, from the same features
    /// and schema as the Hub's and Croissant's.
    static func fieldRows(_ feature: Feature, prefix: String = "") -> [(path: String, type: String, description: String)] {
        let path = prefix + feature.name
        let own = fieldDescriptions[path] ?? ""
        switch feature {
        case .value(_, let type): return [(path, type, own)]
        case .sequence(_, let type): return [(path, "list of \(type)", own)]
        case .structure(_, let members): return [(path, "record", own)] + members.flatMap { fieldRows($0, prefix: path + ".") }
        case .list(_, let members): return [(path, "list of records", own)] + members.flatMap { fieldRows($0, prefix: path + ".") }
        }
    }

    static var croissantContext: [String: Any] { [
        "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
        "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
        "data": ["@id": "cr:data", "@type": "@json"], "dataType": ["@id": "cr:dataType", "@type": "@vocab"],
        "dct": "http://purl.org/dc/terms/", "examples": ["@id": "cr:examples", "@type": "@json"], "extract": "cr:extract",
        "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
        "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
        "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
        "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated", "replace": "cr:replace",
        "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
        "transform": "cr:transform", "samplingRate": "cr:samplingRate", "equivalentProperty": "cr:equivalentProperty",
    ] }

    /// The lm-evaluation-harness folder: a task per config (scored by the letter, as lm-eval's
    /// Global-MMLU tasks are), common knowledge scored by the choice text as well, a group that
    /// runs the letter-scored tasks, and the `utils.py` they load the release and score with.
    func harnessFiles() -> [(path: String, data: Data)] {
        var files: [(String, Data)] = [("lm_eval/utils.py", Data(Self.harnessUtilities.utf8))]
        var tasks: [String] = []
        for config in configs {
            let name = "\(manifest.name)_\(config)"
            tasks.append(name)
            files.append(("lm_eval/\(name).yaml", Data(harnessTask(config: config).utf8)))
            if !Self.isSocial(config) {
                files.append(("lm_eval/\(name)_choice_text.yaml", Data(harnessTask(config: config, scoredByText: true).utf8)))
            }
        }
        var group = "# Runs every config of \(manifest.name) \(manifest.version ?? "candidate"), each scored by the letter.\n"
        group += "group: \(manifest.name)\ntask:\n" + tasks.map { "  - \($0)\n" }.joined()
        group += "metadata:\n  version: \(manifest.version ?? "0.0.0")\n"
        files.append(("lm_eval/\(manifest.name).yaml", Data(group.utf8)))
        return files
    }

    /// Social-value scores that every item of the release supports: the collapsed-scale score
    /// needs each item's `choice_levels_3`.
    var socialValueMetrics: [String] {
        let social = items.map(\.item).filter { $0.task == .socialValue }
        let collapsed = !social.isEmpty && social.allSatisfy { $0.survey?.levels3 != nil }
        return ["acc", "sva"] + (collapsed ? ["sva_3"] : []) + ["one_minus_jsd"]
    }

    /// An lm-evaluation-harness task over one config of this release. The data is loaded by
    /// `utils.load` from the folder above this file, typed by the dataset card, so the task
    /// runs from any working directory and columns null throughout a split still load.
    public func harnessTask(config: String, scoredByText: Bool = false) -> String {
        let splits = manifest.files.filter { $0.config == config }.map(\.split)
        let test = splits.contains("test") ? "test" : splits.last ?? "test"
        let name = "\(manifest.name)_\(config)" + (scoredByText ? "_choice_text" : "")
        let social = Self.isSocial(config)
        var text = "# lm-evaluation-harness task for the \(config) config of \(manifest.name)"
        text += scoredByText ? ", scored by the log-likelihood of each choice's text.\n" : ", scored by the answer letter.\n"
        text += "#   lm_eval --model hf --model_args pretrained=MODEL --include_path RELEASE/lm_eval --tasks \(name)\n"
        if splits.contains("dev") {
            text += "# Few-shot examples are the first dev items (--num_fewshot N; 0 unless given); asking for more\n"
            text += "# than dev holds stops with lm-eval's error naming how many there are.\n"
        }
        text += "task: \(name)\n"
        text += "custom_dataset: !function utils.load\n"
        text += "dataset_kwargs:\n  config: \(config)\n"
        text += "test_split: \(test)\n"
        if splits.contains("dev") { text += "fewshot_split: dev\nfewshot_config:\n  sampler: first_n\n" }
        text += "output_type: multiple_choice\n"
        text += "doc_to_text: !function utils.\(scoredByText ? "doc_to_question" : "doc_to_text")\n"
        text += "doc_to_choice: !function utils.\(scoredByText ? "doc_to_choice_text" : "doc_to_choice")\n"
        text += "doc_to_target: !function utils.doc_to_target\n"
        if scoredByText { text += "target_delimiter: \" \"\n" }
        let metrics: [String]
        if social {
            // One minus the Jensen–Shannon distance is in base 2, so it lies in [0, 1].
            metrics = socialValueMetrics
            text += "process_results: !function utils.\(metrics.contains("sva_3") ? "process_social_value_3" : "process_social_value")\n"
        } else {
            metrics = scoredByText ? ["acc", "acc_norm"] : ["acc"]
        }
        text += "metric_list:\n" + metrics.map { "  - metric: \($0)\n    aggregation: mean\n    higher_is_better: true\n" }.joined()
        text += "metadata:\n  version: \(manifest.version ?? "0.0.0")\n"
        return text
    }

    /// The functions the harness tasks name. Kept free of any package but `datasets`, which
    /// lm-evaluation-harness itself needs.
    static let harnessUtilities = #"""
        """Loads this release for lm-evaluation-harness and scores its tasks.

        The tasks in this folder name these functions. The release is found from this file's
        own location, so lm_eval runs from any working directory:

            lm_eval --model hf --model_args pretrained=MODEL --include_path RELEASE/lm_eval --tasks TASK

        Social-value items have no correct answer; each is scored against the surveyed answer
        distribution (survey.distribution, shares over the choices):
          acc            the model's choice is the most common answer (the item's answer letter)
          sva            the share of respondents who chose the model's option (KorNAT's SVA)
          sva_3          the same on the 3-level scale, agree / neutral / disagree (KorNAT's A-SVA),
                         through survey.choice_levels_3
          one_minus_jsd  1 - Jensen-Shannon distance, base 2 (so in [0, 1]), between the softmax of
                         the model's log-likelihoods over the choices and the distribution (as
                         GlobalOpinionQA scores similarity)
        The model's option is the choice with the highest log-likelihood, the first on a tie, as
        lm-eval's own accuracy takes it.
        """
        import hashlib
        import math
        import os

        import datasets

        RELEASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


        def letter(index):
            """A to Z, then AA, AB, ...: the letters the release's answers use."""
            name = ""
            index += 1
            while index > 0:
                index, rest = divmod(index - 1, 26)
                name = chr(65 + rest) + name
            return name


        def load(config, **_):
            # The dataset card (README.md) declares every column's type: a column that is null
            # throughout one split loads with the type it has in the others. The cache is keyed
            # by the manifest's hash: datasets may otherwise take another release's cached files
            # for this one (same folder name, same config).
            with open(os.path.join(RELEASE, "manifest.json"), "rb") as handle:
                release_hash = hashlib.sha256(handle.read()).hexdigest()[:16]
            cache = os.path.join(datasets.config.HF_DATASETS_CACHE, "build-dataset", release_hash)
            return datasets.load_dataset(RELEASE, config, cache_dir=cache)


        def doc_to_question(doc):
            return doc["question"].strip() + "\nAnswer:"


        def doc_to_text(doc):
            lines = [doc["question"].strip()]
            lines += [f"{letter(index)}. {choice}" for index, choice in enumerate(doc["choices"])]
            return "\n".join(lines) + "\nAnswer:"


        def doc_to_choice(doc):
            return [letter(index) for index in range(len(doc["choices"]))]


        def doc_to_choice_text(doc):
            return list(doc["choices"])


        def doc_to_target(doc):
            return doc_to_choice(doc).index(doc["answer"])


        def softmax(loglikelihoods):
            top = max(loglikelihoods)
            weights = [math.exp(value - top) for value in loglikelihoods]
            total = sum(weights)
            return [weight / total for weight in weights]


        def jensen_shannon_distance(p, q):
            """Base 2: the square root of the Jensen-Shannon divergence, in [0, 1]."""
            p = [value / sum(p) for value in p]
            q = [value / sum(q) for value in q]
            middle = [(a + b) / 2 for a, b in zip(p, q)]

            def divergence(a, b):
                return sum(x * math.log2(x / y) for x, y in zip(a, b) if x > 0)

            return math.sqrt(max(0.0, (divergence(p, middle) + divergence(q, middle)) / 2))


        def chosen_index(results):
            loglikelihoods = [result[0] for result in results]
            return max(range(len(loglikelihoods)), key=lambda index: (loglikelihoods[index], -index))


        def process_social_value(doc, results):
            chosen = chosen_index(results)
            shares = doc["survey"]["distribution"]
            return {
                "acc": float(letter(chosen) == doc["answer"]),
                "sva": shares[chosen],
                "one_minus_jsd": 1.0 - jensen_shannon_distance(softmax([result[0] for result in results]), shares),
            }


        def process_social_value_3(doc, results):
            """process_social_value and sva_3, for releases whose every item has a 3-level scale."""
            survey = doc["survey"]
            scores = process_social_value(doc, results)
            scores["sva_3"] = survey["distribution_3"][survey["choice_levels_3"][chosen_index(results)]]
            return scores
        """#
}
