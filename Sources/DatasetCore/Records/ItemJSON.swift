public import SchemaValidation

// Items' own JSON writers and readers, key for key what their `Codable` conformances give
// (`JSONRecordTests` compares the two on real and generated items).

extension Item: JSONLinesRecord, LineRemembering, WrittenLineCarrying {
    public var carriedLine: WrittenLine? { writtenLine }


    public func writeJSON(to writer: inout JSONWriter) {
        if writer.appendWritten(writtenLine) { return }
        readingFields { $0.pointee.writeJSON(to: &writer) }
    }

    /// `writeJSON` of the item at `item`, in an array that holds it meanwhile: its box is read
    /// without being retained. Calling `writeJSON` on each item of an array retained and released
    /// its box around the call (the writer's growing could free anything, as far as the compiler
    /// can tell), a twelfth of the retains of a run at a million candidates.
    static func writeJSON(at item: UnsafePointer<Item>, to writer: inout JSONWriter) {
        unretainedStorage(at: item)._withUnsafeGuaranteedRef { storage in
            if writer.appendWritten(storage.line) { return }
            withUnsafeMutablePointer(to: &storage.fields) { $0.pointee.writeJSON(to: &writer) }
        }
    }

    public static func carriedLine(at item: UnsafePointer<Item>) -> WrittenLine? {
        unretainedStorage(at: item)._withUnsafeGuaranteedRef { $0.line }
    }

    public static func rememberWritten(_ line: WrittenLine, at item: UnsafePointer<Item>) {
        unretainedStorage(at: item)._withUnsafeGuaranteedRef { $0.remember(line) }
    }

    /// The box of the item at `item`, not retained.
    private static func unretainedStorage(at item: UnsafePointer<Item>) -> Unmanaged<Storage> {
        precondition(MemoryLayout<Item>.size == MemoryLayout<Unmanaged<Storage>>.size)
        return UnsafeRawPointer(item).load(as: Unmanaged<Storage>.self)
    }

    public init(json: JSONValue) throws {
        self.init(id: try json.field("id").stringValue(), task: try json.field("task").enumValue(ItemTask.self),
                  subject: try json.field("subject").stringValue(), language: try json.field("language").stringValue(),
                  question: try json.field("question").stringValue(), choices: try json.field("choices").stringsValue(),
                  answer: try json.optionalField("answer")?.stringValue(),
                  choicesOrdered: try json.field("choices_ordered").boolValue(),
                  culturalSensitivity: try json.field("cultural_sensitivity").enumValue(CulturalSensitivity.self),
                  requiredKnowledge: try json.field("required_knowledge").stringsValue(),
                  timeSensitive: try json.optionalField("time_sensitive")?.boolValue(),
                  region: try json.optionalField("region")?.stringValue(), country: try json.optionalField("country")?.stringValue(),
                  topic: try json.optionalField("topic")?.stringValue(), grade: try json.optionalField("grade")?.stringValue(),
                  source: try ItemSource(json: json.field("source")), flags: try json.field("flags").stringsValue(),
                  review: try ReviewSummary(json: json.field("review")),
                  survey: try json.optionalField("survey").map(SurveyResult.init(json:)),
                  translation: try json.optionalField("translation").map(ItemTranslation.init(json:)))
        schemaVersion = try json.field("schema_version").stringValue()
    }
}

extension JSONWriter {
    /// A list of `{"name": ..., "value": ...}` objects (labels, kept source fields).
    mutating func namesAndValues(_ pairs: [(name: String, value: String)]) {
        beginArray()
        for pair in pairs {
            beginObject()
            key("name"); string(pair.name)
            key("value"); string(pair.value)
            endObject()
        }
        endArray()
    }
}

