import Foundation

/// A schema's nodes laid out in flat tables, to decide whether a value on a tape is valid
/// without gathering failures: the full check walked the schema's nodes as objects, retaining
/// each node, array and name it read and keeping the path for messages it seldom wrote, and that
/// was three fifths of writing a release's data files (every record is checked). A value this
/// check calls valid is valid; whatever it does not know to be (an invalid value, a string with
/// escapes, a pattern only `Regex` matches, a keyword it does not lay out) goes to the full
/// check, which says what is wrong, if anything.
final class CompiledSchema: @unchecked Sendable {
    enum Verdict { case valid, invalid, unknown }

    struct Node {
        var verdict: SchemaNode.Verdict
        /// Keywords laid out nowhere here (`dependentRequired`, `patternProperties`,
        /// `propertyNames`, an `enum` or `const` holding arrays or objects): reaching the node is not knowing.
        var undecidable = false
        var reference = -1
        var types: UInt8?
        /// Into `values`: the `enum` options; the `const`.
        var options: Range<Int>?
        var constant = -1
        var minLength: Double?, maxLength: Double?
        /// Into `patterns`; -2 for a pattern not matched on bytes.
        var pattern = -1
        var minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?, multipleOf: Double?
        var minItems: Double?, maxItems: Double?
        var uniqueItems = false
        /// Into `children`.
        var prefixItems = 0..<0
        var items = -1
        var minProperties: Double?, maxProperties: Double?
        /// Into `names`: the properties (each with its node), then the required names no property has.
        var properties = 0..<0
        /// How many of the properties are required.
        var requiredProperties = 0
        var otherRequired = 0..<0
        var additional = -1
        /// Into `children`.
        var allOf = 0..<0
        var anyOf: Range<Int>?, oneOf: Range<Int>?
        var not = -1, condition = -1, then = -1, otherwise = -1
    }

    struct Name {
        /// Into `bytes`.
        var start: Int, count: Int
        var hash: UInt64
        var node: Int
        var required: Bool
    }

    enum Value {
        case null, bool(Bool), number(Double)
        /// Into `bytes`.
        case string(start: Int, count: Int)
    }

    private let nodes: UnsafeMutableBufferPointer<Node>
    private let children: UnsafeMutableBufferPointer<Int>
    private let names: UnsafeMutableBufferPointer<Name>
    private let values: UnsafeMutableBufferPointer<Value>
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let patterns: UnsafeMutableBufferPointer<BytePattern>

    /// The validator's schema laid out, its root node first.
    init(_ root: SchemaNode, referenced: [String: SchemaNode]) {
        var builder = Builder(referenced: referenced)
        _ = builder.add(root)
        (nodes, children, names) = (Self.table(builder.nodes), Self.table(builder.children), Self.table(builder.names))
        (values, bytes, patterns) = (Self.table(builder.values), Self.table(builder.bytes), Self.table(builder.patterns))
    }

    deinit {
        patterns.deinitialize()
        patterns.deallocate()
        nodes.deallocate()
        children.deallocate()
        names.deallocate()
        values.deallocate()
        bytes.deallocate()
    }

