import Foundation
public import DatasetCore
public import SurveyIngest
public import TextbookIngest

// The ingest stage: every source of the pipeline file becomes items, passages and items set aside.

extension PipelineSpec {
    public enum SourceKind: String, Sendable, CaseIterable {
        case survey, cnxml, xhtml, authored
        /// CSV, TSV, JSON or JSON Lines of multiple-choice items, read through a layout.
        case itemBank = "item_bank"
        /// Translations of other sources' items, keyed by the id of the item translated, read
        /// through a layout as item banks are.
        case translation
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
        /// Questionnaire YAML + published shares per question with their n.
        case shares
    }

    public struct Source: Sendable {
        public var id: String
        public var kind: SourceKind
        public var format: SurveyFormat?
        public var subject: String
        public var language: String
        public var license: String?
        /// Files by role: `questionnaire`, `tallies`, `microdata`, `shares`, `oneway.<DIMENSION>`, `margins`,
        /// `margins_mapping` (survey); `path`, `collection` (textbooks).
        public var files: [String: String]
        public var survey: SurveySettings
        /// CNXML: turn the glossary into "which term matches this definition" items.
        public var glossaryItems: Bool
        /// Item banks: where each part of an item is.
        public var layout: ItemBankLayout?
        public var line: Int?
        /// When the material was collected or written (ISO 8601 date or interval, `2024-03/2024-04`).
        public var collected: String?
        /// Translations: how the rows were made, where a row does not say, and by which system.
        public var origin: ItemTranslation.Origin?
        public var system: String?
    }
}

extension PipelineSpec.Source {
    static let sourceKeys = ["id", "kind", "format", "subject", "language", "license", "questionnaire", "tallies",
                             "microdata", "shares", "oneway", "margins", "margins_mapping", "path", "collection", "glossary_items", "survey",
                             "preset", "mapping", "collected", "origin", "system"]
    static let surveyKeys = ["weighting", "poststratify", "confidence", "min_n", "max_nonresponse_share", "min_top_votes",
                             "max_total_mismatch", "trim_ratio", "raking_tolerance", "raking_max_iterations", "weight_column", "panel_size",
                             "multi_select", "trim_must_hold"]
    static let fileRoleKeys = ["questionnaire", "tallies", "microdata", "shares", "oneway", "margins", "margins_mapping", "path", "collection"]

    /// The file keys each kind (and survey format) needs and allows.
    static func fileRoles(kind: PipelineSpec.SourceKind, format: PipelineSpec.SurveyFormat?) -> (required: [String], optional: [String]) {
        switch (kind, format ?? .long) {
        case (.survey, .long): (["questionnaire", "tallies"], ["margins", "margins_mapping"])
        case (.survey, .microdata): (["questionnaire", "microdata"], ["margins", "margins_mapping"])
        case (.survey, .opinionqa): (["questionnaire", "oneway"], ["margins", "margins_mapping"])
        case (.survey, .kobbq): (["tallies"], [])
        // Published shares are weighted already: no margins.
        case (.survey, .shares): (["questionnaire", "shares"], [])
        case (.cnxml, _): (["path"], ["collection"])
        case (.xhtml, _), (.authored, _), (.itemBank, _), (.translation, _): (["path"], [])
        }
    }

    /// The files this source names, by role, in a stable order.
    var paths: [String] { files.keys.sorted().map { files[$0]! } }

    /// The project schema files its readers check against.
    var schemaFiles: [SchemaFile] {
        var result: [SchemaFile] = []
        switch (kind, format ?? .long) {
        case (.survey, .long): result = [.questionnaire, .tallies]
        case (.survey, .microdata): result = [.questionnaire, .microdata]
        case (.survey, .shares): result = [.questionnaire]
        case (.survey, _), (.cnxml, _), (.xhtml, _), (.itemBank, _), (.translation, _): result = []
        case (.authored, _): result = [.authoredItems]
        }
        if files["margins"] != nil { result.append(files["margins_mapping"] == nil ? .margins : .censusMapping) }
        return result
    }

