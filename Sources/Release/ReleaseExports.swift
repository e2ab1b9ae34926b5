import Foundation
import DatasetCore

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
///
/// Records are written from the items' fields with `JSONWriter`, a chunk at a time on every
/// core, and the release writes each file as its chunks come: with dictionaries of `Any`
/// through `JSONSerialization`, each file made whole in memory, the release stage of 500,000
/// items with all four exports took 163 s instead of 15 s, and peaked past 2.3 GB.
enum ReleaseExports {
    /// One file of an export: its fixed text (a README, a CSV header), then `count` records,
    /// whose text `records` makes for a range of them.
    struct File: Sendable {
        var path: String
        var text = ""
        var count = 0
        var records: @Sendable (Range<Int>) -> [UInt8] = { _ in [] }
    }

    static func files(_ exports: [ReleaseExport], splits: [String: [Item]], name: String) -> [File] {
        // Each arrangement is made when an export asks for it: sorting and laying out half a
        // million items took half a second of a release that asked for no export.
        lazy var ordered = splits.keys.sorted().map { split in (split: split, items: splits[split]!.sorted(byKey: \.id)) }
        // The data files' own layout, for the exports written per config and split.
        lazy var dataFiles = ReleaseWriter.layout(splits)
        var files: [File] = []
        for export in Set(exports).sorted(by: { $0.rawValue < $1.rawValue }) {
            switch export {
            case .globalMMLU: files += globalMMLU(ordered, name: name)
            case .kornat: files += kornat(dataFiles)
            case .globalOpinionQA: files += globalOpinionQA(ordered, name: name)
            case .inspect: files += inspect(dataFiles)
            }
        }
        return files
    }

    typealias Splits = [(split: String, items: [Item])]
    typealias DataFiles = [(config: String, split: String, items: [Item])]