extension ItemSource {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("author"); writer.string(author)
        writer.key("document"); writer.string(document)
        writer.key("element"); writer.string(element)
        writer.key("fields"); writer.namesAndValues(fields.map { ($0.name, $0.value) })
        writer.key("kind"); writer.string(kind)
        writer.key("license"); writer.string(license)
        writer.key("passage"); writer.string(passage)
        writer.key("position"); if let position { writer.int(position) } else { writer.null() }
        writer.key("revision"); writer.string(revision)
        writer.key("source_id"); writer.string(sourceID)
        writer.endObject()
    }

    init(json: JSONValue) throws {
        self.init(kind: try json.field("kind").stringValue(), sourceID: try json.field("source_id").stringValue(),
                  document: try json.field("document").stringValue(), element: try json.field("element").stringValue(),
                  license: try json.optionalField("license")?.stringValue(), revision: try json.field("revision").stringValue(),
                  position: try json.optionalField("position")?.intValue(), author: try json.optionalField("author")?.stringValue(),
                  passage: try json.optionalField("passage")?.stringValue(),
                  fields: try json.optionalField("fields")?.arrayValue().map {
                      SourceField(name: try $0.field("name").stringValue(), value: try $0.field("value").stringValue())
                  } ?? [])
    }
}

extension ReviewSummary {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("rounds"); writer.strings(rounds)
        writer.key("status"); writer.string(status)
        writer.key("version"); writer.int(version)
        writer.key("votes")
        writer.beginArray()
        for vote in votes {
            writer.beginObject()
            writer.key("adjudication"); writer.bool(vote.adjudication)
            writer.key("decision"); writer.string(vote.decision)
            writer.key("labels"); writer.namesAndValues(vote.labels.map { ($0.name, $0.value) })
            writer.key("reviewer"); writer.string(vote.reviewer)
            writer.key("round"); writer.string(vote.round)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    init(json: JSONValue) throws {
        let votes = try json.field("votes").arrayValue().map { vote in
            ReviewVote(round: try vote.field("round").stringValue(), reviewer: try vote.field("reviewer").stringValue(),
                       decision: try vote.field("decision").stringValue(), adjudication: try vote.field("adjudication").boolValue(),
                       labels: try vote.field("labels").arrayValue().map { label in
                           ReviewLabel(name: try label.field("name").stringValue(), value: try label.field("value").stringValue())
                       })
        }
        self.init(status: try json.field("status").stringValue(), rounds: try json.field("rounds").stringsValue(),
                  version: try json.field("version").intValue(), votes: votes)
    }
}

extension SurveyResult {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("choice_levels_3"); if let levels3 { writer.ints(levels3) } else { writer.null() }
        writer.key("contested"); writer.bool(contested)
        writer.key("distribution"); writer.doubles(distribution)
        writer.key("distribution_3"); if let distribution3 { writer.doubles(distribution3) } else { writer.null() }
        writer.key("distribution_with_nonresponse"); writer.doubles(distributionWithNonresponse)
        writer.key("margin_of_error"); writer.double(marginOfError)
        writer.key("n"); writer.int(n)
        writer.key("n_effective"); writer.double(nEffective)
        writer.key("nonresponse_options"); writer.strings(nonresponseOptions)
        writer.key("scale_3"); if let scale3 { writer.strings(scale3) } else { writer.null() }
        writer.key("weighting"); writer.string(weighting)
        writer.endObject()
    }

    init(json: JSONValue) throws {
        func doubles(_ value: JSONValue) throws -> [Double] { try value.arrayValue().map { try $0.doubleValue() } }
        self.init(distribution: try doubles(json.field("distribution")),
                  distributionWithNonresponse: try doubles(json.field("distribution_with_nonresponse")),
                  nonresponseOptions: try json.field("nonresponse_options").stringsValue(),
                  distribution3: try json.optionalField("distribution_3").map(doubles), scale3: try json.optionalField("scale_3")?.stringsValue(),
                  levels3: try json.optionalField("choice_levels_3")?.arrayValue().map { try $0.intValue() },
                  n: try json.field("n").intValue(), nEffective: try json.field("n_effective").doubleValue(),
                  marginOfError: try json.field("margin_of_error").doubleValue(), contested: try json.field("contested").boolValue(),
                  weighting: try json.field("weighting").stringValue())
    }
}

extension DroppedItem: JSONLinesRecord, WrittenLineCarrying {
    public var carriedLine: WrittenLine? { item.writtenLine }

