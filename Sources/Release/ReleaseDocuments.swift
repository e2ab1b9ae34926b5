public import Foundation
public import DatasetCore

/// The documents that let people load, trust and cite a release: a dataset card with Hugging
/// Face front matter, Croissant metadata, and an lm-evaluation-harness task per config.
public struct ReleaseDocuments: Sendable {
    public var manifest: ReleaseManifest
    public var items: [(item: Item, split: String)]
    public var description: String
    public var datePublished: String

    public init(manifest: ReleaseManifest, items: [(item: Item, split: String)], description: String, datePublished: String) {
        self.manifest = manifest
        self.items = items
        self.description = description
        self.datePublished = datePublished
    }

    /// Path → contents, for every document.
    public func all() throws -> [(path: String, data: Data)] {
        var documents = [("README.md", Data(card().utf8)), ("croissant.json", try croissant())]
        for config in configs {
            documents.append(("lm_eval/\(manifest.name)_\(config).yaml", Data(harnessTask(config: config).utf8)))
        }
        return documents
    }

    var configs: [String] { Array(Set(manifest.files.map(\.config))).sorted() }

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
            text += Self.features(withSurvey: config == ItemTask.socialValue.rawValue).map { Self.featureYAML($0, indent: "  ") }.joined()
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
        text += "\n## Collection\n\n"
        let sources = Dictionary(grouping: items.map(\.item.source)) { $0.sourceID }
        for id in sources.keys.sorted() {
            let source = sources[id]!
            let kinds = Set(source.map(\.kind)).sorted().joined(separator: ", ")
            let licenses = Set(source.compactMap(\.license)).sorted().joined(separator: "; ")
            let documents = Set(source.map(\.document)).sorted().joined(separator: ", ")
            text += "- `\(id)` (\(kinds)): \(documents); licence: \(licenses.isEmpty ? "not stated" : licenses)\n"
        }
        let weightings = Set(items.compactMap { $0.item.survey?.weighting }).sorted()
        if !weightings.isEmpty {
            text += "\nSocial-value distributions are weighted (\(weightings.joined(separator: ", "))) to population margins; "
            text += "each carries n, Kish's effective sample size and the 95% margin of error of its modal share, "
            text += "and is marked contested when the modal answer's lead is within that margin.\n"
        }
        text += "\n## Review\n\n"
        let statuses = Dictionary(grouping: items.map(\.item), by: \.review.status).mapValues(\.count)
        text += statuses.keys.sorted().map { "- \($0): \(statuses[$0]!) items" }.joined(separator: "\n") + "\n"
        let rounds = Set(items.flatMap(\.item.review.rounds)).sorted()
        text += rounds.isEmpty ? "\nNo review rounds were recorded for this release.\n" : "\nRounds: \(rounds.joined(separator: ", ")).\n"
        let votes = items.flatMap(\.item.review.votes)
        if !votes.isEmpty {
            let reviewers = Set(votes.map(\.reviewer)).count
            text += "\n\(votes.count) votes by \(reviewers) reviewers are kept in each item's `review.votes`, with the labels each reviewer gave; "
            text += "a label holds when at least the round's share of its reviewers (50% unless the pipeline says otherwise) gave it, "
            text += "and an item is CS when cultural, regional or dialect knowledge holds. `review.version` above 1 marks a revised item.\n"
        }
        text += "\n## Uses and limits\n\nFor evaluating language models; not for training them. Social-value items have no correct answer: "
        text += "compare a model's answer with the distribution (e.g. the share of respondents who chose it, or 1 − Jensen–Shannon distance, base 2). "
        text += "Items flagged `generated` were made from glossaries and deserve stricter review. Scores on small subjects are noisy.\n"
        text += "\n## Files and integrity\n\n`manifest.json` lists every file with its size, record count and SHA-256; "
        text += "check them with `build-dataset verify <this directory>`. `CHANGELOG.md` says what changed from the previous version.\n"
        text += "\n## How to cite\n\n```bibtex\n@misc{\(manifest.name.replacingOccurrences(of: "-", with: "_"))_\((manifest.version ?? "candidate").replacingOccurrences(of: ".", with: "_")),\n"
        text += "  title = {\(manifest.name)},\n  version = {\(manifest.version ?? "candidate")},\n  year = {\(datePublished.prefix(4))},\n"
        text += "  note = {Built with \(manifest.tool.name) \(manifest.tool.version)}\n}\n```\n"
        return text
    }

    /// A column of a release file as the Hub's `datasets` library types it.
    indirect enum Feature {
        case value(String, String)
        case sequence(String, String)
        case structure(String, [Feature])
        /// A list of records.
        case list(String, [Feature])
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
                                  .value("position", "int64"), .value("author", "string"), .value("passage", "string")]),
            .sequence("flags", "string"),
            .structure("review", [
                .value("status", "string"), .sequence("rounds", "string"), .value("version", "int64"),
                .list("votes", [.value("round", "string"), .value("reviewer", "string"), .value("decision", "string"),
                                .value("adjudication", "bool"), .list("labels", [.value("name", "string"), .value("value", "string")])]),
            ]),
            .value("schema_version", "string"),
        ]
        if withSurvey {
            features.append(.structure("survey", [
                .sequence("distribution", "float64"), .sequence("distribution_with_nonresponse", "float64"),
                .sequence("nonresponse_options", "string"), .sequence("distribution_3", "float64"), .sequence("scale_3", "string"),
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
        let fields: [(name: String, type: String, description: String)] = [
            ("id", "sc:Text", "Stable item id."), ("subject", "sc:Text", "Subject."), ("language", "sc:Text", "BCP 47 language."),
            ("question", "sc:Text", "The question."), ("answer", "sc:Text", "Letter of the correct (or modal) choice."),
            ("cultural_sensitivity", "sc:Text", "CS, CA, or - when not annotated."),
        ]
        for file in manifest.files {
            distribution.append([
                "@type": "cr:FileObject", "@id": file.path, "name": file.path, "contentUrl": file.path,
                "encodingFormat": "application/jsonlines", "sha256": file.sha256, "contentSize": "\(file.bytes) B",
            ])
            let setID = file.path.replacingOccurrences(of: ".jsonl", with: "")
            recordSets.append([
                "@type": "cr:RecordSet", "@id": setID, "name": setID,
                "description": "\(file.config) items of the \(file.split) split.",
                "field": fields.map { field in
                    [
                        "@type": "cr:Field", "@id": "\(setID)/\(field.name)", "name": field.name, "description": field.description,
                        "dataType": field.type,
                        "source": ["fileObject": ["@id": file.path], "extract": ["column": field.name]],
                    ] as [String: Any]
                },
            ])
        }
        let annotated = items.filter { $0.item.culturalSensitivity != .notAnnotated }.count
        let document: [String: Any] = [
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
            "rai:dataCollection": "Survey answer tallies weighted to census margins, and items from textbook modules and authored item files; see README.md.",
            "rai:dataAnnotationProtocol": "Items pass validation rules and review rounds recorded with an audit trail; cultural-sensitivity labels hold when at least half of an item's reviewers give them.",
            "rai:annotationsPerItem": items.isEmpty ? "0" : String(format: "%.2f", Double(items.map { $0.item.review.votes.count }.reduce(0, +)) / Double(items.count)),
            "rai:dataAnnotationAnalysis": "\(annotated) of \(items.count) items carry cultural-sensitivity labels.",
            "rai:dataLimitations": "Small subjects give noisy scores; social-value items have no correct answer, only a distribution.",
            "rai:dataUseCases": "Evaluation of language models' knowledge and values of one country; not for training.",
        ]
        var data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
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

    /// An lm-evaluation-harness task that reads this release's local files of one config.
    public func harnessTask(config: String) -> String {
        let files = manifest.files.filter { $0.config == config }
        let splits = files.map(\.split)
        let test = splits.contains("test") ? "test" : splits.last ?? "test"
        var text = "# lm-evaluation-harness task for the \(config) config; run from the release directory:\n"
        text += "#   lm_eval --model hf --model_args pretrained=MODEL --include_path lm_eval --tasks \(manifest.name)_\(config)\n"
        text += "task: \(manifest.name)_\(config)\n"
        text += "dataset_path: json\n"
        text += "dataset_kwargs:\n  data_files:\n"
        for file in files { text += "    \(file.split): \(file.path)\n" }
        text += "test_split: \(test)\n"
        if splits.contains("dev") { text += "fewshot_split: dev\n" }
        text += "output_type: multiple_choice\n"
        text += "doc_to_text: \"{{question}}\\n{% for choice in choices %}{{ 'ABCDEFGHIJ'[loop.index0] }}. {{choice}}\\n{% endfor %}Answer:\"\n"
        text += "doc_to_choice: \"{{ choices }}\"\n"
        text += "doc_to_target: \"{{ 'ABCDEFGHIJ'.index(answer) }}\"\n"
        text += "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n"
        text += "metadata:\n  version: \(manifest.version ?? "0.0.0")\n"
        return text
    }
}
