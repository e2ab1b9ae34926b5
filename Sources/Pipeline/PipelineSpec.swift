public import Foundation
public import DatasetCore
public import SurveyIngest
public import Validation
public import Sampling
public import ReviewStore
public import Dedup
import Statistics

/// A pipeline file (YAML): its sources, stage settings, seed, splits and release.
/// Format: `schemas/pipeline.schema.json`. Paths are relative to the project directory.
public struct PipelineSpec: Sendable {
    public enum SourceKind: String, Sendable, CaseIterable {
        case survey, cnxml, xhtml, authored
    }

    /// How a survey source's answers are laid out.
    public enum SurveyFormat: String, Sendable, CaseIterable {
        /// Questionnaire YAML + joint-cell tallies CSV.
        case long
        /// Questionnaire YAML + respondent-level CSV.
        case microdata
        /// OpinionQA `info.csv` + one-way `<DIMENSION>_data.json` files.
        case opinionqa
        /// KoBBQ-style JSON of choice counts per stereotype.
        case kobbq
    }

    public struct Source: Sendable {
        public var id: String
        public var kind: SourceKind
        public var format: SurveyFormat?
        public var subject: String
        public var language: String
        public var license: String?
        /// Files by role: `questionnaire`, `tallies`, `microdata`, `oneway.<DIMENSION>`, `margins`,
        /// `margins_mapping` (survey); `path`, `collection` (textbooks).
        public var files: [String: String]
        public var survey: SurveySettings
        /// CNXML: turn the glossary into "which term matches this definition" items.
        public var glossaryItems: Bool
        /// The source's section of the pipeline file, canonicalized, for cache keys.
        public var configText: String
        public var line: Int?
    }

    public var file: String
    public var name: String
    public var seed: UInt64
    public var sources: [Source]
    public var validation: [ItemTask: ValidationRules]
    public var sampling: SamplingPlan
    public var splits: [SplitAssigner.Split]
    public var balanceAnswers: Bool
    /// Near-duplicate detection in the dedup stage; nil when the pipeline turns it off.
    public var nearDuplicates: NearDuplicateSettings?
    /// Benchmarks that candidates must not copy; empty when none are named.
    public var contamination: Contamination

    /// The dedup stage's check against existing benchmarks.
    public struct Contamination: Sendable {
        public var benchmarks: [ReferenceBenchmark] = []
        public var threshold = 0.8
        /// Drop a matching candidate, or keep it with the flag `contaminated`.
        public var drop = true
    }
    public var review: ReviewPlan
    public var releaseName: String
    public var license: String
    public var description: String?
    /// Each stage's section of the pipeline file, canonicalized, for cache keys.
    public var stageConfigText: [String: String]

    /// Where the stages of this pipeline write: `build/<name>/`.
    public func buildDirectory(in projectDirectory: URL) -> URL {
        projectDirectory.appendingPathComponent("build").appendingPathComponent(name)
    }

    /// The pipeline's review database: one per pipeline, under the project's data folder.
    public func reviewDatabase(in projectDirectory: URL) -> URL {
        projectDirectory.appendingPathComponent("data/review/\(name).sqlite")
    }

    /// Every file that sources name, as written in the pipeline file, in a stable order.
    public var inputPaths: [String] {
        sources.flatMap { source in source.files.keys.sorted().map { source.files[$0]! } } + contamination.benchmarks.map(\.path)
    }

