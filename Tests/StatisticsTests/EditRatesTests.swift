import Foundation
import Testing
@testable import Statistics

/// Edit rates of machine output against post-edits, Korean and English, as sacrebleu's TER and a
/// Levenshtein over code points give them (`edit_rates.json`, made by
/// `Tests/PythonChecks/make_edit_fixture.py`, which CI reruns against the fixture).
struct EditRatesTests {
    struct Fixture: Decodable {
        struct Pair: Decodable {
            var machine: String
            var edited: String
            var characters: Int
            var normalized: Double
            var ter: Double
            var word_edits: Int
            var words: Int
        }
        var pairs: [Pair]
    }

    @Test func everyPairMatchesSacrebleuAndLevenshtein() throws {
        let url = try #require(Bundle.module.url(forResource: "edit_rates", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.pairs.count >= 15)
        for pair in fixture.pairs {
            let measured = EditRates.measure(machine: pair.machine, edited: pair.edited)
            #expect(measured.characters == pair.characters, "\(pair.machine) → \(pair.edited)")
            #expect(abs(measured.normalized - pair.normalized) < 1e-12, "\(pair.machine) → \(pair.edited)")
            #expect(measured.wordEdits == pair.word_edits, "\(pair.machine) → \(pair.edited)")
            #expect(measured.words == pair.words, "\(pair.machine) → \(pair.edited)")
            #expect(abs(measured.ter - pair.ter) < 1e-12, "\(pair.machine) → \(pair.edited)")
        }
    }

    @Test func aShiftCostsOneEditWhereDeletingAndInsertingCostsTwo() {
        // "sat" moved to the end is one shift, not a deletion and an insertion.
        let measured = EditRates.measure(machine: "the cat sat on the mat", edited: "the cat on the mat sat")
        #expect(measured.wordEdits == 1)
        #expect(EditRates.levenshtein(Array("kitten"), Array("sitting")) == 3)
    }
}