    public static func carriedLine(at record: UnsafePointer<DroppedItem>) -> WrittenLine? {
        Item.carriedLine(at: (UnsafeRawPointer(record) + MemoryLayout<DroppedItem>.offset(of: \.item)!).assumingMemoryBound(to: Item.self))
    }


    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("detail"); writer.string(detail)
        writer.key("id"); writer.string(id)
        writer.key("item"); item.writeJSON(to: &writer)
        writer.key("reason"); writer.string(reason)
        writer.key("stage"); writer.string(stage)
        writer.endObject()
    }

    public init(json: JSONValue) throws {
        self.init(id: try json.field("id").stringValue(), stage: try json.field("stage").stringValue(),
                  reason: try json.field("reason").stringValue(), detail: try json.field("detail").stringValue(),
                  item: try Item(json: json.field("item")))
    }
}

// Readers straight from a line's bytes (`JSONReader`), for the records read in bulk. Each
// expects exactly the keys its writer writes; what a reader refuses is read through
// `init(json:)` or Foundation, as before.

/// A record that can also be read straight from its JSON bytes.
public protocol JSONReadableRecord: JSONLinesRecord {
    init(reader: inout JSONReader) throws
}

extension JSONReader {
    /// A string, or nil for `null`.
    mutating func optionalString() throws -> String? { null() ? nil : try string() }
}

/// A required field that was absent.
private func required<T>(_ value: T?) throws -> T {
    guard let value else { throw JSONReader.Mismatch() }
    return value
}

extension Item: JSONReadableRecord {
    private static let keys: [StaticString] = [
        "answer", "choices", "choices_ordered", "country", "cultural_sensitivity", "flags", "grade", "id", "language", "question",
        "region", "required_knowledge", "review", "schema_version", "source", "subject", "survey", "task", "time_sensitive", "topic",
        "translation",
    ]

    public init(reader: inout JSONReader) throws {
        var answer: String?, choices: [String]?, choicesOrdered: Bool?, country: String?
        var culturalSensitivity: CulturalSensitivity?, flags: [String]?, grade: String?, id: String?, language: String?
        var question: String?, region: String?, requiredKnowledge: [String]?, review: ReviewSummary?, schemaVersion: String?
        var source: ItemSource?, subject: String?, survey: SurveyResult?, task: ItemTask?, timeSensitive: Bool?, topic: String?
        var translation: ItemTranslation?
        try reader.object(Self.keys) { reader, key in
            switch key {
            case 0: answer = try reader.optionalString()
            case 1: choices = try reader.strings()
            case 2: choicesOrdered = try reader.bool()
            case 3: country = try reader.optionalString()
            case 4: culturalSensitivity = CulturalSensitivity(rawValue: try reader.string())
            case 5: flags = try reader.strings()
            case 6: grade = try reader.optionalString()
            case 7: id = try reader.string()
            case 8: language = try reader.string()
            case 9: question = try reader.string()
            case 10: region = try reader.optionalString()
            case 11: requiredKnowledge = try reader.strings()
            case 12: review = try ReviewSummary(reader: &reader)
            case 13: schemaVersion = try reader.string()
            case 14: source = try ItemSource(reader: &reader)
            case 15: subject = try reader.string()
            case 16: survey = reader.null() ? nil : try SurveyResult(reader: &reader)
            case 17: task = ItemTask(rawValue: try reader.string())
            case 18: timeSensitive = reader.null() ? nil : try reader.bool()
            case 19: topic = try reader.optionalString()
            default: translation = reader.null() ? nil : try ItemTranslation(reader: &reader)
            }
        }
        self.init(id: try required(id), task: try required(task), subject: try required(subject), language: try required(language),
                  question: try required(question), choices: try required(choices), answer: answer,
                  choicesOrdered: try required(choicesOrdered), culturalSensitivity: try required(culturalSensitivity),
                  requiredKnowledge: try required(requiredKnowledge), timeSensitive: timeSensitive, region: region, country: country,
                  topic: topic, grade: grade, source: try required(source), flags: try required(flags), review: try required(review),
                  survey: survey, translation: translation)
        self.schemaVersion = try required(schemaVersion)
    }
}

