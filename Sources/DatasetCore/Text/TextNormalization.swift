import Foundation
import CSystemShims

extension String {
    /// Unicode canonical composition (NFC): the form every record is stored in.
    public var nfc: String {
        // Foundation's normalization was the largest single cost of writing a record; most text
        // is made only of scalars that NFC leaves as they are, whatever surrounds them.
        var text = self
        if text.withUTF8(Self.isNFCStable) { return self }
        return precomposedStringWithCanonicalMapping
    }

    /// Whether every scalar is one that is NFC (quick check Yes), never combines with what
    /// precedes it and has canonical combining class 0: ASCII to Latin Extended-B, IPA and
    /// spacing modifiers (below U+0300), general punctuation after U+2001, CJK symbols and
    /// punctuation (not the combining U+302A–U+302F), kana (not the combining U+3099–U+309A),
    /// Hangul compatibility jamo, CJK ideographs, Hangul syllables and full-width forms. Text
    /// with any other scalar goes through Foundation's normalization.
    static func isNFCStable(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        scalarCount(bytes, takingASCII: { _ in true }) { scalar in
            switch scalar {
            case 0x80..<0x300, 0x2002...0x206F, 0x3000...0x3029, 0x3030...0x303F, 0x3041...0x3096, 0x309B...0x30FF,
                 0x3131...0x318E, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xFF01...0xFF60:
                true
            default:
                false
            }
        } != nil
    }

