public import DatasetCore
public import SchemaValidation

/// Written and read without Foundation's coders: a stage's file of clusters that reads back as
/// written stays in memory for the release, which decoded tens of thousands of them otherwise.
extension DuplicateCluster: JSONLinesRecord {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("key"); writer.string(key)
        writer.key("kind"); writer.string(kind)
        writer.key("members"); writer.strings(members)
        // Absent when nil, as Foundation's encoder leaves it.
        if let representative { writer.key("representative"); writer.string(representative) }
        if let similarity {
            writer.key("similarity")
            writer.beginObject()
            // Foundation's encoder orders the keys of a dictionary by their UTF-8 bytes.
            for (member, value) in similarity.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                writer.key(member)
                writer.double(value)
            }
            writer.endObject()
        }
        writer.endObject()
    }

    public init(json: JSONValue) throws {
        var similarity: [String: Double]?
        if let value = try json.optionalField("similarity") {
            guard case .object(let pairs) = value else { throw JSONRecordMismatch() }
            similarity = try pairs.mapValues { try $0.doubleValue() }
        }
        self.init(kind: try json.field("kind").stringValue(), key: try json.field("key").stringValue(),
                  representative: try json.optionalField("representative")?.stringValue(),
                  members: try json.field("members").stringsValue(), similarity: similarity)
    }
}
