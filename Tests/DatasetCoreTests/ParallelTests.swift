import Foundation
import Synchronization
import Testing
import DatasetCore

/// Work split over cores gives what the same work done in order gives.
@Suite struct ParallelTests {
    struct Stop: Error, Equatable { var at: Int }

    /// Counts the `Tracked` values let go of.
    final class Log: Sendable { let freed = Mutex(0) }
    final class Tracked: Sendable {
        let log: Log
        init(_ log: Log) { self.log = log }
        deinit { log.freed.withLock { $0 += 1 } }
    }

    @Test(arguments: [0, 1, 999, 1_000, 1_001, 20_000])
    func overlappedBlocksAreConsumedInOrder(count: Int) throws {
        var consumed: [Int] = []
        var blocks: [Int] = []
        try Parallel.overlapped(count, block: 1_000, make: { range in range.map { $0 * 3 } }) { values in
            blocks.append(values.count)
            consumed += values
        }
        #expect(consumed == (0..<count).map { $0 * 3 })
        #expect(blocks.dropLast().allSatisfy { $0 == 1_000 } && blocks.last.map { (1...1_000).contains($0) } ?? true)
        #expect(blocks.count == (count + 999) / 1_000)
    }

    /// An array made in place on every core holds each element at its index, each made once,
    /// and lets go of each once when it goes.
    @Test(arguments: [0, 1, 999, 1_001, 70_000])
    func anArrayMadeInPlaceHoldsEachElementAtItsIndex(count: Int) {
        let log = Log()
        do {
            let made = Parallel.array(count) { index in (index: index, tracked: Tracked(log)) }
            #expect(made.map(\.index) == Array(0..<count))
            #expect(Set(made.map { ObjectIdentifier($0.tracked) }).count == count)
            #expect(log.freed.withLock { $0 } == 0)
        }
        #expect(log.freed.withLock { $0 } == count)
    }

    /// While a block is consumed, other threads make the blocks after it, at most `ahead` past
    /// it; each block's results are let go once consumed.
    @Test(arguments: [1, 2])
    func blocksAreMadeAheadOnlySoFarAndLetGoOnceConsumed(ahead: Int) throws {
        let log = Log()
        let furthestMade = Atomic<Int>(-1)
        var consumedBlocks = 0
        try Parallel.overlapped(40_000, block: 1_000, ahead: ahead, make: { range in
            _ = furthestMade.max(range.lowerBound / 1_000, ordering: .relaxed)
            return range.map { _ in Tracked(log) }
        }) { values in
            #expect(values.count == 1_000)
            #expect(furthestMade.load(ordering: .relaxed) <= consumedBlocks + ahead)
            #expect(log.freed.withLock { $0 } == consumedBlocks * 1_000)
            consumedBlocks += 1
        }
        #expect(consumedBlocks == 40)
        #expect(log.freed.withLock { $0 } == 40_000)
    }

    /// A value handed to `Reclaim` is let go in the reclaiming queue's turn, not when handed
    /// over, and by the time `wait` returns. (Which thread runs the queue's turn is the
    /// system's: one waiting on the queue may run it.)
    @Test func reclaimedValuesAreLetGoInTheQueuesTurn() {
        // Holds the queue until the test lets it go on (or ten seconds, should it be let go here).
        final class Gate: Sendable {
            let open = DispatchSemaphore(value: 0)
            deinit { _ = open.wait(timeout: .now() + 10) }
        }
        let log = Log(), gate = Gate()
        let opening = gate.open
        Reclaim.later(consume gate)
        Reclaim.later([Tracked(log), Tracked(log)])
        #expect(log.freed.withLock { $0 } == 0)
        opening.signal()
        Reclaim.wait()
        #expect(log.freed.withLock { $0 } == 2)
    }

    /// What a pile holds is let go of only once its holder lets go, and then in the queue's turn.
    @Test func aPileIsLetGoOfWhenItsHolderSays() {
        let log = Log(), pile = Reclaim.Pile()
        pile.add([Tracked(log), Tracked(log)])
        pile.add(Tracked(log))
        Reclaim.wait()
        #expect(log.freed.withLock { $0 } == 0)
        pile.letGo()
        Reclaim.wait()
        #expect(log.freed.withLock { $0 } == 3)
        pile.letGo()
    }

    @Test func aFailureInMakingOrConsumingEndsIt() {
        var consumed = 0
        #expect(throws: Stop(at: 2_500)) {
            try Parallel.overlapped(5_000, block: 1_000, make: { range in
                try range.map { index in
                    if index == 2_500 { throw Stop(at: index) }
                    return index
                }
            }) { values in consumed += values.count }
        }
        // The two blocks before the one that failed, and nothing after.
        #expect(consumed == 2_000)
        var calls = 0
        #expect(throws: Stop(at: 1)) {
            try Parallel.overlapped(5_000, block: 1_000, make: { range in Array(range) }) { _ in
                calls += 1
                if calls == 2 { throw Stop(at: 1) }
            }
        }
        #expect(calls == 2)
    }

    @Test func startedWorkGivesItsResultOrItsError() throws {
        let sum = Parallel.start { (0..<100_000).reduce(0, +) }
        let failing = Parallel.start { () throws -> Int in throw Stop(at: 7) }
        #expect(try sum.wait() == 4_999_950_000)
        #expect(throws: Stop(at: 7)) { try failing.wait() }
    }
}