    static let topKeys = ["name", "description", "seed", "sources", "stages", "release"]
    static let sourceKeys = ["id", "kind", "format", "subject", "language", "license", "questionnaire", "tallies",
                             "microdata", "oneway", "margins", "margins_mapping", "path", "collection", "glossary_items", "survey"]
    static let surveyKeys = ["weighting", "poststratify", "confidence", "min_n", "max_nonresponse_share", "min_top_votes",
                             "max_total_mismatch", "trim_ratio", "raking_tolerance", "raking_max_iterations", "weight_column", "panel_size",
                             "multi_select"]
    static let fileRoles = ["questionnaire", "tallies", "microdata", "oneway", "margins", "margins_mapping", "path", "collection"]
    static let stageKeys = ["validate", "dedup", "sample", "review", "release"]
    static let validateKeys = ["common_knowledge", "social_value"]
    static let rulesKeys = ["choices", "question_length", "max_choice_length", "allow_all_of_the_above", "long_answer_ratio"]
    static let sampleKeys = ["strata", "quotas", "total", "allocation", "deviations", "sub_quotas", "minimum",
                             "allow_shortfall", "oversample"]
    static let releaseStageKeys = ["splits", "balance_answers"]
    static let dedupKeys = ["near_duplicates", "contamination"]
    static let contaminationKeys = ["threshold", "action", "references"]
    static let referenceKeys = ["name", "path", "id", "question", "choices"]
    static let nearDuplicateKeys = ["ngram", "permutations", "threshold", "false_negative_weight"]
    static let reviewKeys = ["rounds", "include_unreviewed"]
    static let roundKeys = ["name", "reviewers", "batch_size", "roles", "decisions", "rule", "threshold", "on_disagreement",
                            "labels", "label_threshold", "tasks"]
    static let labelKeys = ["name", "type", "values", "multiple", "ordinal", "required"]
    static let releaseKeys = ["name", "license"]
    /// The file keys each kind (and survey format) needs and allows.
    static func fileRoles(kind: SourceKind, format: SurveyFormat?) -> (required: [String], optional: [String]) {
        switch (kind, format ?? .long) {
        case (.survey, .long): (["questionnaire", "tallies"], ["margins", "margins_mapping"])
        case (.survey, .microdata): (["questionnaire", "microdata"], ["margins", "margins_mapping"])
        case (.survey, .opinionqa): (["questionnaire", "oneway"], ["margins", "margins_mapping"])
        case (.survey, .kobbq): (["tallies"], [])
        case (.cnxml, _): (["path"], ["collection"])
        case (.xhtml, _), (.authored, _): (["path"], [])
        }
    }

    /// Parses and checks a pipeline file, reporting every problem (file, line, key) at once.
    /// With `projectDirectory`, every named file must exist there.
    public static func load(_ url: URL, displayName: String, projectDirectory: URL?) throws -> PipelineSpec {
        let root = try YAMLNode.load(url, displayName: displayName)
        var diagnostics = Diagnostics()
        let spec = parse(root, projectDirectory: projectDirectory, &diagnostics)
        // What the parser accepts, a project's (possibly tightened) schema may still refuse.
        if diagnostics.isEmpty, let schema = try SchemaCheck.project(projectDirectory, file: "pipeline.schema.json") {
            for error in schema.check(root) { diagnostics.append(error) }
        }
        try diagnostics.check()
        return spec!
    }

    static func parse(_ root: YAMLNode, projectDirectory: URL?, _ d: inout Diagnostics) -> PipelineSpec? {
        guard let top = root.mapping(&d) else { return nil }
        top.rejectUnknownKeys(allowed: topKeys, &d)
        let name = top.required("name", &d)?.string(&d)
        if let name, name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) == nil {
            d.error(top["name"]!.location, "name '\(name)' must be letters, digits, '.', '_' or '-' (it names a folder)")
        }
        var seed: UInt64?
        if let seedNode = top.required("seed", &d), let value = seedNode.int(&d) {
            if value < 0 { d.error(seedNode.location, "seed must not be negative") } else { seed = UInt64(value) }
        }

        var sources: [Source] = []
        var seenIDs: Set<String> = []
        for node in top.required("sources", &d)?.sequence(&d) ?? [] {
            guard let source = parseSource(node, projectDirectory: projectDirectory, &d) else { continue }
            if !seenIDs.insert(source.id).inserted {
                d.error(node.location.with(field: "\(node.path).id"), "source id '\(source.id)' is used twice")
            }
            sources.append(source)
        }
        if sources.isEmpty, top["sources"] != nil { d.error(top["sources"]!.location, "a pipeline needs at least one source") }

