public import Foundation
public import DatasetCore
import SchemaValidation

/// Where each part of an item is in the rows of an item bank: a CSV, TSV, JSON or JSON Lines
/// file of multiple-choice items, as curators and published benchmarks keep them.
public struct ItemBankLayout: Sendable, Hashable {
    public enum FileFormat: String, Sendable, CaseIterable {
        case csv, tsv, json, jsonl

        /// The format a file's extension names (`.ndjson` is JSON Lines too).
        public init?(pathExtension: String) {
            switch pathExtension.lowercased() {
            case "csv": self = .csv
            case "tsv", "tab": self = .tsv
            case "json": self = .json
            case "jsonl", "ndjson": self = .jsonl
            default: return nil
            }
        }
    }

    /// How the answer names the correct choice.
    public enum AnswerFormat: String, Sendable, CaseIterable {
        /// A, B, C, ... (any case).
        case letter
        /// 0 for the first choice.
        case index0 = "index0"
        /// 1 for the first choice.
        case index1 = "index1"
        /// The correct choice's own text.
        case text
    }

    public enum Choices: Sendable, Hashable {
        /// One column or field per choice, in order; empty trailing ones are absent choices.
        case columns([String])
        /// One field holding the list (in CSV, a JSON array written in the cell).
        case list(String)
    }

    /// Layouts of published item banks.
    public enum Preset: String, Sendable, CaseIterable {
        /// CLIcK: JSON array of `id, paragraph, question, choices, answer` (the answer is the text).
        case click
        /// KorNAT common knowledge: `Category, SubCategory, Question, A, B, C, D, E, Answer` (a letter).
        case kornat
        /// Global-MMLU: `sample_id, subject, question, option_a..option_d, answer` (a letter),
        /// with its cultural-sensitivity label.
        case globalMMLU = "global_mmlu"
        /// MMLU: header-less CSV of question, four choices and the letter.
        case mmlu
        /// KMMLU: `question, answer, A, B, C, D, Category` (answer 1-4).
        case kmmlu
        /// This tool's own release records, so a release can be rebuilt from.
        case release
    }

    /// nil: from the file's extension.
    public var format: FileFormat?
    /// CSV and TSV: whether the first row names the columns; without one, columns are named
    /// by number from 1.
    public var header = true
    /// The item's id in the bank; without one, its line (or record) number stands in.
    public var id: String?
    public var question: String
    public var choices: Choices
    /// Empty where rows give no answer (a translation takes its source's).
    public var answer: String
    public var answerFormat: AnswerFormat
    public var subject: String?
    public var language: String?
    /// Text the item is read with (a reading passage), kept as a passage.
    public var passage: String?
    public var topic: String?
    public var grade: String?
    public var region: String?
    public var country: String?
    public var author: String?
    /// `CS`, `CA` or `-`, when the bank labels cultural sensitivity.
    public var culturalSensitivity: String?
    /// Translations: how each row's text was made (`machine`, `human`, `post_edited`) and by
    /// which machine translation system.
    public var origin: String?
    public var system: String?
    /// Other fields kept with each item (`source.fields`), by the name they are kept under.
    public var keep: [Kept] = []

    public struct Kept: Sendable, Hashable {
        public var name: String
        public var field: String

        public init(name: String, field: String) {
            self.name = name
            self.field = field
        }
    }

    public init(format: FileFormat? = nil, header: Bool = true, id: String? = nil, question: String, choices: Choices, answer: String,
                answerFormat: AnswerFormat = .letter, subject: String? = nil, language: String? = nil, passage: String? = nil,
                topic: String? = nil, grade: String? = nil, region: String? = nil, country: String? = nil, author: String? = nil,
                culturalSensitivity: String? = nil) {
        self.format = format
        self.header = header
        self.id = id
        self.question = question
        self.choices = choices
        self.answer = answer
        self.answerFormat = answerFormat
        self.subject = subject
        self.language = language
        self.passage = passage
        self.topic = topic
        self.grade = grade
        self.region = region
        self.country = country
        self.author = author
        self.culturalSensitivity = culturalSensitivity
    }

