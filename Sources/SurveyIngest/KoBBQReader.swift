public import Foundation
import DatasetCore

/// Reads the KoBBQ stereotype survey (`KoBBQ_survey_result.json`): for each stereotype, how many
/// of the panel named each target group, or no stereotype (`no_stereo`).
///
/// Each entry becomes a question "which group does this stereotype fit?" whose options are the
/// groups in code-point order, then "no stereotype". Rules, recorded in `SurveyData.notes`:
/// - answers summing to more than the panel size are multi-select: set aside (`multi_select`),
///   or with `multiSelect: .normalize`, kept as shares of all selections;
/// - answers summing to fewer than the panel are set aside (`sum_mismatch`).
public enum KoBBQReader {
    public enum MultiSelect: String, Sendable {
        case drop, normalize
    }

    public static let noStereotype = "no_stereo"

    public static func read(_ url: URL, displayName: String, panelSize: Int = 100,
                            multiSelect: MultiSelect = .drop) throws -> SurveyData {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw InputError(file: displayName, "cannot read: \(error.localizedDescription)")
        }
        guard let entries = try JSONDocument.parse(data, file: displayName) as? [[String: Any]] else {
            throw InputError(file: displayName, "expected a JSON list of survey entries")
        }
        var d = Diagnostics()
        var questions: [Questionnaire.Question] = []
        var cells: [String: [[String]: SurveyData.Options]] = [:]
        var setAside: [(String, String, String)] = []
        var multi = 0
        for (index, entry) in entries.enumerated() {
            let id = String(index + 1)
            let location = SourceLocation(file: displayName, field: "[\(index)]")
            guard let category = entry["category"] as? String, let stereotype = entry["stereotype"] as? String,
                  let stats = entry["survey_stats"] as? [String: Any] else {
                d.error(location, "expected category, stereotype and survey_stats")
                continue
            }
            var counts: [String: Double] = [:]
            for (group, value) in stats {
                guard let count = JSONDocument.number(value), count >= 0, count.rounded() == count else {
                    d.error(location.with(field: "[\(index)].survey_stats.\(group)"), "count is not a whole number of at least 0")
                    continue
                }
                guard count <= SurveyCount.maximum else {
                    d.error(location.with(field: "[\(index)].survey_stats.\(group)"), SurveyCount.tooLarge("\(value)"))
                    continue
                }
                counts[group] = count
            }
            let groups = counts.keys.filter { $0 != noStereotype }.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            var options = groups.map { Questionnaire.Option(code: $0, labels: ["ko": $0]) }
            if counts[noStereotype] != nil {
                options.append(Questionnaire.Option(code: noStereotype, labels: ["ko": "해당하는 집단 없음"]))
            }
            let scale = Questionnaire.Scale(name: "kobbq-\(id)", options: options, nonresponse: [], collapse: nil, ordered: false)
            questions.append(Questionnaire.Question(
                id: id, topic: category,
                texts: ["ko": "다음 중 '\(stereotype)'(이)라는 고정관념이 가장 잘 들어맞는다고 생각하는 집단은?"],
                scale: scale, line: nil))
            let total = counts.values.reduce(0, +)
            if total > Double(panelSize) {
                multi += 1
                if multiSelect == .drop {
                    setAside.append((id, "multi_select", "answers sum to \(Int(total)) for a panel of \(panelSize): more than one group was chosen"))
                    continue
                }
                // Shares of all selections, counted over the panel's respondents: n stays the
                // number of people, not of selections, so precision is not overstated.
                counts = counts.mapValues { $0 * Double(panelSize) / total }
            } else if total < Double(panelSize) {
                setAside.append((id, "sum_mismatch", "answers sum to \(Int(total)), fewer than the panel of \(panelSize)"))
                continue
            }
            cells[id] = [[]: counts.mapValues { Tally(count: $0) }]
        }
        try d.check()
        var notes = ["\(entries.count) stereotypes; options ordered by code point, '\(noStereotype)' last"]
        if multi > 0 {
            notes.append("\(multi) entries sum to more than \(panelSize) (multi-select): " +
                         (multiSelect == .drop ? "set aside as multi_select" : "kept as shares of all selections, n the panel's \(panelSize) respondents"))
        }
        return SurveyData(
            questionnaire: Questionnaire(file: displayName, id: displayName, country: "KR", dimensions: [], questions: questions),
            cells: cells, notes: notes, setAside: setAside)
    }
}
