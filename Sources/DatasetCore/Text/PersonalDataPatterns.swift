import Foundation

/// Personal data in item text: Korean and international phone numbers, resident registration
/// numbers and e-mail addresses. A match is a flag for review, not a verdict.
public enum PersonalDataPatterns {
    // Regex literals are immutable once built; the type is not marked Sendable.
    nonisolated(unsafe) static let patterns: [(kind: String, regex: Regex<Substring>)] = [
        ("resident_registration_number", /(?:^|[^0-9])[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[- ]?[1-8][0-9]{6}(?![0-9])/),
        ("phone", /(?:^|[^0-9])(?:\+82[- ]?(?:0)?1[016789]|01[016789]|0[2-6][0-9]?|\+[1-9][0-9]{0,2}[- ][0-9]{1,4})[- .)]?[0-9]{3,4}[- .][0-9]{4}(?![0-9])/),
        ("email", /[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}/),
    ]

    /// The kinds of personal data `text` seems to hold, in a fixed order.
    public static func kinds(in text: String) -> [String] {
        // Only text with an @ or seven digits can match: most items are skipped on their bytes.
        var digits = 0, at = false
        for byte in text.utf8 {
            if byte >= 0x30 && byte <= 0x39 { digits += 1 } else if byte == 0x40 { at = true }
        }
        guard at || digits >= 7 else { return [] }
        return patterns.filter { text.contains($0.regex) }.map(\.kind)
    }
}
