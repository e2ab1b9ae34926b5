import Testing
import DatasetCore
@testable import Sampling

func items(_ count: Int, subject: String, prefix: String = "ck", topic: String? = nil) -> [Item] {
    (0..<count).map { index in
        Item(id: "\(prefix)-\(subject)-\(index)", task: .commonKnowledge, subject: subject, language: "ko",
             question: "질문 \(subject) \(index)", choices: ["가 \(index)", "나 \(index)", "다 \(index)", "라 \(index)"], answer: "A",
             choicesOrdered: false, topic: topic,
             source: ItemSource(kind: "authored", sourceID: "s", document: "d", element: "\(index)", license: nil, revision: "r"))
    }
}

let devAndTest = [SplitAssigner.Split(name: "dev", perSubject: 2), SplitAssigner.Split(name: "test", perSubject: nil)]

@Suite struct SplitMix64Tests {
    @Test func matchesTheReferenceImplementation() {
        // Outputs of Vigna's splitmix64.c for seed 1234567 (and 0).
        var generator = SplitMix64(seed: 1_234_567)
        #expect((0..<5).map { _ in generator.next() } ==
                [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
                 4_593_380_528_125_082_431, 16_408_922_859_458_223_821])
        var zero = SplitMix64(seed: 0)
        #expect((0..<3).map { _ in zero.next() } == [16_294_208_416_658_607_535, 7_960_286_522_194_355_700, 487_617_019_471_545_679])
    }

    @Test func unitDrawsAreInRangeAndLabelledGeneratorsDiffer() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<1000 {
            let value = generator.nextUnit()
            #expect(value >= 0 && value < 1)
        }
        var a = SplitMix64(seed: 42, label: "split\u{1F}ck-1"), b = SplitMix64(seed: 42, label: "split\u{1F}ck-2")
        #expect(a.next() != b.next())
    }
}

@Suite struct SplitAssignerTests {
    @Test func countedSplitsTakeTheirSizePerSubjectAndTheLastTheRest() {
        let pool = items(10, subject: "history") + items(3, subject: "math") + items(1, subject: "art")
        let splits = SplitAssigner(seed: 7, splits: devAndTest).assign(pool)
        let dev = splits["dev"]!, test = splits["test"]!
        #expect(dev.filter { $0.subject == "history" }.count == 2)
        #expect(dev.filter { $0.subject == "math" }.count == 2)
        #expect(dev.filter { $0.subject == "art" }.count == 1)
        #expect(dev.count + test.count == pool.count)
        #expect(Set(dev.map(\.id)).isDisjoint(with: test.map(\.id)))
        #expect(dev.map(\.id) == dev.map(\.id).sorted())
    }

    /// Each split comes in id order from any order of the items; where ids repeat, equal ids
    /// stay in the order they were placed in.
    @Test func splitsComeInIdOrderFromAnyOrderAndWithRepeatedIds() {
        var generator = SplitMix64(seed: 3)
        let pool = items(30, subject: "history") + items(12, subject: "math")
        var shuffled = pool
        shuffled.shuffle(using: &generator)
        let inOrder = SplitAssigner(seed: 4, splits: devAndTest).assign(pool)
        let fromShuffled = SplitAssigner(seed: 4, splits: devAndTest).assign(shuffled)
        for split in ["dev", "test"] {
            #expect(inOrder[split]!.map(\.id) == inOrder[split]!.map(\.id).sorted())
            #expect(fromShuffled[split]!.map(\.id) == inOrder[split]!.map(\.id))
        }
        var repeated = pool
        var copy = pool[5]
        copy.subject = "art"
        repeated.append(copy)
        let splits = SplitAssigner(seed: 4, splits: devAndTest).assign(repeated)
        let all = splits["dev"]! + splits["test"]!
        #expect(all.count == repeated.count)
        for split in splits.values { #expect(split.map(\.id) == split.map(\.id).sorted()) }
        #expect(all.filter { $0.id == pool[5].id }.count == 2)
    }

    @Test func sameSeedSameSplitsInAnyInputOrderAndAnotherSeedDiffers() {
        let pool = items(40, subject: "history")
        let first = SplitAssigner(seed: 1, splits: devAndTest).assign(pool)
        let shuffled = SplitAssigner(seed: 1, splits: devAndTest).assign(pool.reversed())
        let other = SplitAssigner(seed: 2, splits: devAndTest).assign(pool)
        #expect(first["dev"]!.map(\.id) == shuffled["dev"]!.map(\.id))
        #expect(first["dev"]!.map(\.id) != other["dev"]!.map(\.id))
    }

    @Test func addingOrRemovingItemsMovesNoPublishedItem() {
        let pool = items(100, subject: "history") + items(60, subject: "math")
        let assigner = SplitAssigner(seed: 11, splits: devAndTest)
        let first = assigner.assign(pool)
        let published = Dictionary(uniqueKeysWithValues: first.flatMap { split, members in members.map { ($0.id, split) } })
        // 10% more items, and a dev item removed.
        let removed = first["dev"]![0].id
        let grown = pool.filter { $0.id != removed } + items(16, subject: "history", prefix: "new") + items(6, subject: "math", prefix: "new")
        let second = assigner.assign(grown, previous: published)
        for (split, members) in second {
            for item in members where published[item.id] != nil {
                #expect(published[item.id] == split, "\(item.id) moved")
            }
        }
        // The dev slot freed by the removal is filled from the new items only.
        #expect(second["dev"]!.filter { $0.subject == first["dev"]![0].subject }.count == 2)
        #expect(second["dev"]!.contains { $0.id.hasPrefix("new-") })
    }

    @Test func aClusterNeverStraddlesSplits() {
        let pool = items(12, subject: "history") + items(4, subject: "math")
        // A pair, a triple too large for dev's 2 slots, and a pair across subjects.
        let together = [["ck-history-0", "ck-history-1"], ["ck-history-2", "ck-history-3", "ck-history-4"],
                        ["ck-history-5", "ck-math-0"]]
        var pairsInDev = 0
        for seed in UInt64(0)..<40 {
            let splits = SplitAssigner(seed: seed, splits: devAndTest).assign(pool, together: together)
            #expect(SplitAssigner.straddling(splits, together: together).isEmpty, "seed \(seed)")
            #expect(splits.values.map(\.count).reduce(0, +) == pool.count)
            #expect(splits["dev"]!.filter { $0.subject == "history" }.count <= 2)
            #expect(!splits["dev"]!.contains { $0.id == "ck-history-2" }, "the triple cannot fit in dev")
            if splits["dev"]!.contains(where: { $0.id == "ck-history-0" }) { pairsInDev += 1 }
        }
        // The pair is not simply kept out of dev.
        #expect(pairsInDev > 0)
    }

    @Test func aNewMemberJoinsTheSplitItsPublishedClusterIsIn() {
        let pool = items(12, subject: "history")
        let assigner = SplitAssigner(seed: 3, splits: devAndTest)
        let first = assigner.assign(pool)
        let published = Dictionary(uniqueKeysWithValues: first.flatMap { split, members in members.map { ($0.id, split) } })
        let devItem = first["dev"]![0].id
        let copy = items(1, subject: "history", prefix: "new")
        let second = assigner.assign(pool + copy, previous: published, together: [[devItem, copy[0].id]])
        #expect(second["dev"]!.contains { $0.id == copy[0].id })
        // Two published items now found to be near-duplicates keep their splits; the report names them.
        let apart = [[first["dev"]![0].id, first["test"]![0].id]]
        let third = assigner.assign(pool, previous: published, together: apart)
        #expect(SplitAssigner.straddling(third, together: apart) == apart)
    }
}

@Suite struct AnswerBalancerTests {
    @Test func correctAnswersSpreadEvenlyWithinEachSubject() {
        let pool = items(103, subject: "history") + items(250, subject: "math")
        let (balanced, report) = AnswerBalancer.balance(pool, seed: 5)
        #expect(balanced.count == pool.count)
        for subject in report {
            let share = subject.counts.map { Double($0) / Double(subject.items) }
            #expect(share.allSatisfy { abs($0 - 0.25) <= 0.02 }, "\(subject)")
            #expect(subject.chiSquare < 1)
        }
        for item in balanced {
            let original = pool.first { $0.id == item.id }!
            #expect(item.answerText == original.answerText)
            #expect(Set(item.choices) == Set(original.choices))
            #expect(item.contentHash == original.contentHash)
        }
    }