    /// The elements in memory of their own (allocated for one at least, so that every table has an address).
    private static func table<Element>(_ elements: [Element]) -> UnsafeMutableBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(1, elements.count))
        _ = buffer.initialize(from: elements)
        return UnsafeMutableBufferPointer(start: buffer.baseAddress, count: elements.count)
    }

    private struct Builder {
        let referenced: [String: SchemaNode]
        var nodes: [Node] = [], children: [Int] = [], names: [Name] = [], values: [Value] = [], bytes: [UInt8] = []
        var patterns: [BytePattern] = []
        var placed: [ObjectIdentifier: Int] = [:]
        var patternIndex: [ObjectIdentifier: Int] = [:]

        /// The index of `schema`'s node, laid out once however often it is reached.
        mutating func add(_ schema: SchemaNode) -> Int {
            if let index = placed[ObjectIdentifier(schema)] { return index }
            let index = nodes.count
            placed[ObjectIdentifier(schema)] = index
            nodes.append(Node(verdict: schema.verdict))
            var node = Node(verdict: schema.verdict)
            node.undecidable = !schema.dependentRequired.isEmpty || schema.patternProperties != nil || schema.propertyNames != nil
            if let reference = schema.reference {
                // A reference that does not resolve fails every value: the full check says so.
                if let target = referenced[reference] { node.reference = add(target) } else { node.undecidable = true }
            }
            node.types = schema.types?.bits
            if let options = schema.enumValues {
                let start = values.count
                for option in options {
                    guard let value = value(option) else { node.undecidable = true; break }
                    values.append(value)
                }
                node.options = start..<values.count
            }
            if let constant = schema.constant {
                if let value = value(constant) {
                    node.constant = values.count
                    values.append(value)
                } else {
                    node.undecidable = true
                }
            }
            (node.minLength, node.maxLength) = (schema.minLength, schema.maxLength)
            if let pattern = schema.pattern {
                if pattern.regex != nil, let bytePattern = pattern.bytePattern {
                    if let known = patternIndex[ObjectIdentifier(pattern)] {
                        node.pattern = known
                    } else {
                        node.pattern = patterns.count
                        patternIndex[ObjectIdentifier(pattern)] = patterns.count
                        patterns.append(bytePattern)
                    }
                } else {
                    node.pattern = -2
                }
            }
            (node.minimum, node.maximum, node.multipleOf) = (schema.minimum, schema.maximum, schema.multipleOf)
            (node.exclusiveMinimum, node.exclusiveMaximum) = (schema.exclusiveMinimum, schema.exclusiveMaximum)
            (node.minItems, node.maxItems, node.uniqueItems) = (schema.minItems, schema.maxItems, schema.uniqueItems)
            if let prefix = schema.prefixItems { node.prefixItems = list(prefix) }
            if let items = schema.items { node.items = add(items) }
            (node.minProperties, node.maxProperties) = (schema.minProperties, schema.maxProperties)
            // A name required twice is required once.
            var required = schema.required ?? []
            var seen: Set<String> = []
            required.removeAll { !seen.insert($0.name).inserted }
            let start = names.count
            for property in schema.properties ?? [] {
                let isRequired = seen.contains(property.name)
                names.append(name(property.name, hash: property.hash, node: add(property.schema), required: isRequired))
                if isRequired { node.requiredProperties += 1 }
            }
            node.properties = start..<names.count
            let properties = Set((schema.properties ?? []).map(\.name))
            for (requiredName, hash) in required where !properties.contains(requiredName) {
                names.append(name(requiredName, hash: hash, node: -1, required: true))
            }
            node.otherRequired = node.properties.upperBound..<names.count
            if let additional = schema.additionalProperties { node.additional = add(additional) }
            if let all = schema.allOf { node.allOf = list(all) }
            if let any = schema.anyOf { node.anyOf = list(any) }
            if let one = schema.oneOf { node.oneOf = list(one) }
            if let not = schema.not { node.not = add(not) }
            if let condition = schema.condition { node.condition = add(condition) }
            if let then = schema.then { node.then = add(then) }
            if let otherwise = schema.otherwise { node.otherwise = add(otherwise) }
            nodes[index] = node
            return index
        }

        private mutating func list(_ schemas: [SchemaNode]) -> Range<Int> {
            let indices = schemas.map { add($0) }
            let start = children.count
            children += indices
            return start..<children.count
        }

        private mutating func name(_ text: String, hash: UInt64, node: Int, required: Bool) -> Name {
            let start = bytes.count
            bytes += text.utf8
            return Name(start: start, count: bytes.count - start, hash: hash, node: node, required: required)
        }

        /// A scalar `enum` option or `const` laid out; nil for an array or object.
        private mutating func value(_ value: JSONValue) -> Value? {
            switch value {
            case .null: return .null
            case .bool(let flag): return .bool(flag)
            case .number(let number): return .number(number)
            case .string(let text):
                let start = bytes.count
                bytes += text.utf8
                return .string(start: start, count: bytes.count - start)
            case .array, .object: return nil
            }
        }
    }

    /// Whether the document on `tokens` (over `text`) is valid.
    func verdict(tokens: UnsafeBufferPointer<JSONTape.Token>, text: UnsafeBufferPointer<UInt8>) -> Verdict {
        guard !tokens.isEmpty else { return .unknown }
        return withExtendedLifetime(self) { Run(schema: self, tokens: tokens, text: text).verdict(node: 0, token: 0, depth: 0) }
    }

    /// One document's check, every table read in place.
    private struct Run {
        let nodes: UnsafeMutableBufferPointer<Node>
        let children: UnsafeMutableBufferPointer<Int>
        let names: UnsafeMutableBufferPointer<Name>
        let values: UnsafeMutableBufferPointer<Value>
        let bytes: UnsafeMutableBufferPointer<UInt8>
        let patterns: UnsafeMutableBufferPointer<BytePattern>
        let tokens: UnsafeBufferPointer<JSONTape.Token>
        let text: UnsafeBufferPointer<UInt8>

        init(schema: CompiledSchema, tokens: UnsafeBufferPointer<JSONTape.Token>, text: UnsafeBufferPointer<UInt8>) {
            (nodes, children, names, values, bytes) = (schema.nodes, schema.children, schema.names, schema.values, schema.bytes)
            (patterns, self.tokens, self.text) = (schema.patterns, tokens, text)
        }

        /// A token's string bytes (as written, escapes and all).
        private func raw(_ token: JSONTape.Token) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: text[token.start..<token.start + token.length])
        }

        private func sameBytes(_ raw: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
            raw.count == count && (count == 0 || memcmp(raw.baseAddress!, bytes.baseAddress! + start, count) == 0)
        }

        /// Whether the value at `token` is the scalar `value`; nil when that cannot be told on bytes.
        private func equals(_ token: JSONTape.Token, _ value: Value) -> Bool? {
            switch (token.kind, value) {
            case (.null, .null): return true
            case (.bool, .bool(let flag)): return token.flag == flag
            case (.number, .number(let number)): return token.number == number
            case (.string, .string(let start, let count)):
                guard !token.flag else { return nil }
                return sameBytes(raw(token), start, count)
            default: return false
            }
        }

        func verdict(node index: Int, token at: Int, depth: Int) -> Verdict {
            let node = nodes[index]
            switch node.verdict {
            case .any: return .valid
            case .none: return .invalid
            case .check: break
            }
            guard depth < 64, !node.undecidable else { return .unknown }
            let token = tokens[at]
            if node.reference >= 0 {
                let verdict = self.verdict(node: node.reference, token: at, depth: depth + 1)
                guard verdict == .valid else { return verdict }
            }
            if let types = node.types, types & SchemaNode.Types.bits(of: token.kind, number: token.number) == 0 { return .invalid }
            if let options = node.options {
                var found = false
                for option in options {
                    guard let same = equals(token, values[option]) else { return .unknown }
                    if same { found = true; break }
                }
                guard found else { return .invalid }
            }
            if node.constant >= 0 {
                guard let same = equals(token, values[node.constant]) else { return .unknown }
                guard same else { return .invalid }
            }
            switch token.kind {
            case .string:
                if node.minLength != nil || node.maxLength != nil || node.pattern != -1 {
                    guard !token.flag else { return .unknown }
                    let raw = raw(token)
                    if node.minLength != nil || node.maxLength != nil {
                        // Every scalar has one byte that is not a continuation byte.
                        var length = 0
                        for byte in raw where byte & 0xC0 != 0x80 { length += 1 }
                        if let bound = node.minLength, Double(length) < bound { return .invalid }
                        if let bound = node.maxLength, Double(length) > bound { return .invalid }
                    }
                    if node.pattern == -2 { return .unknown }
                    if node.pattern >= 0 {
                        guard let matched = patterns[node.pattern].matches(raw) else { return .unknown }
                        guard matched else { return .invalid }
                    }
                }
            case .number:
                let value = token.number
                if let bound = node.minimum, value < bound { return .invalid }
                if let bound = node.maximum, value > bound { return .invalid }
                if let bound = node.exclusiveMinimum, value <= bound { return .invalid }
                if let bound = node.exclusiveMaximum, value >= bound { return .invalid }
                if let divisor = node.multipleOf, divisor > 0 {
                    let quotient = value / divisor
                    if !quotient.isFinite || abs(quotient - quotient.rounded()) > 1e-9 * max(1, abs(quotient)) { return .invalid }
                }
            case .array:
                let count = Double(token.length)
                if let bound = node.minItems, count < bound { return .invalid }
                if let bound = node.maxItems, count > bound { return .invalid }
                if node.uniqueItems {
                    let verdict = uniqueness(at)
                    guard verdict == .valid else { return verdict }
                }
                if !node.prefixItems.isEmpty || node.items >= 0 {
                    var element = at + 1
                    for position in 0..<token.length {
                        let subschema = position < node.prefixItems.count ? children[node.prefixItems.lowerBound + position] : node.items
                        if subschema >= 0 {
                            let verdict = self.verdict(node: subschema, token: element, depth: depth + 1)
                            guard verdict == .valid else { return verdict }
                        }
                        element = tokens[element].next
                    }
                }
            case .object:
                let verdict = members(of: node, at: at, depth: depth)
                guard verdict == .valid else { return verdict }
            case .null, .bool:
                break
            }
            for child in node.allOf {
                let verdict = self.verdict(node: children[child], token: at, depth: depth + 1)
                guard verdict == .valid else { return verdict }
            }
            if let any = node.anyOf {
                var unknown = false
                var matched = false
                for child in any {
                    switch self.verdict(node: children[child], token: at, depth: depth + 1) {
                    case .valid: matched = true
                    case .unknown: unknown = true
                    case .invalid: break
                    }
                    if matched { break }
                }
                if !matched { return unknown ? .unknown : .invalid }
            }
            if let one = node.oneOf {
                var matches = 0
                for child in one {
                    switch self.verdict(node: children[child], token: at, depth: depth + 1) {
                    case .valid: matches += 1
                    case .unknown: return .unknown
                    case .invalid: break
                    }
                }
                guard matches == 1 else { return .invalid }
            }
            if node.not >= 0 {
                switch self.verdict(node: node.not, token: at, depth: depth + 1) {
                case .valid: return .invalid
                case .unknown: return .unknown
                case .invalid: break
                }
            }
            if node.condition >= 0 {
                let branch: Int
                switch self.verdict(node: node.condition, token: at, depth: depth + 1) {
                case .valid: branch = node.then
                case .invalid: branch = node.otherwise
                case .unknown: return .unknown
                }
                if branch >= 0 {
                    let verdict = self.verdict(node: branch, token: at, depth: depth + 1)
                    guard verdict == .valid else { return verdict }
                }
            }
            return .valid
        }

        /// An object's members against the node's property keywords.
        private func members(of node: Node, at: Int, depth: Int) -> Verdict {
            let object = tokens[at]
            let count = Double(object.length)
            if let bound = node.minProperties, count < bound { return .invalid }
            if let bound = node.maxProperties, count > bound { return .invalid }
            // Each member's name looked for among the properties from where the last was found:
            // records write their keys in the order the properties are sorted in.
            let properties = node.properties
            var next = properties.lowerBound
            var requiredFound = 0
            var key = at + 1
            for _ in 0..<object.length {
                let keyToken = tokens[key]
                let name = raw(keyToken)
                let hash = keyToken.number.bitPattern
                var found = -1
                if !properties.isEmpty {
                    var candidate = next
                    for _ in properties {
                        let property = names[candidate]
                        if property.hash == hash, sameBytes(name, property.start, property.count) { found = candidate; break }
                        candidate = candidate + 1 == properties.upperBound ? properties.lowerBound : candidate + 1
                    }
                }
                let subschema: Int
                if found >= 0 {
                    let property = names[found]
                    if property.required { requiredFound += 1 }
                    subschema = property.node
                    next = found + 1 == properties.upperBound ? properties.lowerBound : found + 1
                } else {
                    subschema = node.additional
                }
                if subschema >= 0 {
                    let verdict = self.verdict(node: subschema, token: key + 1, depth: depth + 1)
                    guard verdict == .valid else { return verdict }
                }
                key = tokens[key + 1].next
            }
            guard requiredFound == node.requiredProperties else { return .invalid }
            for index in node.otherRequired {
                let required = names[index]
                var key = at + 1
                var found = false
                for _ in 0..<object.length {
                    if tokens[key].number.bitPattern == required.hash, sameBytes(raw(tokens[key]), required.start, required.count) { found = true; break }
                    key = tokens[key + 1].next
                }
                guard found else { return .invalid }
            }
            return .valid
        }

        /// Whether an array's elements are all different, where that can be told on bytes.
        private func uniqueness(_ at: Int) -> Verdict {
            var elements: [Int] = []
            var element = at + 1
            for _ in 0..<tokens[at].length {
                let token = tokens[element]
                guard token.kind != .array, token.kind != .object, !(token.kind == .string && token.flag) else { return .unknown }
                elements.append(element)
                element = token.next
            }
            for i in elements.indices {
                for j in elements.indices where j > i {
                    let (a, b) = (tokens[elements[i]], tokens[elements[j]])
                    guard a.kind == b.kind else { continue }
                    let same = switch a.kind {
                    case .null: true
                    case .bool: a.flag == b.flag
                    case .number: a.number == b.number
                    default: raw(a).elementsEqual(raw(b))
                    }
                    if same { return .invalid }
                }
            }
            return .valid
        }
    }
}
