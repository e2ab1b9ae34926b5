public import Foundation
import DatasetCore

/// How a question's published shares were sized: the respondents behind them and, where the
/// publisher gives one, the effective sample size of its weights, with where those came from.
public struct PublishedSampleSize: Sendable, Hashable {
    public var n: Int
    /// The publisher's effective n (design effect applied); nil when only n is known.
    public var nEffective: Double?
    /// Where n came from, in the curator's words: a report's table, a topline's footnote.
    public var source: String

    /// The item's weighting note: the shares are the publisher's, already weighted.
    public var weighting: String {
        "published shares; n \(n)" + (nEffective.map { ", effective n \(Self.format($0))" } ?? "") + " from \(source)"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

/// Answer shares as surveys publish them (GlobalOpinionQA, WVS summaries, reports), read from
/// a CSV: `question, option, share, n, n_effective, n_source` (`n_effective` may be left out or
/// blank). A question's shares are fractions summing to 1 or percentages summing to 100; the
/// rounding of published figures is allowed for (2 points) and scaled away, with a note.
/// n is needed, because a share without it has no margin of error.
public enum PublishedShares {
    /// How far a question's shares may sum from 1 (or 100 %) before they are an error.
    static let roundingTolerance = 0.02

    public static func load(_ url: URL, displayName: String, questionnaire: Questionnaire) throws -> SurveyData {
        let table = try CSVTable(contentsOf: url, displayName: displayName)
            .withHeader(required: ["question", "option", "share", "n", "n_source"])
        var diagnostics = Diagnostics()
        var shares: [String: [String: Double]] = [:]
        var sizes: [String: PublishedSampleSize] = [:]
        var firstLine: [String: Int] = [:]
        var optionLines: [String: Int] = [:]
        var order: [String] = []
        // A question with a bad row is not summed: its sum would only repeat the row's error.
        var broken: Set<String> = []
        for row in table.rows {
            let errorsBefore = diagnostics.errors.count
            defer { if diagnostics.errors.count > errorsBefore { broken.insert(table.value(row, "question")) } }
            guard let (questionID, code) = questionnaire.questionAndOption(row, of: table, &diagnostics) else { continue }
            let shareText = table.value(row, "share").trimmingCharacters(in: .whitespaces)
            guard let share = Double(shareText), share.isFinite, share >= 0, share <= 100 else {
                diagnostics.error(table.location(row, "share"), "share '\(shareText)' is not a number from 0 to 1 (or a percentage from 0 to 100)")
                continue
            }
            if let earlier = optionLines[questionID + "\u{1F}" + code] {
                diagnostics.error(table.location(row, "option"), "option '\(code)' of \(questionID) already has a share on line \(earlier)")
                continue
            }
            optionLines[questionID + "\u{1F}" + code] = row.line
            guard let size = sampleSize(row, table: table, question: questionID, diagnostics: &diagnostics) else { continue }
            if let known = sizes[questionID] {
                for (field, same) in [("n", known.n == size.n), ("n_effective", known.nEffective == size.nEffective),
                                      ("n_source", known.source == size.source || size.source.isEmpty)] where !same {
                    diagnostics.error(table.location(row, field), "differs from the \(field) of \(questionID) on line \(firstLine[questionID]!); a question has one sample")
                }
            } else {
                guard !size.source.isEmpty else {
                    diagnostics.error(table.location(row, "n_source"), "say where the n of \(questionID) comes from (a report's table, a topline)")
                    continue
                }
                sizes[questionID] = size
                firstLine[questionID] = row.line
                order.append(questionID)
            }
            shares[questionID, default: [:]][code] = share
        }
        var notes: [String] = []
        var cells: [String: [[String]: SurveyData.Options]] = [:]
        for questionID in order {
            guard !broken.contains(questionID), let size = sizes[questionID], let given = shares[questionID] else { continue }
            let sum = given.values.reduce(0, +)
            let location = SourceLocation(file: displayName, line: firstLine[questionID], field: "share")
            let scale: Double
            if abs(sum - 1) <= roundingTolerance {
                scale = 1
            } else if abs(sum - 100) <= 100 * roundingTolerance {
                scale = 100
            } else {
                diagnostics.error(location, "the shares of \(questionID) sum to \(sum.formatted()); give every option's share, as fractions summing to 1 or percentages summing to 100")
                continue
            }
            if abs(sum / scale - 1) > 1e-9 {
                notes.append("\(displayName): the shares of \(questionID) sum to \(sum.formatted())\(scale == 100 ? " %" : ""); scaled to \(scale == 100 ? "100 %" : "1") (rounding in the published figures)")
            }
            // Tallies that give back the shares, n and the effective n: each option's count is its
            // share of n, and the squared weights sum to n²/n_effective, spread by share.
            let n = Double(size.n)
            let nEffective = size.nEffective ?? n
            var options: SurveyData.Options = [:]
            for (code, share) in given {
                let fraction = share / sum
                options[code] = Tally(count: fraction * n, weight: fraction * n, weightSquared: fraction * n * n / nEffective)
            }
            cells[questionID] = [[]: options]
        }
        try diagnostics.check()
        var data = SurveyData(questionnaire: questionnaire, cells: cells, notes: notes)
        data.published = sizes
        return data
    }

    static func sampleSize(_ row: CSVTable.Record, table: HeaderedCSV, question: String, diagnostics: inout Diagnostics) -> PublishedSampleSize? {
        let nText = table.value(row, "n").trimmingCharacters(in: .whitespaces)
        guard let n = Double(nText), n.isFinite, n >= 1, n == n.rounded() else {
            diagnostics.error(table.location(row, "n"), "n '\(nText)' is not a whole number of respondents of at least 1")
            return nil
        }
        guard n <= SurveyCount.maximum else {
            diagnostics.error(table.location(row, "n"), SurveyCount.tooLarge(nText))
            return nil
        }
        var nEffective: Double?
        let effectiveText = table.value(row, "n_effective").trimmingCharacters(in: .whitespaces)
        if !effectiveText.isEmpty {
            guard let value = Double(effectiveText), value.isFinite, value > 0, value <= n else {
                diagnostics.error(table.location(row, "n_effective"), "n_effective '\(effectiveText)' is not a number above 0 and at most n (\(Int(n)))")
                return nil
            }
            nEffective = value
        }
        return PublishedSampleSize(n: Int(n), nEffective: nEffective, source: table.value(row, "n_source").trimmingCharacters(in: .whitespaces))
    }
}