    /// Parses one entry of `sources:`.
    static func parse(_ node: YAMLNode, files project: ProjectFiles?, _ d: inout Diagnostics) -> PipelineSpec.Source? {
        guard let map = node.mapping(&d) else { return nil }
        map.rejectUnknownKeys(allowed: sourceKeys, &d)
        let id = map.required("id", &d)?.string(&d)
        var kind: PipelineSpec.SourceKind?
        if let kindNode = map.required("kind", &d), let text = kindNode.string(&d) {
            kind = PipelineSpec.SourceKind(rawValue: text)
            if kind == nil {
                d.error(kindNode.location, "unknown source kind '\(text)' (one of: \(PipelineSpec.SourceKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        var subject: String?
        if kind == .translation {
            // A translation's subject is its source item's.
            subject = ""
            if let node = map["subject"] { d.error(node.location, "a translation source takes its items' subjects from the items translated") }
        } else {
            subject = map.required("subject", &d)?.string(&d)
        }
        let language = map.required("language", &d)?.string(&d)
        let license = map["license"]?.string(&d)
        var collected: String?
        if let node = map["collected"], let text = node.string(&d) {
            let date = "[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?"
            let bounds = text.split(separator: "/", omittingEmptySubsequences: false)
            if text.wholeMatch(of: try! Regex("\(date)(/\(date))?")) == nil {
                d.error(node.location, "collected must be an ISO 8601 date or interval such as 2024, 2024-03 or 2024-03-01/2024-04-15")
            } else if bounds.count == 2, bounds[1] < bounds[0].prefix(bounds[1].count) {
                // Dates of one form compare as text; an end of less precision compares with the start's prefix.
                d.error(node.location, "collected ends (\(bounds[1])) before it starts (\(bounds[0]))")
            } else {
                collected = text
            }
        }
        var format: PipelineSpec.SurveyFormat?
        if kind != .itemBank && kind != .translation, let formatNode = map["format"], let text = formatNode.string(&d) {
            format = PipelineSpec.SurveyFormat(rawValue: text)
            if format == nil {
                d.error(formatNode.location, "unknown survey format '\(text)' (one of: \(PipelineSpec.SurveyFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            } else if kind != nil, kind != .survey {
                d.error(formatNode.location, "'format' applies to survey and item_bank sources only")
            }
        }
        let layout = kind == .itemBank ? ItemBankLayout.parse(map, at: node.location, &d)
            : kind == .translation ? ItemBankLayout.parse(map, at: node.location, default: .translations, &d) : nil
        if kind != .itemBank && kind != .translation {
            for key in ["preset", "mapping"] where map[key] != nil {
                d.error(map[key]!.location, "'\(key)' applies to item_bank and translation sources only")
            }
        }
        var origin: ItemTranslation.Origin?
        if let node = map["origin"], let text = node.string(&d) {
            origin = ItemTranslation.Origin(rawValue: text)
            if origin == nil {
                d.error(node.location, "unknown origin '\(text)' (one of: \(ItemTranslation.Origin.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        let system = map["system"]?.string(&d)
        if kind != .translation {
            for key in ["origin", "system"] where map[key] != nil {
                d.error(map[key]!.location, "'\(key)' applies to translation sources only")
            }
        }
        var files: [String: String] = [:]
        func checkExists(_ path: String, _ node: YAMLNode) {
            if let problem = project?.problem(path) { d.error(node.location, problem) }
        }
        if let kind {
            let roles = Self.fileRoles(kind: kind, format: format)
            for role in roles.required + roles.optional {
                let value = roles.required.contains(role) ? map.required(role, &d) : map[role]
                guard let value else { continue }
                if role == "oneway" {
                    // dimension → file
                    guard let byDimension = value.mapping(&d) else { continue }
                    for dimension in byDimension.keys {
                        guard let node = byDimension[dimension], let path = node.projectPath(&d) else { continue }
                        files["oneway.\(dimension)"] = path
                        checkExists(path, node)
                    }
                    continue
                }
                guard let path = value.projectPath(&d) else { continue }
                files[role] = path
                checkExists(path, value)
            }
            let allowed = Set(roles.required + roles.optional)
            for role in fileRoleKeys where map[role] != nil && !allowed.contains(role) {
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
            if let value = settings["trim_must_hold"]?.bool(&d) { survey.trimMustHold = value }
        }
        var glossaryItems = kind == .cnxml
        if let node = map["glossary_items"], let value = node.bool(&d) {
            if kind != .cnxml { d.error(node.location, "'glossary_items' applies to cnxml sources only") }
            glossaryItems = value
        }
        guard let id, let kind, let subject, let language else { return nil }
        return PipelineSpec.Source(id: id, kind: kind, format: kind == .survey ? (format ?? .long) : nil, subject: subject, language: language, license: license, files: files,
                      survey: survey, glossaryItems: glossaryItems, layout: layout, line: node.location.line, collected: collected,
                      origin: origin, system: system)
    }
}

extension Stage {
    /// Reads every source, at most `jobs` at a time; items come out in source order, then id order.
    static func ingest(_ spec: PipelineSpec) -> Stage {
        let inputs: [StageInput] = [.settings(.sources), .seed]
            + Set(spec.sources.flatMap(\.paths)).sorted().map(StageInput.raw)
            + Set(spec.sources.flatMap(\.schemaFiles)).sorted { $0.rawValue < $1.rawValue }.map(StageInput.schema)
        return Stage(.ingest, inputs: inputs, outputs: [.items, .dropped, .passages, .surveyWeighting]) { context in
            let sources = try context.setting(.sources, \.sources)
            context.progress.step("reading sources", total: sources.count, unit: "sources")
            // Each source's items (and set-aside items) also in id order, sorted by the task that
            // read it, while the other core still reads: sorted after every source was read, the
            // largest source's sort left a core idle. The ids' keys, for finding repeats, too.
            typealias Read = (source: IngestedSource, items: [Item], dropped: [DroppedItem], ids: TextOrder.Keyed)
            var results = [Read?](repeating: nil, count: sources.count)
            try await withThrowingTaskGroup(of: (Int, Read).self) { group in
                var next = 0
                func add() {
                    let index = next
                    let source = sources[index]
                    group.addTask {
                        let read = try IngestedSource.read(source, context: context)
                        let ids = TextOrder.Keyed(sorting: read.items.map(\.id))
                        return (index, (read, read.items.ordered(by: ids.order), read.dropped.sorted(byKey: \.id), ids))
                    }
                    next += 1
                }
                while next < min(context.jobs, sources.count) { add() }
                while let (index, result) = try await group.next() {
                    results[index] = result
                    context.progress.advance()
                    if next < sources.count { add() }
                }
            }
            var items: [Item] = [], dropped: [DroppedItem] = [], passages: [Passage] = [], notes: [String] = []
            var weighting: [SurveyWeighting] = []
            let read = results.map { $0!.source }
            let inOrder = results.map { (items: $0!.items, dropped: $0!.dropped) }
            let ids = results.map { $0!.ids }
            results = []
            // A table of every id finds the first repeat in reading order, to name it; most runs
            // have none, which the ids' keys show without the table (a million ids went into it
            // in a second of one core, and merging the sources' id lists took half of one).
            if !(TextOrder.haveNoRepeat(ids) ?? Self.idsAreDistinct(inOrder.map(\.items))) {
                var seen: [String: String] = [:]
                for (source, result) in zip(sources, read) {
                    for item in result.items {
                        if let other = seen[item.id] {
                            let whence = other == source.id ? "source \(other) gives element '\(item.source.element)' twice" : "sources \(other) and \(source.id)"
                            throw InputError(file: item.source.document, field: item.source.element,
                                             "item id \(item.id) is produced twice (\(whence)); element ids must be unique")
                        }
                        seen[item.id] = source.id
                    }
                }
            }
            // Item bank ids by the files that use them: an id in two files is reported.
            var bankFiles: [String: [String]] = [:]
            for (index, (source, result)) in zip(sources, read).enumerated() {
                items += inOrder[index].items
                if source.kind == .itemBank {
                    for id in Set(result.items.map(\.source.element)) { bankFiles[id, default: []].append(source.files["path"]!) }
                }
                dropped += inOrder[index].dropped
                passages += result.passages
                weighting += result.weighting.sorted { $0.item < $1.item }
                notes += result.notes
            }
            // Translations, once every item they may translate is read.
            if sources.contains(where: { $0.kind == .translation }) {
                let byID = Dictionary(items.lazy.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                let setAside = Dictionary(dropped.lazy.map { ($0.id, $0.item) }, uniquingKeysWith: { first, _ in first })
                var diagnostics = Diagnostics()
                for (source, result) in zip(sources, read) where source.kind == .translation {
                    for problem in result.translationProblems { diagnostics.append(problem) }
                    guard let made = try diagnostics.collect({
                        try IngestedSource.translations(result.translatedRows, of: source, items: byID, setAside: setAside,
                                                        revision: try context.rawHash(source.files["path"]!))
                    }) else { continue }
                    items += made.items.sorted(byKey: \.id)
                    dropped += made.dropped.sorted(byKey: \.id)
                    notes.append("\(source.id): \(made.items.count) translations" + (made.dropped.isEmpty ? "" : ", \(made.dropped.count) of items set aside"))
                }
                try diagnostics.check()
            }
            for (id, files) in bankFiles.sorted(by: { $0.key < $1.key }) where files.count > 1 {
                notes.append("item bank id '\(id)' is in \(files.joined(separator: " and ")); each file's item is kept")
            }
            context.progress.step("writing", total: items.count + dropped.count)
            try context.write(items, .items)
            context.progress.advance(by: items.count)
            try context.write(dropped, .dropped)
            context.progress.advance(by: dropped.count)
            try context.write(passages, .passages)
            try context.write(weighting, .surveyWeighting)
            return StageSummary(stage: .ingest, itemsIn: items.count + dropped.count, itemsOut: items.count,
                                dropped: StageSummary.droppedCounts(dropped), notes: notes)
        }
    }
}

extension Stage {
    /// Whether no two items share an id, given lists each in the order of `String`'s `<`: a
    /// repeat is next to its twin in its list, or meets it when the lists are merged, two at a
    /// time until one is left.
    static func idsAreDistinct(_ lists: [[Item]]) -> Bool {
        var lists = lists.map { $0.map(\.id) }
        for ids in lists where zip(ids, ids.dropFirst()).contains(where: { $0 == $1 }) { return false }
        while lists.count > 1 {
            var merged: [[String]] = []
            for pair in stride(from: 0, to: lists.count, by: 2) {
                guard pair + 1 < lists.count else { merged.append(lists[pair]); continue }
                guard let both = merge(lists[pair], lists[pair + 1]) else { return false }
                merged.append(both)
            }
            lists = merged
        }
        return true
    }

    /// Two lists of distinct texts in order as one, or nil when a text is in both.
    private static func merge(_ a: [String], _ b: [String]) -> [String]? {
        var merged: [String] = []
        merged.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count, j < b.count {
            if a[i] < b[j] {
                merged.append(a[i]); i += 1
            } else if b[j] < a[i] {
                merged.append(b[j]); j += 1
            } else {
                return nil
            }
        }
        merged += a[i...]
        merged += b[j...]
        return merged
    }
}

/// What one source gave.
struct IngestedSource: Sendable {
    var items: [Item] = []
    var dropped: [DroppedItem] = []
    var passages: [Passage] = []
    var weighting: [SurveyWeighting] = []
    var notes: [String] = []
    /// A translation source's rows, made into items once every other source is read.
    var translatedRows: [ItemBankReader.TranslatedRow] = []
    /// Its rows that could not be read, reported with what the others name.
    var translationProblems: [InputError] = []

    static func read(_ source: PipelineSpec.Source, context: StageContext) throws -> IngestedSource {
        var result = IngestedSource()
        func textbookContext(_ path: String, license: String?) throws -> TextbookContext {
            TextbookContext(sourceID: source.id, document: path, subject: source.subject, language: source.language,
                            license: license, revision: try context.rawHash(path), position: nil, seed: try context.seed())
        }
        switch source.kind {
        case .survey:
            let data = try SurveyInput.read(source, context: context)
            let output = try SocialValueBuilder.build(SurveySource(
                sourceID: source.id, data: data.data, margins: data.margins, language: source.language,
                subject: source.subject, license: source.license, revision: try context.rawHash(data.answerFile), settings: source.survey))
            result.items = output.items
            result.dropped = output.dropped
            result.weighting = output.weighting
            result.notes.append("\(source.id): \(output.items.count) social-value items from \(data.data.questionnaire.questions.count) questions")
            result.notes += data.data.notes.map { "\(source.id): \($0)" }
            let notHeld = output.items.filter { $0.survey?.weighting.contains("not held") == true }.map(\.source.element)
            if !notHeld.isEmpty {
                result.notes.append("\(source.id): the trimming cap could not hold for \(notHeld.count) questions (\(notHeld.prefix(5).joined(separator: ", "))\(notHeld.count > 5 ? ", ..." : "")); their weighting says so")
            }
        case .cnxml:
            let path = source.files["path"]!
            let collection = try source.files["collection"].map { try CNXMLCollection.read(fileAt: try context.raw($0), displayName: $0) }
            let license = source.license ?? collection?.licenseURL ?? collection?.license
            let moduleContext = try textbookContext(path, license: license)
            let module = try CNXMLReader().read(fileAt: try context.raw(path), context: moduleContext)
            let generated = source.glossaryItems ? CNXMLReader.glossaryItems(module.glossary, context: moduleContext) : []
            result.items = module.output.items + generated
            result.dropped = module.output.dropped
            result.passages = module.output.passages
            // The module's place in its collection's reading order, known once the module is read.
            if let collection, let id = module.moduleID, let index = collection.moduleOrder.firstIndex(of: id) {
                for i in result.items.indices { result.items[i].source.position = index + 1 }
                for i in result.dropped.indices { result.dropped[i].item.source.position = index + 1 }
            } else if let collectionPath = source.files["collection"] {
                // Said, not guessed: the items keep no position.
                result.notes.append("\(source.id): module \(module.moduleID ?? "without a content-id") is not in the reading order of \(collectionPath); items carry no position")
            }
            result.notes.append("\(source.id): \(module.output.items.count) exercises as items, \(module.glossary.count) glossary terms, \(generated.count) generated glossary items")
        case .xhtml:
            let path = source.files["path"]!
            let output = try XHTMLReader().read(fileAt: try context.raw(path), context: try textbookContext(path, license: source.license))
            result.items = output.items
            result.dropped = output.dropped
            result.passages = output.passages
            result.notes.append("\(source.id): \(output.passages.count) passages, \(output.items.count + output.dropped.count) quiz questions")
        case .authored:
            let path = source.files["path"]!
            // A project may tighten the schema; its copy in schemas/ then rules.
            let reader = try context.schemaText(.authoredItems).map {
                AuthoredItemsReader(schemaText: $0, schemaName: SchemaFile.authoredItems.path)
            } ?? AuthoredItemsReader()
            let output = try reader.read(fileAt: try context.raw(path), context: try textbookContext(path, license: source.license))
            result.items = output.items
            result.passages = output.passages
            result.notes.append("\(source.id): \(output.items.count) authored items")
        case .itemBank:
            let path = source.files["path"]!
            let output = try ItemBankReader(layout: source.layout!).read(fileAt: try context.raw(path),
                                                                         context: try textbookContext(path, license: source.license))
            result.items = output.items
            result.passages = output.passages
            result.notes.append("\(source.id): \(output.items.count) items from the item bank")
            result.notes += output.notes.map { "\(source.id): \($0)" }
        case .translation:
            let path = source.files["path"]!
            (result.translatedRows, result.translationProblems) = try ItemBankReader(layout: source.layout!).translatedRows(fileAt: try context.raw(path),
                                                                                                                          file: path)
        }
        return result
    }

    /// Makes a translation source's rows into items, each beside the item it translates:
    /// same task, subject, answer and survey result, its own text, language and origin. A row
    /// naming no item of the other sources, an item of its own language or an item translated
    /// into that language already is an error with its line; a row whose item was set aside is
    /// set aside too.
    static func translations(_ rows: [ItemBankReader.TranslatedRow], of source: PipelineSpec.Source, items: [String: Item],
                             setAside: [String: Item], revision: String) throws -> (items: [Item], dropped: [DroppedItem]) {
        var diagnostics = Diagnostics()
        var result: [Item] = [], dropped: [DroppedItem] = []
        var firstRow: [String: SourceLocation] = [:]
        let path = source.files["path"]!
        for row in rows {
            let language = row.language ?? source.language
            guard let original = items[row.itemID] ?? setAside[row.itemID] else {
                diagnostics.error(row.location, "no item has id '\(row.itemID)'; a translation names the id of the item it translates (ck-... or sv-..., as in build/<pipeline>/ingest/items.jsonl)")
                continue
            }
            if language == original.language {
                diagnostics.error(row.location, "the translation is in \(language), the language of the item it translates")
                continue
            }
            var origin = source.origin
            if let text = row.origin {
                origin = ItemTranslation.Origin(rawValue: text)
                if origin == nil {
                    var place = row.location
                    place.field = source.layout?.origin
                    diagnostics.error(place, "unknown origin '\(text)' (one of: \(ItemTranslation.Origin.allCases.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
            }
            guard let origin else {
                // The row as a whole: no field holds an origin.
                var place = row.location
                if place.line != nil { place.field = nil }
                diagnostics.error(place, "no origin: give the source an origin (machine, human or post_edited) or map an origin column")
                continue
            }
            let element = "\(original.id)@\(language)"
            if let first = firstRow[element] {
                diagnostics.error(row.location, "'\(row.itemID)' is translated into \(language) again (first at \(first))")
                continue
            }
            firstRow[element] = row.location
            let item = Item(id: Item.stableID(task: original.task, sourceID: source.id, document: path, element: element, question: row.question,
                                              elementIsKey: true),
                            task: original.task, subject: original.subject, language: language, question: row.question, choices: row.choices,
                            answer: row.answer ?? original.answer, choicesOrdered: original.choicesOrdered, topic: original.topic,
                            grade: original.grade,
                            source: ItemSource(kind: "translation", sourceID: source.id, document: path, element: row.itemID,
                                               license: source.license ?? original.source.license, revision: revision,
                                               author: row.author, fields: row.kept),
                            survey: original.survey,
                            translation: ItemTranslation(group: original.id, sourceLanguage: original.language, origin: origin,
                                                         system: row.system ?? source.system))
            if items[row.itemID] == nil {
                dropped.append(DroppedItem(id: item.id, stage: "ingest", reason: ParallelGroups.sourceSetAside,
                                           detail: "the item it translates (\(original.id)) was set aside", item: item))
            } else {
                result.append(item)
            }
        }
        try diagnostics.check()
        return (result, dropped)
    }
}

/// A survey source's answers and margins, whatever its format.
public struct SurveyInput: Sendable {
    public var data: SurveyData
    public var margins: PopulationMargins?
    /// The file the answers come from (its hash is the items' revision).
    public var answerFile: String

    /// Reads every file of the source even when another has problems, so that all are reported.
    static func read(_ source: PipelineSpec.Source, context: StageContext) throws -> SurveyInput {
        var diagnostics = Diagnostics()
        let margins = try diagnostics.collect { () throws -> PopulationMargins? in
            guard let path = source.files["margins"] else { return nil }
            if let mappingPath = source.files["margins_mapping"] {
                let mapping = try CensusMapping.load(try context.raw(mappingPath), displayName: mappingPath,
                                                     schema: try context.schemaCheck(.censusMapping))
                return try mapping.read(try context.raw(path), displayName: path).margins
            }
            return try PopulationMargins.load(try context.raw(path), displayName: path, schema: try context.schemaCheck(.margins))
        } ?? nil
        let format = source.format ?? .long
        var answerFile = source.files["tallies"] ?? source.files["microdata"] ?? source.files["shares"] ?? source.files["questionnaire"] ?? ""
        var data: SurveyData?
        switch format {
        case .long, .microdata, .shares:
            let questionnairePath = source.files["questionnaire"]!
            if let questionnaire = try diagnostics.collect({
                try Questionnaire.load(try context.raw(questionnairePath), displayName: questionnairePath,
                                       schema: try context.schemaCheck(.questionnaire))
            }) {
                data = try diagnostics.collect {
                    switch format {
                    case .long:
                        try Tallies.load(try context.raw(answerFile), displayName: answerFile, questionnaire: questionnaire,
                                         schema: try context.schemaCheck(.tallies))
                    case .microdata:
                        try MicrodataReader.read(try context.raw(answerFile), displayName: answerFile, questionnaire: questionnaire,
                                                 weightColumn: source.survey.weightColumn, schema: try context.schemaCheck(.microdata))
                    default:
                        try PublishedShares.load(try context.raw(answerFile), displayName: answerFile, questionnaire: questionnaire)
                    }
                }
            }
        case .opinionqa:
            let info = source.files["questionnaire"]!
            let oneway = try source.files.keys.filter { $0.hasPrefix("oneway.") }.sorted().map { role in
                (dimension: String(role.dropFirst("oneway.".count)), url: try context.raw(source.files[role]!), name: source.files[role]!)
            }
            answerFile = info
            data = try diagnostics.collect {
                try OpinionQAReader.read(info: try context.raw(info), infoName: info, dimensionFiles: oneway, country: nil,
                                        maxTotalMismatch: source.survey.maxTotalMismatch)
            }
        case .kobbq:
            data = try diagnostics.collect {
                try KoBBQReader.read(try context.raw(answerFile), displayName: answerFile, panelSize: source.survey.panelSize,
                                     multiSelect: source.survey.multiSelect)
            }
        }
        if let data, let margins, source.survey.weighting {
            for error in data.levelsWithoutMargin(in: margins) { diagnostics.append(error) }
        }
        try diagnostics.check()
        return SurveyInput(data: data!, margins: margins, answerFile: answerFile)
    }
}

extension ItemBankLayout {
    static let mappingKeys = ["id", "question", "choices", "answer", "answer_format", "subject", "language", "passage", "topic", "grade",
                              "region", "country", "author", "cultural_sensitivity", "header", "keep", "origin", "system"]

    /// A translations file as `build-dataset` reads one unless the mapping says otherwise: `id`
    /// (the item translated), `question` and `choices` (a list); `origin`, `system` and `author`
    /// are read where the mapping names their columns.
    static let translations = ItemBankLayout(id: "id", question: "question", choices: .list("choices"), answer: "")

    /// An item_bank source's layout: its `preset`, with `mapping` naming fields (or overriding
    /// the preset's), and `format` when the file's extension does not say.
    static func parse(_ map: YAMLMapping, at location: SourceLocation, default start: ItemBankLayout? = nil,
                      _ d: inout Diagnostics) -> ItemBankLayout? {
        var layout = start
        if let node = map["preset"], let name = node.string(&d) {
            if let preset = Preset(rawValue: name) {
                layout = ItemBankLayout(preset: preset)
            } else {
                d.error(node.location, "unknown item bank preset '\(name)' (one of: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
        }
        let mapping = map["mapping"]?.mapping(&d)
        mapping?.rejectUnknownKeys(allowed: mappingKeys, &d)
        func field(_ key: String) -> String? { mapping?[key]?.string(&d) }
        if layout == nil {
            guard let mapping else {
                d.error(location, "an item_bank source needs a preset (one of: \(Preset.allCases.map(\.rawValue).joined(separator: ", "))) or a mapping")
                return nil
            }
            let question = mapping.required("question", &d)?.string(&d)
            let answer = mapping.required("answer", &d)?.string(&d)
            guard mapping.required("choices", &d) != nil, let question, let answer else { return nil }
            layout = ItemBankLayout(question: question, choices: .list(""), answer: answer)
        }
        guard var layout else { return nil }
        if let node = map["format"], let text = node.string(&d) {
            if let format = FileFormat(rawValue: text) { layout.format = format } else {
                d.error(node.location, "unknown item bank format '\(text)' (one of: \(FileFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        guard let mapping else { return layout }
        if let node = mapping["choices"] {
            // A name is a field holding the list; a list names one column per choice.
            var scalar = Diagnostics()
            if let field = node.string(&scalar) {
                layout.choices = .list(field)
            } else if let columns = node.strings(&d) {
                layout.choices = .columns(columns)
            }
        }
        if let node = mapping["answer_format"], let text = node.string(&d) {
            if let format = AnswerFormat(rawValue: text) { layout.answerFormat = format } else {
                d.error(node.location, "unknown answer_format '\(text)' (one of: \(AnswerFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if let value = mapping["header"]?.bool(&d) { layout.header = value }
        if let keep = mapping["keep"]?.mapping(&d) {
            layout.keep = keep.keys.compactMap { name in keep[name]?.string(&d).map { ItemBankLayout.Kept(name: name, field: $0) } }
        }
        if let value = field("question") { layout.question = value }
        if let value = field("answer") { layout.answer = value }
        let optionalFields: [(String, WritableKeyPath<ItemBankLayout, String?>)] = [
            ("id", \.id), ("subject", \.subject), ("language", \.language), ("passage", \.passage), ("topic", \.topic),
            ("grade", \.grade), ("region", \.region), ("country", \.country), ("author", \.author),
            ("cultural_sensitivity", \.culturalSensitivity), ("origin", \.origin), ("system", \.system),
        ]
        for (key, path) in optionalFields {
            if let value = field(key) { layout[keyPath: path] = value }
        }
        return layout
    }
}
