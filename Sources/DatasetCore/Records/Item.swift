/// The version of the item record format; bumped when a field changes meaning or type.
public let itemSchemaVersion = "1.3.0"

/// What kind of benchmark item a record is; each task is one release config.
public enum ItemTask: String, Codable, Sendable, CaseIterable, Comparable {
    /// An opinion question whose ground truth is a surveyed answer distribution.
    case socialValue = "social_value"
    /// A question with one correct answer, from textbooks, exams or authored items.
    case commonKnowledge = "common_knowledge"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Global-MMLU's label: culturally sensitive, agnostic, or not annotated.
public enum CulturalSensitivity: String, Codable, Sendable {
    case sensitive = "CS"
    case agnostic = "CA"
    case notAnnotated = "-"

    /// The kinds of required knowledge that make an item culturally sensitive.
    public static let sensitiveKnowledge = ["cultural", "regional", "dialect"]

    /// CS when any kind of `sensitiveKnowledge` is required, CA otherwise.
    public init(requiredKnowledge: some Sequence<String>) {
        self = requiredKnowledge.contains(where: Self.sensitiveKnowledge.contains) ? .sensitive : .agnostic
    }
}

/// A field of the source record kept with the item under a name the pipeline file gives.
public struct SourceField: Codable, Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Where an item came from, precisely enough to find it again.
public struct ItemSource: Codable, Sendable, Hashable {
    /// The reader that produced it: `survey`, `cnxml`, `authored`, `glossary`, ...
    public var kind: String
    /// The pipeline source id it was declared under.
    public var sourceID: String
    /// The document: a file path relative to the project, or a module id.
    public var document: String
    /// The element or question id inside the document.
    public var element: String
    public var license: String?
    /// A revision of the document: the SHA-256 of the raw file it was read from.
    public var revision: String
    /// Position in a collection's reading order, where one exists.
    public var position: Int?
    /// Who wrote the item, for authored items; a reviewer never decides on their own items.
    public var author: String?
    /// The passage the item was written from.
    public var passage: String?
    /// Fields of the source record an item bank's mapping keeps, in the mapping's order.
    public var fields: [SourceField]

    public init(kind: String, sourceID: String, document: String, element: String, license: String?, revision: String,
                position: Int? = nil, author: String? = nil, passage: String? = nil, fields: [SourceField] = []) {
        self.kind = kind
        self.sourceID = sourceID
        self.document = document
        self.element = element
        self.license = license
        self.revision = revision
        self.position = position
        self.author = author
        self.passage = passage
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case kind, sourceID = "source_id", document, element, license, revision, position, author, passage, fields
    }

    /// Records written before item schema 1.2.0 have no `fields`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try container.decode(String.self, forKey: .kind), sourceID: try container.decode(String.self, forKey: .sourceID),
                  document: try container.decode(String.self, forKey: .document), element: try container.decode(String.self, forKey: .element),
                  license: try container.decodeIfPresent(String.self, forKey: .license), revision: try container.decode(String.self, forKey: .revision),
                  position: try container.decodeIfPresent(Int.self, forKey: .position), author: try container.decodeIfPresent(String.self, forKey: .author),
                  passage: try container.decodeIfPresent(String.self, forKey: .passage),
                  fields: try container.decodeIfPresent([SourceField].self, forKey: .fields) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(sourceID, forKey: .sourceID)
        try container.encode(document, forKey: .document)
        try container.encode(element, forKey: .element)
        try container.encode(license, forKey: .license)
        try container.encode(revision, forKey: .revision)
        try container.encode(position, forKey: .position)
        try container.encode(author, forKey: .author)
        try container.encode(passage, forKey: .passage)
        try container.encode(fields, forKey: .fields)
    }
}

/// What review did to an item, carried into the release.
public struct ReviewSummary: Codable, Sendable, Hashable {
    /// `unreviewed`, `in_review`, `approved` or `rejected`.
    public var status: String
    /// The rounds that settled the item, in order.
    public var rounds: [String]
    /// The item's version in the review store: above 1 when it was revised or its source changed.
    public var version: Int
    /// Every reviewer's vote behind those results (and in the round it waits in).
    public var votes: [ReviewVote]

