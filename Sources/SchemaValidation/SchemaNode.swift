/// A schema object with its keywords read out once, so that checking a value does not look each
/// keyword up in a dictionary (those lookups were most of checking a release's records).
/// Immutable once the validator is built; `$ref`s are resolved through the validator's table.
final class SchemaNode: @unchecked Sendable {
    enum Verdict { case any, none, check }

    // Constants: a check reads them in place, where reading a `var` retained each array and node.
    let verdict: Verdict
    let reference: String?
    let types: Types?
    let enumValues: [JSONValue]?
    let constant: JSONValue?
    let minLength: Double?, maxLength: Double?
    let pattern: JSONSchemaValidator.Pattern?
    let minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?, multipleOf: Double?
    let minItems: Double?, maxItems: Double?
    let uniqueItems: Bool
    let prefixItems: [SchemaNode]?
    let items: SchemaNode?
    let minProperties: Double?, maxProperties: Double?
    /// Required names in name order (the order records' keys lie in), each with its `JSONTape.hash`.
    let required: [(name: String, hash: UInt64)]?
    let dependentRequired: [(name: String, needed: [String])]
    /// Property name, its JSON-pointer form, its `JSONTape.hash`, and its schema.
    let properties: [(name: String, escaped: String, hash: UInt64, schema: SchemaNode)]?
    let patternProperties: [(pattern: JSONSchemaValidator.Pattern, schema: SchemaNode)]?
    let additionalProperties: SchemaNode?
    let propertyNames: SchemaNode?
    let allOf: [SchemaNode]?, anyOf: [SchemaNode]?, oneOf: [SchemaNode]?
    let not: SchemaNode?, condition: SchemaNode?, then: SchemaNode?, otherwise: SchemaNode?
    /// Only an object schema with property keywords needs the names its properties matched.
    var tracksMatches: Bool { patternProperties != nil || additionalProperties != nil }

    /// The JSON types a `type` keyword allows, as their names and as one bit per kind of value
    /// (comparing each value's type names with the keyword's was a tenth of checking a record).
    struct Types {
        let names: [String]
        let bits: UInt8

        static let bitOfName: [String: UInt8] = ["null": 1, "boolean": 2, "number": 4, "integer": 8, "string": 16, "array": 32, "object": 64]

        init(_ names: [String]) {
            self.names = names
            bits = names.reduce(0) { $0 | (Self.bitOfName[$1] ?? 0) }
        }

        /// The bits of the types a value of `kind` has (a number's `number` decides "integer").
        static func bits(of kind: JSONTape.Kind, number: Double) -> UInt8 {
            switch kind {
            case .null: 1
            case .bool: 2
            case .number: number.rounded() == number && number.isFinite ? 4 | 8 : 4
            case .string: 16
            case .array: 32
            case .object: 64
            }
        }
    }

    /// The `$ref`s met while reading a schema, and the patterns compiled so far (one for each text).
    final class References {
        var names: Set<String> = []
        var patterns: [String: JSONSchemaValidator.Pattern] = [:]

        func pattern(_ source: String) -> JSONSchemaValidator.Pattern {
            if let known = patterns[source] { return known }
            let pattern = JSONSchemaValidator.Pattern(source)
            patterns[source] = pattern
            return pattern
        }
    }

    /// Reads the keywords of `schema`; references it holds are added to `references`. A boolean
    /// schema (or anything not an object) has no keywords: `true` allows any value, `false` none.
    init(_ schema: JSONValue, references: References) {
        switch schema {
        case .bool(false): verdict = .none
        case .object: verdict = .check
        default: verdict = .any
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
        } else {
            reference = nil
        }
        switch schema["type"] {
        case .string(let name)?: types = Types([name])
        case .array(let names)?: types = Types(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
        case nil: types = nil
        default: types = Types([])
        }
        if case .array(let values)? = schema["enum"] { enumValues = values.map(\.unshared) } else { enumValues = nil }
        constant = schema["const"]?.unshared
        minLength = number("minLength"); maxLength = number("maxLength")
        if case .string(let value)? = schema["pattern"] { pattern = references.pattern(value) } else { pattern = nil }
        minimum = number("minimum"); maximum = number("maximum")
        exclusiveMinimum = number("exclusiveMinimum"); exclusiveMaximum = number("exclusiveMaximum")
        multipleOf = number("multipleOf")
        minItems = number("minItems"); maxItems = number("maxItems")
        if case .bool(true)? = schema["uniqueItems"] { uniqueItems = true } else { uniqueItems = false }
        prefixItems = nodes(schema["prefixItems"])
        items = node(schema["items"])
        minProperties = number("minProperties"); maxProperties = number("maxProperties")
        if case .array(let names)? = schema["required"] {
            required = names.compactMap { if case .string(let name) = $0 { (name, JSONTape.hash(name)) } else { nil } }.sorted { $0.name < $1.name }
        } else {
            required = nil
        }
        var dependencies: [(name: String, needed: [String])] = []
        if case .object(let declared)? = schema["dependentRequired"] {
            for (name, needed) in declared.sorted(by: { $0.key < $1.key }) {
                if case .array(let list) = needed {
                    dependencies.append((name, list.compactMap { if case .string(let other) = $0 { other } else { nil } }))
                }
            }
        }
        dependentRequired = dependencies
        if case .object(let children)? = schema["properties"] {
            properties = children.sorted { $0.key < $1.key }.map {
                ($0.key, Self.escape($0.key), JSONTape.hash($0.key), SchemaNode($0.value, references: references))
            }
        } else {
            properties = nil
        }
        if case .object(let children)? = schema["patternProperties"] {
            patternProperties = children.sorted { $0.key < $1.key }.map { (references.pattern($0.key), SchemaNode($0.value, references: references)) }
        } else {
            patternProperties = nil
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
