public import Foundation
import Yams
import SchemaValidation

/// A node of a YAML file with its location, read with typed accessors that record a problem
/// (file, line, key) in `Diagnostics` instead of stopping at the first.
public struct YAMLNode {
    public let file: String
    public let path: String
    fileprivate let node: Node

    /// Parses a whole YAML document. Syntax errors and duplicate keys are thrown with their line.
    public static func parse(_ text: String, file: String) throws -> YAMLNode {
        do {
            try ExpansionBudget.check(text, file: file)
            guard let node = try Yams.compose(yaml: text) else {
                throw InputError(file: file, line: 1, "empty YAML document")
            }
            return YAMLNode(file: file, path: "", node: node)
        } catch let error as YamlError {
            throw InputError.yaml(error, file: file)
        }
    }

    /// What a document may grow to once its aliases are expanded, checked before Yams composes
    /// it: composing compares mapping keys by hashing them whole, so an alias used as a key hashes
    /// everything it stands for, and nine nested levels of ten aliases are 10^9 nodes. The text is
    /// first composed with every alias written as a plain scalar (its `*` turned into `_`, so lines
    /// and columns stay), which expands nothing; each anchored node's size is then added up in
    /// document order, an alias counting as the whole node it names, stopping at the limits.
    enum ExpansionBudget {
        static let maximumAliases = 10_000
        static let maximumNodes = 1_000_000
        static let maximumScalarBytes = 64 << 20

        struct Size {
            var nodes = 0, bytes = 0
            static func + (a: Size, b: Size) -> Size {
                // Saturating: a size past the limits only needs to stay past them.
                Size(nodes: min(a.nodes + b.nodes, Int.max / 4), bytes: min(a.bytes + b.bytes, Int.max / 4))
            }
        }

        static func check(_ text: String, file: String) throws {
            var aliases: [String: String] = [:]   // "line:column" of a rewritten alias → the anchor it names
            var neutral = String.UnicodeScalarView()
            var line = 1, column = 1
            var previous: Unicode.Scalar = "\n"
            var scalars = text.unicodeScalars.makeIterator()
            var pending: Unicode.Scalar? = scalars.next()
            while let scalar = pending {
                pending = scalars.next()
                if scalar == "*", " \t\n\r[{,".unicodeScalars.contains(previous) {
                    neutral.append("_")
                    var name = String.UnicodeScalarView()
                    var lookahead = pending
                    while let next = lookahead, !" \t\n\r,[]{}".unicodeScalars.contains(next) {
                        name.append(next)
                        neutral.append(next)
                        lookahead = scalars.next()
                    }
                    if !name.isEmpty {
                        aliases["\(line):\(column)"] = String(name)
                        if aliases.count > maximumAliases {
                            throw InputError(file: file, line: line, "more than \(maximumAliases) aliases; write the values out or use fewer aliases")
                        }
                    }
                    column += 1 + name.count
                    previous = name.last ?? "*"
                    pending = lookahead
                    continue
                }
                neutral.append(scalar)
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
                previous = scalar
            }
            guard !aliases.isEmpty else { return }
            // The parser owns the anchors that nodes refer to weakly: it lives through the walk.
            let parser = try Parser(yaml: String(neutral))
            guard let root = try parser.singleRoot() else { return }
            var anchors: [String: Size] = [:]
            func size(_ node: Node) throws -> Size {
                var total = Size(nodes: 1)
                switch node {
                case .scalar(let scalar):
                    if let mark = node.mark, let name = aliases["\(mark.line):\(mark.column)"] {
                        total = anchors[name] ?? total
                    } else {
                        total.bytes = scalar.string.utf8.count
                    }
                case .sequence(let sequence):
                    for element in sequence { total = total + (try size(element)) }
                case .mapping(let mapping):
                    for (key, value) in mapping { total = total + (try size(key)) + (try size(value)) }
                case .alias: break
                }
                guard total.nodes <= maximumNodes, total.bytes <= maximumScalarBytes else {
                    throw InputError(file: file, line: node.mark?.line,
                                     "the document's aliases expand past the limit (\(maximumNodes) nodes or \(maximumScalarBytes >> 20) MiB of text); write the values out or use fewer aliases")
                }
                if let anchor = node.anchor { anchors[anchor.rawValue] = total }
                return total
            }
            _ = try withExtendedLifetime(parser) { try size(root) }
        }
    }