    public init(status: String, rounds: [String], version: Int = 1, votes: [ReviewVote] = []) {
        self.status = status
        self.rounds = rounds
        self.version = version
        self.votes = votes
    }

    public static let unreviewed = ReviewSummary(status: "unreviewed", rounds: [])
}

/// One reviewer's vote on an item, kept in the release so that users can re-aggregate labels.
public struct ReviewVote: Codable, Sendable, Hashable {
    public var round: String
    public var reviewer: String
    /// `approve`, `reject` or `revise`.
    public var decision: String
    /// A lead's decision on a disagreement.
    public var adjudication: Bool
    public var labels: [ReviewLabel]

    public init(round: String, reviewer: String, decision: String, adjudication: Bool, labels: [ReviewLabel]) {
        self.round = round
        self.reviewer = reviewer
        self.decision = decision
        self.adjudication = adjudication
        self.labels = labels
    }
}

/// One label value a reviewer gave (a label with several values gives several).
public struct ReviewLabel: Codable, Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What makes an item a translation of another: the item it translates (its parallel group) and
/// how the text was made.
public struct ItemTranslation: Codable, Sendable, Hashable {
    /// How a translation was made.
    public enum Origin: String, Codable, Sendable, CaseIterable {
        case machine
        case human
        /// Machine output a person corrected.
        case postEdited = "post_edited"
    }

    /// The id of the item translated: every translation of one item shares it, the source included.
    public var group: String
    public var sourceLanguage: String
    public var origin: Origin
    /// The machine translation system, for `machine` and `post_edited` text.
    public var system: String?
    /// Where the item's labels come from: `source` (carried from the item translated) or `own`
    /// (a review round labelled this language); nil before the release stage.
    public var labelsFrom: String?

    public init(group: String, sourceLanguage: String, origin: Origin, system: String? = nil, labelsFrom: String? = nil) {
        self.group = group
        self.sourceLanguage = sourceLanguage
        self.origin = origin
        self.system = system
        self.labelsFrom = labelsFrom
    }

    enum CodingKeys: String, CodingKey {
        case group, origin, system
        case sourceLanguage = "source_language"
        case labelsFrom = "labels_from"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group, forKey: .group)
        try container.encode(labelsFrom, forKey: .labelsFrom)
        try container.encode(origin, forKey: .origin)
        try container.encode(sourceLanguage, forKey: .sourceLanguage)
        try container.encode(system, forKey: .system)
    }
}

/// Survey ground truth of a social-value item.
public struct SurveyResult: Codable, Sendable, Hashable {
    /// Weighted shares over `choices`, in scale order, summing to 1 (don't-know/refused excluded).
    public var distribution: [Double]
    /// Weighted shares over the full answer list, don't-know/refused included.
    public var distributionWithNonresponse: [Double]
    /// The non-substantive options (don't know, refused) behind `distributionWithNonresponse`.
    public var nonresponseOptions: [String]
    /// Shares over the 3-level collapse of the scale, where the questionnaire declares one.
    public var distribution3: [Double]?
    public var scale3: [String]?
    /// For each choice, the index of its level in `scale3`, so that a harness can score the
    /// collapsed scale (A-SVA) without the questionnaire.
    public var levels3: [Int]?
    /// Respondents with a substantive answer.
    public var n: Int
    /// Kish effective sample size of the weights.
    public var nEffective: Double
    /// Half-width of the 95% interval of the modal share, in proportion units.
    public var marginOfError: Double
    /// The modal answer's lead over the runner-up is within the margin of error.
    public var contested: Bool
    /// How the distribution was weighted: `raking(region,age,gender)`, `unweighted`, ...
    public var weighting: String

    public init(distribution: [Double], distributionWithNonresponse: [Double], nonresponseOptions: [String],
                distribution3: [Double]?, scale3: [String]?, levels3: [Int]? = nil, n: Int, nEffective: Double,
                marginOfError: Double, contested: Bool, weighting: String) {
        self.distribution = distribution
        self.distributionWithNonresponse = distributionWithNonresponse
        self.nonresponseOptions = nonresponseOptions
        self.distribution3 = distribution3
        self.scale3 = scale3
        self.levels3 = levels3
        self.n = n
        self.nEffective = nEffective
        self.marginOfError = marginOfError
        self.contested = contested
        self.weighting = weighting
    }

