public import Foundation
public import DatasetCore

/// An existing benchmark to check candidates against, as the pipeline file names it: a JSON
/// Lines, JSON array or CSV file and which of its fields hold the id, the question and the choices.
public struct ReferenceBenchmark: Sendable, Hashable {
    public var name: String
    public var path: String
    public var idField: String
    public var questionField: String
    /// For JSON Lines, one field holding a list; for CSV, one column per choice. Empty when the
    /// benchmark's questions are compared without choices.
    public var choiceFields: [String]

    public init(name: String, path: String, idField: String, questionField: String, choiceFields: [String]) {
        self.name = name
        self.path = path
        self.idField = idField
        self.questionField = questionField
        self.choiceFields = choiceFields
    }

    /// One question of the benchmark.
    public struct Entry: Sendable, Hashable {
        public var id: String
        public var question: String
        public var choices: [String]
    }

    /// Reads the benchmark; every record that lacks a field or has the wrong type is reported
    /// with its line and field, all at once.
    public func read(from url: URL) throws -> [Entry] {
        var diagnostics = Diagnostics()
        var entries: [Entry] = []
        if url.pathExtension.lowercased() == "csv" {
            let table = try CSVTable(contentsOf: url, displayName: path).withHeader(required: [idField, questionField] + choiceFields)
            for row in table.rows {
                let id = table.value(row, idField), question = table.value(row, questionField)
                if id.isEmpty { diagnostics.error(table.location(row, idField), "empty id") }
                if question.isEmpty { diagnostics.error(table.location(row, questionField), "empty question") }
                entries.append(Entry(id: id, question: question, choices: choiceFields.map { table.value(row, $0) }.filter { !$0.isEmpty }))
            }
        } else {
            guard let text = String(data: try Data(contentsOf: url), encoding: .utf8) else {
                throw InputError(file: path, "the file is not UTF-8")
            }
            // JSON Lines, one record a line; or (.json) one array of records, as many benchmarks ship.
            var records: [(SourceLocation, Any?)] = []
            if url.pathExtension.lowercased() == "json" {
                guard let array = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else {
                    throw InputError(file: path, "not a JSON array of records")
                }
                records = array.enumerated().map { (SourceLocation(file: "\(path) record \($0.offset + 1)"), $0.element) }
            } else {
                for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    records.append((SourceLocation(file: path, line: index + 1), try? JSONSerialization.jsonObject(with: Data(line.utf8))))
                }
            }
            for (location, record) in records {
                guard let object = record as? [String: Any] else {
                    diagnostics.error(location, "not a JSON object")
                    continue
                }
                let id = object[idField].map { "\($0)" }
                guard let id, !(object[idField] is NSNull) else { diagnostics.error(location.with(field: idField), "missing"); continue }
                guard let question = object[questionField] as? String else {
                    diagnostics.error(location.with(field: questionField), "missing, or not a string")
                    continue
                }
                var choices: [String] = []
                if let field = choiceFields.first {
                    guard let list = object[field] as? [String] else {
                        diagnostics.error(location.with(field: field), "missing, or not a list of strings")
                        continue
                    }
                    choices = list
                }
                entries.append(Entry(id: id, question: question, choices: choices))
            }
        }
        try diagnostics.check()
        return entries
    }
}

/// A candidate that matches a question of an existing benchmark.
public struct ContaminationMatch: Codable, Sendable, Hashable {
    public var id: String
    public var benchmark: String
    public var referenceID: String
    public var similarity: Double

    public init(id: String, benchmark: String, referenceID: String, similarity: Double) {
        self.id = id
        self.benchmark = benchmark
        self.referenceID = referenceID
        self.similarity = similarity
    }

    enum CodingKeys: String, CodingKey {
        case id, benchmark, referenceID = "reference_id", similarity
    }
}

/// Finds candidates whose question (and choices, when the benchmark has them) match a
/// benchmark's at or above the threshold: MinHash/LSH candidates, each re-checked exactly.
public enum ContaminationChecker {
    public static func matches(_ items: [Item], benchmarks: [(ReferenceBenchmark, [ReferenceBenchmark.Entry])],
                               settings: NearDuplicateSettings) -> [ContaminationMatch] {
        let finder = NearDuplicateFinder(settings: settings)
        var best: [String: ContaminationMatch] = [:]
        // The candidates' shingles with and without their choices, each made once.
        var itemShingles: [Bool: [[UInt64]]] = [:]
        for (benchmark, entries) in benchmarks {
            let withChoices = !benchmark.choiceFields.isEmpty
            let shingles = itemShingles[withChoices] ?? items.map { item in
                Shingles.hashes(of: NearDuplicateDeduplicator.comparedText(question: item.question, choices: withChoices ? item.choices : []),
                                n: settings.ngram)
            }
            itemShingles[withChoices] = shingles
            let referenceShingles = entries.map { entry in
                Shingles.hashes(of: NearDuplicateDeduplicator.comparedText(question: entry.question, choices: withChoices ? entry.choices : []),
                                n: settings.ngram)
            }
            // Only a candidate and a reference question are compared; copies among candidates are dedup's job.
            let result = finder.clusters(shingles: shingles + referenceShingles) { low, high in low < items.count && high >= items.count }
            for pair in result.pairs {
                let match = ContaminationMatch(id: items[pair.first].id, benchmark: benchmark.name,
                                               referenceID: entries[pair.second - items.count].id, similarity: pair.similarity)
                if let current = best[match.id], (current.similarity, match.benchmark, match.referenceID) >= (match.similarity, current.benchmark, current.referenceID) {
                    continue
                }
                best[match.id] = match
            }
        }
        return Array(best.values).sorted(byKey: \.id)
    }
}

extension DedupResult {
    /// Drops each matched candidate with the benchmark and reference id it matched, or keeps it
    /// with the flag `contaminated`.
    public mutating func apply(_ matches: [ContaminationMatch], drop: Bool) {
        let matched = Dictionary(matches.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var kept: [Item] = []
        for var item in unique {
            guard let match = matched[item.id] else { kept.append(item); continue }
            if drop {
                let detail = "matches \(match.benchmark) \(match.referenceID) (Jaccard \(String(format: "%.3f", match.similarity)))"
                dropped.append(DroppedItem(id: item.id, stage: "dedup", reason: "contaminated", detail: detail, item: item))
            } else {
                if !item.flags.contains("contaminated") { item.flags.append("contaminated") }
                kept.append(item)
            }
        }
        unique = kept
    }
}
