public import Foundation
import SchemaValidation
import Yams

/// Checks user files against the project's `schemas/`, so that a curator who tightens a schema
/// (a pattern for question ids, a range for counts) sees the build obey it. A project without
/// the schema file is checked by the tool's own parsers alone.
public struct SchemaCheck: Sendable {
    public let schemaName: String
    private let validator: JSONSchemaValidator

    /// The check for a schema file, or nil when there is no such file (a project without its
    /// copy of a schema is checked by the tool's own parsers alone).
    public static func load(_ url: URL, displayName name: String) throws -> SchemaCheck? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return SchemaCheck(schemaName: name, validator: try JSONSchemaValidator(schemaData: try Data(contentsOf: url)))
        } catch let unsupported as JSONSchemaValidator.Unsupported {
            throw InputError(file: name, "\(unsupported)")
        } catch {
            throw InputError(file: name, "not a valid JSON schema: \(error)")
        }
    }

    /// Every violation in a YAML document, each at the line of the value it concerns.
    public func check(_ document: YAMLNode) -> [InputError] {
        var lines: [String: Int] = [:]
        let value = document.jsonValue(pointer: "", lines: &lines)
        return validator.validate(value).map { failure in
            var pointer = failure.instancePath
            var line = lines[pointer]
            while line == nil, let slash = pointer.lastIndex(of: "/") {
                pointer = String(pointer[..<slash])
                line = lines[pointer]
            }
            let field = failure.instancePath.split(separator: "/").joined(separator: ".")
            return InputError(file: document.file, line: line, field: field.isEmpty ? nil : field,
                              "\(failure.message) (\(schemaName))")
        }
    }

    /// Every violation in the rows of a CSV table, each row checked as an object of its columns.
    public func check(_ table: HeaderedCSV) -> [InputError] {
        var errors: [InputError] = []
        for row in table.rows {
            var object: [String: JSONValue] = [:]
            for (column, value) in zip(table.columns, row.fields) { object[column] = .string(value) }
            for failure in validator.validate(.object(object)) {
                let field = failure.instancePath.split(separator: "/").first.map(String.init)
                errors.append(InputError(file: table.file, line: row.line, field: field, "\(failure.message) (\(schemaName))"))
            }
        }
        return errors
    }
}