    enum CodingKeys: String, CodingKey {
        case distribution
        case distributionWithNonresponse = "distribution_with_nonresponse"
        case nonresponseOptions = "nonresponse_options"
        case distribution3 = "distribution_3"
        case scale3 = "scale_3"
        case levels3 = "choice_levels_3"
        case n
        case nEffective = "n_effective"
        case marginOfError = "margin_of_error"
        case contested, weighting
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(distribution, forKey: .distribution)
        try container.encode(distributionWithNonresponse, forKey: .distributionWithNonresponse)
        try container.encode(nonresponseOptions, forKey: .nonresponseOptions)
        try container.encode(distribution3, forKey: .distribution3)
        try container.encode(scale3, forKey: .scale3)
        try container.encode(levels3, forKey: .levels3)
        try container.encode(n, forKey: .n)
        try container.encode(nEffective, forKey: .nEffective)
        try container.encode(marginOfError, forKey: .marginOfError)
        try container.encode(contested, forKey: .contested)
        try container.encode(weighting, forKey: .weighting)
    }
}

/// One benchmark item, as it flows through every stage and into a release.
///
/// The fields live in one shared, copy-on-write box: an item is copied each time it is
/// sorted, grouped or put in another array. Copying twenty strings and arrays took a retain
/// each (retains and releases were a fifth of a 100,000-item run); copying the box takes one.
public struct Item: Codable, Sendable, Hashable {
    struct Fields: Hashable {
        var id: String
        var task: ItemTask
        var subject: String
        var language: String
        var question: String
        var choices: [String]
        var answer: String?
        var choicesOrdered: Bool
        var culturalSensitivity: CulturalSensitivity
        var requiredKnowledge: [String]
        var timeSensitive: Bool?
        var region: String?
        var country: String?
        var topic: String?
        var grade: String?
        var source: ItemSource
        var flags: [String]
        var review: ReviewSummary
        var survey: SurveyResult?
        var translation: ItemTranslation?
        var schemaVersion: String
    }

    /// Shared by copies of an item until one of them changes; never changed while shared.
    /// The box also marks where its fields were last written as a line (`WrittenLineMark`).
    final class Storage: WrittenLineMark, @unchecked Sendable {
        // Reached only through `Item`, whose own accesses the compiler checks: the check at
        // run time on every field read was a cost of its own.
        @exclusivity(unchecked) var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    // The only stored property: an item is its box's reference (`writeJSON(at:to:)` reads it so).
    private var storage: Storage