        var validation: [ItemTask: ValidationRules] = [
            .commonKnowledge: .commonKnowledgeDefault, .socialValue: .socialValueDefault,
        ]
        var sampling = SamplingPlan()
        var splits = SplitAssigner.defaultSplits
        var balanceAnswers = true
        var review = ReviewPlan()
        var nearDuplicates: NearDuplicateSettings? = NearDuplicateSettings()
        var contamination = Contamination()
        var stageConfigText: [String: String] = [:]
        if let stagesNode = top["stages"], let stages = stagesNode.mapping(&d) {
            stages.rejectUnknownKeys(allowed: stageKeys, &d)
            for key in stages.keys { stageConfigText[key] = stages[key]!.canonicalText }
            if let validate = stages["validate"]?.mapping(&d) {
                validate.rejectUnknownKeys(allowed: validateKeys, &d)
                for task in ItemTask.allCases {
                    if let node = validate[task.rawValue], let rules = parseRules(node, defaults: validation[task]!, &d) {
                        validation[task] = rules
                    }
                }
            }
            if let dedup = stages["dedup"]?.mapping(&d) {
                nearDuplicates = parseDedup(dedup, &d)
                if let node = dedup["contamination"] { contamination = parseContamination(node, projectDirectory: projectDirectory, &d) }
            }
            if let node = stages["review"] { review = parseReview(node, &d) }
            if let sample = stages["sample"]?.mapping(&d) { sampling = parseSampling(sample, &d) }
            if let release = stages["release"]?.mapping(&d) {
                release.rejectUnknownKeys(allowed: releaseStageKeys, &d)
                if let list = release["splits"]?.sequence(&d) {
                    var parsed: [SplitAssigner.Split] = []
                    for (index, node) in list.enumerated() {
                        guard let entry = node.mapping(&d) else { continue }
                        entry.rejectUnknownKeys(allowed: ["name", "per_subject"], &d)
                        guard let name = entry.required("name", &d)?.string(&d) else { continue }
                        let size = entry["per_subject"]?.int(&d)
                        if entry["per_subject"] == nil, index != list.count - 1 {
                            d.error(node.location, "only the last split may take the rest; give '\(name)' a per_subject count")
                        }
                        if let size, size < 0 { d.error(entry["per_subject"]!.location, "per_subject must not be negative") }
                        if parsed.contains(where: { $0.name == name }) { d.error(node.location, "split '\(name)' is named twice") }
                        if name.wholeMatch(of: /[a-z][a-z0-9_]*/) == nil {
                            d.error(entry["name"]!.location, "split name '\(name)' must be lower-case letters, digits or '_' (it names a file)")
                        }
                        parsed.append(SplitAssigner.Split(name: name, perSubject: size))
                    }
                    if parsed.isEmpty { d.error(release["splits"]!.location, "at least one split is needed") } else { splits = parsed }
                }
                if let value = release["balance_answers"]?.bool(&d) { balanceAnswers = value }
            }
        }

