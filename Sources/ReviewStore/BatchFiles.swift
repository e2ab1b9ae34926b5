public import Foundation
public import DatasetCore
import SchemaValidation

/// Batch files for reviewers who work offline: one line per item, to be filled in a
/// spreadsheet (CSV) or an editor (JSON Lines) and imported back with every line checked.
public enum BatchFiles {
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl

        /// The format a file name says, if it says one.
        public init?(path: String) {
            self.init(rawValue: URL(fileURLWithPath: path).pathExtension.lowercased())
        }
    }

    /// The fixed columns before the item's choices and the reviewer's answers.
    static let leadingColumns = ["batch", "reviewer", "item_id", "content_hash", "subject", "question"]

    /// The file one reviewer fills in for one batch: the items as they stand, blank answers.
    /// Nothing in it shows another reviewer's vote on the text under review; `earlier` gives,
    /// by item id, the decisions on an item's earlier text (`EarlierVersion.summary`).
    /// `originals` holds, by id, the items that translations in the batch translate: their text
    /// is written beside each translation (`translates_language`, `translates_question`, `translates_choice_*`;
    /// in JSON Lines `translates`).
    public static func export(batch: BatchSummary, items: [ReviewStore.ItemVersion], reviewer: String, round: ReviewRound,
                              format: Format, earlier: [String: String] = [:], originals: [String: Item] = [:]) throws -> Data {
        let choiceCount = items.map(\.item.choices.count).max() ?? 0
        let letters = (0..<choiceCount).map(Item.letter)
        func original(of item: Item) -> Item? { item.translation.flatMap { originals[$0.group] } }
        let translated = items.contains { original(of: $0.item) != nil }
        switch format {
        case .csv:
            var header = leadingColumns + letters.map { "choice_\($0)" } + ["answer", "source"]
            if translated { header += ["translates_language", "translates_question"] + letters.map { "translates_choice_\($0)" } }
            header += ["earlier_decisions", "decision", "reason", "comment", "revised_question"]
            header += letters.map { "revised_choice_\($0)" } + ["revised_answer"] + round.labels.map(\.name)
            var lines = [header.map(csvField).joined(separator: ",")]
            for member in items {
                let item = member.item
                var row = [batch.id, reviewer, item.id, member.contentHash, item.subject, item.question]
                row += (0..<choiceCount).map { $0 < item.choices.count ? item.choices[$0] : "" }
                row += [item.answer ?? "", "\(item.source.document)#\(item.source.element)"]
                if translated {
                    let source = original(of: item)
                    row += [source?.language ?? "", source?.question ?? ""]
                    row += (0..<choiceCount).map { index in source.map { index < $0.choices.count ? $0.choices[index] : "" } ?? "" }
                }
                row += [earlier[item.id] ?? "", "", "", "", ""]
                row += Array(repeating: "", count: choiceCount) + [""] + round.labels.map { _ in "" }
                lines.append(row.map(csvField).joined(separator: ","))
            }
            return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
        case .jsonl:
            struct Line: Encodable {
                var batch: String, reviewer: String, item_id: String, content_hash: String, subject: String
                var question: String, choices: [String], answer: String?, source: String, earlier_decisions: String?
                var decision: String?, reason: String?, comment: String?
                var revised: Revised?
                var labels: [String: String?]
                var translates: Translates?
                struct Revised: Encodable { var question: String?, choices: [String]?, answer: String? }
                struct Translates: Encodable { var id: String, language: String, question: String, choices: [String] }

                func encode(to encoder: any Encoder) throws {
                    enum Key: String, CodingKey { case batch, reviewer, item_id, content_hash, subject, question, choices, answer, source, translates, earlier_decisions, decision, reason, comment, revised, labels }
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(batch, forKey: .batch); try container.encode(reviewer, forKey: .reviewer)
                    try container.encode(item_id, forKey: .item_id); try container.encode(content_hash, forKey: .content_hash)
                    try container.encode(subject, forKey: .subject); try container.encode(question, forKey: .question)
                    try container.encode(choices, forKey: .choices); try container.encode(answer, forKey: .answer)
                    try container.encode(source, forKey: .source); try container.encodeIfPresent(translates, forKey: .translates)
                    try container.encodeIfPresent(earlier_decisions, forKey: .earlier_decisions)
                    try container.encode(decision, forKey: .decision)
                    try container.encode(reason, forKey: .reason); try container.encode(comment, forKey: .comment)
                    try container.encode(revised, forKey: .revised)
                    try container.encode(labels, forKey: .labels)
                }
            }
            return try JSONLines.encode(items.map { member in
                Line(batch: batch.id, reviewer: reviewer, item_id: member.item.id, content_hash: member.contentHash,
                     subject: member.item.subject, question: member.item.question, choices: member.item.choices,
                     answer: member.item.answer, source: "\(member.item.source.document)#\(member.item.source.element)",
                     earlier_decisions: earlier[member.item.id], decision: nil, reason: nil, comment: nil, revised: nil,
                     labels: Dictionary(uniqueKeysWithValues: round.labels.map { ($0.name, String?.none) }),
                     translates: original(of: member.item).map { Line.Translates(id: $0.id, language: $0.language, question: $0.question, choices: $0.choices) })
            })
        }
    }

    /// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled;
    /// text a spreadsheet would run as a formula is neutralized first (`neutralized`).
    static func csvField(_ text: String) -> String {
        let text = neutralized(text)
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list).
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// A cell that would start a formula, with a quote before it so that a spreadsheet shows it
    /// as text (a revised question `=HYPERLINK(…)` reaches other reviewers' spreadsheets). A
    /// cell that starts with a quote gets another, so that `restored` gives back any text.
    static func neutralized(_ text: String) -> String {
        guard let first = text.first, formulaStarts.contains(first) || first == "'" else { return text }
        return "'" + text
    }

    /// The text of a cell `neutralized` wrote (a spreadsheet may also have dropped the quote).
    static func restored(_ cell: String) -> String {
        guard cell.first == "'", let second = cell.dropFirst().first, formulaStarts.contains(second) || second == "'" else { return cell }
        return String(cell.dropFirst())
    }

    /// Reads a filled-in batch file. Lines that cannot be read are reported (file, line, field)
    /// alongside the votes that could, so that one import lists every problem.
    public static func read(_ url: URL, displayName: String) throws -> (votes: [Vote], problems: [InputError]) {
        guard let format = Format(path: url.path) else {
            throw InputErrors([InputError(file: displayName, "a batch file must end in .csv or .jsonl")])
        }
        switch format {
        case .csv: return try readCSV(url, displayName: displayName)
        case .jsonl: return try readJSONLines(url, displayName: displayName)
        }
    }

    static func parseDecision(_ text: String, _ location: SourceLocation, _ problems: inout [InputError]) -> ReviewDecision? {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        if word.isEmpty { return nil }
        guard let decision = ReviewDecision(rawValue: word) else {
            problems.append(InputError(location, "unknown decision '\(text)' (one of: approve, reject, revise)"))
            return nil
        }
        return decision
    }

    static func readCSV(_ url: URL, displayName: String) throws -> (votes: [Vote], problems: [InputError]) {
        let table = try CSVTable(contentsOf: url, displayName: displayName)
            .withHeader(required: ["batch", "reviewer", "item_id", "content_hash", "decision"])
        let fixed = Set(leadingColumns + ["answer", "source", "translates_language", "translates_question", "earlier_decisions", "decision", "reason",
                                          "comment", "revised_question", "revised_answer"])
        let choiceColumns = table.columns.filter { $0.hasPrefix("choice_") }
        let revisedChoiceColumns = table.columns.filter { $0.hasPrefix("revised_choice_") }
        let labelColumns = table.columns.filter {
            !fixed.contains($0) && !$0.hasPrefix("choice_") && !$0.hasPrefix("revised_choice_") && !$0.hasPrefix("translates_choice_")
        }
        var votes: [Vote] = [], problems: [InputError] = []
        for row in table.rows {
            func cell(_ column: String) -> String { restored(table.value(row, column)) }
            func text(_ column: String) -> String? {
                let value = cell(column).trimmingCharacters(in: .whitespacesAndNewlines)
                return value.isEmpty ? nil : value
            }
            let decision = parseDecision(cell("decision"), table.location(row, "decision"), &problems)
            var revision = Vote.Revision(question: text("revised_question"), answer: text("revised_answer"))
            let revisedChoices = revisedChoiceColumns.map { cell($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            if revisedChoices.contains(where: { !$0.isEmpty }) {
                // Blank revised choices keep the item's choice at that letter.
                let original = choiceColumns.map { cell($0) }
                revision.choices = zip(revisedChoices, original).map { $0.isEmpty ? $1 : $0 }.filter { !$0.isEmpty }
            }
            votes.append(Vote(location: SourceLocation(file: displayName, line: row.line), batch: cell("batch"),
                              itemID: cell("item_id"), contentHash: cell("content_hash"),
                              reviewer: cell("reviewer"), decision: decision, reason: text("reason"),
                              revision: revision.isEmpty ? nil : revision,
                              labels: Dictionary(uniqueKeysWithValues: labelColumns.map { ($0, [cell($0)]) }),
                              // A blank cell leaves a comment made on the page as it is.
                              comment: text("comment")))
        }
        return (votes, problems)
    }

    static func readJSONLines(_ url: URL, displayName: String) throws -> (votes: [Vote], problems: [InputError]) {
        let data = try Data(contentsOf: url)
        // The standard library's checks, not Foundation's: over a million lines (180 MB) Foundation's
        // decoding and trimming took a fifth of an import.
        guard String(validating: data, as: UTF8.self) != nil else {
            throw InputErrors([InputError(file: displayName, "the file is not UTF-8")])
        }
        // Each line parsed once, by the parser that also finds a key given twice, on every core
        // (lines apart from one another), votes and problems joined in line order.
        let lines = JSONLines.lineRanges(of: data)
        let parts = try Parallel.chunks(lines.count) { range -> (votes: [Vote], problems: [InputError]) in
            var votes: [Vote] = [], problems: [InputError] = []
            votes.reserveCapacity(range.count)
            for index in range {
                let line = data[data.startIndex + lines[index].lowerBound..<data.startIndex + lines[index].upperBound]
                let location = SourceLocation(file: displayName, line: index + 1)
                let parsed: JSONValue
                do {
                    parsed = try JSONValue.parse(line)
                } catch let error as JSONValue.ParseError where error.duplicateKey != nil {
                    problems.append(InputError(location.with(field: error.duplicateKey ?? ""), "the key appears twice in one object"))
                    continue
                } catch {
                    if !String(decoding: line, as: UTF8.self).allSatisfy(\.isWhitespace) { problems.append(InputError(location, "not a JSON object")) }
                    continue
                }
                guard case .object(let object) = parsed else {
                    problems.append(InputError(location, "not a JSON object"))
                    continue
                }
                if let vote = vote(object, at: location, problems: &problems) { votes.append(vote) }
            }
            return (votes, problems)
        }
        return (parts.flatMap(\.votes), parts.flatMap(\.problems))
    }

    /// The vote of one line's object, its problems said with the line and field; nil when a
    /// field that names the vote is missing.
    private static func vote(_ object: [String: JSONValue], at location: SourceLocation, problems: inout [InputError]) -> Vote? {
        func string(_ key: String, in object: [String: JSONValue] = object, prefix: String = "") -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default:
                problems.append(InputError(location.with(field: prefix + key), "must be a string"))
                return nil
            }
        }
        func strings(_ value: JSONValue) -> [String]? {
            guard case .array(let values) = value else { return nil }
            var texts: [String] = []
            for value in values {
                guard case .string(let text) = value else { return nil }
                texts.append(text)
            }
            return texts
        }
        var missing = false
        for key in ["batch", "reviewer", "item_id", "content_hash"] where string(key) == nil {
            problems.append(InputError(location.with(field: key), "missing"))
            missing = true
        }
        if missing { return nil }
        let decision = string("decision").flatMap { parseDecision($0, location.with(field: "decision"), &problems) }
        var revision: Vote.Revision?
        switch object["revised"] {
        case nil, .null?: break
        case .object(let revised)?:
            var choices: [String]?
            if let list = revised["choices"], list != .null {
                choices = strings(list)
                if choices == nil { problems.append(InputError(location.with(field: "revised.choices"), "must be a list of strings")) }
            }
            revision = Vote.Revision(question: string("question", in: revised, prefix: "revised."), choices: choices,
                                     answer: string("answer", in: revised, prefix: "revised."))
        default:
            problems.append(InputError(location.with(field: "revised"), "must be an object with question, choices, answer"))
        }
        var labels: [String: [String]] = [:]
        switch object["labels"] {
        case nil, .null?: break
        case .object(let given)?:
            // In name order, so that a line's problems come in the same order every time.
            for name in given.keys.sorted() {
                switch given[name]! {
                case .null: break
                case .string(let text): labels[name] = [text]
                case .bool(let flag): labels[name] = [flag ? "true" : "false"]
                case let value:
                    if let list = strings(value) { labels[name] = list } else {
                        problems.append(InputError(location.with(field: "labels.\(name)"), "must be a string, a list of strings or a boolean"))
                    }
                }
            }
        default:
            problems.append(InputError(location.with(field: "labels"), "must be an object"))
        }
        return Vote(location: location, batch: string("batch")!, itemID: string("item_id")!, contentHash: string("content_hash")!,
                    reviewer: string("reviewer")!, decision: decision, reason: string("reason"), revision: revision, labels: labels,
                    comment: string("comment").flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 })
    }
}