    /// A JSON Lines file of one record per item, each written by `record` (keys in sorted order).
    static func jsonLines(_ path: String, _ items: [Item], _ record: @escaping @Sendable (Item, inout JSONWriter) -> Void) -> File {
        File(path: path, count: items.count) { range in
            var writer = JSONWriter()
            for index in range {
                record(items[index], &writer)
                writer.endLine()
            }
            return writer.bytes
        }
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

    /// One Global-MMLU row. Global-MMLU keeps each annotator's answer in a Python list literal;
    /// here the labels that held after review stand in, one value each.
    static func globalMMLURecord(_ item: Item, _ writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("answer"); writer.string(item.answer ?? "")
        writer.key("country"); writer.string(pythonList(item.country.map { [$0] } ?? []))
        writer.key("cultural_sensitivity_label"); writer.string(item.culturalSensitivity.rawValue)
        writer.key("culture"); writer.string("[]")
        writer.key("is_annotated"); writer.bool(item.culturalSensitivity != .notAnnotated)
        let choices = item.choices
        writer.key("option_a"); writer.string(choices[0])
        writer.key("option_b"); writer.string(choices[1])
        writer.key("option_c"); writer.string(choices[2])
        writer.key("option_d"); writer.string(choices[3])
        writer.key("question"); writer.string(item.question)
        writer.key("reference"); writer.string("[]")
        writer.key("region"); writer.string(pythonList(item.region.map { [$0] } ?? []))
        writer.key("required_knowledge"); writer.string(pythonList(item.requiredKnowledge))
        writer.key("sample_id"); writer.string(item.id)
        writer.key("subject"); writer.string(item.subject)
        writer.key("subject_category"); writer.string(item.topic ?? "")
        writer.key("time_sensitive"); writer.string(pythonList(item.timeSensitive.map { [$0 ? "Yes" : "No"] } ?? []))
        writer.endObject()
    }

    static func globalMMLU(_ splits: Splits, name: String) -> [File] {
        var files: [File] = []
        var configs: [String: [String]] = [:]
        var skipped = 0
        for language in Set(splits.flatMap { $0.items.map(language) }).sorted() {
            for (split, items) in splits {
                let kept = items.filter { $0.task == .commonKnowledge && language == Self.language($0) && $0.choices.count == 4 }
                skipped += items.filter { $0.task == .commonKnowledge && language == Self.language($0) && $0.choices.count != 4 }.count
                guard !kept.isEmpty else { continue }
                let path = "\(language)/\(split).jsonl"
                configs[language, default: []].append(split)
                files.append(jsonLines("exports/global_mmlu/\(path)", kept, globalMMLURecord))
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
        files.append(File(path: "exports/global_mmlu/README.md", text: card))
        return files
    }

    // MARK: KorNAT

    static func kornat(_ dataFiles: DataFiles) -> [File] {
        var files: [File] = []
        var skipped = 0
        for (config, split, items) in dataFiles {
            let social = ParallelRelease.task(ofConfig: config) == .socialValue
            let fitting = items.filter { $0.choices.count <= 5 }
            skipped += items.count - fitting.count
            guard !fitting.isEmpty else { continue }
            var header = ["Category", "SubCategory", "Question", "A", "B", "C", "D", "E", "Answer"]
            if social { header += ["A_share", "B_share", "C_share", "D_share", "E_share", "n", "margin_of_error"] }
            var text: [UInt8] = []
            CSVText.append(header, to: &text)
            files.append(File(path: "exports/kornat/\(config)_\(split).csv", text: String(decoding: text, as: UTF8.self), count: fitting.count) { range in
                var bytes: [UInt8] = []
                for item in fitting[range] {
                    let choices = item.choices
                    var row = [item.subject, item.topic ?? "", item.question] + (0..<5).map { $0 < choices.count ? choices[$0] : "" }
                    row.append(item.answer ?? "")
                    if social, let survey = item.survey {
                        row += (0..<5).map { $0 < survey.distribution.count ? String(survey.distribution[$0]) : "" }
                        row += [String(survey.n), String(survey.marginOfError)]
                    }
                    CSVText.append(row, to: &bytes)
                }
                return bytes
            })
        }
        var readme = "# KorNAT's CSV columns\n\nOne file per config and split: `Category` (subject), `SubCategory` (topic), `Question`, "
        readme += "`A`..`E` (empty past the item's last choice) and `Answer` (the letter; for social values, the most common answer). "
        readme += "Social-value files add the weighted share of each choice (`A_share`..`E_share`), `n` and `margin_of_error`.\n\n"
        readme += skipped == 0 ? "Every item is here.\n" : "\(skipped) items are left out: they have more than five choices.\n"
        files.append(File(path: "exports/kornat/README.md", text: readme))
        return files
    }

    // MARK: GlobalOpinionQA

    /// One GlobalOpinionQA row: `options` and `selections` as its files write them.
    static func globalOpinionQARecord(source name: String) -> @Sendable (Item, inout JSONWriter) -> Void {
        { item, writer in
            let population = item.country ?? item.region ?? "population"
            let shares = item.survey!.distribution.map { String($0) }.joined(separator: ", ")
            writer.beginObject()
            writer.key("id"); writer.string(item.id)
            writer.key("options"); writer.string(pythonList(item.choices))
            writer.key("question"); writer.string(item.question)
            writer.key("selections"); writer.string("defaultdict(<class 'list'>, {\(PythonLiteral.string(population)): [\(shares)]})")
            writer.key("source"); writer.string(name)
            writer.endObject()
        }
    }

    static func globalOpinionQA(_ splits: Splits, name: String) -> [File] {
        var files: [File] = []
        for (split, items) in splits {
            let social = items.filter { $0.task == .socialValue && $0.survey != nil }
            guard !social.isEmpty else { continue }
            files.append(jsonLines("exports/global_opinion_qa/\(split).jsonl", social, globalOpinionQARecord(source: name)))
        }
        var readme = "# GlobalOpinionQA's layout\n\nSocial-value items with `question`, `options` and `selections` written as "
        readme += "GlobalOpinionQA's files write them: Python literals, `selections` a `defaultdict` from the surveyed population "
        readme += "(the item's country) to the weighted share of each option, in option order, don't know and refused left out. "
        readme += "Read them as GlobalOpinionQA's own code does:\n\n```python\nimport ast\n"
        readme += "options = ast.literal_eval(row[\"options\"])\n"
        readme += "selections = ast.literal_eval(row[\"selections\"][len(\"defaultdict(<class 'list'>, \"):-1])\n```\n"
        files.append(File(path: "exports/global_opinion_qa/README.md", text: readme))
        return files
    }

    // MARK: Inspect AI

    /// One Inspect sample: `id`, `input`, `choices`, `target` and the item's labels as `metadata`.
    static func inspectSample(_ item: Item, _ writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("choices"); writer.strings(item.choices)
        writer.key("id"); writer.string(item.id)
        writer.key("input"); writer.string(item.question)
        writer.key("metadata")
        writer.beginObject()
        writer.key("cultural_sensitivity"); writer.string(item.culturalSensitivity.rawValue)
        let survey = item.survey
        if let survey { writer.key("distribution"); writer.doubles(survey.distribution) }
        writer.key("language"); writer.string(item.language)
        if let survey {
            writer.key("margin_of_error"); writer.double(survey.marginOfError)
            writer.key("n"); writer.int(survey.n)
        }
        writer.key("required_knowledge"); writer.strings(item.requiredKnowledge)
        writer.key("review_status"); writer.string(item.review.status)
        writer.key("source_id"); writer.string(item.source.sourceID)
        writer.key("subject"); writer.string(item.subject)
        writer.key("task"); writer.string(item.task.rawValue)
        if let topic = item.topic { writer.key("topic"); writer.string(topic) }
        writer.endObject()
        writer.key("target"); writer.string(item.answer ?? "")
        writer.endObject()
    }

    static func inspect(_ dataFiles: DataFiles) -> [File] {
        var files = dataFiles.map { config, split, items in jsonLines("exports/inspect/\(config)_\(split).jsonl", items, inspectSample) }
        var readme = "# Inspect AI samples\n\nOne file per config and split, each line a sample with Inspect's own field names: "
        readme += "`id`, `input` (the question), `choices`, `target` (the answer letter; for social values, the most common answer) "
        readme += "and `metadata`. Load one with `inspect_ai.dataset.json_dataset(path)` and score it with `multiple_choice()` "
        readme += "and `choice()`; social-value metadata carries the answer `distribution` for distribution-aware scorers.\n"
        files.append(File(path: "exports/inspect/README.md", text: readme))
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
    /// Appends one row and its CRLF.
    static func append(_ row: [String], to bytes: inout [UInt8]) {
        for (index, field) in row.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard field.unicodeScalars.contains(where: needsQuotes) else {
                bytes.append(contentsOf: field.utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in field.utf8 {
                bytes.append(byte)
                if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    /// A comma, a quote, or what `Character.isNewline` calls a line break (a CRLF pair is one
    /// character and holds both).
    private static func needsQuotes(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2C, 0x22, 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}