extension ItemSource {
    private static let keys: [StaticString] = ["author", "document", "element", "fields", "kind", "license", "passage", "position",
                                               "revision", "source_id"]

    init(reader: inout JSONReader) throws {
        var author: String?, document: String?, element: String?, fields: [SourceField] = [], kind: String?, license: String?
        var passage: String?, position: Int?, revision: String?, sourceID: String?
        try reader.object(Self.keys) { reader, key in
            switch key {
            case 0: author = try reader.optionalString()
            case 1: document = try reader.string()
            case 2: element = try reader.string()
            case 3:
                guard !reader.null() else { break }
                try reader.array { reader in
                    var name: String?, value: String?
                    try reader.object(["name", "value"]) { reader, key in
                        if key == 0 { name = try reader.string() } else { value = try reader.string() }
                    }
                    fields.append(SourceField(name: try required(name), value: try required(value)))
                }
            case 4: kind = try reader.string()
            case 5: license = try reader.optionalString()
            case 6: passage = try reader.optionalString()
            case 7: position = reader.null() ? nil : try reader.int()
            case 8: revision = try reader.string()
            default: sourceID = try reader.string()
            }
        }
        self.init(kind: try required(kind), sourceID: try required(sourceID), document: try required(document),
                  element: try required(element), license: license, revision: try required(revision), position: position,
                  author: author, passage: passage, fields: fields)
    }
}

extension ReviewSummary {
    init(reader: inout JSONReader) throws {
        var rounds: [String]?, status: String?, version: Int?, votes: [ReviewVote]?
        try reader.object(["rounds", "status", "version", "votes"]) { reader, key in
            switch key {
            case 0: rounds = try reader.strings()
            case 1: status = try reader.string()
            case 2: version = try reader.int()
            default:
                var list: [ReviewVote] = []
                try reader.array { reader in list.append(try ReviewVote(reader: &reader)) }
                votes = list
            }
        }
        self.init(status: try required(status), rounds: try required(rounds), version: try required(version), votes: try required(votes))
    }
}

extension ReviewVote {
    init(reader: inout JSONReader) throws {
        var adjudication: Bool?, decision: String?, labels: [ReviewLabel]?, reviewer: String?, round: String?
        try reader.object(["adjudication", "decision", "labels", "reviewer", "round"]) { reader, key in
            switch key {
            case 0: adjudication = try reader.bool()
            case 1: decision = try reader.string()
            case 2:
                var list: [ReviewLabel] = []
                try reader.array { reader in
                    var name: String?, value: String?
                    try reader.object(["name", "value"]) { reader, key in
                        if key == 0 { name = try reader.string() } else { value = try reader.string() }
                    }
                    list.append(ReviewLabel(name: try required(name), value: try required(value)))
                }
                labels = list
            case 3: reviewer = try reader.string()
            default: round = try reader.string()
            }
        }
        self.init(round: try required(round), reviewer: try required(reviewer), decision: try required(decision),
                  adjudication: try required(adjudication), labels: try required(labels))
    }
}

extension SurveyResult {
    private static let keys: [StaticString] = ["choice_levels_3", "contested", "distribution", "distribution_3",
                                               "distribution_with_nonresponse", "margin_of_error", "n", "n_effective",
                                               "nonresponse_options", "scale_3", "weighting"]

    init(reader: inout JSONReader) throws {
        var levels3: [Int]?, contested: Bool?, distribution: [Double]?, distribution3: [Double]?, withNonresponse: [Double]?
        var marginOfError: Double?, n: Int?, nEffective: Double?, nonresponseOptions: [String]?, scale3: [String]?, weighting: String?
        try reader.object(Self.keys) { reader, key in
            switch key {
            case 0: levels3 = reader.null() ? nil : try reader.ints()
            case 1: contested = try reader.bool()
            case 2: distribution = try reader.doubles()
            case 3: distribution3 = reader.null() ? nil : try reader.doubles()
            case 4: withNonresponse = try reader.doubles()
            case 5: marginOfError = try reader.double()
            case 6: n = try reader.int()
            case 7: nEffective = try reader.double()
            case 8: nonresponseOptions = try reader.strings()
            case 9: scale3 = reader.null() ? nil : try reader.strings()
            default: weighting = try reader.string()
            }
        }
        self.init(distribution: try required(distribution), distributionWithNonresponse: try required(withNonresponse),
                  nonresponseOptions: try required(nonresponseOptions), distribution3: distribution3, scale3: scale3, levels3: levels3,
                  n: try required(n), nEffective: try required(nEffective), marginOfError: try required(marginOfError),
                  contested: try required(contested), weighting: try required(weighting))
    }
}

