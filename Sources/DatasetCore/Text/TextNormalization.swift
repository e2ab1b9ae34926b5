public import Foundation

extension String {
    /// Unicode canonical composition (NFC): the form every record is stored in.
    public var nfc: String { precomposedStringWithCanonicalMapping }

    /// The question-text key for exact duplicate detection: NFKC (full-width to half-width,
    /// compatibility Hangul jamo to conjoining, composed syllables), case-folded, punctuation
    /// removed and whitespace runs folded to one space.
    public var comparisonKey: String {
        let folded = precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            switch properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation:
                pendingSpace = !scalars.isEmpty
                continue
            default:
                break
            }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// Whitespace runs (including newlines from XML layout) folded to one space, ends trimmed.
    public var collapsingWhitespace: String {
        split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