    public init(preset: Preset) {
        switch preset {
        case .click:
            self.init(format: .json, id: "id", question: "question", choices: .list("choices"), answer: "answer", answerFormat: .text,
                      passage: "paragraph")
        case .kornat:
            self.init(format: .csv, question: "Question", choices: .columns(["A", "B", "C", "D", "E"]), answer: "Answer",
                      subject: "Category", topic: "SubCategory")
        case .globalMMLU:
            self.init(id: "sample_id", question: "question", choices: .columns(["option_a", "option_b", "option_c", "option_d"]),
                      answer: "answer", subject: "subject", culturalSensitivity: "cultural_sensitivity_label")
        case .mmlu:
            self.init(format: .csv, header: false, question: "1", choices: .columns(["2", "3", "4", "5"]), answer: "6")
        case .kmmlu:
            self.init(format: .csv, question: "question", choices: .columns(["A", "B", "C", "D"]), answer: "answer", answerFormat: .index1,
                      subject: "Category")
        case .release:
            self.init(format: .jsonl, id: "id", question: "question", choices: .list("choices"), answer: "answer", subject: "subject",
                      language: "language", topic: "topic", grade: "grade", region: "region", country: "country",
                      culturalSensitivity: "cultural_sensitivity")
        }
    }

    /// Every field the layout reads, for checking a CSV header.
    var fieldNames: [String] {
        var names = [question] + (answer.isEmpty ? [] : [answer])
        switch choices {
        case .columns(let columns): names += columns
        case .list(let field): names.append(field)
        }
        return names + [id, subject, language, passage, topic, grade, region, country, author, culturalSensitivity, origin, system].compactMap { $0 }
            + keep.map(\.field)
    }
}

/// Reads an item bank into common-knowledge items. Text is kept as the file has it (line breaks
/// included); every malformed row is reported with its file, line (or record) and field, and
/// nothing is read from a file with any.
public struct ItemBankReader: Sendable {
    public var layout: ItemBankLayout

    public init(layout: ItemBankLayout) {
        self.layout = layout
    }

    /// One row: where it is, and its fields.
    struct Row {
        /// "line 12" or "record 12".
        var line: Int?
        var record: Int
        var fields: [String: JSONValue]

        func location(_ file: String, field: String?) -> SourceLocation {
            // A JSON array's records have no line of their own here: the record number stands in.
            SourceLocation(file: file, line: line, field: line == nil ? "record \(record)" + (field.map { "/\($0)" } ?? "") : field)
        }
    }

    public func read(fileAt url: URL, context: TextbookContext) throws -> TextbookOutput {
        try read(try Self.contents(of: url, file: context.document), context: context)
    }

