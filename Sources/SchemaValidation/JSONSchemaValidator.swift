public import Foundation
import Synchronization

/// A validator for the JSON Schema 2020-12 keywords this project's schemas use: type, enum,
/// const, the string, number, array and object bounds, pattern, properties, patternProperties,
/// additionalProperties, propertyNames, required, dependentRequired, items, prefixItems,
/// uniqueItems, allOf, anyOf, oneOf, not, if/then/else, and `$ref` to a JSON pointer inside the
/// same document (e.g. `#/$defs/x`).
///
/// Other keywords that change validation (`$dynamicRef`, `$anchor`, `$id` changing the base,
/// remote references, `contains`, `unevaluated*`, `dependentSchemas`, formats as assertions) are
/// refused when the schema is compiled, with the keyword named, never ignored.
public struct JSONSchemaValidator: Sendable {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// JSON pointer to the offending part of the instance.
        public var instancePath: String
        public var keyword: String
        public var message: String

        public var description: String {
            (instancePath.isEmpty ? "(root)" : instancePath) + ": " + message
        }
    }

    public struct Unsupported: Error, Sendable, CustomStringConvertible {
        public var keyword: String
        public var schemaPath: String
        public var description: String { "\(schemaPath): the keyword '\(keyword)' is not supported" }
    }

    /// Keywords that only annotate (no effect on validity).
    static let annotations: Set<String> = ["$schema", "$comment", "title", "description", "default", "examples",
                                           "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "format",
                                           "contentMediaType", "contentEncoding"]
    static let supported: Set<String> = ["type", "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum",
                                         "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
                                         "uniqueItems", "items", "prefixItems", "minProperties", "maxProperties",
                                         "required", "properties", "patternProperties", "additionalProperties",
                                         "propertyNames", "dependentRequired", "allOf", "anyOf", "oneOf", "not", "if",
                                         "then", "else", "$ref"]

    public let root: JSONValue
    let rootNode: SchemaNode
    /// The targets of the schema's `$ref`s that resolve.
    let referenced: [String: SchemaNode]
    /// The schema laid out for telling valid documents on their bytes.
    let compiled: CompiledSchema

    /// Checks that every keyword in the schema is one this validator applies.
    public init(schema: JSONValue) throws {
        root = schema
        try Self.checkSupported(schema, path: "#")
        let references = SchemaNode.References()
        rootNode = SchemaNode(schema, references: references)
        var resolved: [String: SchemaNode] = [:]
        var unresolvable: Set<String> = []
        while let reference = references.names.popFirst() {
            guard resolved[reference] == nil, !unresolvable.contains(reference) else { continue }
            guard let target = Self.resolve(reference, in: schema) else { unresolvable.insert(reference); continue }
            resolved[reference] = SchemaNode(target, references: references)
        }
        referenced = resolved
        compiled = CompiledSchema(rootNode, referenced: resolved)
    }

    /// A `pattern` or `patternProperties` key, compiled once, where the schema names it: compiling
    /// it for each value checked was a fifth of checking a release's records, and finding it in
    /// a table by its text another twentieth. A `Regex` is not declared `Sendable`, but it is not
    /// changed after compiling: the standard library lowers its program once, atomically.
    final class Pattern: @unchecked Sendable {
        let source: String
        /// Nil when the pattern is not a regular expression this Swift reads.
        let regex: Regex<AnyRegexOutput>?
        /// Whether short texts matched: most texts a pattern checks recur (languages, answer
        /// letters, a source's revision), and matching them again was a third of checking a
        /// release's records.
        private let known = Mutex<[String: Bool]>([:])
        static let rememberedLength = 80, rememberedTexts = 4_096

        /// The pattern matched on bytes, where it is of that kind.
        let bytePattern: BytePattern?

        init(_ source: String) {
            self.source = source
            regex = try? Regex(source)
            bytePattern = regex == nil ? nil : BytePattern(source)
        }

        /// Whether the pattern matches somewhere in a string value; nil when it did not compile.
        func matches<Instance: SchemaInstance>(_ instance: Instance) -> Bool? {
            if let bytePattern, let matched = instance.withTextBytes(bytePattern.matches) { return matched }
            return matches(instance.text)
        }

        /// Whether the pattern matches somewhere in `text`; nil when it did not compile.
        func matches(_ text: String) -> Bool? {
            guard let regex else { return nil }
            if let bytePattern {
                var text = text
                if let matched = text.withUTF8(bytePattern.matches) { return matched }
            }
            let remembered = text.utf8.count <= Self.rememberedLength
            if remembered, let known = known.withLock({ $0[text] }) { return known }
            let matched = (try? regex.firstMatch(in: text)) != nil
            if remembered {
                known.withLock { known in
                    if known.count < Self.rememberedTexts { known[text] = matched }
                }
            }
            return matched
        }
    }

    public init(schemaData: Data) throws {
        try self.init(schema: try JSONValue.parse(schemaData))
    }

    static func checkSupported(_ schema: JSONValue, path: String) throws {
        guard case .object(let object) = schema else { return }
        // In key order, so that the keyword reported is the same on every run.
        for (keyword, value) in object.sorted(by: { $0.key < $1.key }) {
            if keyword == "$id", path != "#" { throw Unsupported(keyword: "$id", schemaPath: path) }
            if keyword == "$id" { continue }
            if keyword == "$ref" {
                guard case .string(let reference) = value, reference.hasPrefix("#") else {
                    throw Unsupported(keyword: "$ref (to another document)", schemaPath: path)
                }
                continue
            }
            guard supported.contains(keyword) || annotations.contains(keyword) else {
                throw Unsupported(keyword: keyword, schemaPath: path)
            }
            // Sub-schemas, wherever a keyword holds them.
            switch keyword {
            case "properties", "patternProperties", "$defs", "definitions":
                if case .object(let children) = value {
                    for (name, child) in children.sorted(by: { $0.key < $1.key }) {
                        try checkSupported(child, path: "\(path)/\(keyword)/\(name)")
                    }
                }
            case "allOf", "anyOf", "oneOf", "prefixItems":
                if case .array(let children) = value {
                    for (index, child) in children.enumerated() { try checkSupported(child, path: "\(path)/\(keyword)/\(index)") }
                }
            case "items", "additionalProperties", "propertyNames", "not", "if", "then", "else":
                try checkSupported(value, path: "\(path)/\(keyword)")
            default:
                break
            }
        }
    }

    /// Every way `instance` breaks the schema (empty when it is valid), in a stable order.
    public func validate(_ instance: JSONValue) -> [Failure] {
        var failures: [Failure] = []
        var path = InstancePath()
        check(instance, against: rootNode, at: &path, depth: 0, into: &failures)
        return Self.ordered(failures)
    }

    /// Properties are checked in whatever order a dictionary holds them (sorting them for every
    /// object was a fifth of checking a record); the failures are put in order here.
    private static func ordered(_ failures: [Failure]) -> [Failure] {
        failures.sorted { ($0.instancePath, $0.keyword, $0.message) < ($1.instancePath, $1.keyword, $1.message) }
    }

    /// Storage a thread reuses from one document to the next.
    public struct Scratch {
        var tape = JSONTape()
        public init() {}
    }

    /// Every way the JSON document in `bytes` breaks the schema, checked where its values lie in
    /// the bytes, with (where it breaks it) the text of its top-level string member `naming`
    /// when it has one; nil when the bytes are not a document the tape takes (not JSON, or a key
    /// with escapes): the caller parses those with `JSONValue.parse`, which says what is wrong.
    /// A document the compiled schema finds valid is not checked again.
    public func validate(document bytes: UnsafeRawBufferPointer, naming: String,
                         scratch: inout Scratch) -> (failures: [Failure], name: String?)? {
        let bytes = bytes.bindMemory(to: UInt8.self)
        do { try scratch.tape.parse(bytes) } catch { return nil }
        return scratch.tape.tokens.withUnsafeBufferPointer { tokens in
            if compiled.verdict(tokens: tokens, text: bytes) == .valid { return ([], nil) }
            let root = TapeValue(tokens: tokens, bytes: bytes, index: 0)
            var failures: [Failure] = []
            var path = InstancePath()
            check(root, against: rootNode, at: &path, depth: 0, into: &failures)
            let name = !failures.isEmpty && root.kind == .object ? root.member(naming, hash: JSONTape.hash(naming)).flatMap { $0.kind == .string ? $0.text : nil } : nil
            return (Self.ordered(failures), name)
        }
    }

    public func isValid(_ instance: JSONValue) -> Bool {
        validate(instance).isEmpty
    }

    private static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
        var current = root
        let pointer = reference.dropFirst()
        guard !pointer.isEmpty else { return root }
        guard pointer.hasPrefix("/") else { return nil }
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = (String(raw).removingPercentEncoding ?? String(raw))
                .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(token), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Where the validator is in the instance, as the pointer's parts: the pointer's text is
    /// made only for a failure. Made at every step, with the set of matched property names
    /// below, it was two fifths of checking a release's records.
    private struct InstancePath {
        var parts: [String] = []
        var text: String { parts.map { "/" + $0 }.joined() }
        func appending(_ part: String) -> String { text + "/" + part }
    }

    private func check<Instance: SchemaInstance>(_ instance: Instance, against schema: SchemaNode, at path: inout InstancePath,
                                                 depth: Int, into failures: inout [Failure]) {
        func fail(_ keyword: String, _ message: String) {
            failures.append(Failure(instancePath: path.text, keyword: keyword, message: message))
        }
        switch schema.verdict {
        case .any: return
        case .none: fail("false", "no value is allowed here"); return
        case .check: break
        }
        guard depth < 64 else { fail("$ref", "references nest deeper than 64"); return }
        func valid<Value: SchemaInstance>(_ value: Value, _ subschema: SchemaNode) -> Bool {
            var scratch: [Failure] = []
            check(value, against: subschema, at: &path, depth: depth + 1, into: &scratch)
            return scratch.isEmpty
        }
        /// Checks `value` against `subschema`, at the part `part` of the path when it is a
        /// member or element of the instance.
        func descend(_ value: Instance, _ subschema: SchemaNode, _ part: String? = nil) {
            if let part { path.parts.append(part) }
            check(value, against: subschema, at: &path, depth: depth + 1, into: &failures)
            if part != nil { path.parts.removeLast() }
        }

        if let reference = schema.reference {
            if let target = referenced[reference] { descend(instance, target) } else { fail("$ref", "cannot resolve \(reference)") }
        }
        if let allowed = schema.types, !instance.hasType(in: allowed) {
            fail("type", "expected \(allowed.names.joined(separator: " or ")), found \(instance.typeNames[0])")
        }
        if let options = schema.enumValues, !options.contains(where: { instance.equals($0) }) {
            fail("enum", "value is not one of the allowed values")
        }
        if let constant = schema.constant, !instance.equals(constant) {
            fail("const", "value is not the required constant")
        }
        switch instance.kind {
        case .string:
            if schema.minLength != nil || schema.maxLength != nil {
                let length = instance.scalarCount
                if let bound = schema.minLength, Double(length) < bound { fail("minLength", "shorter than \(Int(bound)) characters") }
                if let bound = schema.maxLength, Double(length) > bound { fail("maxLength", "longer than \(Int(bound)) characters") }
            }
            if let pattern = schema.pattern {
                switch pattern.matches(instance) {
                case true?: break
                case false?: fail("pattern", "does not match \(pattern.source)")
                case nil: fail("pattern", "the pattern \(pattern.source) is not a valid regular expression")
                }
            }
        case .number:
            let value = instance.numberValue
            if let bound = schema.minimum, value < bound { fail("minimum", "less than \(bound)") }
            if let bound = schema.maximum, value > bound { fail("maximum", "greater than \(bound)") }
            if let bound = schema.exclusiveMinimum, value <= bound { fail("exclusiveMinimum", "not greater than \(bound)") }
            if let bound = schema.exclusiveMaximum, value >= bound { fail("exclusiveMaximum", "not less than \(bound)") }
            if let divisor = schema.multipleOf, divisor > 0 {
                let quotient = value / divisor
                if !quotient.isFinite || abs(quotient - quotient.rounded()) > 1e-9 * max(1, abs(quotient)) {
                    fail("multipleOf", "not a multiple of \(divisor)")
                }
            }
        case .array:
            let count = instance.count
            if let bound = schema.minItems, Double(count) < bound { fail("minItems", "fewer than \(Int(bound)) items") }
            if let bound = schema.maxItems, Double(count) > bound { fail("maxItems", "more than \(Int(bound)) items") }
            if schema.uniqueItems {
                let elements = instance.elements
                outer: for i in elements.indices {
                    for j in elements.indices where j > i && elements[i].equals(elements[j]) {
                        fail("uniqueItems", "items \(i) and \(j) are equal")
                        break outer
                    }
                }
            }
            let prefix = schema.prefixItems ?? []
            if !prefix.isEmpty || schema.items != nil {
                instance.forEachElement { index, element in
                    if index < prefix.count {
                        descend(element, prefix[index], String(index))
                    } else if let items = schema.items {
                        descend(element, items, String(index))
                    }
                }
            }
        case .object:
            let count = instance.count
            if let bound = schema.minProperties, Double(count) < bound { fail("minProperties", "fewer than \(Int(bound)) properties") }
            if let bound = schema.maxProperties, Double(count) > bound { fail("maxProperties", "more than \(Int(bound)) properties") }
            var cursor = MemberCursor()
            for (name, hash) in schema.required ?? [] where instance.member(name, hash: hash, from: &cursor) == nil {
                failures.append(Failure(instancePath: path.appending(SchemaNode.escape(name)), keyword: "required", message: "missing required property"))
            }
            for (name, needed) in schema.dependentRequired where instance.member(name, hash: JSONTape.hash(name)) != nil {
                for other in needed where instance.member(other, hash: JSONTape.hash(other)) == nil {
                    fail("dependentRequired", "'\(name)' needs '\(other)'")
                }
            }
            var matched: Set<String> = []
            var matchedCount = 0
            cursor = MemberCursor()
            for property in schema.properties ?? [] {
                if let value = instance.member(property.name, hash: property.hash, from: &cursor) {
                    matchedCount += 1
                    descend(value, property.schema, property.escaped)
                }
            }
            // When the listed properties are all the object has, nothing else is left to match,
            // and their names need no set.
            let allListed = schema.patternProperties == nil && matchedCount == count
            if (schema.tracksMatches && !allListed) || schema.propertyNames != nil {
                let members = instance.members
                if schema.tracksMatches, !allListed {
                    let names = Set(members.map(\.name))
                    matched = Set((schema.properties ?? []).map(\.name).filter(names.contains))
                }
                for (pattern, subschema) in schema.patternProperties ?? [] {
                    guard pattern.regex != nil else { fail("patternProperties", "invalid pattern \(pattern.source)"); continue }
                    for (name, value) in members where pattern.matches(name) == true {
                        matched.insert(name)
                        descend(value, subschema, SchemaNode.escape(name))
                    }
                }
                if let additional = schema.additionalProperties, !allListed {
                    for (name, value) in members where !matched.contains(name) {
                        if additional.verdict == .none {
                            failures.append(Failure(instancePath: path.appending(SchemaNode.escape(name)), keyword: "additionalProperties",
                                                    message: "property is not allowed"))
                        } else {
                            descend(value, additional, SchemaNode.escape(name))
                        }
                    }
                }
                if let names = schema.propertyNames {
                    for (name, _) in members where !valid(JSONValue.string(name), names) {
                        fail("propertyNames", "property name '\(name)' is not allowed")
                    }
                }
            }
        default:
            break
        }
        for subschema in schema.allOf ?? [] { descend(instance, subschema) }
        if let any = schema.anyOf, !any.contains(where: { valid(instance, $0) }) {
            fail("anyOf", "matches none of the alternatives")
        }
        if let one = schema.oneOf {
            let matches = one.filter { valid(instance, $0) }.count
            if matches != 1 { fail("oneOf", "matches \(matches) of the alternatives, not exactly one") }
        }
        if let negated = schema.not, valid(instance, negated) {
            fail("not", "matches a schema it must not match")
        }
        if let condition = schema.condition {
            if valid(instance, condition) {
                if let then = schema.then { descend(instance, then) }
            } else if let otherwise = schema.otherwise {
                descend(instance, otherwise)
            }
        }
    }
}
