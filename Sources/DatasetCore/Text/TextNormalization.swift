import Foundation
import CSystemShims

extension String {
    /// Unicode canonical composition (NFC): the form every record is stored in.
    public var nfc: String { precomposedStringWithCanonicalMapping }

    /// The question-text key for exact duplicate detection: NFKC (full-width to half-width,
    /// compatibility Hangul jamo to conjoining, composed syllables), lower-cased (Unicode's full
    /// mapping), punctuation removed and whitespace runs folded to one space.
    public var comparisonKey: String {
        // Text of ASCII, Hangul syllables and CJK ideographs is already NFKC, and has neither case
        // nor punctuation outside ASCII: it is folded byte by byte (a measured hot path of ingest).
        let stable = unicodeScalars.allSatisfy { scalar in
            scalar.value < 0x80 || (0xAC00...0xD7A3).contains(scalar.value) || (0x4E00...0x9FFF).contains(scalar.value)
        }
        if stable { return Self.asciiComparisonKey(utf8) }
        let folded = precomposedStringWithCompatibilityMapping.lowercased()
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if Self.isFoldedAway(scalar) {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    private static func isFoldedAway(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isWhitespace { return true }
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// ASCII bytes that are white space or punctuation in Unicode's categories (the symbols
    /// $ + < = > ^ ` | ~ are not punctuation and stay).
    private static let asciiFoldedAway: [Bool] = (0..<128).map { byte in
        byte == 0x20 || (0x09...0x0D).contains(byte) || "!\"#%&'()*,-./:;?@[\\]_{}".utf8.contains(UInt8(byte))
    }

    /// Folds ASCII bytes; bytes of other scalars (letters without case here) are copied.
    private static func asciiComparisonKey(_ bytes: String.UTF8View) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var pendingSpace = false
        for byte in bytes {
            if byte < 0x80, asciiFoldedAway[Int(byte)] {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace {
                output.append(0x20)
                pendingSpace = false
            }
            output.append((0x41...0x5A).contains(byte) ? byte + 0x20 : byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whitespace runs (including newlines from XML layout) folded to one space, ends trimmed.
    /// Works on UTF-8 bytes (a measured hot path of XML ingest); the Unicode white space outside
    /// ASCII (U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) is
    /// recognized by its encoding.
    public var collapsingWhitespace: String {
        var source = self
        return source.withUTF8 { buffer in
            let count = buffer.count
            return String(unsafeUninitializedCapacity: count) { output in
                var written = 0
                var pendingSpace = false
                var index = 0
                while index < count {
                    let byte = buffer[index]
                    var width = 0
                    if byte <= 0x20 {
                        if byte == 0x20 || (0x09...0x0D).contains(byte) { width = 1 }
                    } else if byte == 0xC2, index + 1 < count, buffer[index + 1] == 0x85 || buffer[index + 1] == 0xA0 {
                        width = 2
                    } else if index + 2 < count, byte == 0xE1 || byte == 0xE2 || byte == 0xE3 {
                        let b1 = buffer[index + 1], b2 = buffer[index + 2]
                        switch (byte, b1) {
                        case (0xE1, 0x9A) where b2 == 0x80: width = 3
                        case (0xE2, 0x80) where (0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF: width = 3
                        case (0xE2, 0x81) where b2 == 0x9F: width = 3
                        case (0xE3, 0x80) where b2 == 0x80: width = 3
                        default: break
                        }
                    }
                    if width > 0 {
                        pendingSpace = written > 0
                        index += width
                        continue
                    }
                    if pendingSpace {
                        output[written] = 0x20
                        written += 1
                        pendingSpace = false
                    }
                    output[written] = byte
                    written += 1
                    index += 1
                }
                return written
            }
        }
    }

    /// Whether the UTF-8 bytes of `other` occur in this string (byte-wise, no Unicode folding).
    public func containsBytes(of other: String) -> Bool {
        var haystack = self, needle = other
        return haystack.withUTF8 { text in
            needle.withUTF8 { pattern in
                guard !pattern.isEmpty else { return true }
                guard text.count >= pattern.count else { return false }
                return csys_contains_bytes(text.baseAddress!, text.count, pattern.baseAddress!, pattern.count) != 0
            }
        }
    }
}