    @Test func likertAndSocialValueItemsAreNeverPermuted() {
        var likert = items(1, subject: "values")[0]
        likert.choicesOrdered = true
        var social = items(1, subject: "stereotypes", prefix: "sv")[0]
        social.task = .socialValue
        let (balanced, report) = AnswerBalancer.balance([likert, social], seed: 5)
        for original in [likert, social] {
            let item = balanced.first { $0.id == original.id }!
            #expect(item.choices == original.choices)
            #expect(item.answer == "A")
        }
        #expect(report.isEmpty)
    }

    /// The balanced items come in id order whatever order they were given in, each with the
    /// same choices; where ids repeat, in the order of a stable sort by id of what each subject
    /// emitted (the items kept as they were, then the new ones in the order of their draws).
    @Test func balancedItemsComeInIdOrderFromAnyOrderAndWithRepeatedIds() {
        var generator = SplitMix64(seed: 11)
        let pool = items(60, subject: "history") + items(45, subject: "math") + items(7, subject: "art", prefix: "sv")
        var shuffled = pool
        shuffled.shuffle(using: &generator)
        let inOrder = AnswerBalancer.balance(pool, seed: 9), fromShuffled = AnswerBalancer.balance(shuffled, seed: 9)
        #expect(inOrder.items.map(\.id) == pool.map(\.id).sorted())
        #expect(fromShuffled.items.map(\.id) == inOrder.items.map(\.id))
        #expect(fromShuffled.items.map(\.choices) == inOrder.items.map(\.choices))
        #expect(fromShuffled.report == inOrder.report)

        // The same id in two subjects and twice in one: ordered by id, equal ids as emitted.
        var repeated = items(6, subject: "history")
        var copy = repeated[2]
        copy.subject = "math"
        repeated.append(copy)
        var twice = repeated[4]
        twice.choicesOrdered = true
        repeated.append(twice)
        let balanced = AnswerBalancer.balance(repeated, seed: 9).items
        #expect(balanced.map(\.id) == repeated.map(\.id).sorted())
        let fours = balanced.filter { $0.id == repeated[4].id }
        // history's ordered copy is kept as it was, so history emits it before its drawn items.
        #expect(fours.map(\.choicesOrdered) == [true, false])
        #expect(balanced.filter { $0.id == repeated[2].id }.map(\.subject) == ["history", "math"])
    }

    @Test func publishedItemsKeepTheirOrderAndNewOnesFillTheGaps() {
        let pool = items(40, subject: "history")
        let first = AnswerBalancer.balance(pool, seed: 3).items
        let published = Dictionary(uniqueKeysWithValues: first.map { ($0.id, $0.choices) })
        let second = AnswerBalancer.balance(pool + items(8, subject: "history", prefix: "new"), seed: 3, previous: published)
        for item in second.items where published[item.id] != nil {
            #expect(item.choices == published[item.id])
        }
        #expect(second.report[0].counts.allSatisfy { $0 == 12 })
    }
}
