public import Foundation
public import DatasetCore

/// Reads respondent-level microdata: one CSV row a respondent, a column per stratum dimension,
/// a column per question holding the option code (empty when the question was not asked), an
/// optional design-weight column and an optional `respondent` id column.
public enum MicrodataReader {
    public static func read(_ url: URL, displayName: String, questionnaire: Questionnaire,
                            weightColumn: String? = nil, schema: SchemaCheck? = nil) throws -> SurveyData {
        let table = try CSVTable(contentsOf: url, displayName: displayName)
            .withHeader(required: questionnaire.dimensions + (weightColumn.map { [$0] } ?? []))
        var d = Diagnostics(schema?.check(table) ?? [])
        let questionColumns = table.columns.filter { questionnaire.question($0) != nil }
        for column in table.columns where !questionColumns.contains(column) && !questionnaire.dimensions.contains(column)
            && column != weightColumn && column != "respondent" {
            d.error(SourceLocation(file: displayName, line: 1, field: column),
                    "column is neither a dimension, a question of \(questionnaire.file), the weight column nor 'respondent'")
        }
        if questionColumns.isEmpty {
            d.error(SourceLocation(file: displayName, line: 1), "no column is a question of \(questionnaire.file)")
        }
        var data = SurveyData(questionnaire: questionnaire)
        var respondents: [String: Int] = [:]
        for row in table.rows {
            if let id = table.index(of: "respondent").map({ row.fields[$0] }), !id.isEmpty {
                if let earlier = respondents[id] {
                    d.error(table.location(row, "respondent"), "respondent '\(id)' already appears on line \(earlier)")
                    continue
                }
                respondents[id] = row.line
            }
            var weight = 1.0
            if let weightColumn {
                let text = table.value(row, weightColumn).trimmingCharacters(in: .whitespaces)
                guard let value = Double(text), value.isFinite, value > 0 else {
                    d.error(table.location(row, weightColumn), "design weight '\(text)' is not a positive number")
                    continue
                }
                guard value <= SurveyCount.maximum else {
                    d.error(table.location(row, weightColumn), SurveyCount.tooLarge(text))
                    continue
                }
                weight = value
            }
            var cell: [String] = []
            for dimension in questionnaire.dimensions {
                let level = table.value(row, dimension)
                if level.isEmpty { d.error(table.location(row, dimension), "empty stratum level") }
                data.saw(level, of: dimension, at: table.location(row, dimension))
                cell.append(level)
            }
            for column in questionColumns {
                let code = table.value(row, column).trimmingCharacters(in: .whitespaces)
                if code.isEmpty { continue }
                let question = questionnaire.question(column)!
                guard question.scale.allOptions.contains(where: { $0.code == code }) else {
                    d.error(table.location(row, column), "unknown option '\(code)' (scale '\(question.scale.name)' has \(question.scale.allOptions.map(\.code).joined(separator: ", ")))")
                    continue
                }
                var options = data.cells[column]?[cell] ?? [:]
                options[code] = (options[code] ?? .zero) + Tally(count: 1, weight: weight, weightSquared: weight * weight)
                data.cells[column, default: [:]][cell] = options
            }
        }
        try d.check()
        return data
    }
}
