import Foundation
import Synchronization

/// Work split over the machine's cores.
public enum Parallel {
    /// The cores to use, asked once: Foundation reads the cgroup's files on every call, which
    /// was a fifth of a command that split a few hundred items at a time, thousands of times.
    public static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body` over consecutive ranges of `0..<count` on every core and returns the results
    /// in order, so that what is made does not depend on scheduling.
    public static func chunks<T: Sendable>(_ count: Int, _ body: @Sendable (Range<Int>) throws -> T) throws -> [T] {
        let chunkSize = max(1_000, count / (cores * 4) + 1)
        let ranges = pieces(of: 0..<count, size: chunkSize)
        guard ranges.count > 1 else { return try ranges.map(body) }
        var results = [Result<T, any Error>?](repeating: nil, count: ranges.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
                slots.base[index] = Result { try body(ranges[index]) }
            }
        }
        return try results.map { try $0!.get() }
    }

    /// `range` cut into consecutive pieces of `size` (the last shorter).
    static func pieces(of range: Range<Int>, size: Int) -> [Range<Int>] {
        stride(from: range.lowerBound, to: range.upperBound, by: size).map { $0..<min($0 + size, range.upperBound) }
    }

    /// Runs `body` for each of `0..<count` on every core, one index at a time (for tasks of very
    /// different sizes), and returns the results in order.
    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: count) { index in slots.base[index] = body(index) }
        }
        return results.map { $0! }
    }

    /// Makes the results of `0..<count` a block at a time, each block on every core, while
    /// `consume` takes the block before it, in order, on the calling thread: where the last step
    /// goes one at a time (inserts into a database, writes to a file), the making overlaps it instead of coming
    /// first, and only two blocks' results are held at once. The calling thread makes parts of
    /// the next block too once it has consumed: when making was left to other threads, a stage
    /// encoding fresh items (ingest) made them on one core while the calling thread waited.
    public static func overlapped<T: Sendable>(_ count: Int, block: Int, make: @escaping @Sendable (Range<Int>) throws -> [T],
                                               consume: ([T]) throws -> Void) throws {
        let ranges = pieces(of: 0..<count, size: max(1, block))
        let helpers = max(1, cores - 1)
        var previous: [T]?
        for index in 0...ranges.count {
            let making = index < ranges.count ? PartsInMaking(ranges[index], make: make, pieces: 4 * (helpers + 1)) : nil
            let started = making.map { making in (0..<helpers).map { _ in Parallel.start { making.work() } } } ?? []
            var failure: (any Error)?
            if let previous {
                do { try consume(previous) } catch { failure = error }
            }
            // A block started before `consume` threw finishes on its own; nothing waits for it.
            if let failure { throw failure }
            making?.work()
            for helper in started { try helper.wait() }
            previous = try making?.results()
        }
    }

    /// The parts of one block, taken in turn by whichever thread asks next.
    private final class PartsInMaking<T: Sendable>: @unchecked Sendable {
        private let parts: [Range<Int>]
        private let make: @Sendable (Range<Int>) throws -> [T]
        private let next = Atomic<Int>(0)
        private let slots: UnsafeMutablePointer<Result<[T], any Error>?>

        init(_ range: Range<Int>, make: @escaping @Sendable (Range<Int>) throws -> [T], pieces: Int) {
            let size = max(1_000, range.count / pieces + 1)
            parts = Parallel.pieces(of: range, size: size)
            self.make = make
            slots = .allocate(capacity: max(1, parts.count))
            slots.initialize(repeating: nil, count: max(1, parts.count))
        }

        deinit {
            slots.deinitialize(count: max(1, parts.count))
            slots.deallocate()
        }

        /// Makes parts until none is left; each slot is written by the one thread that took its part.
        func work() {
            while true {
                let part = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard part < parts.count else { return }
                slots[part] = Result { try make(parts[part]) }
            }
        }

        /// The block's results in order, or the first part's error. Call once every `work` has returned.
        func results() throws -> [T] {
            try (0..<parts.count).flatMap { try slots[$0]!.get() }
        }
    }

    /// Starts `work` on another thread; `wait()` gives its result.
    public static func start<T>(_ work: @escaping @Sendable () throws -> T) -> Pending<T> {
        let pending = Pending<T>()
        DispatchQueue.global().async {
            pending.result = Result { try work() }
            pending.done.signal()
        }
        return pending
    }

    /// The result of work `start` began, written by its thread before it signals `done`.
    public final class Pending<T>: @unchecked Sendable {
        fileprivate var result: Result<T, any Error>?
        fileprivate let done = DispatchSemaphore(value: 0)

        /// Waits for the work to end and gives its result. Call once.
        public func wait() throws -> T {
            done.wait()
            return try result!.get()
        }
    }

    /// Result slots that concurrent iterations fill, each iteration its own index only.
    private struct Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }
}
