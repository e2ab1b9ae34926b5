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
        kinds(inLines: CollectionOfOne(text))
    }

    /// `kinds(in:)` of the texts joined by line breaks (an item's choices), joined only when
    /// they may match.
    public static func kinds(inLines texts: some Collection<String>) -> [String] {
        // Only text with an @ or seven digits can match: most items are skipped on their bytes.
        var digits = 0
        for text in texts {
            guard let count = text.utf8.withContiguousStorageIfAvailable(digitsUnlessAt) ?? digitsUnlessAt(Array(text.utf8)) else {
                return matches(texts)
            }
            digits += count
        }
        return digits >= 7 ? matches(texts) : []
    }

    private static func matches(_ texts: some Collection<String>) -> [String] {
        let text = texts.count == 1 ? texts.first! : texts.joined(separator: "\n")
        return patterns.filter { text.contains($0.regex) }.map(\.kind)
    }

    /// The number of ASCII digits in `bytes`, or nil when they hold an @: read from the buffer
    /// (reading the string's UTF-8 view byte by byte took as long as the rest of a validation).
    private static func digitsUnlessAt(_ bytes: some Collection<UInt8>) -> Int? {
        var digits = 0
        for byte in bytes {
            if byte &- 0x30 < 10 { digits += 1 } else if byte == 0x40 { return nil }
        }
        return digits
    }
}
