public import Foundation
public import DatasetCore

/// A release's items in the layout another benchmark's code loads, so that code runs unchanged.
public enum ReleaseExport: String, Sendable, CaseIterable, Codable {
    /// Global-MMLU's fields, one config per language (`exports/global_mmlu/<language>/<split>.jsonl`
    /// with a dataset card naming the configs); common-knowledge items with four choices.
    case globalMMLU = "global_mmlu"
    /// KorNAT's CSV columns (`exports/kornat/<config>_<split>.csv`).
    case kornat
    /// GlobalOpinionQA's `question`, `selections` and `options`, written as its files write them
    /// (Python literals), for social-value items (`exports/global_opinion_qa/<split>.jsonl`).
    case globalOpinionQA = "global_opinion_qa"
    /// Inspect AI samples: `id`, `input`, `choices`, `target`, `metadata`
    /// (`exports/inspect/<config>_<split>.jsonl`).
    case inspect
}

/// The files of each export, from the release's items by split. Items go in id order; every
/// item an export cannot hold is counted in the export's README with the reason.
enum ReleaseExports {
    static func files(_ exports: [ReleaseExport], splits: [String: [Item]], name: String) throws -> [(path: String, data: Data)] {
        // Each arrangement is made when an export asks for it: sorting and laying out half a
        // million items took half a second of a release that asked for no export.
        lazy var ordered = splits.keys.sorted().map { split in (split: split, items: splits[split]!.sorted(byKey: \.id)) }
        // The data files' own layout, for the exports written per config and split.
        lazy var dataFiles = ReleaseWriter.layout(splits)
        var files: [(path: String, data: Data)] = []
        for export in Set(exports).sorted(by: { $0.rawValue < $1.rawValue }) {
            switch export {
            case .globalMMLU: files += try globalMMLU(ordered, name: name)
            case .kornat: files += kornat(dataFiles)
            case .globalOpinionQA: files += try globalOpinionQA(ordered, name: name)
            case .inspect: files += try inspect(dataFiles)
            }
        }
        return files
    }

    typealias Splits = [(split: String, items: [Item])]
    typealias DataFiles = [(config: String, split: String, items: [Item])]

