import Foundation
import Testing
@testable import SchemaValidation

/// Patterns matched on bytes (`BytePattern`) agree with Swift's `Regex` on whether they match,
/// and what is not of their kind is left to `Regex`.
@Suite struct BytePatternTests {
    /// xorshift64*: the same random patterns and texts on every run.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 0x2545_F491_4F6C_DD1D) >> 33) % bound
        }
        mutating func pick(_ choices: [String]) -> String { choices[next(choices.count)] }
    }

    static func regexMatches(_ pattern: String, _ text: String) -> Bool {
        (try? Regex(pattern).firstMatch(in: text)) != nil
    }

    static func byteMatches(_ pattern: BytePattern, _ text: String) -> Bool? {
        var text = text
        return text.withUTF8(pattern.matches)
    }

    /// A random pattern of the kind: atoms (letters, escapes, classes, groups of alternatives),
    /// each with a quantifier or none, anchors at either end or inside.
    static func pattern(_ generator: inout Generator, depth: Int = 0) -> String {
        let atoms = ["a", "b", "c", "-", "\\.", ".", "\\d", "\\w", "\\s", "\\D", "\\W", "[a-c]", "[^b]", "[.-]", "[-a]", "[0-9a-f]", "[\\d.]", "[^\\w]", " "]
        let quantifiers = ["", "", "", "?", "*", "+", "{2}", "{1,3}", "{0,2}", "{2,}", "{0}"]
        var pattern = generator.next(3) == 0 ? "^" : ""
        for _ in 0..<(1 + generator.next(4)) {
            var atom = generator.pick(atoms)
            if depth < 2, generator.next(5) == 0 {
                let choices = (0..<(1 + generator.next(3))).map { _ in Self.pattern(&generator, depth: depth + 1) }
                atom = (generator.next(2) == 0 ? "(" : "(?:") + choices.joined(separator: "|") + ")"
            } else if generator.next(12) == 0 {
                atom = generator.pick(["^", "$"])
                pattern += atom
                continue
            }
            pattern += atom + generator.pick(quantifiers)
        }
        return pattern + (generator.next(3) == 0 ? "$" : "")
    }

    @Test func randomPatternsAgreeWithRegex() throws {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        let pieces = ["a", "b", "c", "-", ".", "1", "9", " ", "_", "Z", "ab", "abc"]
        var compared = 0, matched = 0
        for _ in 0..<400 {
            let source = Self.pattern(&generator)
            let pattern = try #require(BytePattern(source), "\(source)")
            for _ in 0..<30 {
                let text = (0..<generator.next(7)).map { _ in generator.pick(pieces) }.joined()
                let expected = Self.regexMatches(source, text)
                #expect(Self.byteMatches(pattern, text) == expected, "\(source) on \"\(text)\"")
                compared += 1
                if expected { matched += 1 }
            }
        }
        // Both answers common enough to mean something.
        #expect(matched > compared / 5 && matched < compared * 4 / 5)
    }

    @Test func theSchemasPatternsAgreeWithRegex() throws {
        let cases: [(String, [String])] = [
            ("^(ck|sv)-[0-9a-f]{16}$", ["ck-0123456789abcdef", "sv-0123456789abcdef", "ck-0123456789abcde", "ck-0123456789abcdef0",
                                        "xck-0123456789abcdef", "ck-0123456789ABCDEF", "kc-0123456789abcdef", ""]),
            ("^[a-z]{2,3}(-[A-Za-z0-9]+)*$", ["ko", "kor", "ko-KR", "en-Latn-US", "k", "koko", "ko-", "ko--KR", "ko_KR"]),
            ("^[A-Z]{1,3}$", ["A", "AB", "ABC", "ABCD", "a", ""]),
            ("^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$", ["1.3.0", "01.3.0", "1.3.0-rc.1", "1.3", "1.3.0-"]),
            ("^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?(/[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)?$",
             ["2010", "2010-13", "2010-12-31", "2010-12-32", "2010/2020-01", "2010/", "2010-1"]),
            ("\\.(jsonl|json|csv)$", ["a.jsonl", "a.json", "a.csv", "a.csvx", "ajson", ".json"]),
            ("^(0(\\.[0-9]+)?|1(\\.0+)?)$", ["0", "0.5", "1", "1.00", "1.5", "0.", "2"]),
        ]
        for (source, texts) in cases {
            let pattern = try #require(BytePattern(source), "\(source)")
            for text in texts {
                #expect(Self.byteMatches(pattern, text) == Self.regexMatches(source, text), "\(source) on \"\(text)\"")
            }
        }
    }

    /// What is not of the kind: options, look-arounds, back-references, word boundaries, lazy and
    /// possessive quantifiers, nested classes and class operators, stray braces and brackets.
    @Test(arguments: ["(?i)a", "(?=a)b", "(a)\\1", "\\bword", "a{2}?", "a++", "a*?", "[[:alpha:]]", "[a-z&&[^b]]", "[a--b]",
                      "[]a]", "[]", "a{", "a}", "x{3,1}", "a]", "(a", "a)", "\\p{L}", "é", "a\tb", "[a-c-e]", "^*", "a{99999}", "a{,3}"])
    func otherPatternsAreLeftToRegex(_ source: String) {
        #expect(BytePattern(source) == nil)
    }

    /// Text that is not printable ASCII is left to `Regex`, which reads characters, not bytes.
    @Test func otherTextIsLeftToRegex() throws {
        let pattern = try #require(BytePattern("^.b$"))
        #expect(Self.byteMatches(pattern, "ab") == true)
        #expect(Self.byteMatches(pattern, "가b") == nil)
        #expect(Self.byteMatches(pattern, "e\u{301}b") == nil)
        #expect(Self.byteMatches(pattern, "\nb") == nil)
    }

    /// A pattern that backtracking takes exponential time over answers at once here.
    @Test func aNestedLoopIsAnsweredInTime() throws {
        let pattern = try #require(BytePattern("^(a+)+$"))
        #expect(Self.byteMatches(pattern, String(repeating: "a", count: 5_000) + "b") == false)
        #expect(Self.byteMatches(pattern, String(repeating: "a", count: 5_000)) == true)
    }

    /// The validator checks a string's pattern on its bytes as written, and through its text where
    /// it has escapes or characters past ASCII; either way the answer `Regex` gives.
    @Test func theValidatorChecksPatternsOnBytesAndOnText() throws {
        let schema = try JSONSchemaValidator(schemaData: Data(#"{"properties": {"id": {"type": "string", "pattern": "^ck-[0-9a-f]{4}$"}}}"#.utf8))
        var scratch = JSONSchemaValidator.Scratch()
        func failures(_ json: String) -> [String]? {
            Array(json.utf8).withUnsafeBytes { schema.validate(document: $0, naming: "id", scratch: &scratch)?.failures.map(\.keyword) }
        }
        #expect(failures(#"{"id": "ck-00af"}"#) == [])
        #expect(failures(#"{"id": "ck-00ag"}"#) == ["pattern"])
        #expect(failures(#"{"id": "ck-\u0030\u0030af"}"#) == [])
        #expect(failures(#"{"id": "ck-00a가"}"#) == ["pattern"])
        let newlineMatches = Self.regexMatches("^ck-[0-9a-f]{4}$", "ck-00af\n")
        #expect(failures(#"{"id": "ck-00af\n"}"#) == (newlineMatches ? [] : ["pattern"]))
    }
}