    /// The largest YAML file read. Pipeline files, questionnaires and mappings are kilobytes; a
    /// parsed tree takes many times its text, so a file past this is refused before it is read.
    public static let maximumFileBytes = 32 << 20

    public static func load(_ url: URL, displayName: String, maximumBytes: Int = maximumFileBytes) throws -> YAMLNode {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumBytes else {
            throw InputError(file: displayName, "the file is \(size) bytes, over the limit of \(maximumBytes) for a YAML file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InputError(file: displayName, "cannot read: \(error.localizedDescription)")
        }
        return try parse(try data.utf8Text(file: displayName), file: displayName)
    }

    public var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line, column: node.mark?.column, field: path.isEmpty ? nil : path)
    }

    private func child(_ key: String, _ node: Node) -> YAMLNode {
        YAMLNode(file: file, path: path.isEmpty ? key : "\(path).\(key)", node: node)
    }

    private var tagName: String { node.tag.description }

    private var isNull: Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain, tagName == Tag.Name.null.rawValue { return true }
        return false
    }

    // MARK: Typed values

    public func mapping(_ diagnostics: inout Diagnostics) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error(location, "wrong type: expected a mapping of keys to values, found \(kind)")
            return nil
        }
        var entries: [(key: String, value: YAMLNode, keyLine: Int?)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                diagnostics.error(location, "a key must be plain text")
                continue
            }
            entries.append((scalar.string, child(scalar.string, value), key.mark?.line))
        }
        return YAMLMapping(node: self, entries: entries)
    }

    public func sequence(_ diagnostics: inout Diagnostics) -> [YAMLNode]? {
        guard case .sequence(let sequence) = node else {
            diagnostics.error(location, "wrong type: expected a list, found \(kind)")
            return nil
        }
        return sequence.enumerated().map { index, element in
            YAMLNode(file: file, path: "\(path)[\(index)]", node: element)
        }
    }

    /// Any scalar except null, as its text: `name: 2024` is the string "2024".
    public func string(_ diagnostics: inout Diagnostics) -> String? {
        guard case .scalar(let scalar) = node, !isNull else {
            diagnostics.error(location, "wrong type: expected text, found \(kind)")
            return nil
        }
        return scalar.string.nfc
    }

    /// A file path inside the project: relative, and never climbing out with `..`. Inputs
    /// outside the project would be neither copied with it nor trusted to stay as hashed.
    public func projectPath(_ diagnostics: inout Diagnostics) -> String? {
        guard let text = string(&diagnostics) else { return nil }
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !text.isEmpty, !text.hasPrefix("/"), !text.hasPrefix("~"), !components.contains("..") else {
            diagnostics.error(location, "'\(text)' is not a path inside the project (give it relative to the project folder, without '..')")
            return nil
        }
        return text
    }

    /// The widest range a whole number of a pipeline file takes unless a key says otherwise: a
    /// count of items, people, rounds or iterations beyond a billion is a typo, and arithmetic on
    /// it (quotas summing to a total, shares times a total) would overflow.
    public static let wholeNumberRange = -1_000_000_000...1_000_000_000

    public func int(_ diagnostics: inout Diagnostics, in range: ClosedRange<Int> = wholeNumberRange) -> Int? {
        guard case .scalar(let scalar) = node, tagName == Tag.Name.int.rawValue else {
            diagnostics.error(location, "wrong type: expected a whole number, found \(kind)")
            return nil
        }
        guard let value = node.int, range.contains(value) else {
            diagnostics.error(location, "\(scalar.string.prefix(40)) is out of range: expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    public func double(_ diagnostics: inout Diagnostics) -> Double? {
        guard case .scalar = node, tagName == Tag.Name.int.rawValue || tagName == Tag.Name.float.rawValue, let value = node.float else {
            diagnostics.error(location, "wrong type: expected a number, found \(kind)")
            return nil
        }
        return value
    }

    public func bool(_ diagnostics: inout Diagnostics) -> Bool? {
        guard case .scalar = node, tagName == Tag.Name.bool.rawValue, let value = node.bool else {
            diagnostics.error(location, "wrong type: expected true or false, found \(kind)")
            return nil
        }
        return value
    }

    public func strings(_ diagnostics: inout Diagnostics) -> [String]? {
        guard let elements = sequence(&diagnostics) else { return nil }
        var values: [String] = []
        for element in elements {
            guard let value = element.string(&diagnostics) else { return nil }
            values.append(value)
        }
        return values
    }

    /// The document as a JSON value for schema checks, recording each value's line by JSON pointer.
    func jsonValue(pointer: String, lines: inout [String: Int]) -> JSONValue {
        if let line = node.mark?.line { lines[pointer] = line }
        switch node {
        case .scalar(let scalar):
            if isNull { return .null }
            switch tagName {
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
                return node.float.map(JSONValue.number) ?? .string(scalar.string)
            case Tag.Name.bool.rawValue:
                return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            default:
                return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .array(sequence.enumerated().map { index, element in
                YAMLNode(file: file, path: path, node: element).jsonValue(pointer: "\(pointer)/\(index)", lines: &lines)
            })
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                let name = key.string ?? ""
                let escaped = name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                object[name] = YAMLNode(file: file, path: path, node: value).jsonValue(pointer: "\(pointer)/\(escaped)", lines: &lines)
            }
            return .object(object)
        case .alias:
            return .null
        }
    }

    /// The value as plain JSON-like data (for hashing a config section).
    public var canonicalText: String {
        switch node {
        case .scalar(let scalar):
            return isNull ? "null" : "\(tagName):\(scalar.string.debugDescription)"
        case .sequence(let sequence):
            return "[" + sequence.map { YAMLNode(file: file, path: path, node: $0).canonicalText }.joined(separator: ",") + "]"
        case .mapping(let mapping):
            let pairs = mapping.map { key, value in
                "\((key.string ?? "").debugDescription):" + YAMLNode(file: file, path: path, node: value).canonicalText
            }
            return "{" + pairs.sorted().joined(separator: ",") + "}"
        case .alias:
            return "alias"
        }
    }

    private var kind: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing (null)" }
            switch tagName {
            case Tag.Name.int.rawValue: return "the number \(scalar.string)"
            case Tag.Name.float.rawValue: return "the number \(scalar.string)"
            case Tag.Name.bool.rawValue: return "\(scalar.string) (true/false)"
            default: return "the text \"\(scalar.string)\""
            }
        }
    }
}