    /// The fields, for writing: the box is copied first when another item shares it.
    private var fields: Fields {
        get { storage.fields }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) } else { storage.forget() }
            yield &storage.fields
        }
    }

    /// Sets a field only when the value differs: an item given what it already holds keeps
    /// sharing its box, and the line it was written as (`WrittenLine`), instead of being copied
    /// and encoded again (review gives every item its summary, mostly the one it had).
    @inline(__always)
    private mutating func update<Value: Equatable>(_ field: WritableKeyPath<Fields, Value>, _ value: Value) {
        if storage.fields[keyPath: field] != value { fields[keyPath: field] = value }
    }

    /// Where the item was last written as a line, unchanged since.
    public var writtenLine: WrittenLine? { storage.line }

    /// Marks where the item was just written; every copy sharing its box shares the mark.
    public func rememberWritten(_ line: WrittenLine) { storage.remember(line) }

    /// The fields read in place, for writing an item out: reading each through its getter
    /// retained the box as well as the field, and yielding them from `_read` copied them all.
    /// The pointer is mutable for `Fields.writeJSON`, which does not write through it.
    func readingFields<Result>(_ body: (UnsafeMutablePointer<Fields>) -> Result) -> Result {
        withUnsafeMutablePointer(to: &storage.fields) { body($0) }
    }

    public var id: String {
        get { storage.fields.id }
        set { update(\.id, newValue) }
    }
    public var task: ItemTask {
        get { storage.fields.task }
        set { update(\.task, newValue) }
    }
    public var subject: String {
        get { storage.fields.subject }
        set { update(\.subject, newValue) }
    }
    public var language: String {
        get { storage.fields.language }
        set { update(\.language, newValue) }
    }
    public var question: String {
        get { storage.fields.question }
        set { update(\.question, newValue) }
    }
    public var choices: [String] {
        get { storage.fields.choices }
        set { update(\.choices, newValue) }
    }
    /// The correct choice's letter; for a social-value item, the modal answer's letter.
    public var answer: String? {
        get { storage.fields.answer }
        set { update(\.answer, newValue) }
    }
    /// Ordered scales (Likert) are never permuted; unordered choices may be.
    public var choicesOrdered: Bool {
        get { storage.fields.choicesOrdered }
        set { update(\.choicesOrdered, newValue) }
    }
    public var culturalSensitivity: CulturalSensitivity {
        get { storage.fields.culturalSensitivity }
        set { update(\.culturalSensitivity, newValue) }
    }
    public var requiredKnowledge: [String] {
        get { storage.fields.requiredKnowledge }
        set { update(\.requiredKnowledge, newValue) }
    }
    public var timeSensitive: Bool? {
        get { storage.fields.timeSensitive }
        set { update(\.timeSensitive, newValue) }
    }
    public var region: String? {
        get { storage.fields.region }
        set { update(\.region, newValue) }
    }
    public var country: String? {
        get { storage.fields.country }
        set { update(\.country, newValue) }
    }
    public var topic: String? {
        get { storage.fields.topic }
        set { update(\.topic, newValue) }
    }
    /// School grade or level the item is written for, where known.
    public var grade: String? {
        get { storage.fields.grade }
        set { update(\.grade, newValue) }
    }
    public var source: ItemSource {
        get { storage.fields.source }
        set { update(\.source, newValue) }
    }
    /// Marks such as `needs_key` (no answer key in the source) or `generated`.
    public var flags: [String] {
        get { storage.fields.flags }
        set { update(\.flags, newValue) }
    }
    public var review: ReviewSummary {
        get { storage.fields.review }
        set { update(\.review, newValue) }
    }
    public var survey: SurveyResult? {
        get { storage.fields.survey }
        set { update(\.survey, newValue) }
    }
    /// Set on a translation of another item; nil on an item in its own language.
    public var translation: ItemTranslation? {
        get { storage.fields.translation }
        set { update(\.translation, newValue) }
    }
    /// The parallel group: the id of the item a translation translates, else the item's own.
    public var group: String { storage.fields.translation?.group ?? storage.fields.id }
    public var schemaVersion: String {
        get { storage.fields.schemaVersion }
        set { update(\.schemaVersion, newValue) }
    }

    public init(id: String, task: ItemTask, subject: String, language: String, question: String,
                choices: [String], answer: String?, choicesOrdered: Bool,
                culturalSensitivity: CulturalSensitivity = .notAnnotated, requiredKnowledge: [String] = [],
                timeSensitive: Bool? = nil, region: String? = nil, country: String? = nil, topic: String? = nil,
                grade: String? = nil, source: ItemSource, flags: [String] = [], review: ReviewSummary = .unreviewed,
                survey: SurveyResult? = nil, translation: ItemTranslation? = nil) {
        storage = Storage(Fields(id: id, task: task, subject: subject, language: language, question: question, choices: choices,
                                 answer: answer, choicesOrdered: choicesOrdered, culturalSensitivity: culturalSensitivity,
                                 requiredKnowledge: requiredKnowledge, timeSensitive: timeSensitive, region: region, country: country,
                                 topic: topic, grade: grade, source: source, flags: flags, review: review, survey: survey,
                                 translation: translation, schemaVersion: itemSchemaVersion))
    }

    enum CodingKeys: String, CodingKey {
        case id, task, subject, language, question, choices, answer
        case choicesOrdered = "choices_ordered"
        case culturalSensitivity = "cultural_sensitivity"
        case requiredKnowledge = "required_knowledge"
        case timeSensitive = "time_sensitive"
        case region, country, topic, grade, source, flags, review, survey, translation
        case schemaVersion = "schema_version"
    }

    public static func == (a: Item, b: Item) -> Bool {
        a.storage === b.storage || a.storage.fields == b.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        storage.fields.hash(into: &hasher)
    }

    /// Fields are read in the order they are declared, as the decoder Swift writes would.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try container.decode(String.self, forKey: .id), task: try container.decode(ItemTask.self, forKey: .task),
                  subject: try container.decode(String.self, forKey: .subject), language: try container.decode(String.self, forKey: .language),
                  question: try container.decode(String.self, forKey: .question), choices: try container.decode([String].self, forKey: .choices),
                  answer: try container.decodeIfPresent(String.self, forKey: .answer),
                  choicesOrdered: try container.decode(Bool.self, forKey: .choicesOrdered),
                  culturalSensitivity: try container.decode(CulturalSensitivity.self, forKey: .culturalSensitivity),
                  requiredKnowledge: try container.decode([String].self, forKey: .requiredKnowledge),
                  timeSensitive: try container.decodeIfPresent(Bool.self, forKey: .timeSensitive),
                  region: try container.decodeIfPresent(String.self, forKey: .region),
                  country: try container.decodeIfPresent(String.self, forKey: .country),
                  topic: try container.decodeIfPresent(String.self, forKey: .topic),
                  grade: try container.decodeIfPresent(String.self, forKey: .grade),
                  source: try container.decode(ItemSource.self, forKey: .source), flags: try container.decode([String].self, forKey: .flags),
                  review: try container.decode(ReviewSummary.self, forKey: .review),
                  survey: try container.decodeIfPresent(SurveyResult.self, forKey: .survey),
                  translation: try container.decodeIfPresent(ItemTranslation.self, forKey: .translation))
        schemaVersion = try container.decode(String.self, forKey: .schemaVersion)
    }

    /// Every field shared by all items is always written (null when unknown), so that each
    /// release file has one set of columns (`translation` too: a language's config may hold
    /// items in their own language beside translations); `survey` is written for social-value
    /// items only, since each task is a config of its own.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(task, forKey: .task)
        try container.encode(subject, forKey: .subject)
        try container.encode(language, forKey: .language)
        try container.encode(question, forKey: .question)
        try container.encode(choices, forKey: .choices)
        try container.encode(answer, forKey: .answer)
        try container.encode(choicesOrdered, forKey: .choicesOrdered)
        try container.encode(culturalSensitivity, forKey: .culturalSensitivity)
        try container.encode(requiredKnowledge, forKey: .requiredKnowledge)
        try container.encode(timeSensitive, forKey: .timeSensitive)
        try container.encode(region, forKey: .region)
        try container.encode(country, forKey: .country)
        try container.encode(topic, forKey: .topic)
        try container.encode(grade, forKey: .grade)
        try container.encode(source, forKey: .source)
        try container.encode(flags, forKey: .flags)
        try container.encode(review, forKey: .review)
        try container.encodeIfPresent(survey, forKey: .survey)
        try container.encode(translation, forKey: .translation)
        try container.encode(schemaVersion, forKey: .schemaVersion)
    }

    /// The letters that name choices: A to Z, then AA, AB, ... AZ, BA, ... as spreadsheet
    /// columns go (a survey may offer more than 26 options; the release's harness code counts
    /// the same way).
    public static func letter(_ index: Int) -> String {
        // One letter, the common case, as a small string: no array is made for it.
        if (0..<26).contains(index) { return String(decoding: CollectionOfOne(UInt8(65 + index)), as: UTF8.self) }
        var scalars: [Unicode.Scalar] = []
        var rest = index + 1
        while rest > 0 {
            rest -= 1
            scalars.append(Unicode.Scalar(UInt8(65 + rest % 26)))
            rest /= 26
        }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }

    /// The most choices an item may have: those that three letters can name (A to ZZZ).
    public static let maxChoices = 18_278

    /// The index a choice letter names (the inverse of `letter`), nil for anything else.
    public static func index(ofLetter letter: String) -> Int? {
        guard (1...3).contains(letter.unicodeScalars.count) else { return nil }
        var value = 0
        for scalar in letter.unicodeScalars {
            guard (65...90).contains(scalar.value) else { return nil }
            value = value * 26 + Int(scalar.value) - 64
        }
        return value - 1
    }

    /// The correct (or modal) choice's text.
    public var answerText: String? {
        answer.flatMap(Self.index(ofLetter:)).flatMap { $0 < choices.count ? choices[$0] : nil }
    }

    /// Hash of what a reviewer decides on: the question, the set of choices and the correct
    /// one's text. Choice order is left out, so balancing answer positions never makes a
    /// review decision stale.
    public var contentHash: String {
        Hashing.sha256Hex(parts: [question, answerText ?? answer ?? ""] + choices.sorted())
    }

    /// A stable id from the source identity. Where the source names the item (an element id, a
    /// question id, an item bank's id column), the id is made from that name alone, so rewording
    /// the question keeps the id and makes a new version of the item; where it does not (a
    /// position or a line number stands in), the normalized question text takes part, so that
    /// moving an item does not give it another's id.
    public static func stableID(task: ItemTask, sourceID: String, document: String, element: String, question: String,
                                elementIsKey: Bool) -> String {
        let prefix = task == .socialValue ? "sv" : "ck"
        var parts = [task.rawValue, sourceID, document, element]
        if !elementIsKey { parts.append(question.comparisonKey) }
        return prefix + "-" + Hashing.sha256Hex(parts: parts, hexDigits: 16)
    }
}

