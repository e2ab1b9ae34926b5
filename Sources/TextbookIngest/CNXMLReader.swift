public import Foundation
public import DatasetCore
public import XMLReader

/// Reads an OpenStax CNXML module: exercises whose problem holds a lettered list become
/// multiple-choice items (keyed by a lettered solution, or flagged `needs_key` when the solution
/// is missing or commented out); glossary terms are kept for glossary-derived items.
public struct CNXMLReader: Sendable {
    public struct GlossaryEntry: Sendable, Hashable {
        public var id: String
        /// The id is the element's own, not a count standing in for a missing one.
        public var idIsKey: Bool
        public var term: String
        public var meaning: String
    }

    public struct Module: Sendable {
        public var output: TextbookOutput
        public var glossary: [GlossaryEntry]
        public var moduleID: String?
    }

    /// What a module is, beyond the records it yields.
    public struct ModuleInfo: Sendable {
        public var title: String?
        public var moduleID: String?
        public var glossary: [GlossaryEntry]
    }

    public var reader: XMLStreamReader

    public init(reader: XMLStreamReader = XMLStreamReader()) {
        self.reader = reader
    }

    /// Reads a module whole into memory.
    public func read(fileAt url: URL, context: TextbookContext) throws -> Module {
        var output = TextbookOutput()
        let info = try stream(fileAt: url, context: context) { record in
            switch record {
            case .item(let item): output.items.append(item)
            case .dropped(let dropped): output.dropped.append(dropped)
            case .passage(let passage): output.passages.append(passage)
            }
        }
        output.title = info.title
        return Module(output: output, glossary: info.glossary, moduleID: info.moduleID)
    }

    /// Reads a module, handing each item, set-aside exercise and passage to `emit` as soon as it
    /// is read, so memory stays bounded by one exercise, not the file.
    public func stream(fileAt url: URL, context: TextbookContext, _ emit: (TextbookRecord) throws -> Void) throws -> ModuleInfo {
        var title: String?
        var glossary: [GlossaryEntry] = []
        var moduleID: String?
        var builder = XMLSubtreeBuilder()
        var capturing: String?
        // Titles, ids and paragraphs need only their text: the reader gathers it, without events.
        var captureStart: XMLStartElement?
        var gathered = ""
        var path: [String] = []
        var inGlossary = false
        // "Use the following information to answer the next exercises: ..." applies to the
        // exercises after it in the same section.
        var sharedContext: [Int: String] = [:]
        // Titles of the sections the reader is inside, innermost last.
        var sections: [(depth: Int, title: String?)] = []

        // The headings above the current paragraph, rebuilt only when a title or section changes.
        var headings: [String] = []
        var headingsChanged = true

        func finishText(_ start: XMLStartElement, _ raw: String) throws {
            let text = raw.collapsingWhitespace
            switch start.name {
            case "title":
                headingsChanged = true
                if title == nil, path == ["document"] { title = text }
                if path.last == "section", let last = sections.indices.last, sections[last].depth == path.count {
                    sections[last].title = text
                }
            case "content-id":
                moduleID = text
            default:
                if text.containsBytes(of: "following information to answer the next") {
                    sharedContext[path.count] = text
                }
                if !text.isEmpty, !inGlossary {
                    if headingsChanged {
                        headings = [title].compactMap { $0 } + sections.compactMap(\.title)
                        headingsChanged = false
                    }
                    try emit(.passage(Passage(sourceID: context.sourceID, document: context.document,
                                              element: start.attributes["id"] ?? "para-line-\(start.line)",
                                              headings: headings, language: context.language, text: text)))
                }
            }
        }

        do {
            try reader.readGatheringText(fileAt: url, displayName: context.document) { event in
                if let start = captureStart {
                    // The gathered text, then the element's end.
                    if case .text(let text) = event { gathered = text } else {
                        captureStart = nil
                        path.removeLast()
                        try finishText(start, gathered)
                    }
                    return .events
                }
                if builder.isBuilding {
                    guard let element = builder.feed(event) else { return .events }
                    path.removeLast()
                    switch capturing {
                    case "exercise":
                        let lead = sharedContext.keys.filter { $0 <= path.count }.max().flatMap { sharedContext[$0] }
                        let section = sections.last { $0.title != nil }?.title
                        try emit(exercise(element, lead: lead, section: section, context: context))
                    case "definition":
                        if let term = element.firstElement(named: "term")?.text.collapsingWhitespace,
                           let meaning = element.firstElement(named: "meaning")?.text.collapsingWhitespace {
                            glossary.append(GlossaryEntry(id: element["id"] ?? "definition-\(glossary.count + 1)", idIsKey: element["id"] != nil,
                                                          term: term, meaning: meaning))
                        }
                    default:
                        break
                    }
                    capturing = nil
                    return .events
                }
                switch event {
                case .start(let start):
                    path.append(start.name)
                    switch start.name {
                    case "section":
                        sections.append((path.count, nil))
                        headingsChanged = true
                    case "glossary":
                        inGlossary = true
                    case "exercise", "definition":
                        capturing = start.name
                        builder.begin(start)
                    case "title", "content-id", "para":
                        captureStart = start
                        return .text
                    default:
                        break
                    }
                case .end(let name, _):
                    if !path.isEmpty {
                        if !sharedContext.isEmpty { sharedContext = sharedContext.filter { $0.key < path.count } }
                        if sections.last?.depth == path.count {
                            sections.removeLast()
                            headingsChanged = true
                        }
                        if name == "glossary" { inGlossary = false }
                        path.removeLast()
                    }
                default:
                    break
                }
                return .events
            }
        } catch {
            throw InputError.xml(error)
        }
        return ModuleInfo(title: title, moduleID: moduleID, glossary: glossary)
    }

