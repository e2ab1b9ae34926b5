public import Foundation
public import DatasetCore

/// A survey questionnaire: its questions, their ordered answer scales, and the stratum
/// dimensions its tallies are broken down by. Format: `schemas/questionnaire.schema.json`.
public struct Questionnaire: Sendable {
    /// One answer option: a code used in tally files and a label per language.
    public struct Option: Sendable, Hashable {
        public var code: String
        public var labels: [String: String]
    }

    /// One level of a 3-level collapse, and the substantive codes it merges.
    public struct CollapsedLevel: Sendable, Hashable {
        public var labels: [String: String]
        public var codes: [String]
    }

    public struct Scale: Sendable {
        public var name: String
        /// Substantive options in scale order (e.g. strongly disagree … strongly agree).
        public var options: [Option]
        /// "Don't know" / "refused" options: counted, but outside the substantive distribution.
        public var nonresponse: [Option]
        public var collapse: [CollapsedLevel]?
        /// An ordered (Likert) scale is never permuted.
        public var ordered: Bool

        public var allOptions: [Option] { options + nonresponse }
    }

    public struct Question: Sendable {
        public var id: String
        public var topic: String?
        public var texts: [String: String]
        public var scale: Scale
        public var line: Int?
    }

    public var file: String
    public var id: String
    public var country: String?
    public var dimensions: [String]
    public var questions: [Question]

    public func question(_ id: String) -> Question? { questions.first { $0.id == id } }

    static let topKeys = ["survey", "country", "dimensions", "scales", "questions"]
    static let scaleKeys = ["options", "nonresponse", "collapse", "ordered"]
    static let questionKeys = ["id", "topic", "text", "scale"]

    public static func load(_ url: URL, displayName: String, schema: SchemaCheck? = nil) throws -> Questionnaire {
        let root = try YAMLNode.load(url, displayName: displayName)
        var diagnostics = Diagnostics()
        let result = parse(root, &diagnostics)
        if diagnostics.isEmpty, let schema {
            for error in schema.check(root) { diagnostics.append(error) }
        }
        try diagnostics.check()
        guard let result else { throw InputError(file: displayName, "invalid questionnaire") }
        return result
    }

    static func parse(_ root: YAMLNode, _ diagnostics: inout Diagnostics) -> Questionnaire? {
        guard let top = root.mapping(&diagnostics) else { return nil }
        top.rejectUnknownKeys(allowed: topKeys, &diagnostics)
        let id = top.required("survey", &diagnostics)?.string(&diagnostics)
        let country = top["country"]?.string(&diagnostics)
        let dimensions = top.required("dimensions", &diagnostics)?.strings(&diagnostics) ?? []

        var scales: [String: Scale] = [:]
        if let scalesNode = top.required("scales", &diagnostics), let scaleMap = scalesNode.mapping(&diagnostics) {
            for name in scaleMap.keys {
                if let scale = parseScale(name: name, scaleMap[name]!, &diagnostics) { scales[name] = scale }
            }
        }

        var questions: [Question] = []
        var seen: Set<String> = []
        for node in top.required("questions", &diagnostics)?.sequence(&diagnostics) ?? [] {
            guard let map = node.mapping(&diagnostics) else { continue }
            map.rejectUnknownKeys(allowed: questionKeys, &diagnostics)
            guard let questionID = map.required("id", &diagnostics)?.string(&diagnostics) else { continue }
            if !seen.insert(questionID).inserted {
                diagnostics.error(node.location.with(field: "id"), "question id '\(questionID)' appears twice")
            }
            var texts: [String: String] = [:]
            if let textMap = map.required("text", &diagnostics)?.mapping(&diagnostics) {
                for language in textMap.keys {
                    if let text = textMap[language]?.string(&diagnostics) { texts[language] = text.collapsingWhitespace }
                }
            }
            guard let scaleNode = map.required("scale", &diagnostics),
                  let scaleName = scaleNode.string(&diagnostics) else { continue }
            guard let scale = scales[scaleName] else {
                diagnostics.error(scaleNode.location, "unknown scale '\(scaleName)' (declared: \(scales.keys.sorted().joined(separator: ", ")))")
                continue
            }
            questions.append(Question(id: questionID, topic: map["topic"]?.string(&diagnostics), texts: texts,
                                      scale: scale, line: node.location.line))
        }
        guard let id else { return nil }
        return Questionnaire(file: root.file, id: id, country: country, dimensions: dimensions, questions: questions)
    }

    static func parseScale(name: String, _ node: YAMLNode, _ diagnostics: inout Diagnostics) -> Scale? {
        guard let map = node.mapping(&diagnostics) else { return nil }
        map.rejectUnknownKeys(allowed: scaleKeys, &diagnostics)
        func options(_ key: String, required: Bool) -> [Option] {
            let list = required ? map.required(key, &diagnostics) : map[key]
            return (list?.sequence(&diagnostics) ?? []).compactMap { element in
                guard let entry = element.mapping(&diagnostics) else { return nil }
                guard let code = entry.required("code", &diagnostics)?.string(&diagnostics) else { return nil }
                var labels: [String: String] = [:]
                for language in entry.keys where language != "code" {
                    labels[language] = entry[language]?.string(&diagnostics)
                }
                if labels.isEmpty { diagnostics.error(element.location, "option '\(code)' has no label; add one per language, e.g. ko: ...") }
                return Option(code: code, labels: labels)
            }
        }
        let substantive = options("options", required: true)
        let nonresponse = options("nonresponse", required: false)
        let codes = (substantive + nonresponse).map(\.code)
        if Set(codes).count != codes.count {
            diagnostics.error(node.location, "scale '\(name)' repeats an option code")
        }
        if substantive.count < 2 {
            diagnostics.error(node.location, "scale '\(name)' needs at least two substantive options")
        }
        var collapse: [CollapsedLevel]?
        if let collapseNode = map["collapse"] {
            var levels: [CollapsedLevel] = []
            for element in collapseNode.sequence(&diagnostics) ?? [] {
                guard let entry = element.mapping(&diagnostics) else { continue }
                let levelCodes = entry.required("codes", &diagnostics)?.strings(&diagnostics) ?? []
                var labels: [String: String] = [:]
                for language in entry.keys where language != "codes" {
                    labels[language] = entry[language]?.string(&diagnostics)
                }
                for code in levelCodes where !substantive.contains(where: { $0.code == code }) {
                    diagnostics.error(element.location.with(field: "codes"), "collapse names '\(code)', which is not a substantive option of scale '\(name)'")
                }
                levels.append(CollapsedLevel(labels: labels, codes: levelCodes))
            }
            let covered = levels.flatMap(\.codes)
            if levels.count != 3 || Set(covered) != Set(substantive.map(\.code)) || covered.count != substantive.count {
                diagnostics.error(collapseNode.location, "collapse of scale '\(name)' must have 3 levels that together name each substantive option once")
            }
            collapse = levels
        }
        let ordered = map["ordered"]?.bool(&diagnostics) ?? true
        return Scale(name: name, options: substantive, nonresponse: nonresponse, collapse: collapse, ordered: ordered)
    }
}