/// An item that a stage set aside, with the reason; kept so that nothing is dropped silently.
public struct DroppedItem: Codable, Sendable, Hashable {
    public var id: String
    public var stage: String
    /// A short machine-readable reason, e.g. `choice_count` or `duplicate`.
    public var reason: String
    public var detail: String
    public var item: Item

    public init(id: String, stage: String, reason: String, detail: String, item: Item) {
        self.id = id
        self.stage = stage
        self.reason = reason
        self.detail = detail
        self.item = item
    }
}

extension Array {
    /// The elements in the order `sorted(by:)` gives when comparing `key` of each: the keys are
    /// taken once and positions are sorted, not the elements. Sorting half a million items
    /// moved and retained whole items at every step (split assignment and answer balancing,
    /// mostly sorting, were a third of a release at a million candidates).
    @inlinable
    public func sorted<Key: Comparable>(byKey key: (Element) -> Key) -> [Element] {
        sorted(byKeys: map(key))
    }

    /// The elements in the order of `keys`, one for each element, made beforehand (on every core, say).
    @inlinable
    public func sorted<Key: Comparable>(byKeys keys: [Key]) -> [Element] {
        precondition(keys.count == count, "one key for each element")
        return indices.sorted { keys[$0] < keys[$1] }.map { self[$0] }
    }

