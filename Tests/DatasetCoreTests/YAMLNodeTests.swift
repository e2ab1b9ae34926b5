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
}
