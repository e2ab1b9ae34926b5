/// A schema object with its keywords read out once, so that checking a value does not look each
/// keyword up in a dictionary (those lookups were most of checking a release's records).
/// Immutable once the validator is built; `$ref`s are resolved through the validator's table.
final class SchemaNode: @unchecked Sendable {
    enum Verdict { case any, none, check }

    var verdict: Verdict = .check
    var reference: String?
    var types: [String]?
    var enumValues: [JSONValue]?
    var constant: JSONValue?
    var minLength: Double?, maxLength: Double?
    var pattern: String?
    var minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?, multipleOf: Double?
    var minItems: Double?, maxItems: Double?
    var uniqueItems = false
    var prefixItems: [SchemaNode]?
    var items: SchemaNode?
    var minProperties: Double?, maxProperties: Double?
    /// Required names, each with its `JSONTape.hash`.
    var required: [(name: String, hash: UInt64)]?
    var dependentRequired: [(name: String, needed: [String])] = []
    /// Property name, its JSON-pointer form, its `JSONTape.hash`, and its schema.
    var properties: [(name: String, escaped: String, hash: UInt64, schema: SchemaNode)]?
    var patternProperties: [(pattern: String, schema: SchemaNode)]?
    var additionalProperties: SchemaNode?
    var propertyNames: SchemaNode?
    var allOf: [SchemaNode]?, anyOf: [SchemaNode]?, oneOf: [SchemaNode]?
    var not: SchemaNode?, condition: SchemaNode?, then: SchemaNode?, otherwise: SchemaNode?
    /// Only an object schema with property keywords needs the names its properties matched.
    var tracksMatches: Bool { patternProperties != nil || additionalProperties != nil }

    /// The `$ref`s met while reading a schema.
    final class References {
        var names: Set<String> = []
    }

    /// Reads the keywords of `schema`; references it holds are added to `references`.
    init(_ schema: JSONValue, references: References) {
        switch schema {
        case .bool(true): verdict = .any; return
        case .bool(false): verdict = .none; return
        case .object: break
        default: verdict = .any; return
        }
        func node(_ value: JSONValue?) -> SchemaNode? { value.map { SchemaNode($0, references: references) } }
        func nodes(_ value: JSONValue?) -> [SchemaNode]? {
            if case .array(let values)? = value { return values.map { SchemaNode($0, references: references) } }
            return nil
        }
        func number(_ key: String) -> Double? {
            if case .number(let value)? = schema[key] { return value }
            return nil
        }
        if case .string(let value)? = schema["$ref"] {
            reference = value
            references.names.insert(value)
        }
        switch schema["type"] {
        case .string(let name)?: types = [name]
        case .array(let names)?: types = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        case nil: break
        default: types = []
        }
        if case .array(let values)? = schema["enum"] { enumValues = values }
        constant = schema["const"]
        minLength = number("minLength"); maxLength = number("maxLength")
        if case .string(let value)? = schema["pattern"] { pattern = value }
        minimum = number("minimum"); maximum = number("maximum")
        exclusiveMinimum = number("exclusiveMinimum"); exclusiveMaximum = number("exclusiveMaximum")
        multipleOf = number("multipleOf")
        minItems = number("minItems"); maxItems = number("maxItems")
        if case .bool(true)? = schema["uniqueItems"] { uniqueItems = true }
        prefixItems = nodes(schema["prefixItems"])
        items = node(schema["items"])
        minProperties = number("minProperties"); maxProperties = number("maxProperties")
        if case .array(let names)? = schema["required"] {
            required = names.compactMap { if case .string(let name) = $0 { (name, JSONTape.hash(name)) } else { nil } }
        }
        if case .object(let dependencies)? = schema["dependentRequired"] {
            for (name, needed) in dependencies.sorted(by: { $0.key < $1.key }) {
                if case .array(let list) = needed {
                    dependentRequired.append((name, list.compactMap { if case .string(let other) = $0 { other } else { nil } }))
                }
            }
        }
        if case .object(let children)? = schema["properties"] {
            properties = children.sorted { $0.key < $1.key }.map {
                ($0.key, Self.escape($0.key), JSONTape.hash($0.key), SchemaNode($0.value, references: references))
            }
        }
        if case .object(let children)? = schema["patternProperties"] {
            patternProperties = children.sorted { $0.key < $1.key }.map { ($0.key, SchemaNode($0.value, references: references)) }
        }
        additionalProperties = node(schema["additionalProperties"])
        propertyNames = node(schema["propertyNames"])
        allOf = nodes(schema["allOf"]); anyOf = nodes(schema["anyOf"]); oneOf = nodes(schema["oneOf"])
        not = node(schema["not"]); condition = node(schema["if"]); then = node(schema["then"]); otherwise = node(schema["else"])
    }

    /// A property name as a JSON pointer token.
    static func escape(_ name: String) -> String {
        guard name.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return name }
        var escaped = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            switch scalar {
            case "~": escaped.append(contentsOf: "~0".unicodeScalars)
            case "/": escaped.append(contentsOf: "~1".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