/// A YAML mapping whose keys are checked against the ones a format allows.
public struct YAMLMapping {
    public let node: YAMLNode
    fileprivate let entries: [(key: String, value: YAMLNode, keyLine: Int?)]

    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> YAMLNode? {
        entries.first { $0.key == key }?.value
    }

    /// The value of a key that must be present.
    public func required(_ key: String, _ diagnostics: inout Diagnostics) -> YAMLNode? {
        if let value = self[key] { return value }
        var location = node.location
        location.field = node.path.isEmpty ? key : "\(node.path).\(key)"
        diagnostics.error(location, "missing required key")
        return nil
    }

    /// Records every key not in `allowed`, with a suggestion when one is close.
    public func rejectUnknownKeys(allowed: [String], _ diagnostics: inout Diagnostics) {
        for entry in entries where !allowed.contains(entry.key) {
            var location = entry.value.location
            location.line = entry.keyLine ?? location.line
            location.column = nil
            var message = "unknown key"
            if let suggestion = allowed.min(by: { editDistance($0, entry.key) < editDistance($1, entry.key) }),
               editDistance(suggestion, entry.key) <= max(2, entry.key.count / 3) {
                message += " (did you mean '\(suggestion)'?)"
            } else {
                message += " (allowed: \(allowed.joined(separator: ", ")))"
            }
            diagnostics.error(location, message)
        }
    }
}

/// Levenshtein distance, for "did you mean" suggestions on short keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

extension InputError {
    static func yaml(_ error: YamlError, file: String) -> InputError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return InputError(file: file, line: mark.line, column: mark.column, "YAML syntax error: \(text)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return InputError(file: file, line: context.mark.line, column: context.mark.column,
                              "key appears twice in one mapping: \(duplicates.joined(separator: ", "))")
        default:
            return InputError(file: file, "YAML error: \(error)")
        }
    }
}
