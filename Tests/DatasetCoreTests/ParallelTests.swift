import Foundation
import Synchronization
import Testing
import DatasetCore

/// Work split over cores gives what the same work done in order gives.
@Suite struct ParallelTests {
    struct Stop: Error, Equatable { var at: Int }

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

    /// A value handed to `Reclaim` is let go on the reclaiming thread, not the caller's, and by
    /// the time `wait` returns.
    @Test func reclaimedValuesAreLetGoOnAThreadOfTheirOwn() {
        final class Log: Sendable { let threads = Mutex<[pthread_t]>([]) }
        final class Tracked: Sendable {
            let log: Log
            init(_ log: Log) { self.log = log }
            deinit { log.threads.withLock { $0.append(pthread_self()) } }
        }
        let log = Log()
        Reclaim.later([Tracked(log), Tracked(log)])
        Reclaim.wait()
        let threads = log.threads.withLock { $0 }
        #expect(threads.count == 2)
        #expect(threads.allSatisfy { pthread_equal($0, pthread_self()) == 0 })
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