        var releaseName: String?
        var license: String?
        if let releaseNode = top.required("release", &d), let release = releaseNode.mapping(&d) {
            release.rejectUnknownKeys(allowed: releaseKeys, &d)
            releaseName = release.required("name", &d)?.string(&d)
            license = release.required("license", &d)?.string(&d)
            if let releaseName, releaseName.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) == nil {
                d.error(release["name"]!.location, "release name '\(releaseName)' must be letters, digits, '.', '_' or '-' (it names a folder)")
            }
        }
        guard d.isEmpty, let name, let seed, let releaseName, let license else { return nil }
        return PipelineSpec(file: root.file, name: name, seed: seed, sources: sources, validation: validation,
                            sampling: sampling, splits: splits, balanceAnswers: balanceAnswers, nearDuplicates: nearDuplicates, contamination: contamination, review: review,
                            releaseName: releaseName, license: license,
                            description: top["description"]?.string(&d), stageConfigText: stageConfigText)
    }

    static func parseSource(_ node: YAMLNode, projectDirectory: URL?, _ d: inout Diagnostics) -> Source? {
        guard let map = node.mapping(&d) else { return nil }
        map.rejectUnknownKeys(allowed: sourceKeys, &d)
        let id = map.required("id", &d)?.string(&d)
        var kind: SourceKind?
        if let kindNode = map.required("kind", &d), let text = kindNode.string(&d) {
            kind = SourceKind(rawValue: text)
            if kind == nil {
                d.error(kindNode.location, "unknown source kind '\(text)' (one of: \(SourceKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        let subject = map.required("subject", &d)?.string(&d)
        let language = map.required("language", &d)?.string(&d)
        let license = map["license"]?.string(&d)
        var format: SurveyFormat?
        if let formatNode = map["format"], let text = formatNode.string(&d) {
            format = SurveyFormat(rawValue: text)
            if format == nil {
                d.error(formatNode.location, "unknown survey format '\(text)' (one of: \(SurveyFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            } else if kind != nil, kind != .survey {
                d.error(formatNode.location, "'format' applies to survey sources only")
            }
        }
        var files: [String: String] = [:]
        func checkExists(_ path: String, _ node: YAMLNode) {
            guard let projectDirectory else { return }
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: projectDirectory.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !exists || isDirectory.boolValue {
                d.error(node.location, exists ? "'\(path)' is a directory, not a file" : "file '\(path)' does not exist")
            }
        }
        if let kind {
            let roles = fileRoles(kind: kind, format: format)
            for role in roles.required + roles.optional {
                let value = roles.required.contains(role) ? map.required(role, &d) : map[role]
                guard let value else { continue }
                if role == "oneway" {
                    // dimension → file
                    guard let byDimension = value.mapping(&d) else { continue }
                    for dimension in byDimension.keys {
                        guard let node = byDimension[dimension], let path = node.string(&d) else { continue }
                        files["oneway.\(dimension)"] = path
                        checkExists(path, node)
                    }
                    continue
                }
                guard let path = value.string(&d) else { continue }
                files[role] = path
                checkExists(path, value)
            }
            let allowed = Set(roles.required + roles.optional)
            for role in fileRoles where map[role] != nil && !allowed.contains(role) {
                let what = kind == .survey ? "a \((format ?? .long).rawValue) survey source" : "a \(kind.rawValue) source"
                d.error(map[role]!.location, "'\(role)' does not apply to \(what)")
            }
            if files["margins_mapping"] != nil, files["margins"] == nil {
                d.error(map["margins_mapping"]!.location, "'margins_mapping' needs 'margins' (the census file it maps)")
            }
            if kind != .survey, let surveyNode = map["survey"] {
                d.error(surveyNode.location, "'survey' settings apply to survey sources only")
            }
        }
        var survey = SurveySettings()
        if let surveyNode = map["survey"], let settings = surveyNode.mapping(&d) {
            settings.rejectUnknownKeys(allowed: surveyKeys, &d)
            if let value = settings["weighting"] {
                if let text = value.string(&d) {
                    switch text {
                    case "raking": survey.weighting = true
                    case "none": survey.weighting = false
                    default: d.error(value.location, "weighting must be 'raking' or 'none'")
                    }
                }
            }
            func number(_ key: String, in range: ClosedRange<Double>) -> Double? {
                guard let node = settings[key], let value = node.double(&d) else { return nil }
                guard range.contains(value) else {
                    d.error(node.location, "\(key) must be between \(range.lowerBound) and \(range.upperBound)")
                    return nil
                }
                return value
            }
            if let value = number("confidence", in: 0.5...0.9999) { survey.confidence = value }
            if let value = number("max_nonresponse_share", in: 0...1) { survey.maxNonresponseShare = value }
            if let value = number("max_total_mismatch", in: 0...1) { survey.maxTotalMismatch = value }
            if let value = number("trim_ratio", in: 1...1000) { survey.trimRatio = value }
            if let value = number("raking_tolerance", in: 1e-12...0.1) { survey.rakingTolerance = value }
            if let node = settings["min_n"], let value = node.int(&d) { survey.minN = value }
            if let node = settings["min_top_votes"], let value = node.int(&d) { survey.minTopVotes = value }
            if let node = settings["panel_size"], let value = node.int(&d) {
                if value < 1 { d.error(node.location, "panel_size must be at least 1") } else { survey.panelSize = value }
            }
            survey.poststratify = settings["poststratify"]?.string(&d)
            survey.weightColumn = settings["weight_column"]?.string(&d)
            if let node = settings["multi_select"], let text = node.string(&d) {
                if let value = KoBBQReader.MultiSelect(rawValue: text) { survey.multiSelect = value } else {
                    d.error(node.location, "multi_select must be 'drop' or 'normalize'")
                }
            }
            if let node = settings["raking_max_iterations"], let value = node.int(&d) { survey.rakingMaxIterations = max(value, 1) }
        }
        var glossaryItems = kind == .cnxml
        if let node = map["glossary_items"], let value = node.bool(&d) {
            if kind != .cnxml { d.error(node.location, "'glossary_items' applies to cnxml sources only") }
            glossaryItems = value
        }
        guard let id, let kind, let subject, let language else { return nil }
        return Source(id: id, kind: kind, format: kind == .survey ? (format ?? .long) : nil, subject: subject, language: language, license: license, files: files,
                      survey: survey, glossaryItems: glossaryItems, configText: node.canonicalText, line: node.location.line)
    }

    static func parseSampling(_ map: YAMLMapping, _ d: inout Diagnostics) -> SamplingPlan {
        map.rejectUnknownKeys(allowed: sampleKeys, &d)
        var plan = SamplingPlan()
        if let node = map["strata"], let fields = node.strings(&d) {
            for field in fields where !Item.stratumFields.contains(field) {
                d.error(node.location, "unknown stratum field '\(field)' (one of: \(Item.stratumFields.joined(separator: ", ")))")
            }
            if fields.isEmpty { d.error(node.location, "strata needs at least one field") } else { plan.strata = fields }
        }
        func counts(_ node: YAMLNode) -> [String: Int] {
            guard let mapping = node.mapping(&d) else { return [:] }
            var result: [String: Int] = [:]
            for key in mapping.keys {
                guard let value = mapping[key]!.int(&d) else { continue }
                if value < 0 { d.error(mapping[key]!.location, "a quota must not be negative") }
                result[key] = value
            }
            return result
        }
        var deviations: [String: Double] = [:]
        if let node = map["deviations"], let mapping = node.mapping(&d) {
            for key in mapping.keys { deviations[key] = mapping[key]!.double(&d) }
        }
        var method = Allocation.Method.proportional
        if let node = map["allocation"], let text = node.string(&d) {
            if let value = Allocation.Method(rawValue: text) { method = value } else {
                d.error(node.location, "allocation must be one of \(Allocation.Method.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        switch (map["quotas"], map["total"]) {
        case (let quotas?, nil):
            plan.quotas = .counts(counts(quotas))
            if map["allocation"] != nil { d.error(map["allocation"]!.location, "'allocation' goes with 'total', not with 'quotas'") }
        case (nil, let total?):
            if let value = total.int(&d) {
                if method == .neyman, deviations.isEmpty {
                    d.error(total.location, "neyman allocation needs 'deviations' (each stratum's spread)")
                }
                plan.quotas = .total(max(0, value), method, deviations: deviations)
            }
        case (_?, let total?):
            d.error(total.location, "give either 'quotas' (per stratum) or 'total' (with an allocation), not both")
        case (nil, nil):
            break
        }
        if let node = map["sub_quotas"], let mapping = node.mapping(&d) {
            for stratum in mapping.keys {
                guard let entry = mapping[stratum]!.mapping(&d) else { continue }
                entry.rejectUnknownKeys(allowed: ["field", "quotas"], &d)
                guard let field = entry.required("field", &d)?.string(&d), let quotas = entry.required("quotas", &d) else { continue }
                if !Item.stratumFields.contains(field) { d.error(entry["field"]!.location, "unknown field '\(field)'") }
                plan.subQuotas[stratum] = SamplingPlan.SubQuota(field: field, counts: counts(quotas))
            }
        }
        if let node = map["minimum"], let value = node.int(&d) { plan.minimum = max(0, value) }
        if let node = map["allow_shortfall"], let value = node.bool(&d) { plan.allowShortfall = value }
        if let node = map["oversample"], let value = node.double(&d) {
            if value < 0 || value > 10 { d.error(node.location, "oversample must be between 0 and 10 (a share: 0.2 = 20% more)") } else { plan.oversample = value }
        }
        return plan
    }

    static func parseDedup(_ map: YAMLMapping, _ d: inout Diagnostics) -> NearDuplicateSettings? {
        map.rejectUnknownKeys(allowed: dedupKeys, &d)
        var settings = NearDuplicateSettings()
        guard let node = map["near_duplicates"] else { return settings }
        if let settingsMap = node.mappingIfMapping(&d) {
            settingsMap.rejectUnknownKeys(allowed: nearDuplicateKeys, &d)
            func whole(_ key: String, _ range: ClosedRange<Int>) -> Int? {
                guard let node = settingsMap[key], let value = node.int(&d) else { return nil }
                guard range.contains(value) else { d.error(node.location, "\(key) must be between \(range.lowerBound) and \(range.upperBound)"); return nil }
                return value
            }
            func share(_ key: String) -> Double? {
                guard let node = settingsMap[key], let value = node.double(&d) else { return nil }
                guard 0 < value && value < 1 else { d.error(node.location, "\(key) must be above 0 and below 1"); return nil }
                return value
            }
            if let value = whole("ngram", 1...32) { settings.ngram = value }
            if let value = whole("permutations", 16...1024) { settings.permutations = value }
            if let value = share("threshold") { settings.threshold = value }
            if let value = share("false_negative_weight") { settings.falseNegativeWeight = value }
            return settings
        }
        guard let enabled = node.bool(&d) else { return settings }
        return enabled ? settings : nil
    }

    static func parseContamination(_ node: YAMLNode, projectDirectory: URL?, _ d: inout Diagnostics) -> Contamination {
        var result = Contamination()
        guard let map = node.mapping(&d) else { return result }
        map.rejectUnknownKeys(allowed: contaminationKeys, &d)
        if let node = map["threshold"], let value = node.double(&d) {
            if 0 < value && value < 1 { result.threshold = value } else { d.error(node.location, "threshold must be above 0 and below 1") }
        }
        if let node = map["action"], let text = node.string(&d) {
            switch text {
            case "drop": result.drop = true
            case "flag": result.drop = false
            default: d.error(node.location, "action must be drop or flag")
            }
        }
        for entry in map.required("references", &d)?.sequence(&d) ?? [] {
            guard let reference = entry.mapping(&d) else { continue }
            reference.rejectUnknownKeys(allowed: referenceKeys, &d)
            guard let name = reference.required("name", &d)?.string(&d), let pathNode = reference.required("path", &d),
                  let path = pathNode.string(&d) else { continue }
            let isCSV = path.lowercased().hasSuffix(".csv")
            if !isCSV, !path.lowercased().hasSuffix(".jsonl"), !path.lowercased().hasSuffix(".json") {
                d.error(pathNode.location, "a reference benchmark must be a .jsonl, .json (an array of records) or .csv file")
            }
            if let projectDirectory, !FileManager.default.fileExists(atPath: projectDirectory.appendingPathComponent(path).path) {
                d.error(pathNode.location, "file '\(path)' does not exist")
            }
            var choices: [String] = []
            if let node = reference["choices"] {
                if isCSV { choices = node.strings(&d) ?? [] } else if let field = node.string(&d) { choices = [field] }
            }
            if result.benchmarks.contains(where: { $0.name == name }) { d.error(entry.location, "reference '\(name)' is named twice") }
            result.benchmarks.append(ReferenceBenchmark(name: name, path: path, idField: reference["id"]?.string(&d) ?? "id",
                                                        questionField: reference["question"]?.string(&d) ?? "question", choiceFields: choices))
        }
        return result
    }

    static func parseReview(_ node: YAMLNode, _ d: inout Diagnostics) -> ReviewPlan {
        var plan = ReviewPlan()
        guard let map = node.mapping(&d) else { return plan }
        map.rejectUnknownKeys(allowed: reviewKeys, &d)
        if let value = map["include_unreviewed"]?.bool(&d) { plan.includeUnreviewed = value }
        for entry in map["rounds"]?.sequence(&d) ?? [] {
            guard let round = parseRound(entry, &d) else { continue }
            if plan.round(round.name) != nil { d.error(entry.location, "round '\(round.name)' is declared twice") }
            plan.rounds.append(round)
        }
        return plan
    }

    static func parseRound(_ node: YAMLNode, _ d: inout Diagnostics) -> ReviewRound? {
        guard let map = node.mapping(&d) else { return nil }
        map.rejectUnknownKeys(allowed: roundKeys, &d)
        guard let name = map.required("name", &d)?.string(&d) else { return nil }
        if name.wholeMatch(of: /[a-z0-9][a-z0-9_-]*/) == nil {
            d.error(map["name"]!.location, "round name '\(name)' must be lower-case letters, digits, '_' or '-' (it names batches)")
        }
        var round = ReviewRound(name: name)
        func positive(_ key: String) -> Int? {
            guard let node = map[key], let value = node.int(&d) else { return nil }
            if value < 1 { d.error(node.location, "\(key) must be at least 1"); return nil }
            return value
        }
        func share(_ key: String) -> Double? {
            guard let node = map[key], let value = node.double(&d) else { return nil }
            if !(0 < value && value <= 1) { d.error(node.location, "\(key) must be a share above 0 and at most 1"); return nil }
            return value
        }
        func words<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> [T]? where T.RawValue == String {
            guard let node = map[key], let list = node.strings(&d) else { return nil }
            let values = list.compactMap { word in
                let value = T(rawValue: word)
                if value == nil { d.error(node.location, "unknown \(key) value '\(word)' (one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))") }
                return value
            }
            if values.isEmpty { d.error(node.location, "\(key) needs at least one value") }
            return values
        }
        if let value = positive("reviewers") { round.reviewersPerItem = value }
        if let value = positive("batch_size") { round.batchSize = value }
        if let value = words("roles", ReviewerRole.self) { round.roles = value }
        if let value = words("decisions", ReviewDecision.self) { round.decisions = value }
        if let value = words("tasks", ItemTask.self) { round.tasks = value }
        if let value = share("label_threshold") { round.labelThreshold = value }
        let threshold = share("threshold")
        if let node = map["rule"], let text = node.string(&d) {
            switch text {
            case "unanimous": round.rule = .unanimous
            case "majority": round.rule = .majority(threshold: threshold ?? 0.5)
            case "any": round.rule = .any
            default: d.error(node.location, "rule must be unanimous, majority or any")
            }
        }
        if threshold != nil, round.rule != .majority(threshold: threshold!) {
            d.error(map["threshold"]!.location, "'threshold' goes with rule: majority")
        }
        if let node = map["on_disagreement"], let text = node.string(&d) {
            if let value = ReviewRound.OnDisagreement(rawValue: text) { round.onDisagreement = value } else {
                d.error(node.location, "on_disagreement must be adjudicate or another_reviewer")
            }
            if round.onDisagreement == .anotherReviewer, round.rule == .unanimous {
                d.error(node.location, "another reviewer can never make a split vote unanimous; use on_disagreement: adjudicate")
            }
        }
        if !round.decisions.contains(.approve) {
            d.error(map["decisions"]?.location ?? map.node.location, "a round needs the decision 'approve'")
        }
        for entry in map["labels"]?.sequence(&d) ?? [] {
            var spec: LabelSpec?
            if let mapping = entry.mappingIfMapping(&d) {
                mapping.rejectUnknownKeys(allowed: labelKeys, &d)
                guard let labelName = mapping.required("name", &d)?.string(&d) else { continue }
                var label = LabelSpec.known(labelName) ?? LabelSpec(name: labelName, kind: .choice, required: true)
                if let node = mapping["type"], let text = node.string(&d) {
                    if let kind = LabelSpec.Kind(rawValue: text) { label.kind = kind } else { d.error(node.location, "type must be choice, boolean or text") }
                }
                if let values = mapping["values"]?.strings(&d) { label.values = values }
                if let value = mapping["multiple"]?.bool(&d) { label.multiple = value }
                if let value = mapping["ordinal"]?.bool(&d) { label.ordinal = value }
                if let value = mapping["required"]?.bool(&d) { label.required = value }
                if label.kind == .choice, label.values.isEmpty { d.error(entry.location, "label '\(labelName)' needs its values") }
                if label.ordinal, label.kind != .choice || label.multiple { d.error(entry.location, "only a single-value choice label can be ordinal") }
                spec = label
            } else if let labelName = entry.string(&d) {
                spec = LabelSpec.known(labelName)
                if spec == nil {
                    d.error(entry.location, "'\(labelName)' is not a known label (required_knowledge, region, country, time_sensitive); declare it as {name, type, values}")
                }
            }
            guard let spec else { continue }
            if round.label(spec.name) != nil { d.error(entry.location, "label '\(spec.name)' is declared twice") }
            if ["batch", "reviewer", "item_id", "content_hash", "subject", "question", "answer", "source", "decision", "reason"].contains(spec.name)
                || spec.name.hasPrefix("choice_") || spec.name.hasPrefix("revised_") {
                d.error(entry.location, "'\(spec.name)' names a column of batch files; choose another label name")
            }
            round.labels.append(spec)
        }
        return round
    }

    static func parseRules(_ node: YAMLNode, defaults: ValidationRules, _ d: inout Diagnostics) -> ValidationRules? {
        guard let map = node.mapping(&d) else { return nil }
        map.rejectUnknownKeys(allowed: rulesKeys, &d)
        var rules = defaults
        func range(_ key: String) -> (Int, Int)? {
            guard let value = map[key] else { return nil }
            if let bounds = value.mappingIfMapping(&d) {
                bounds.rejectUnknownKeys(allowed: ["min", "max"], &d)
                let low = bounds["min"]?.int(&d) ?? 0
                let high = bounds["max"]?.int(&d) ?? Int.max
                if low > high { d.error(value.location, "min is above max") }
                return (low, high)
            }
            guard let exact = value.int(&d) else { return nil }
            return (exact, exact)
        }
        if let (low, high) = range("choices") { rules.minChoices = low; rules.maxChoices = high }
        if let (low, high) = range("question_length") { rules.minQuestionLength = low; rules.maxQuestionLength = high }
        if let value = map["max_choice_length"]?.int(&d) { rules.maxChoiceLength = value }
        if let value = map["allow_all_of_the_above"]?.bool(&d) { rules.allowAllOfTheAbove = value }
        if let value = map["long_answer_ratio"]?.double(&d) { rules.longAnswerRatio = value }
        return rules
    }
}

extension YAMLNode {
    /// The node as a mapping if it is one; nil (and no error) otherwise.
    func mappingIfMapping(_ diagnostics: inout Diagnostics) -> YAMLMapping? {
        var scratch = Diagnostics()
        let mapping = self.mapping(&scratch)
        return scratch.isEmpty ? mapping : nil
    }
}
