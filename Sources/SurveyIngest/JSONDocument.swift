import Foundation
import DatasetCore

/// Parses a whole JSON file whose layout is someone else's (OpinionQA, KoBBQ); a syntax error
/// is reported with the file and, where the parser gives one, the line.
enum JSONDocument {
    static func parse(_ data: Data, file: String) throws -> Any {
        let text = try data.utf8Text(file: file)
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            let description = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            let line = description.firstMatch(of: /line (\d+)/).flatMap { Int($0.1) }
            throw InputError(file: file, line: line, "malformed JSON: \(description)")
        }
    }
}
