public import DatasetCore
import XMLReader

/// What a textbook reader needs to know about the source it reads for.
public struct TextbookContext: Sendable {
    public var sourceID: String
    /// The file's path as the user wrote it, for errors and provenance.
    public var document: String
    public var subject: String
    public var language: String
    public var license: String?
    /// SHA-256 of the file, the items' source revision.
    public var revision: String
    /// Position of the module in its collection's reading order.
    public var position: Int?
    /// The pipeline seed, for generated items.
    public var seed: UInt64

    public init(sourceID: String, document: String, subject: String, language: String, license: String?,
                revision: String, position: Int? = nil, seed: UInt64 = 0) {
        self.sourceID = sourceID
        self.document = document
        self.subject = subject
        self.language = language
        self.license = license
        self.revision = revision
        self.position = position
        self.seed = seed
    }

    func source(kind: String, element: String) -> ItemSource {
        ItemSource(kind: kind, sourceID: sourceID, document: document, element: element,
                   license: license, revision: revision, position: position)
    }

    /// An item of this source; `elementIsKey` says the element is the source's own name for the
    /// item (an id attribute), not a position standing in for one.
    func item(kind: String, element: String, elementIsKey: Bool, question: String, choices: [String], answer: String?,
              flags: [String] = [], subject: String? = nil, language: String? = nil) -> Item {
        Item(id: Item.stableID(task: .commonKnowledge, sourceID: sourceID, document: document, element: element, question: question,
                               elementIsKey: elementIsKey),
             task: .commonKnowledge, subject: subject ?? self.subject, language: language ?? self.language,
             question: question, choices: choices, answer: answer, choicesOrdered: false,
             source: source(kind: kind, element: element), flags: flags)
    }
}

/// One thing a streaming reader yields.
public enum TextbookRecord: Sendable {
    case item(Item)
    case dropped(DroppedItem)
    case passage(Passage)
}

/// Items read from one textbook file, and the exercises that could not become items, with why.
public struct TextbookOutput: Sendable {
    public var items: [Item] = []
    public var dropped: [DroppedItem] = []
    /// Paragraphs with their headings, for reviewers and for authored items to point to.
    public var passages: [Passage] = []
    public var title: String?
    /// What the reader noticed that is not an error (an id an item bank repeats, say).
    public var notes: [String] = []

    public init() {}
}

extension InputError {
    /// An XML reader's error (or errors) as input errors with file, line and column.
    static func xml(_ error: any Error) -> any Error {
        if let error = error as? XMLReadError {
            return InputError(file: error.file, line: error.line, column: error.column, error.message)
        }
        if let errors = error as? XMLReadErrors {
            return InputErrors(errors.errors.map { InputError(file: $0.file, line: $0.line, column: $0.column, $0.message) })
        }
        return error
    }
}
