/// An element's attributes by qualified name (`id`, `xml:lang`), in document order. Elements
/// carry a few attributes at most, so a list searched in order is cheaper to build for every
/// element read than a dictionary, and as quick to look up.
public struct XMLAttributes: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    private var attributes: [Attribute]

    init(_ attributes: [Attribute]) {
        self.attributes = attributes
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        attributes = elements.map { Attribute(name: $0.0, value: $0.1) }
    }

    /// The value of the attribute with the qualified name, if the element has one (well-formed
    /// XML repeats no name).
    public subscript(name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    public var count: Int { attributes.count }
    public var isEmpty: Bool { attributes.isEmpty }

    public func makeIterator() -> IndexingIterator<[Attribute]> { attributes.makeIterator() }

    /// The same names with the same values, in any order.
    public static func == (left: XMLAttributes, right: XMLAttributes) -> Bool {
        left.count == right.count && left.allSatisfy { right[$0.name] == $0.value }
    }
}
