public import SchemaValidation

// Items' own JSON writers and readers, key for key what their `Codable` conformances give
// (`JSONRecordTests` compares the two on real and generated items).

extension Item: JSONLinesRecord {
    public func writeJSON(to writer: inout JSONWriter) {
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
        writer.endObject()
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
                  survey: try json.optionalField("survey").map(SurveyResult.init(json:)))
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

extension DroppedItem: JSONLinesRecord {
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
