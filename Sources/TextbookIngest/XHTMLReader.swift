public import Foundation
import DatasetCore
public import XMLReader

/// Reads an XHTML chapter (as in an EPUB): headings and paragraphs become passages in the
/// document's language (`xml:lang` or `lang` on `<html>`, else the source's), and a multiple-
/// choice quiz marked up with `epub:type="assessment"` becomes items.
///
/// Quiz markup: inside the assessment, each element with `epub:type="question"` holds the
/// question text and an `<ol>` of choices; the correct `<li>` carries `data-correct="true"` or the
/// class `correct`. A question with no marked choice is kept as an item that needs a key.
public struct XHTMLReader: Sendable {
    public var reader: XMLStreamReader

    public init(reader: XMLStreamReader = XMLStreamReader()) {
        self.reader = reader
    }

    public func read(fileAt url: URL, context: TextbookContext) throws -> TextbookOutput {
        var output = TextbookOutput()
        var builder = XMLSubtreeBuilder()
        var headings: [(level: Int, text: String)] = []
        var language = context.language
        var paragraphIndex = 0
        do {
            try reader.read(fileAt: url, displayName: context.document) { event in
                if builder.isBuilding {
                    guard let element = builder.feed(event) else { return }
                    if let level = Self.headingLevel(element.name) {
                        headings.removeAll { $0.level >= level }
                        headings.append((level, element.text.collapsingWhitespace))
                        if output.title == nil, level == 1 { output.title = element.text.collapsingWhitespace }
                    } else if Self.isAssessment(element) {
                        quiz(element, context: context, language: language, into: &output)
                    } else if element.name == "p" {
                        paragraphIndex += 1
                        let text = element.text.collapsingWhitespace
                        if !text.isEmpty {
                            output.passages.append(Passage(sourceID: context.sourceID, document: context.document,
                                                           element: element["id"] ?? "p[\(paragraphIndex)]",
                                                           headings: headings.map(\.text), language: language, text: text))
                        }
                    }
                    return
                }
                guard case .start(let start) = event else { return }
                if start.name == "html" {
                    language = start.attributes["xml:lang"] ?? start.attributes["lang"] ?? context.language
                } else if Self.headingLevel(start.name) != nil || start.name == "p"
                            || (start.attributes["epub:type"] ?? "").split(separator: " ").contains("assessment") {
                    builder.begin(start)
                }
            }
        } catch {
            throw InputError.xml(error)
        }
        return output
    }

    static func headingLevel(_ name: String) -> Int? {
        guard name.count == 2, name.first == "h", let level = Int(name.dropFirst()), (1...6).contains(level) else { return nil }
        return level
    }

    static func isAssessment(_ element: XMLElementNode) -> Bool {
        types(element).contains("assessment")
    }

    static func types(_ element: XMLElementNode) -> [Substring] {
        (element["epub:type"] ?? "").split(separator: " ")
    }

    private func quiz(_ assessment: XMLElementNode, context: TextbookContext, language: String, into output: inout TextbookOutput) {
        var questions: [XMLElementNode] = []
        func collect(_ element: XMLElementNode) {
            for child in element.elements() {
                if Self.types(child).contains("question") { questions.append(child) } else { collect(child) }
            }
        }
        collect(assessment)
        for (index, question) in questions.enumerated() {
            let element = question["id"] ?? "question[\(index + 1)]"
            let elementIsKey = question["id"] != nil
            guard let list = question.descendants(named: "ol").first else {
                let item = context.item(kind: "xhtml", element: element, elementIsKey: elementIsKey, question: question.text.collapsingWhitespace, choices: [],
                                        answer: nil, language: language)
                output.dropped.append(DroppedItem(id: item.id, stage: "ingest", reason: "not_multiple_choice",
                                                  detail: "question at line \(question.line) has no <ol> of choices", item: item))
                continue
            }
            let choices = list.elements(named: "li")
            let stem = question.elements().filter { $0.name != "ol" }.map { $0.text.collapsingWhitespace }
                .filter { !$0.isEmpty }.joined(separator: " ")
            let correct = choices.indices.filter { index in
                let choice = choices[index]
                return choice["data-correct"] == "true" || (choice["class"] ?? "").split(separator: " ").contains("correct")
            }
            var item = context.item(kind: "xhtml", element: element, elementIsKey: elementIsKey, question: stem,
                                    choices: choices.map { $0.text.collapsingWhitespace },
                                    answer: correct.count == 1 ? Item.letter(correct[0]) : nil, language: language)
            if correct.isEmpty { item.flags = ["needs_key"] }
            if correct.count > 1 {
                output.dropped.append(DroppedItem(id: item.id, stage: "ingest", reason: "answer_key",
                                                  detail: "question at line \(question.line) marks \(correct.count) choices as correct", item: item))
                continue
            }
            output.items.append(item)
        }
    }
}