    /// "Which term matches this definition?" items from a module's glossary: the other choices
    /// are other terms of the same document, drawn from the seed; marked `generated`.
    public static func glossaryItems(_ glossary: [GlossaryEntry], choices: Int = 4, context: TextbookContext) -> [Item] {
        guard glossary.count >= choices else { return [] }
        return glossary.map { entry in
            var generator = SplitMix64(seed: context.seed, label: "glossary\u{1F}\(context.document)\u{1F}\(entry.id)")
            var others = glossary.filter { $0.term.comparisonKey != entry.term.comparisonKey }.map(\.term)
            others.shuffle(using: &generator)
            var options = Array(others.prefix(choices - 1))
            let position = Int(generator.next() % UInt64(choices))
            options.insert(entry.term, at: position)
            let question = context.language.hasPrefix("ko")
                ? "다음 정의에 해당하는 용어는? “\(entry.meaning)”"
                : "Which term matches this definition: “\(entry.meaning)”?"
            return context.item(kind: "glossary", element: entry.id, elementIsKey: entry.idIsKey, question: question, choices: options,
                                answer: Item.letter(position), flags: ["generated"])
        }
    }

    private func exercise(_ exercise: XMLElementNode, lead: String?, section: String?, context: TextbookContext) -> TextbookRecord {
        let element = exercise["id"] ?? "exercise-line-\(exercise.line)"
        let elementIsKey = exercise["id"] != nil
        let problem = exercise.firstElement(named: "problem") ?? exercise
        let choiceList = problem.descendants(named: "list").first { $0["number-style"] == "lower-alpha" }
        let stemParts = problem.elements().filter { $0.name != "list" || $0["number-style"] != "lower-alpha" }
            .map { $0.text.collapsingWhitespace }.filter { !$0.isEmpty }
        var stem = stemParts.joined(separator: " ")
        if let lead {
            stem = lead + " " + stem
        }
        guard let choiceList else {
            let item = context.item(kind: "cnxml", element: element, elementIsKey: elementIsKey, question: stem, choices: [], answer: nil)
            return .dropped(DroppedItem(id: item.id, stage: "ingest", reason: "not_multiple_choice",
                                        detail: "exercise at line \(exercise.line) has no lettered choice list", item: item))
        }
        let choices = choiceList.elements(named: "item").map { $0.text.collapsingWhitespace }
        let solution = exercise.firstElement(named: "solution")
        let commentedSolution = exercise.comments.contains { $0.contains("<solution") }
        if let solution {
            var key = Substring(solution.text.collapsingWhitespace.lowercased())
            while key.first == "." || key.first == " " { key.removeFirst() }
            while key.last == "." || key.last == " " { key.removeLast() }
            if key.count == 1, let scalar = key.unicodeScalars.first, ("a"..."z").contains(Character(scalar)),
               Int(scalar.value) - 97 < choices.count {
                var item = context.item(kind: "cnxml", element: element, elementIsKey: elementIsKey, question: stem, choices: choices, answer: key.uppercased())
                item.topic = section
                return .item(item)
            } else {
                let item = context.item(kind: "cnxml", element: element, elementIsKey: elementIsKey, question: stem, choices: choices, answer: nil)
                return .dropped(DroppedItem(id: item.id, stage: "ingest", reason: "solution_not_a_letter",
                                            detail: "solution at line \(solution.line) is not one letter among the choices", item: item))
            }
        } else {
            // Kept as an item so that a curator can supply the key; validation holds it back until then.
            var item = context.item(kind: "cnxml", element: element, elementIsKey: elementIsKey, question: stem, choices: choices, answer: nil,
                                    flags: commentedSolution ? ["key_commented_out", "needs_key"] : ["needs_key"])
            item.topic = section
            return .item(item)
        }
    }
}

/// An OpenStax collection: its licence and the reading order of its modules.
public struct CNXMLCollection: Sendable {
    public var title: String?
    public var license: String?
    public var licenseURL: String?
    /// Module ids in reading order.
    public var moduleOrder: [String]

    public static func read(fileAt url: URL, displayName: String, reader: XMLStreamReader = XMLStreamReader()) throws -> CNXMLCollection {
        var collection = CNXMLCollection(title: nil, license: nil, licenseURL: nil, moduleOrder: [])
        var builder = XMLSubtreeBuilder()
        do {
            try reader.read(fileAt: url, displayName: displayName) { event in
                if builder.isBuilding {
                    guard let element = builder.feed(event) else { return }
                    if element.name == "license" {
                        collection.license = element.text.collapsingWhitespace
                        collection.licenseURL = element["url"]
                    } else if element.name == "title", collection.title == nil {
                        collection.title = element.text.collapsingWhitespace
                    }
                    return
                }
                if case .start(let start) = event {
                    switch start.name {
                    case "module":
                        if let document = start.attributes["document"] { collection.moduleOrder.append(document) }
                    case "license", "title":
                        builder.begin(start)
                    default:
                        break
                    }
                }
            }
        } catch {
            throw InputError.xml(error)
        }
        return collection
    }
}