    /// The number of scalars in `bytes` (UTF-8) when each is taken (an ASCII byte by
    /// `takingASCII`, another scalar by `taking`), nil at the first that is not; a scalar of four
    /// bytes, or one cut off at the end, is never taken. Inlined into each caller, whose checks
    /// are then compiled into the loop.
    @inline(__always)
    static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>, takingASCII: (UInt8) -> Bool, taking: (UInt32) -> Bool) -> Int? {
        var index = 0, scalars = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            scalars += 1
            if lead < 0x80 {
                guard takingASCII(lead) else { return nil }
                index += 1
                continue
            }
            let scalar: UInt32
            if lead < 0xE0 {
                guard index + 1 < count else { return nil }
                scalar = UInt32(lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                index += 2
            } else if lead < 0xF0 {
                guard index + 2 < count else { return nil }
                scalar = UInt32(lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                index += 3
            } else {
                return nil
            }
            guard taking(scalar) else { return nil }
        }
        return scalars
    }

    /// The comparison key, with the numbers of the text appended where a sign, a decimal point or a
    /// percent sign is part of one (which the key folds away): "40%" and "-40%", "3.5" and "35"
    /// differ here. Used wherever two texts are judged the same (choices, duplicate questions).
    public var comparisonKeyKeepingNumbers: String {
        let key = comparisonKey
        // Most text has no sign, point or percent sign beside a digit at all: nothing to append.
        var text = self
        guard text.withUTF8(Self.mayMarkNumbers) else { return key }
        return Self.keepingNumbers(key, of: self)
    }

    /// Whether the text has an ASCII digit and one of the marks a number may carry ("-", "+",
    /// ".", "%", U+2212 and U+FF05), found in its bytes: asking every text with a byte of a
    /// three-byte character (all Korean text) to read its numbers was most of the key's cost
    /// for Korean choices.
    static func mayMarkNumbers(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        numberByteKinds.withUnsafeBufferPointer { kinds in
            var seen: UInt8 = 0
            let count = bytes.count
            var index = 0
            while index < count {
                let kind = kinds[Int(bytes[index])]
                if kind == leadOfMark {
                    // U+2212 (E2 88 92) and U+FF05 (EF BC 85); other characters share these leads.
                    if index + 2 < count, (bytes[index], bytes[index + 1], bytes[index + 2]) == (0xE2, 0x88, 0x92)
                        || (bytes[index], bytes[index + 1], bytes[index + 2]) == (0xEF, 0xBC, 0x85) { seen |= mark }
                } else {
                    seen |= kind
                }
                if seen == digit | mark { return true }
                index += 1
            }
            return false
        }
    }

    /// Each byte's part in `mayMarkNumbers`, looked up rather than compared with each mark.
    private static let digit: UInt8 = 1, mark: UInt8 = 2, leadOfMark: UInt8 = 4
    private static let numberByteKinds: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 0x30...0x39: digit
        case 0x2B, 0x2D, 0x2E, 0x25: mark
        case 0xE2, 0xEF: leadOfMark
        default: 0
        }
    }

    /// `key` with the numbers of `text` appended, when a sign, a decimal point or a percent sign
    /// is part of one.
    static func keepingNumbers(_ key: String, of text: String) -> String {
        var numbers: [String] = []
        var marked = false
        let scalars = Array(text.unicodeScalars)
        func isDigit(_ index: Int) -> Bool { index >= 0 && index < scalars.count && ("0"..."9").contains(scalars[index]) }
        var index = 0
        while index < scalars.count {
            let sign = ["-", "+", "\u{2212}"].contains(scalars[index]) && isDigit(index + 1) && !isDigit(index - 1)
            guard sign || (isDigit(index) && !isDigit(index - 1)) else { index += 1; continue }
            var number = sign ? (scalars[index] == "+" ? "+" : "-") : ""
            marked = marked || sign
            if sign { index += 1 }
            while index < scalars.count {
                if isDigit(index) {
                    number.unicodeScalars.append(scalars[index])
                } else if scalars[index] == ".", isDigit(index - 1), isDigit(index + 1) {
                    number += "."
                    marked = true
                } else {
                    break
                }
                index += 1
            }
            var after = index
            while after < scalars.count, scalars[after] == " " { after += 1 }
            if after < scalars.count, scalars[after] == "%" || scalars[after] == "\u{FF05}" {
                number += "%"
                marked = true
            }
            numbers.append(number)
        }
        return marked ? key + "\u{1F}" + numbers.joined(separator: " ") : key
    }

    /// The text key every comparison uses (exact and near duplicates, contamination, item ids):
    /// NFKC (full-width to half-width, compatibility Hangul jamo to conjoining, composed
    /// syllables), Unicode full case folding (ß and ẞ to ss, final ς to σ) and NFKC again, as
    /// Unicode's NFKC_Casefold does; punctuation removed and whitespace runs folded to one space.
    public var comparisonKey: String {
        var source = self
        if let folded = source.withUTF8(Self.foldedIfStable) { return folded }
        var caseFolded = precomposedStringWithCompatibilityMapping.folding(options: .caseInsensitive, locale: nil)
        // Full-width Latin and the like are plain ASCII by now: the byte folder finishes them
        // (NFKC leaves such text as it is), which measured about a third of the time.
        if let folded = caseFolded.withUTF8(Self.foldedIfStable) { return folded }
        let folded = caseFolded.precomposedStringWithCompatibilityMapping
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

    /// Text of ASCII, Hangul syllables and CJK ideographs is already NFKC and has neither case
    /// nor punctuation outside ASCII: it is folded byte by byte in one pass (a measured hot path
    /// of ingest and dedup). Nil when the text has any other scalar.
    private static func foldedIfStable(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var stable = true
        let folded = asciiFoldedAway.withUnsafeBufferPointer { foldedAway in
            String(unsafeUninitializedCapacity: bytes.count) { output in
                var count = 0, index = 0, pendingSpace = false
                while index < bytes.count {
                    let byte = bytes[index]
                    var length = 1
                    if byte < 0x80 {
                        if foldedAway[Int(byte)] {
                            pendingSpace = count > 0
                            index += 1
                            continue
                        }
                    } else {
                        // Hangul syllables and CJK ideographs are all three-byte sequences.
                        guard byte & 0xF0 == 0xE0, index + 2 < bytes.count else { stable = false; return 0 }
                        let value = UInt32(byte & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                        guard (0xAC00...0xD7A3).contains(value) || (0x4E00...0x9FFF).contains(value) else { stable = false; return 0 }
                        length = 3
                    }
                    if pendingSpace {
                        output[count] = 0x20
                        count += 1
                        pendingSpace = false
                    }
                    for offset in 0..<length {
                        let value = bytes[index + offset]
                        output[count] = (0x41...0x5A).contains(value) ? value + 0x20 : value
                        count += 1
                    }
                    index += length
                }
                return count
            }
        }
        return stable ? folded : nil
    }

    /// Line breaks kept, each line's whitespace runs folded to one space and its ends trimmed,
    /// blank lines at either end dropped and runs of blank lines inside folded to one: text an
    /// author wrote on several lines, without the indentation its XML layout added.
    public var collapsingWhitespaceKeepingLines: String {
        guard Self.containsNewline(utf8) else { return collapsingWhitespace }
        var lines: [String] = []
        for line in split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map({ String($0).collapsingWhitespace }) {
            if line.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(line)
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Whether the text holds a character that is a newline (U+000A–U+000D, U+0085, U+2028,
    /// U+2029), found by their UTF-8 bytes: walking the characters to ask each took 1.3 s of the
    /// 16 s of processor that ingesting a million authored items took, most of whose text is one
    /// line, and walking the bytes through the view, one at a time, another 0.45 s.
    static func containsNewline(_ bytes: String.UTF8View) -> Bool {
        bytes.withContiguousStorageIfAvailable(containsNewline) ?? Array(bytes).withUnsafeBufferPointer(containsNewline)
    }

    static func containsNewline(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        var index = 0
        while index < count {
            // Eight bytes at a time past words without a C0 control or a lead of the others.
            if index + 8 <= count {
                let word = ByteLanes.word(base, at: index)
                if ByteLanes.controlLanes(word) | ByteLanes.lanes(word, equalTo: 0xC2) | ByteLanes.lanes(word, equalTo: 0xE2) == 0 {
                    index += 8
                    continue
                }
            }
            let byte = bytes[index]
            // Below 0xC2 only the C0 newlines matter; 0xC2 and 0xE2 lead the others.
            if byte < 0xC2 {
                if byte >= 0x0A, byte <= 0x0D { return true }
            } else if byte == 0xC2 {
                if index + 1 < count, bytes[index + 1] == 0x85 { return true }
            } else if byte == 0xE2 {
                if index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 { return true }
            }
            index += 1
        }
        return false
    }

    /// Whitespace runs (including newlines from XML layout) folded to one space, ends trimmed.
    /// Works on UTF-8 bytes (a measured hot path of XML ingest); the Unicode white space outside
    /// ASCII (U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) is
    /// recognized by its encoding.
    public var collapsingWhitespace: String {
        var source = self
        return source.withUTF8 { buffer in
            // Text that is already collapsed (most single-line paragraphs) is returned as it is.
            if Self.isCollapsed(buffer) { return self }
            return String(unsafeUninitializedCapacity: buffer.count) { output in
                var written = 0
                var pendingSpace = false
                var index = 0
                let count = buffer.count
                while index < count {
                    // Copy a run of bytes that cannot start white space in one go.
                    var end = index
                    while end < count, !Self.mayStartWhitespace(buffer[end]) { end += 1 }
                    if end > index {
                        if pendingSpace {
                            output[written] = 0x20
                            written += 1
                            pendingSpace = false
                        }
                        let run = end - index
                        UnsafeMutableRawPointer(output.baseAddress! + written)
                            .copyMemory(from: buffer.baseAddress! + index, byteCount: run)
                        written += run
                        index = end
                        continue
                    }
                    let width = Self.whitespaceWidth(buffer, at: index)
                    if width > 0 {
                        pendingSpace = written > 0
                        index += width
                        continue
                    }
                    // A lead byte of a character that is not white space.
                    if pendingSpace {
                        output[written] = 0x20
                        written += 1
                        pendingSpace = false
                    }
                    output[written] = buffer[index]
                    written += 1
                    index += 1
                }
                return written
            }
        }
    }

    /// The byte length of the white space character at `index`, or 0.
    @inline(__always)
    static func whitespaceWidth(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = buffer[index], count = buffer.count
        if byte <= 0x20 {
            return byte == 0x20 || (0x09...0x0D).contains(byte) ? 1 : 0
        }
        if byte == 0xC2 {
            return index + 1 < count && (buffer[index + 1] == 0x85 || buffer[index + 1] == 0xA0) ? 2 : 0
        }
        guard index + 2 < count else { return 0 }
        let b1 = buffer[index + 1], b2 = buffer[index + 2]
        switch (byte, b1) {
        case (0xE1, 0x9A) where b2 == 0x80: return 3
        case (0xE2, 0x80) where (0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF: return 3
        case (0xE2, 0x81) where b2 == 0x9F: return 3
        case (0xE3, 0x80) where b2 == 0x80: return 3
        default: return 0
        }
    }

    /// Whether a byte may begin a white space character in UTF-8: ASCII white space (and the
    /// control bytes around it) or a lead byte (0xC2, 0xE1–0xE3) of the non-ASCII spaces.
    @inline(__always)
    static func mayStartWhitespace(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0xC2 || byte &- 0xE1 < 3
    }

    /// Whether collapsing would leave the text as it is: no white space at either end, none but
    /// single ASCII spaces inside. It runs over every paragraph read, so it checks eight bytes
    /// at a time (`ByteLanes`).
    static func isCollapsed(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return true }
        if whitespaceWidth(buffer, at: 0) > 0 { return false }
        for start in Swift.max(0, count - 3)..<count where whitespaceWidth(buffer, at: start) == count - start { return false }
        /// White space other than a lone ASCII space at `index`.
        func changesAt(_ index: Int) -> Bool {
            let width = whitespaceWidth(buffer, at: index)
            guard width > 0 else { return false }
            return width > 1 || buffer[index] != 0x20 || (index + 1 < count && buffer[index + 1] == 0x20)
        }
        var index = 0
        while index + 9 <= count {
            let word = ByteLanes.word(base, at: index)
            let next = ByteLanes.word(base, at: index + 1)
            if ByteLanes.lanes(word, equalTo: 0x20) & ByteLanes.lanes(next, equalTo: 0x20) != 0 { return false }
            let candidates = ByteLanes.controlLanes(word)                                  // bytes below 0x20
                | ByteLanes.lanes(word, equalTo: 0xC2)                                     // lead of U+0085, U+00A0
                | ByteLanes.zeroLanes((word ^ 0xE0E0_E0E0_E0E0_E0E0) & 0xFCFC_FCFC_FCFC_FCFC) // leads 0xE0–0xE3
            if candidates != 0 {
                for offset in 0..<8 where mayStartWhitespace(buffer[index + offset]) && changesAt(index + offset) { return false }
            }
            index += 8
        }
        while index < count {
            if mayStartWhitespace(buffer[index]), changesAt(index) { return false }
            index += 1
        }
        return true
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

