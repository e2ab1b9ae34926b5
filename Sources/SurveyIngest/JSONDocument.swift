import Foundation
import DatasetCore
import SchemaValidation

/// Parses a whole JSON file whose layout is someone else's (OpinionQA, KoBBQ); a syntax error
/// is reported with the file and, where the parser gives one, the line.
enum JSONDocument {
    static func parse(_ data: Data, file: String) throws -> Any {
        let text = try data.utf8Text(file: file)
        if let repeated = JSONValue.repeatedKey(in: data) {
            let line = data.prefix(repeated.offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw InputError(file: file, line: line, field: repeated.duplicateKey, "the key appears twice in one object")
        }
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            let description = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            let line = description.firstMatch(of: /line (\d+)/).flatMap { Int($0.1) }
            throw InputError(file: file, line: line, "malformed JSON: \(description)")
        }
    }

    /// A JSON number as a Double; `true` and `false` are not numbers. Foundation hands booleans
    /// back as NSNumber, told apart by their `char` encoding, which JSON numbers never get.
    static func number(_ value: Any) -> Double? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return number.doubleValue
    }
}
