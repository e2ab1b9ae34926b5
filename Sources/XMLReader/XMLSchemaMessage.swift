import Foundation

/// libxml2's schema validity messages in words: elements as `<name>` without their namespace,
/// and what a facet or content model wants said instead of the pattern or model that failed.
/// A message this does not recognize keeps libxml2's wording, namespaces removed.
public enum XMLSchemaMessage {
    /// Patterns of the built-in authored-items schema, by what they ask for.
    static let patternMeanings = [
        // As projects made before text was a token have it in their copy of the schema.
        #"[\s\S]*\S[\s\S]*"#: "is blank; it needs some text (several lines are fine)",
        #".*\S.*"#: "is blank or spans several lines; it needs text on one line",
        #"\S+"#: "is not an id: an id is any characters but white space",
        "[A-Ja-j]": "is not a choice letter; expected one letter from A (the first choice) to J",
    ]

    public static func plain(_ message: String) -> String {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        // "{urn:...}name" → "name"
        text = text.replacing(/\{[^}]*\}/, with: "")
        guard let head = text.firstMatch(of: /^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$/.dotMatchesNewlines()) else { return text }
        let element = "<\(head.1)>"
        let subject = head.2.map { "attribute '\($0)' of \(element)" } ?? element
        let rest = String(head.3)
        if let match = rest.firstMatch(of: /^\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern '(.*)'\.$/.dotMatchesNewlines()) {
            let value = shortened(String(match.1))
            if let meaning = patternMeanings[String(match.2)] { return "\(subject): '\(value)' \(meaning)" }
            return "\(subject): '\(value)' does not have the form the schema asks for (pattern \(match.2))"
        }
        if rest.firstMatch(of: /^\[facet 'minLength'\] The value has a length of '0'/) != nil {
            // A token (the schema's text) has no length when it is only white space.
            return "\(subject) is empty or blank; it needs some text"
        }
        if let match = rest.firstMatch(of: /^This element is not expected\. Expected is (?:one of )?\( (.*) \)\.$/) {
            return "\(element) is not expected here; expected \(elements(String(match.1)))"
        }
        if rest.hasPrefix("This element is not expected.") {
            return "\(element) is not expected here"
        }
        if let match = rest.firstMatch(of: /^Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)\.$/) {
            return "\(element) lacks \(elements(String(match.1))), which it needs"
        }
        if let match = rest.firstMatch(of: /^The attribute '(.*)' is not allowed\.$/) {
            return "\(element) has an attribute '\(match.1)', which is not allowed"
        }
        if let match = rest.firstMatch(of: /^The attribute '(.*)' is required but missing\.$/) {
            return "\(element) needs an attribute '\(match.1)'"
        }
        if let match = rest.firstMatch(of: /^'(.*)' is not a valid value of the atomic type '(?:xs:)?(.*)'\.$/.dotMatchesNewlines()) {
            return "\(subject): '\(shortened(String(match.1)))' is not a valid \(match.2)"
        }
        if rest.hasPrefix("Element content is not allowed") || rest.hasPrefix("Character content is not allowed") {
            return "\(element) may hold only text, not elements, or the reverse: \(rest)"
        }
        return "\(subject): \(rest)"
    }

    /// "choice, answer" → "<choice> or <answer>"
    static func elements(_ list: String) -> String {
        let names = list.split(separator: ",").map { "<\($0.trimmingCharacters(in: .whitespaces))>" }
        return names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// A value as it goes into a message: one line, at most 60 characters.
    static func shortened(_ value: String) -> String {
        let line = value.replacingOccurrences(of: "\n", with: "\\n")
        return line.count > 60 ? String(line.prefix(57)) + "..." : line
    }
}
