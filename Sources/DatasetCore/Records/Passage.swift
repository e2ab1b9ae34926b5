/// A passage of source text (a paragraph and the headings above it), kept so that reviewers see
/// what an item was written from and authored items can point to it.
public struct Passage: Codable, Sendable, Hashable {
    public var id: String
    public var sourceID: String
    public var document: String
    public var element: String
    /// Section titles from the outermost to the innermost.
    public var headings: [String]
    public var language: String
    public var text: String

    public init(sourceID: String, document: String, element: String, headings: [String], language: String, text: String) {
        // Element ids are unique within a document, so the id need not hash the (long) text.
        self.id = "p-" + Hashing.sha256Hex(parts: [sourceID, document, element], hexDigits: 16)
        self.sourceID = sourceID
        self.document = document
        self.element = element
        self.headings = headings
        self.language = language
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case id, sourceID = "source_id", document, element, headings, language, text
    }
}
