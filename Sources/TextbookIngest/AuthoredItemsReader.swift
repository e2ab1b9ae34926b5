public import Foundation
import DatasetCore
public import XMLReader

/// Reads the authored-item XML format (`schemas/authored-items.xsd`): passages, and items with
/// a question, choices, a lettered answer, subject, topic, grade, language, author and the
/// passage they were written from (passages are output as well, with the id as their element).
/// A reference to a passage that does not exist is an error.
public struct AuthoredItemsReader: Sendable {
    public var reader: XMLStreamReader
    /// The XSD text the file is validated against.
    public var schemaText: String
    public var schemaName: String

    public init(reader: XMLStreamReader = XMLStreamReader(), schemaText: String = authoredItemsDefaultSchema,
                schemaName: String = "authored-items.xsd") {
        self.reader = reader
        self.schemaText = schemaText
        self.schemaName = schemaName
    }

    public func read(fileAt url: URL, context: TextbookContext) throws -> TextbookOutput {
        // The built-in schema's rules are checked on the events (see `AuthoredItemsCheck`); a
        // file that fails to read, or that the check cannot pass, is read again with libxml2's
        // XSD check, and what that read finds is what is reported.
        if schemaText == authoredItemsDefaultSchema, let output = readCheckedOnEvents(fileAt: url, context: context) {
            return output
        }
        let schema: XMLSchema
        do {
            schema = try XMLSchema(text: schemaText, name: schemaName)
        } catch let error as XMLReadError {
            throw InputError(file: error.file, error.message)
        }
        var unused: AuthoredItemsCheck?
        return try read(fileAt: url, context: context, schema: schema, check: &unused)
    }

    /// The file read without libxml2's XSD check, if it reads without error and
    /// `AuthoredItemsCheck` passes it (a document type declaration, whose attribute defaults the
    /// XSD check would see, is left to libxml2).
    func readCheckedOnEvents(fileAt url: URL, context: TextbookContext) -> TextbookOutput? {
        // The read stops at the event after the first one the check cannot pass.
        guard !XMLStreamReader.mayDeclareDocumentType(fileAt: url) else { return nil }
        var check: AuthoredItemsCheck? = AuthoredItemsCheck()
        guard let output = try? read(fileAt: url, context: context, schema: nil, check: &check), check?.passes == true else {
            return nil
        }
        return output
    }

    /// Reads the file, validated against `schema` if one is given, with `check` told of every
    /// element if one is given.
    func read(fileAt url: URL, context: TextbookContext, schema: XMLSchema?,
              check: inout AuthoredItemsCheck?) throws -> TextbookOutput {
        var output = TextbookOutput()
        var builder = XMLSubtreeBuilder()
        var passages: Set<String> = []
        var pendingReferences: [(passage: String, line: Int)] = []
        var documentLanguage: String?
        var diagnostics = Diagnostics()
        var seenIDs: [String: Int] = [:]
        do {
            let summary = try reader.read(fileAt: url, displayName: context.document, schema: schema) { event in
                if check?.passes == false { throw CancellationError() }
                if builder.isBuilding {
                    guard let element = builder.feed(event) else { return }
                    if element.name == "passage" {
                        check?.passage(element)
                        guard let id = element["id"] else { return }
                        passages.insert(id)
                        // Kept as a passage of its own, so that review shows what an item was written from.
                        output.passages.append(Passage(sourceID: context.sourceID, document: context.document, element: id, headings: [],
                                                       language: documentLanguage ?? context.language, text: element.text.collapsingWhitespaceKeepingLines))
                    } else if element.name == "item" {
                        check?.item(element)
                        item(element, documentLanguage: documentLanguage, context: context, seenIDs: &seenIDs,
                             references: &pendingReferences, diagnostics: &diagnostics, into: &output)
                    }
                    return
                }
                if case .text(let text) = event { check?.textOutsideElements(text) }
                guard case .start(let start) = event else { return }
                check?.start(start)
                switch start.name {
                case "items":
                    documentLanguage = start.attributes["xml:lang"]
                case "passage", "item":
                    builder.begin(start)
                default:
                    diagnostics.error(SourceLocation(file: context.document, line: start.line, field: start.name),
                                      "unexpected element <\(start.name)>; expected <passage> or <item>")
                }
            }
            check?.finish(cdataSections: summary.cdataSections)
        } catch {
            throw InputError.xml(error)
        }
        for reference in pendingReferences where !passages.contains(reference.passage) {
            diagnostics.error(SourceLocation(file: context.document, line: reference.line, field: "passage"),
                              "passage '\(reference.passage)' is not defined in this file")
        }
        try diagnostics.check()
        return output
    }

    private func item(_ element: XMLElementNode, documentLanguage: String?, context: TextbookContext,
                      seenIDs: inout [String: Int], references: inout [(passage: String, line: Int)],
                      diagnostics: inout Diagnostics, into output: inout TextbookOutput) {
        let location = SourceLocation(file: context.document, line: element.line)
        guard let id = element["id"], !id.isEmpty else {
            diagnostics.error(location.with(field: "id"), "item has no id attribute")
            return
        }
        // One lookup for each id: a repeat puts the first line back.
        if let earlier = seenIDs.updateValue(element.line, forKey: id) {
            seenIDs[id] = earlier
            diagnostics.error(location.with(field: "id"), "item id '\(id)' already used on line \(earlier)")
            return
        }
        // Line breaks the author wrote are kept; the layout's indentation is not.
        guard let question = element.firstElement(named: "question")?.text.collapsingWhitespaceKeepingLines, !question.isEmpty else {
            diagnostics.error(location.with(field: "question"), "item \(id) has no <question>")
            return
        }
        let choices = element.elements(named: "choice").map { $0.text.collapsingWhitespaceKeepingLines }
        let answer = element.firstElement(named: "answer")?.text.collapsingWhitespace
        if let passage = element["passage"] { references.append((passage, element.line)) }
        var item = context.item(kind: "authored", element: id, elementIsKey: true, question: question, choices: choices,
                                answer: answer?.uppercased(), subject: element["subject"],
                                language: element["language"] ?? documentLanguage)
        item.grade = element["grade"]
        item.topic = element["topic"]
        item.source.author = element["author"]
        item.source.passage = element["passage"]
        if answer == nil { item.flags.append("needs_key") }
        output.items.append(item)
    }
}