extension DroppedItem: JSONReadableRecord {
    public init(reader: inout JSONReader) throws {
        var detail: String?, id: String?, item: Item?, reason: String?, stage: String?
        try reader.object(["detail", "id", "item", "reason", "stage"]) { reader, key in
            switch key {
            case 0: detail = try reader.string()
            case 1: id = try reader.string()
            case 2: item = try Item(reader: &reader)
            case 3: reason = try reader.string()
            default: stage = try reader.string()
            }
        }
        self.init(id: try required(id), stage: try required(stage), reason: try required(reason), detail: try required(detail),
                  item: try required(item))
    }
}

extension ItemTranslation {
    private static let keys: [StaticString] = ["group", "labels_from", "origin", "source_language", "system"]

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("group"); writer.string(group)
        writer.key("labels_from"); writer.string(labelsFrom)
        writer.key("origin"); writer.string(origin.rawValue)
        writer.key("source_language"); writer.string(sourceLanguage)
        writer.key("system"); writer.string(system)
        writer.endObject()
    }

    init(json: JSONValue) throws {
        self.init(group: try json.field("group").stringValue(), sourceLanguage: try json.field("source_language").stringValue(),
                  origin: try json.field("origin").enumValue(Origin.self), system: try json.optionalField("system")?.stringValue(),
                  labelsFrom: try json.optionalField("labels_from")?.stringValue())
    }

    init(reader: inout JSONReader) throws {
        var group: String?, labelsFrom: String?, origin: Origin?, sourceLanguage: String?, system: String?
        try reader.object(Self.keys) { reader, key in
            switch key {
            case 0: group = try reader.string()
            case 1: labelsFrom = try reader.optionalString()
            case 2: origin = Origin(rawValue: try reader.string())
            case 3: sourceLanguage = try reader.string()
            default: system = try reader.optionalString()
            }
        }
        self.init(group: try required(group), sourceLanguage: try required(sourceLanguage), origin: try required(origin),
                  system: system, labelsFrom: labelsFrom)
    }
}

extension Item.Fields {
    /// Mutating, though it writes nothing, for the reason `JSONLinesRecord.writeJSONInPlace` is:
    /// called through a pointer, the fields are read where they lie instead of copied.
    mutating func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("answer"); writer.string(answer)
        writer.key("choices"); writer.strings(choices)
        writer.key("choices_ordered"); writer.bool(choicesOrdered)
        writer.key("country"); writer.string(country)
        writer.key("cultural_sensitivity"); writer.string(culturalSensitivity.rawValue)
        writer.key("flags"); writer.strings(flags)
        writer.key("grade"); writer.string(grade)
        writer.key("id"); writer.string(id)
        writer.key("language"); writer.string(language)
        writer.key("question"); writer.string(question)
        writer.key("region"); writer.string(region)
        writer.key("required_knowledge"); writer.strings(requiredKnowledge)
        writer.key("review"); review.writeJSON(to: &writer)
        writer.key("schema_version"); writer.string(schemaVersion)
        writer.key("source"); source.writeJSON(to: &writer)
        writer.key("subject"); writer.string(subject)
        if let survey { writer.key("survey"); survey.writeJSON(to: &writer) }
        writer.key("task"); writer.string(task.rawValue)
        writer.key("time_sensitive"); if let timeSensitive { writer.bool(timeSensitive) } else { writer.null() }
        writer.key("topic"); writer.string(topic)
        writer.key("translation"); if let translation { translation.writeJSON(to: &writer) } else { writer.null() }
        writer.endObject()
    }
}
