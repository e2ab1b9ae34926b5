public import Foundation
import DatasetCore

/// Reads the OpinionQA layout of a Pew American Trends Panel wave: `info.csv` (question text,
/// options in `references`, their order in `option_ordinal`) and one `<DIMENSION>_data.json` per
/// demographic dimension with answer counts per level: one-way margins, not joint cells.
///
/// Quirks handled by visible rules (each recorded in `SurveyData.notes`):
/// - `MC_options` in the JSON is split on commas inside options; options come from `references`.
/// - Options without an ordinal (e.g. "Refused") are non-response, not part of the scale.
/// - The scale is ordered by `option_ordinal`, not by listing order.
/// - A level with no answers (AGE's "nan") is left out of that dimension.
/// - The dimension files of one question count the same respondents, less those who did not give
///   that demographic: totals that differ by more than `maxTotalMismatch` (relative) set the
///   question aside as `sum_mismatch`; smaller differences are noted.
public enum OpinionQAReader {
    public static func read(info: URL, infoName: String, dimensionFiles: [(dimension: String, url: URL, name: String)],
                            country: String?, maxTotalMismatch: Double = 0.01) throws -> SurveyData {
        let table = try CSVTable(contentsOf: info, displayName: infoName)
            .withHeader(required: ["key", "question", "references", "option_ordinal"])
        var d = Diagnostics()
        var questions: [Questionnaire.Question] = []
        var notes: [String] = []
        for row in table.rows {
            let key = table.value(row, "key")
            guard let references = try d.collect({ try PythonLiteral.strings(table.value(row, "references"), at: table.location(row, "references")) }),
                  let ordinals = try d.collect({ try PythonLiteral.numbers(table.value(row, "option_ordinal"), at: table.location(row, "option_ordinal")) })
            else { continue }
            guard ordinals.count <= references.count, ordinals.count >= 2 else {
                d.error(table.location(row, "option_ordinal"), "\(ordinals.count) ordinals for \(references.count) options")
                continue
            }
            let substantive = zip(references, ordinals).enumerated()
                .sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }
                .map { Questionnaire.Option(code: $0.element.0, labels: ["en": $0.element.0]) }
            let nonresponse = references.dropFirst(ordinals.count).map { Questionnaire.Option(code: $0, labels: ["en": $0]) }
            if substantive.map(\.code) != Array(references.prefix(ordinals.count)) {
                notes.append("\(key): scale ordered by option_ordinal: \(substantive.map(\.code).joined(separator: " < "))")
            }
            let scale = Questionnaire.Scale(name: key, options: substantive, nonresponse: Array(nonresponse), collapse: nil, ordered: true)
            questions.append(Questionnaire.Question(id: key, topic: nil, texts: ["en": table.value(row, "question").collapsingWhitespace],
                                                    scale: scale, line: row.line))
        }
        try d.check()
        let questionnaire = Questionnaire(file: infoName, id: infoName, country: country,
                                          dimensions: dimensionFiles.map(\.dimension), questions: questions)

        var oneWay: [String: [String: [String: SurveyData.Options]]] = [:]
        var split: Set<String> = []
        var emptyLevels: Set<String> = []
        for file in dimensionFiles {
            let data: Data
            do { data = try Data(contentsOf: file.url) } catch {
                throw InputError(file: file.name, "cannot read: \(error.localizedDescription)")
            }
            guard let root = try JSONDocument.parse(data, file: file.name) as? [String: Any] else {
                throw InputError(file: file.name, "expected a JSON object of questions")
            }
            for key in root.keys.sorted() {
                let location = SourceLocation(file: file.name, field: key)
                guard let entry = root[key] as? [String: Any] else {
                    d.error(location, "expected an object with MC_options and counts per level")
                    continue
                }
                guard let question = questionnaire.question(key) else {
                    d.error(location, "question \(key) is not in \(infoName)")
                    continue
                }
                let known = Set(question.scale.allOptions.map(\.code))
                if let listed = entry["MC_options"] as? [String], listed != question.scale.allOptions.map(\.code),
                   listed.joined(separator: ", ") != question.scale.allOptions.map(\.code).joined(separator: ", ") || listed.count != known.count {
                    split.insert(key)
                }
                for level in entry.keys.sorted() where level != "MC_options" && level != "question_text" {
                    guard let counts = entry[level] as? [String: Any] else {
                        d.error(location.with(field: "\(key).\(level)"), "expected counts per option")
                        continue
                    }
                    if counts.isEmpty {
                        emptyLevels.insert("\(file.dimension)=\(level)")
                        continue
                    }
                    for (option, value) in counts.sorted(by: { $0.key < $1.key }) {
                        guard known.contains(option) else {
                            d.error(location.with(field: "\(key).\(level)"), "option '\(option)' is not among \(key)'s options in \(infoName)")
                            continue
                        }
                        guard let count = JSONDocument.number(value), count >= 0, count.isFinite else {
                            d.error(location.with(field: "\(key).\(level).\(option)"), "count is not a number of at least 0")
                            continue
                        }
                        guard count <= SurveyCount.maximum else {
                            d.error(location.with(field: "\(key).\(level).\(option)"), SurveyCount.tooLarge("\(value)"))
                            continue
                        }
                        oneWay[key, default: [:]][file.dimension, default: [:]][level, default: [:]][option] = Tally(count: count)
                    }
                }
            }
        }
        try d.check()
        var setAside: [(String, String, String)] = []
        var largestMismatch = 0.0
        for key in oneWay.keys.sorted() {
            let totals = oneWay[key]!.mapValues { $0.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } }
            guard let high = totals.values.max(), let low = totals.values.min(), high > 0 else { continue }
            let mismatch = (high - low) / high
            if mismatch > maxTotalMismatch {
                let described = totals.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", ")
                setAside.append((key, "sum_mismatch", "dimension files count different totals (\(described)), more than \(maxTotalMismatch * 100)% apart"))
            } else {
                largestMismatch = max(largestMismatch, mismatch)
            }
        }
        if largestMismatch > 0 {
            notes.append("dimension files' totals differ by up to \((largestMismatch * 10000).rounded() / 100)% (respondents who did not give a demographic); within the \(maxTotalMismatch * 100)% allowed")
        }
        if !split.isEmpty {
            notes.append("MC_options split on commas inside options for \(split.sorted().joined(separator: ", ")); options taken from \(infoName) references")
        }
        if !emptyLevels.isEmpty {
            notes.append("levels with no answers left out: \(emptyLevels.sorted().joined(separator: ", "))")
        }
        let unanswered = questions.filter { oneWay[$0.id] == nil }.map(\.id)
        if !unanswered.isEmpty {
            notes.append("\(unanswered.count) questions of \(infoName) have no counts: \(unanswered.joined(separator: ", "))")
        }
        return SurveyData(questionnaire: questionnaire, oneWay: oneWay, notes: notes, setAside: setAside)
    }
}
