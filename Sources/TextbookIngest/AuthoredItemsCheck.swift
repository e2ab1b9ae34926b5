import XMLReader

/// The rules of the built-in `schemas/authored-items.xsd`, checked on what the reader reports:
/// libxml2's XSD check was more than half of libxml2's work in reading a million items (about
/// 3.5 s of processor in a stage that keeps both cores busy). It errs one way only: what it
/// passes, the XSD passes (a test holds it to libxml2 on 900 altered files); anything it does not
/// know to be valid, such as an attribute it does not expect, makes the reader read the file
/// again with libxml2's check, whose findings are the ones reported.
struct AuthoredItemsCheck {
    static let namespace = "urn:build-dataset:authored-items:1"

    /// False once anything was seen that the XSD might refuse.
    private(set) var passes = true
    private var sawRoot = false

    /// A start event outside a passage or an item: the root, or a passage or item in it.
    mutating func start(_ start: XMLStartElement) {
        guard start.namespace == Self.namespace else { return fail() }
        switch (start.depth, start.name) {
        case (0, "items"):
            sawRoot = true
            // Only the xml: attributes the root's `anyAttribute` lets through unchecked.
            if !start.attributes.allSatisfy({ $0.name.hasPrefix("xml:") }) { fail() }
        case (1, "passage"), (1, "item"):
            if !sawRoot { fail() }
        default:
            fail()
        }
    }

    /// Text directly inside the root, which has element-only content: white space only (the
    /// reader reports the layout between elements as a space).
    mutating func textOutsideElements(_ text: String) {
        if !Self.isSpace(text) { fail() }
    }

    /// The document's end: it had its root, and no CDATA section, which the reader reports as
    /// text like layout white space, and which libxml2 refuses in element-only content even when
    /// it holds only white space.
    mutating func finish(cdataSections: Int) {
        if !sawRoot || cdataSections > 0 { fail() }
    }

    mutating func passage(_ element: XMLElementNode) {
        for attribute in element.attributes {
            switch attribute.name {
            case "id": if !Self.isIdentifier(attribute.value) { fail() }
            case "source": break
            default: fail()
            }
        }
        if element["id"] == nil || !Self.isText(element) { fail() }
    }

    mutating func item(_ element: XMLElementNode) {
        for attribute in element.attributes {
            switch attribute.name {
            case "id", "passage": if !Self.isIdentifier(attribute.value) { fail() }
            case "language": if !Self.isLanguage(attribute.value) { fail() }
            case "subject", "topic", "grade", "author": break
            default: fail()
            }
        }
        if element["id"] == nil { fail() }
        // question, 2–10 choices, an optional answer: in that order, each text without attributes.
        var questions = 0, choices = 0, answers = 0
        for child in element.children {
            switch child {
            case .comment: continue
            // Layout white space; other text makes the content mixed.
            case .text(let text): if !Self.isSpace(text) { return fail() }
            case .element(let child):
                guard child.namespace == Self.namespace, child.attributes.isEmpty, Self.isText(child) else { return fail() }
                switch child.name {
                case "question" where questions == 0: questions = 1
                case "choice" where questions == 1 && answers == 0 && choices < 10: choices += 1
                case "answer" where choices >= 2 && answers == 0:
                    answers = 1
                    if !Self.isChoiceLetter(Self.textOf(child)) { fail() }
                default: return fail()
                }
            }
        }
        if questions == 0 || choices < 2 { fail() }
    }

    private mutating func fail() { passes = false }

    /// XML Schema's white space: what `xs:token`'s collapsing removes.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func isSpace(_ text: String) -> Bool {
        text.utf8.allSatisfy(isSpace)
    }

    /// `Identifier`: a token matching `\S+`, i.e. one run of characters with white space at
    /// most around it.
    static func isIdentifier(_ value: String) -> Bool {
        let bytes = value.utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return false
        }
        return !bytes[first...last].contains(where: isSpace)
    }

    /// `xs:language` after collapsing: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
    static func isLanguage(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return false
        }
        let parts = bytes[first...last].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        return parts.enumerated().allSatisfy { index, part in
            (1...8).contains(part.count) && part.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
                case UInt8(ascii: "0")...UInt8(ascii: "9"): index > 0
                default: false
                }
            }
        }
    }

    /// The answer: one letter from A to J in either case, with white space at most around it.
    static func isChoiceLetter(_ value: String) -> Bool {
        let letters = value.utf8.filter { !isSpace($0) }
        guard letters.count == 1, let letter = letters.first else { return false }
        return (UInt8(ascii: "A")...UInt8(ascii: "J")).contains(letter) || (UInt8(ascii: "a")...UInt8(ascii: "j")).contains(letter)
    }

    /// `Text`: simple content (text and comments, no elements) with a character that is not
    /// white space.
    static func isText(_ element: XMLElementNode) -> Bool {
        var any = false
        for child in element.children {
            switch child {
            case .element: return false
            case .comment: continue
            case .text(let text): if !any, text.utf8.contains(where: { !isSpace($0) }) { any = true }
            }
        }
        return any
    }

    static func textOf(_ element: XMLElementNode) -> String {
        element.children.reduce(into: "") { text, child in
            if case .text(let value) = child { text += value }
        }
    }
}