    /// `sorted(byKeys:)` in place: each element moved once to where it goes rather than copied
    /// into a new array, as a copy retains every reference an element holds (a set-aside item
    /// holds its item and its texts) and the old array's release lets them go again. Inlinable,
    /// to be specialized: unspecialized, it took more time than the copies it saves.
    @inlinable
    public mutating func sort<Key: Comparable>(byKeys keys: [Key]) {
        precondition(keys.count == count, "one key for each element")
        // The element at position i comes from order[i]; each cycle of the permutation is
        // followed once, its first element held while the others move up.
        let order = indices.sorted { keys[$0] < keys[$1] }
        var placed = [Bool](repeating: false, count: count)
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for start in order.indices where !placed[start] {
                placed[start] = true
                guard order[start] != start else { continue }
                let held = (base + start).move()
                var target = start
                while order[target] != start {
                    let source = order[target]
                    (base + target).moveInitialize(from: base + source, count: 1)
                    placed[source] = true
                    target = source
                }
                (base + target).initialize(to: held)
            }
        }
    }

    /// `sorted(byKey:)` for text keys (ids, above all): in the same order, made from the keys'
    /// bytes where that order is theirs (`TextOrder.stringOrder`).
    public func sorted(byKey key: (Element) -> String) -> [Element] {
        ordered(by: TextOrder.stringOrder(map(key)))
    }

    /// The elements at the positions of `order`, in turn; the array as it is when `order` is
    /// its own positions, rather than each element copied into a new one.
    public func ordered(by order: [Int]) -> [Element] {
        order.elementsEqual(indices) ? self : order.map { self[$0] }
    }
}
