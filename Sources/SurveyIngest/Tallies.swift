public import Foundation
public import DatasetCore

/// Answer counts per joint stratum cell, read from a long CSV:
/// `question, <one column per dimension>, option, count`.
public enum Tallies {
    public static func load(_ url: URL, displayName: String, questionnaire: Questionnaire,
                            schema: SchemaCheck? = nil) throws -> SurveyData {
        let table = try CSVTable(contentsOf: url, displayName: displayName)
            .withHeader(required: ["question"] + questionnaire.dimensions + ["option", "count"])
        var diagnostics = Diagnostics(schema?.check(table) ?? [])
        var data = SurveyData(questionnaire: questionnaire)
        var firstLine: [String: Int] = [:]
        for row in table.rows {
            guard let (questionID, code) = questionnaire.questionAndOption(row, of: table, &diagnostics) else { continue }
            let countText = table.value(row, "count").trimmingCharacters(in: .whitespaces)
            guard let count = Double(countText), count.isFinite else {
                diagnostics.error(table.location(row, "count"), "count '\(countText)' is not a number")
                continue
            }
            guard count >= 0 else {
                diagnostics.error(table.location(row, "count"), "count \(countText) is negative")
                continue
            }
            guard count <= SurveyCount.maximum else {
                diagnostics.error(table.location(row, "count"), SurveyCount.tooLarge(countText))
                continue
            }
            var cell: [String] = []
            for dimension in questionnaire.dimensions {
                let level = table.value(row, dimension)
                if level.isEmpty { diagnostics.error(table.location(row, dimension), "empty stratum level") }
                data.saw(level, of: dimension, at: table.location(row, dimension))
                cell.append(level)
            }
            let key = ([questionID] + cell + [code]).joined(separator: "\u{1F}")
            if let earlier = firstLine[key] {
                diagnostics.error(table.location(row, "option"), "the same question, cell and option already appear on line \(earlier)")
                continue
            }
            firstLine[key] = row.line
            data.cells[questionID, default: [:]][cell, default: [:]][code] = Tally(count: count)
        }
        try diagnostics.check()
        return data
    }
}

extension Questionnaire {
    /// The `question` and `option` columns of a row, each checked against the questionnaire.
    func questionAndOption(_ row: CSVTable.Record, of table: HeaderedCSV, _ diagnostics: inout Diagnostics) -> (question: String, option: String)? {
        let questionID = table.value(row, "question")
        guard let entry = question(questionID) else {
            diagnostics.error(table.location(row, "question"), "question '\(questionID)' is not in the questionnaire \(file)")
            return nil
        }
        let code = table.value(row, "option")
        guard entry.scale.allOptions.contains(where: { $0.code == code }) else {
            let known = entry.scale.allOptions.map(\.code).joined(separator: ", ")
            diagnostics.error(table.location(row, "option"), "unknown option '\(code)' for \(questionID) (scale '\(entry.scale.name)' has \(known))")
            return nil
        }
        return (questionID, code)
    }
}

/// Population totals (or shares) per level of each stratum dimension, read from a CSV:
/// `dimension, level, count` or `dimension, level, share`.
public struct PopulationMargins: Sendable {
    public var file: String
    /// Per dimension: level → population count or share.
    public var margins: [String: [String: Double]]
    /// The line each dimension was first declared on, for errors.
    public var lines: [String: Int]

    public init(file: String, margins: [String: [String: Double]], lines: [String: Int]) {
        self.file = file
        self.margins = margins
        self.lines = lines
    }

    public static func load(_ url: URL, displayName: String, schema: SchemaCheck? = nil) throws -> PopulationMargins {
        let raw = try CSVTable(contentsOf: url, displayName: displayName)
        let valueColumn = raw.records.first?.fields.contains("share") == true ? "share" : "count"
        let table = try raw.withHeader(required: ["dimension", "level", valueColumn])
        var diagnostics = Diagnostics(schema?.check(table) ?? [])
        var margins: [String: [String: Double]] = [:]
        var lines: [String: Int] = [:]
        for row in table.rows {
            let dimension = table.value(row, "dimension")
            let level = table.value(row, "level")
            let text = table.value(row, valueColumn).trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value.isFinite else {
                diagnostics.error(table.location(row, valueColumn), "\(valueColumn) '\(text)' is not a number")
                continue
            }
            // A level with no people cannot be a weighting target: raking would divide by zero.
            guard value > 0 else {
                diagnostics.error(table.location(row, valueColumn), "\(valueColumn) \(text) of level '\(level)' is not above 0; a weighting target must be (leave the level out)")
                continue
            }
            guard value <= SurveyCount.maximum else {
                diagnostics.error(table.location(row, valueColumn), SurveyCount.tooLarge(text))
                continue
            }
            if margins[dimension]?[level] != nil {
                diagnostics.error(table.location(row, "level"), "level '\(level)' of '\(dimension)' appears twice")
            }
            margins[dimension, default: [:]][level] = value
            lines[dimension] = lines[dimension] ?? row.line
        }
        // Counts of every dimension describe one population: their totals must agree.
        if valueColumn == "count", let (first, firstTotal) = margins.sorted(by: { lines[$0.key]! < lines[$1.key]! })
            .first.map({ ($0.key, $0.value.values.reduce(0, +)) }) {
            for (dimension, levels) in margins.sorted(by: { lines[$0.key]! < lines[$1.key]! }).dropFirst() {
                let total = levels.values.reduce(0, +)
                if abs(total - firstTotal) > 0.005 * firstTotal {
                    diagnostics.error(SourceLocation(file: displayName, line: lines[dimension], field: "count"),
                                      "counts of '\(dimension)' sum to \(Int(total)), but those of '\(first)' to \(Int(firstTotal)); margins must describe one population")
                }
            }
        }
        if valueColumn == "share" {
            for (dimension, levels) in margins.sorted(by: { $0.key < $1.key }) {
                let sum = levels.values.reduce(0, +)
                if abs(sum - 1) > 0.001 {
                    diagnostics.error(SourceLocation(file: displayName, line: lines[dimension], field: "share"),
                                      "shares of '\(dimension)' sum to \(sum), not 1")
                }
            }
        }
        try diagnostics.check()
        return PopulationMargins(file: displayName, margins: margins, lines: lines)
    }
}

/// The largest count a tally, margin or weight may hold: more than all the people who have ever
/// lived is not a count of respondents, and larger numbers would overflow the arithmetic.
public enum SurveyCount {
    public static let maximum = 1e12

    public static func tooLarge(_ text: String) -> String {
        "'\(text.prefix(40))' is larger than any count of people (at most 10^12)"
    }
}
