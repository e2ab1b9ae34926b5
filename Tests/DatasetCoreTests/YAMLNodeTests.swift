import Foundation
import Testing
@testable import DatasetCore

@Suite struct YAMLNodeTests {
    @Test func unknownKeysAreReportedWithTheirLineAndASuggestion() throws {
        let root = try YAMLNode.parse("name: x\nseeed: 3\nsources: []\n", file: "p.yaml")
        var diagnostics = Diagnostics()
        let map = try #require(root.mapping(&diagnostics))
        map.rejectUnknownKeys(allowed: ["name", "seed", "sources"], &diagnostics)
        #expect(diagnostics.errors == [InputError(file: "p.yaml", line: 2, field: "seeed", "unknown key (did you mean 'seed'?)")])
    }

    @Test func wrongTypesNameTheKeyAndWhatWasFound() throws {
        let root = try YAMLNode.parse("seed: abc\nflags:\n  on: maybe\n", file: "p.yaml")
        var diagnostics = Diagnostics()
        let map = try #require(root.mapping(&diagnostics))
        #expect(map["seed"]?.int(&diagnostics) == nil)
        let flags = try #require(map["flags"]?.mapping(&diagnostics))
        #expect(flags["on"]?.bool(&diagnostics) == nil)
        #expect(diagnostics.errors.count == 2)
        #expect(diagnostics.errors[0].description == "p.yaml:1:7: 'seed': wrong type: expected a whole number, found the text \"abc\"")
        #expect(diagnostics.errors[1].location.field == "flags.on")
        #expect(diagnostics.errors[1].location.line == 3)
    }

    @Test func syntaxErrorsAndDuplicateKeysCarryTheirLine() {
        #expect(throws: InputError.self) { try YAMLNode.parse("a: [1, 2\nb: 3\n", file: "p.yaml") }
        do {
            _ = try YAMLNode.parse("a: 1\nb: 2\na: 3\n", file: "p.yaml")
            Issue.record("expected a duplicate-key error")
        } catch let error as InputError {
            #expect(error.message.contains("key appears twice"))
            #expect(error.location.line != nil)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func textAcceptsAnyScalarButNotNull() throws {
        let root = try YAMLNode.parse("year: 2024\nempty:\n", file: "p.yaml")
        var diagnostics = Diagnostics()
        let map = try #require(root.mapping(&diagnostics))
        #expect(map["year"]?.string(&diagnostics) == "2024")
        #expect(map["empty"]?.string(&diagnostics) == nil)
        #expect(diagnostics.errors.count == 1)
    }

    private func peakKilobytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").compactMap { Int($0) }.first ?? 0
    }

    @Test func aLargeAnchorUsedThousandsOfTimesIsRefusedBeforeAnyoneReadsIt() throws {
        // 10 MB under one anchor, used 2,000 times: 20 GB for whoever reads the values.
        let yaml = "big: &b \"" + String(repeating: "x", count: 10_000_000) + "\"\nuses: [" + Array(repeating: "*b", count: 2_000).joined(separator: ", ") + "]\n"
        let start = Date(), before = peakKilobytes()
        #expect(throws: InputError(file: "p.yaml", line: 2,
                                   "the document's aliases expand past the limit (1000000 nodes or 64 MiB of text); write the values out or use fewer aliases")) {
            try YAMLNode.parse(yaml, file: "p.yaml")
        }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(peakKilobytes() - before < 300_000)
    }

    @Test func nestedAliasesStopAtTheLimitInsteadOfGrowingExponentially() throws {
        // Nine levels of ten: 10^9 leaves once expanded.
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let start = Date()
        do {
            _ = try YAMLNode.parse(yaml, file: "p.yaml")
            Issue.record("expected the aliases to be refused")
        } catch let error as InputError {
            #expect(error.message.hasPrefix("the document's aliases expand past the limit"))
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func anAliasUsedAsAKeyIsCountedBeforeYamsHashesIt() throws {
        // Found by fuzz-readers: Yams hashes every mapping key whole to find duplicates, so an
        // alias of 10^8 nodes used as a key hung composition before any walk of the tree.
        let yaml = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus/yaml/regressions/alias-as-key.yaml"), encoding: .utf8)
        let start = Date()
        do {
            _ = try YAMLNode.parse(yaml, file: "p.yaml")
            Issue.record("expected the aliases to be refused")
        } catch let error as InputError {
            #expect(error.message.hasPrefix("the document's aliases expand past the limit"), "\(error)")
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func aliasesInsideQuotedTextAndTooManyAliasesAreTold() throws {
        var d = Diagnostics()
        let root = try YAMLNode.parse("a: &x 1\nb: \"not *x an alias\"\nc: [*x, *x]\n", file: "p.yaml")
        #expect(root.mapping(&d)?["b"]?.string(&d) == "not *x an alias")
        #expect(root.mapping(&d)?["c"]?.sequence(&d)?.count == 2)
        let many = "a: &x 1\nb: [" + Array(repeating: "*x", count: 10_001).joined(separator: ", ") + "]\n"
        #expect(throws: InputError(file: "p.yaml", line: 2, "more than 10000 aliases; write the values out or use fewer aliases")) {
            try YAMLNode.parse(many, file: "p.yaml")
        }
    }

    @Test func aFewAliasesAsInAnOrdinaryPipelineAreRead() throws {
        var d = Diagnostics()
        let root = try YAMLNode.parse("defaults: &d {reviewers: 2}\nfirst: *d\nsecond: *d\n", file: "p.yaml")
        let map = try #require(root.mapping(&d))
        #expect(map["second"]?.mapping(&d)?["reviewers"]?.int(&d) == 2)
        #expect(d.isEmpty)
    }

    @Test func aFileOverTheSizeLimitIsRefusedBeforeItIsRead() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(("a: " + String(repeating: "x", count: 2_000) + "\n").utf8).write(to: url)
        #expect(throws: InputError(file: "p.yaml", "the file is 2004 bytes, over the limit of 1000 for a YAML file")) {
            try YAMLNode.load(url, displayName: "p.yaml", maximumBytes: 1_000)
        }
        #expect(try YAMLNode.load(url, displayName: "p.yaml").location.file == "p.yaml")
    }
}
