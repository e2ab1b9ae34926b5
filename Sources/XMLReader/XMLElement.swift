/// A captured element subtree: small, self-contained, and free of libxml2 types.
public struct XMLElementNode: Sendable {
    public enum Child: Sendable {
        case element(XMLElementNode)
        case text(String)
        case comment(String)
    }

    public var name: String
    public var namespace: String?
    public var attributes: XMLAttributes
    public var line: Int
    public var children: [Child]

    public init(start: XMLStartElement) {
        name = start.name
        namespace = start.namespace
        attributes = start.attributes
        line = start.line
        children = []
    }

    public subscript(attribute: String) -> String? { attributes[attribute] }

    /// Direct child elements, optionally only those with a name.
    public func elements(named wanted: String? = nil) -> [XMLElementNode] {
        children.compactMap { child in
            if case .element(let element) = child, wanted == nil || element.name == wanted { return element }
            return nil
        }
    }

    public func firstElement(named wanted: String) -> XMLElementNode? {
        // Found in place: listing the children first made an array for every question read.
        for child in children {
            if case .element(let element) = child, element.name == wanted { return element }
        }
        return nil
    }

    /// Every descendant element with the name, in document order.
    public func descendants(named wanted: String) -> [XMLElementNode] {
        var found: [XMLElementNode] = []
        for element in elements() {
            if element.name == wanted { found.append(element) }
            found += element.descendants(named: wanted)
        }
        return found
    }

    /// Comments directly inside this element.
    public var comments: [String] {
        children.compactMap { if case .comment(let text) = $0 { return text } else { return nil } }
    }

    /// All text inside, with markup removed (comments excluded).
    public var text: String {
        var result = ""
        for child in children {
            switch child {
            case .text(let value): result += value
            case .element(let element): result += element.text
            case .comment: break
            }
        }
        return result
    }
}

/// Builds subtrees from a stream: `begin` at an element's start, then feed events until
/// `feed` returns the finished element.
public struct XMLSubtreeBuilder: Sendable {
    private var stack: [XMLElementNode] = []

    public init() {}

    public var isBuilding: Bool { !stack.isEmpty }

    public mutating func begin(_ start: XMLStartElement) {
        stack = [XMLElementNode(start: start)]
    }

    /// Feeds the next event; returns the root element when its end arrives.
    public mutating func feed(_ event: XMLEvent) -> XMLElementNode? {
        switch event {
        case .start(let start):
            stack.append(XMLElementNode(start: start))
        case .text(let text):
            stack[stack.count - 1].children.append(.text(text))
        case .comment(let text):
            stack[stack.count - 1].children.append(.comment(text))
        case .end:
            let finished = stack.removeLast()
            if stack.isEmpty { return finished }
            stack[stack.count - 1].children.append(.element(finished))
        }
        return nil
    }
}