    static func contents(of url: URL, file: String) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw InputError(file: file, "cannot read: \(error.localizedDescription)")
        }
    }

    /// The file's rows, in the format its layout or name says; `kind` names the file in errors.
    func rows(_ data: Data, file: String, kind: String = "item bank") throws -> [Row] {
        guard let format = layout.format ?? ItemBankLayout.FileFormat(pathExtension: (file as NSString).pathExtension) else {
            throw InputError(file: file, field: "format", "cannot tell the \(kind)'s format from its name; give format: csv, tsv, json or jsonl")
        }
        return try Self.rows(data, format: format, header: layout.header, file: file, expecting: layout.fieldNames)
    }

    public func read(_ data: Data, context: TextbookContext) throws -> TextbookOutput {
        let file = context.document
        let rows = try rows(data, file: file)
        var diagnostics = Diagnostics()
        var output = TextbookOutput()
        var firstLine: [String: Row] = [:]
        var occurrences: [String: Int] = [:]
        for row in rows {
            guard let parsed = parse(row, file: file, diagnostics: &diagnostics) else { continue }
            let bankID = parsed.id ?? (row.line.map { "line \($0)" } ?? "record \(row.record)")
            // A repeated id keeps its item: the id is told apart by its occurrence, and reported.
            occurrences[bankID, default: 0] += 1
            let occurrence = occurrences[bankID]!
            if let first = firstLine[bankID] {
                output.notes.append("\(file): id '\(bankID)' at \(Self.place(row)) repeats \(Self.place(first)); both are kept")
            } else {
                firstLine[bankID] = row
            }
            let element = occurrence == 1 ? bankID : "\(bankID)#\(occurrence)"
            // A repeated id names no single item: those items are told apart by their text.
            var item = Item(id: Item.stableID(task: .commonKnowledge, sourceID: context.sourceID, document: file, element: element,
                                              question: parsed.question, elementIsKey: parsed.id != nil && occurrence == 1),
                            task: .commonKnowledge, subject: parsed.subject ?? context.subject, language: parsed.language ?? context.language,
                            question: parsed.question, choices: parsed.choices, answer: parsed.answer, choicesOrdered: false,
                            culturalSensitivity: parsed.culturalSensitivity ?? .notAnnotated,
                            source: context.source(kind: "item_bank", element: bankID))
            item.topic = parsed.text["topic"]
            item.grade = parsed.text["grade"]
            item.region = parsed.text["region"]
            item.country = parsed.text["country"]
            item.source.author = parsed.text["author"]
            item.source.fields = parsed.kept
            if let passage = parsed.text["passage"] {
                output.passages.append(Passage(sourceID: context.sourceID, document: file, element: element, headings: [],
                                               language: item.language, text: passage))
                item.source.passage = element
            }
            output.items.append(item)
        }
        try diagnostics.check()
        return output
    }

    /// A row of a translations file: the id of the item it translates and the translated text.
    public struct TranslatedRow: Sendable {
        public var location: SourceLocation
        public var itemID: String
        public var question: String
        public var choices: [String]
        /// The answer's letter, where the file gives one.
        public var answer: String?
        public var language: String?
        public var origin: String?
        public var system: String?
        public var author: String?
        public var kept: [SourceField]
    }

    /// Reads a translations file: every row must name the item it translates (the layout's id).
    /// Rows that cannot be read are returned as problems beside the others, so that what the
    /// rows name can be checked too and every problem reported at once.
    public func translatedRows(fileAt url: URL, file: String) throws -> (rows: [TranslatedRow], problems: [InputError]) {
        let rows = try rows(try Self.contents(of: url, file: file), file: file, kind: "translations file")
        var diagnostics = Diagnostics()
        var result: [TranslatedRow] = []
        for row in rows {
            guard let parsed = parse(row, file: file, diagnostics: &diagnostics), let id = parsed.id else { continue }
            result.append(TranslatedRow(location: row.location(file, field: layout.id), itemID: id, question: parsed.question,
                                        choices: parsed.choices, answer: parsed.answer, language: parsed.language,
                                        origin: parsed.text["origin"], system: parsed.text["system"], author: parsed.text["author"],
                                        kept: parsed.kept))
        }
        return (result, diagnostics.errors)
    }

    static func place(_ row: Row) -> String {
        row.line.map { "line \($0)" } ?? "record \(row.record)"
    }

    struct ParsedRow {
        var id: String?
        var question: String
        var choices: [String]
        var answer: String?
        var subject: String?
        var language: String?
        var culturalSensitivity: CulturalSensitivity?
        /// Optional text fields by role (topic, grade, region, country, author, passage).
        var text: [String: String]
        var kept: [SourceField]
    }

    func parse(_ row: Row, file: String, diagnostics: inout Diagnostics) -> ParsedRow? {
        let before = diagnostics.errors.count
        func problem(_ field: String, _ message: String) { diagnostics.error(row.location(file, field: field), message) }
        /// The field as text: numbers are written as JSON writes them; empty text and null are absent.
        func text(_ field: String?, required: Bool) -> String? {
            guard let field else { return nil }
            switch row.fields[field] {
            case .string(let value) where !value.isEmpty: return value
            case .number(let value): return Self.numberText(value)
            case .bool, .array, .object:
                problem(field, "expected text, found \(Self.describe(row.fields[field]!))")
                return nil
            case nil, .null, .string:
                if required { problem(field, row.fields[field] == nil ? "missing; expected text" : "empty; expected text") }
                return nil
            }
        }
        let id = text(layout.id, required: layout.id != nil)
        let question = text(layout.question, required: true)
        var choices: [String] = []
        switch layout.choices {
        case .columns(let columns):
            let values = columns.map { text($0, required: false) }
            // Absent choices at the end are fewer choices; a gap before a given one is an error.
            let count = (values.lastIndex { $0 != nil } ?? -1) + 1
            for (index, value) in values.prefix(count).enumerated() {
                if let value { choices.append(value) } else { problem(columns[index], "empty choice before a later one; choices must be contiguous") }
            }
        case .list(let field):
            switch row.fields[field] {
            case .array(let values):
                for (index, value) in values.enumerated() {
                    switch value {
                    case .string(let choice) where !choice.isEmpty: choices.append(choice)
                    case .number(let number): choices.append(Self.numberText(number))
                    default: problem("\(field)[\(index)]", "expected non-empty text, found \(Self.describe(value))")
                    }
                }
            case .string(let cell):
                // A CSV cell holding the list as a JSON array.
                if case .array(let values)? = try? JSONValue.parse(Data(cell.utf8)), values.allSatisfy({ if case .string = $0 { true } else { false } }) {
                    choices = values.compactMap { if case .string(let choice) = $0 { choice } else { nil } }
                } else {
                    problem(field, "expected a list of choices (a JSON array of text)")
                }
            case nil: problem(field, "missing; expected a list of choices")
            case let other?: problem(field, "expected a list of choices, found \(Self.describe(other))")
            }
        }
        if choices.count < 2, diagnostics.errors.count == before {
            problem(layout.choicesField, "\(choices.count) choice\(choices.count == 1 ? "" : "s"); an item needs at least 2")
        }
        if choices.count > Item.maxChoices { problem(layout.choicesField, "\(choices.count) choices; at most \(Item.maxChoices) can be lettered (A to ZZZ)") }
        var letter: String?
        if !layout.answer.isEmpty, let answer = text(layout.answer, required: true), choices.count >= 2 {
            letter = answerLetter(answer, choices: choices) { problem(layout.answer, $0) }
        }
        var sensitivity: CulturalSensitivity?
        if let label = text(layout.culturalSensitivity, required: false) {
            sensitivity = CulturalSensitivity(rawValue: label)
            if sensitivity == nil { problem(layout.culturalSensitivity!, "'\(label)' is not a cultural-sensitivity label; expected CS, CA or -") }
        }
        var extra: [String: String] = [:]
        for (role, field) in [("topic", layout.topic), ("grade", layout.grade), ("region", layout.region), ("country", layout.country),
                              ("author", layout.author), ("passage", layout.passage), ("origin", layout.origin),
                              ("system", layout.system)] {
            if let value = text(field, required: false) { extra[role] = value }
        }
        let kept = layout.keep.compactMap { kept in text(kept.field, required: false).map { SourceField(name: kept.name, value: $0) } }
        guard diagnostics.errors.count == before, let question, letter != nil || layout.answer.isEmpty else { return nil }
        return ParsedRow(id: id, question: question, choices: choices, answer: letter, subject: text(layout.subject, required: false),
                         language: text(layout.language, required: false), culturalSensitivity: sensitivity, text: extra, kept: kept)
    }

    func answerLetter(_ answer: String, choices: [String], problem: (String) -> Void) -> String? {
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        let range = "A–\(Item.letter(choices.count - 1))"
        switch layout.answerFormat {
        case .letter:
            guard let index = Item.index(ofLetter: trimmed.uppercased()), index < choices.count else {
                problem("'\(trimmed)' is not a choice letter; expected one of \(range)")
                return nil
            }
            return Item.letter(index)
        case .index0, .index1:
            let base = layout.answerFormat == .index0 ? 0 : 1
            guard let number = Int(trimmed), (base..<(choices.count + base)).contains(number) else {
                problem("'\(trimmed)' is not a choice number; expected \(base) to \(choices.count - 1 + base)")
                return nil
            }
            return Item.letter(number - base)
        case .text:
            let matches = choices.indices.filter { choices[$0] == answer || choices[$0].trimmingCharacters(in: .whitespacesAndNewlines) == trimmed }
            guard matches.count == 1 else {
                problem(matches.isEmpty ? "'\(trimmed.prefix(80))' is not the text of any choice" : "'\(trimmed.prefix(80))' is the text of \(matches.count) choices")
                return nil
            }
            return Item.letter(matches[0])
        }
    }

    /// A JSON number as text: whole numbers without a fraction (`3`, not `3.0`) while Int holds
    /// them exactly; any other, however large, as Swift writes it (converting 1e300 to Int traps).
    static func numberText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "true/false"
        case .number: "a number"
        case .string: "text"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// The file's rows as fields by name. CSV and TSV cells are text; JSON keeps its types.
    static func rows(_ data: Data, format: ItemBankLayout.FileFormat, header: Bool, file: String, expecting names: [String]) throws -> [Row] {
        switch format {
        case .csv, .tsv:
            var text = try data.utf8Text(file: file)
            if format == .tsv { text = tsvAsCSV(text) }
            let table = try CSVTable(text: text, file: file)
            let columns: [String]
            let records: [CSVTable.Record]
            if header {
                let headered = try table.withHeader(required: names)
                columns = headered.columns
                records = headered.rows
            } else {
                let width = table.records.map(\.fields.count).max() ?? 0
                columns = (0..<width).map { String($0 + 1) }
                var diagnostics = Diagnostics()
                for name in names where Int(name).map({ $0 < 1 || $0 > width }) ?? true {
                    diagnostics.error(SourceLocation(file: file, field: name), "no column \(name): the file has \(width) columns, named 1 to \(width)")
                }
                for record in table.records where record.fields.count != width {
                    diagnostics.error(SourceLocation(file: file, line: record.line), "row has \(record.fields.count) fields, other rows \(width)")
                }
                try diagnostics.check()
                records = table.records
            }
            return records.enumerated().map { index, record in
                Row(line: record.line, record: index + 1,
                    fields: Dictionary(zip(columns, record.fields.map(JSONValue.string)), uniquingKeysWith: { first, _ in first }))
            }
        case .json:
            let value: JSONValue
            do {
                value = try JSONValue.parse(data)
            } catch let error as JSONValue.ParseError {
                throw InputError(file: file, line: line(ofOffset: error.offset, in: data), "not JSON: \(error.message)")
            }
            return try jsonRecords(value, file: file)
        case .jsonl:
            var rows: [Row] = []
            var diagnostics = Diagnostics()
            var lineNumber = 0
            for range in JSONLines.lineRanges(of: data) {
                let line = data[data.startIndex + range.lowerBound..<data.startIndex + range.upperBound]
                lineNumber += 1
                guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
                do {
                    guard case .object(let fields) = try JSONValue.parse(Data(line)) else {
                        diagnostics.error(SourceLocation(file: file, line: lineNumber), "expected a JSON object")
                        continue
                    }
                    rows.append(Row(line: lineNumber, record: rows.count + 1, fields: fields))
                } catch let error as JSONValue.ParseError {
                    diagnostics.error(SourceLocation(file: file, line: lineNumber, column: error.offset + 1), "not JSON: \(error.message)")
                }
            }
            try diagnostics.check()
            return rows
        }
    }

    /// A JSON file's records: an array of objects, an object of such arrays (say, one per
    /// split, taken in key order), or an object of columns (arrays of equal length).
    static func jsonRecords(_ value: JSONValue, file: String) throws -> [Row] {
        func objects(_ values: [JSONValue], startingAt first: Int) throws -> [Row] {
            try values.enumerated().map { index, value in
                guard case .object(let fields) = value else {
                    throw InputError(file: file, field: "record \(first + index)", "expected a JSON object, found \(describe(value))")
                }
                return Row(line: nil, record: first + index, fields: fields)
            }
        }
        switch value {
        case .array(let values):
            return try objects(values, startingAt: 1)
        case .object(let members):
            let keys = members.keys.sorted()
            let arrays = keys.compactMap { key -> [JSONValue]? in if case .array(let values) = members[key]! { values } else { nil } }
            guard arrays.count == keys.count, !keys.isEmpty else {
                throw InputError(file: file, "expected an array of items, an object of such arrays, or an object of columns")
            }
            let allObjects = arrays.allSatisfy { $0.allSatisfy { if case .object = $0 { true } else { false } } }
            if allObjects {
                var rows: [Row] = []
                for values in arrays { rows += try objects(values, startingAt: rows.count + 1) }
                return rows
            }
            guard Set(arrays.map(\.count)).count == 1 else {
                throw InputError(file: file, "columns have different lengths (\(zip(keys, arrays).map { "\($0.0): \($0.1.count)" }.joined(separator: ", ")))")
            }
            return (0..<arrays[0].count).map { index in
                Row(line: nil, record: index + 1, fields: Dictionary(uniqueKeysWithValues: zip(keys, arrays.map { $0[index] })))
            }
        default:
            throw InputError(file: file, "expected an array of items, an object of such arrays, or an object of columns; found \(describe(value))")
        }
    }

    static func line(ofOffset offset: Int, in data: Data) -> Int {
        data.prefix(offset).reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// TSV as CSV: tab-separated cells, quoted as CSV wants so that commas and quotes inside
    /// them are kept.
    static func tsvAsCSV(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map { cell in
                let value = cell.hasSuffix("\r") ? cell.dropLast() : cell
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",")
        }.joined(separator: "\n")
    }
}

extension ItemBankLayout {
    /// The field named in errors about the choices as a whole.
    var choicesField: String {
        switch choices {
        case .columns(let columns): columns.joined(separator: ",")
        case .list(let field): field
        }
    }
}