    static func jsonLines(_ records: [[String: Any]]) throws -> Data {
        var data = Data()
        for record in records {
            data.append(try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]))
            data.append(0x0A)
        }
        return data
    }

    static func language(_ item: Item) -> String { String(item.language.prefix { $0 != "-" }) }

    /// A Python list literal of strings, as Global-MMLU and GlobalOpinionQA write their lists.
    static func pythonList(_ values: [String]) -> String {
        "[" + values.map(PythonLiteral.string).joined(separator: ", ") + "]"
    }

    // MARK: Global-MMLU

    static let globalMMLUColumns = ["sample_id", "subject", "subject_category", "question", "option_a", "option_b", "option_c", "option_d",
                                    "answer", "required_knowledge", "time_sensitive", "reference", "culture", "region", "country",
                                    "cultural_sensitivity_label", "is_annotated"]

    static func globalMMLU(_ splits: Splits, name: String) throws -> [(path: String, data: Data)] {
        var files: [(path: String, data: Data)] = []
        var configs: [String: [String]] = [:]
        var skipped = 0
        for language in Set(splits.flatMap { $0.items.map(language) }).sorted() {
            for (split, items) in splits {
                let kept = items.filter { $0.task == .commonKnowledge && language == Self.language($0) && $0.choices.count == 4 }
                skipped += items.filter { $0.task == .commonKnowledge && language == Self.language($0) && $0.choices.count != 4 }.count
                guard !kept.isEmpty else { continue }
                let records: [[String: Any]] = kept.map { item in
                    // Global-MMLU keeps each annotator's answer in a Python list literal; here
                    // the labels that held after review stand in, one value each.
                    let annotated = item.culturalSensitivity != .notAnnotated
                    return [
                        "sample_id": item.id, "subject": item.subject, "subject_category": item.topic ?? "",
                        "question": item.question, "option_a": item.choices[0], "option_b": item.choices[1],
                        "option_c": item.choices[2], "option_d": item.choices[3], "answer": item.answer ?? "",
                        "required_knowledge": pythonList(item.requiredKnowledge),
                        "time_sensitive": pythonList(item.timeSensitive.map { [$0 ? "Yes" : "No"] } ?? []),
                        "reference": "[]", "culture": "[]",
                        "region": pythonList(item.region.map { [$0] } ?? []), "country": pythonList(item.country.map { [$0] } ?? []),
                        "cultural_sensitivity_label": item.culturalSensitivity.rawValue, "is_annotated": annotated,
                    ]
                }
                let path = "\(language)/\(split).jsonl"
                configs[language, default: []].append(split)
                files.append(("exports/global_mmlu/\(path)", try jsonLines(records)))
            }
        }
        var card = "---\nconfigs:\n"
        for language in configs.keys.sorted() {
            card += "- config_name: \(language)\n  data_files:\n"
            for split in configs[language]! { card += "  - split: \(split)\n    path: \(language)/\(split).jsonl\n" }
        }
        card += "dataset_info:\n"
        for language in configs.keys.sorted() {
            card += "- config_name: \(language)\n  features:\n"
            for column in globalMMLUColumns {
                card += "  - name: \(column)\n    dtype: \(column == "is_annotated" ? "bool" : "string")\n"
            }
        }
        card += "---\n\n# \(name) in Global-MMLU's layout\n\n"
        card += "One config per language, with Global-MMLU's fields, so code written for Global-MMLU (and lm-evaluation-harness's "
        card += "Global-MMLU tasks) loads it: `load_dataset(\"<this folder>\", \"\(configs.keys.sorted().first ?? "ko")\")`.\n\n"
        card += "`sample_id` is the item's id; `subject_category` its topic; `required_knowledge`, `time_sensitive`, `region` and "
        card += "`country` hold the labels that held after review, as Python list literals like Global-MMLU's per-annotator lists; "
        card += "`reference` and `culture` are empty lists.\n\n"
        card += skipped == 0 ? "Every common-knowledge item is here.\n" : "\(skipped) common-knowledge items are left out: they do not have four choices.\n"
        files.append(("exports/global_mmlu/README.md", Data(card.utf8)))
        return files
    }

    // MARK: KorNAT

    static func kornat(_ dataFiles: DataFiles) -> [(path: String, data: Data)] {
        var files: [(path: String, data: Data)] = []
        var skipped = 0
        for (config, split, items) in dataFiles {
            let social = ParallelRelease.task(ofConfig: config) == .socialValue
            let fitting = items.filter { $0.choices.count <= 5 }
            skipped += items.count - fitting.count
            guard !fitting.isEmpty else { continue }
            var header = ["Category", "SubCategory", "Question", "A", "B", "C", "D", "E", "Answer"]
            if social { header += ["A_share", "B_share", "C_share", "D_share", "E_share", "n", "margin_of_error"] }
            var rows = [header]
            for item in fitting {
                var row = [item.subject, item.topic ?? "", item.question] + (0..<5).map { $0 < item.choices.count ? item.choices[$0] : "" }
                row.append(item.answer ?? "")
                if social, let survey = item.survey {
                    row += (0..<5).map { $0 < survey.distribution.count ? String(survey.distribution[$0]) : "" }
                    row += [String(survey.n), String(survey.marginOfError)]
                }
                rows.append(row)
            }
            files.append(("exports/kornat/\(config)_\(split).csv", Data(CSVText.encode(rows).utf8)))
        }
        var readme = "# KorNAT's CSV columns\n\nOne file per config and split: `Category` (subject), `SubCategory` (topic), `Question`, "
        readme += "`A`..`E` (empty past the item's last choice) and `Answer` (the letter; for social values, the most common answer). "
        readme += "Social-value files add the weighted share of each choice (`A_share`..`E_share`), `n` and `margin_of_error`.\n\n"
        readme += skipped == 0 ? "Every item is here.\n" : "\(skipped) items are left out: they have more than five choices.\n"
        files.append(("exports/kornat/README.md", Data(readme.utf8)))
        return files
    }

    // MARK: GlobalOpinionQA

    static func globalOpinionQA(_ splits: Splits, name: String) throws -> [(path: String, data: Data)] {
        var files: [(path: String, data: Data)] = []
        for (split, items) in splits {
            let social = items.filter { $0.task == .socialValue && $0.survey != nil }
            guard !social.isEmpty else { continue }
            let records: [[String: Any]] = social.map { item in
                let population = item.country ?? item.region ?? "population"
                let shares = item.survey!.distribution.map { String($0) }.joined(separator: ", ")
                return [
                    "id": item.id, "question": item.question, "options": pythonList(item.choices),
                    "selections": "defaultdict(<class 'list'>, {\(PythonLiteral.string(population)): [\(shares)]})",
                    "source": name,
                ]
            }
            files.append(("exports/global_opinion_qa/\(split).jsonl", try jsonLines(records)))
        }
        var readme = "# GlobalOpinionQA's layout\n\nSocial-value items with `question`, `options` and `selections` written as "
        readme += "GlobalOpinionQA's files write them: Python literals, `selections` a `defaultdict` from the surveyed population "
        readme += "(the item's country) to the weighted share of each option, in option order, don't know and refused left out. "
        readme += "Read them as GlobalOpinionQA's own code does:\n\n```python\nimport ast\n"
        readme += "options = ast.literal_eval(row[\"options\"])\n"
        readme += "selections = ast.literal_eval(row[\"selections\"][len(\"defaultdict(<class 'list'>, \"):-1])\n```\n"
        files.append(("exports/global_opinion_qa/README.md", Data(readme.utf8)))
        return files
    }

    // MARK: Inspect AI

    static func inspect(_ dataFiles: DataFiles) throws -> [(path: String, data: Data)] {
        var files: [(path: String, data: Data)] = []
        for (config, split, items) in dataFiles {
            let records: [[String: Any]] = items.map { item in
                var metadata: [String: Any] = [
                    "subject": item.subject, "language": item.language, "task": item.task.rawValue,
                    "cultural_sensitivity": item.culturalSensitivity.rawValue, "required_knowledge": item.requiredKnowledge,
                    "source_id": item.source.sourceID, "review_status": item.review.status,
                ]
                if let topic = item.topic { metadata["topic"] = topic }
                if let survey = item.survey {
                    metadata["distribution"] = survey.distribution
                    metadata["n"] = survey.n
                    metadata["margin_of_error"] = survey.marginOfError
                }
                return ["id": item.id, "input": item.question, "choices": item.choices, "target": item.answer ?? "", "metadata": metadata]
            }
            files.append(("exports/inspect/\(config)_\(split).jsonl", try jsonLines(records)))
        }
        var readme = "# Inspect AI samples\n\nOne file per config and split, each line a sample with Inspect's own field names: "
        readme += "`id`, `input` (the question), `choices`, `target` (the answer letter; for social values, the most common answer) "
        readme += "and `metadata`. Load one with `inspect_ai.dataset.json_dataset(path)` and score it with `multiple_choice()` "
        readme += "and `choice()`; social-value metadata carries the answer `distribution` for distribution-aware scorers.\n"
        files.append(("exports/inspect/README.md", Data(readme.utf8)))
        return files
    }
}

/// Python literals as Python's `repr` writes them.
enum PythonLiteral {
    /// A string: single quotes unless it holds a single quote and no double quote; backslash,
    /// the quote and non-printable characters escaped as Python escapes them.
    static func string(_ value: String) -> String {
        let quote: Character = value.contains("'") && !value.contains("\"") ? "\"" : "'"
        var text = String(quote)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where Character(scalar) == quote: text += "\\\(quote)"
            case _ where !isPrintable(scalar):
                let hex = String(scalar.value, radix: 16)
                text += scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    : scalar.value < 0x10000 ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + String(quote)
    }

    /// Python's `str.isprintable` for one character: not a control, format, surrogate,
    /// private-use, unassigned or separator character, the ASCII space excepted.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator: return false
        default: return true
        }
    }
}

/// CSV text as RFC 4180 writes it: a field with a comma, quote or line break is quoted, its
/// quotes doubled; lines end with CRLF.
enum CSVText {
    static func encode(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
