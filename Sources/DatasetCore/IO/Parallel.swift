public import Dispatch
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

    /// The array of `element(0)`, `element(1)`, ... made on every core in place: each core
    /// fills its own stretch of the array, which is not then joined from parts (a copy that
    /// retains whatever each element holds).
    public static func array<T>(_ count: Int, _ element: @Sendable (Int) -> T) -> [T] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                let slots = Slots(base: base)
                _ = try! chunks(count) { range in for index in range { (slots.base + index).initialize(to: element(index)) } }
            }
            initialized = count
        }
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
    /// `consume` takes the blocks before it, in order, on the calling thread: where the last step
    /// goes one at a time (inserts into a database, writes to a file), the making overlaps it
    /// instead of coming first. Each block is cut into parts, taken in turn by whichever thread
    /// is free: the other threads go on to the next blocks' parts (at most `ahead` blocks past
    /// the one being consumed, so that that many blocks' results are held at once besides it),
    /// and the calling thread makes parts while the block it is to consume next is unfinished.
    /// With other threads making one block at a time, each waited while the calling thread
    /// consumed and made the last part of the block (the two threads waited for each other
    /// 0.3 s of the 2.0 s validate took to write its file at a million candidates).
    public static func overlapped<T: Sendable>(_ count: Int, block: Int, ahead: Int = 2,
                                               make: @escaping @Sendable (Range<Int>) throws -> [T],
                                               consume: ([T]) throws -> Void) throws {
        let helpers = max(1, cores - 1)
        let making = BlocksInMaking(pieces(of: 0..<count, size: max(1, block)), make: make, partsPerBlock: 4 * (helpers + 1),
                                    ahead: max(1, ahead))
        let started = (0..<helpers).map { _ in Parallel.start { making.help() } }
        defer {
            making.stop()
            for helper in started { _ = try? helper.wait() }
        }
        for index in 0..<making.blockCount {
            try consume(try making.results(of: index))
            making.consumed(index)
        }
    }

    /// The parts of every block, taken in order by whichever thread asks next, as far as the
    /// blocks let go so far.
    private final class BlocksInMaking<T: Sendable>: @unchecked Sendable {
        private struct Part {
            var block: Int
            var range: Range<Int>
        }
        private let parts: [Part]
        /// Where each block's parts begin in `parts` (and, last, their count).
        private let firstPart: [Int]
        private let make: @Sendable (Range<Int>) throws -> [T]
        private let ahead: Int
        private let next = Atomic<Int>(0)
        private let stopped = Atomic<Bool>(false)
        /// One for each part that may be taken: the parts of the blocks let go.
        private let permits = DispatchSemaphore(value: 0)
        /// Each block's parts not yet made, and a signal when the last is.
        private let unfinished: UnsafeMutablePointer<Atomic<Int>>
        private let finished: [DispatchSemaphore]
        private let slots: UnsafeMutablePointer<Result<[T], any Error>?>
        var blockCount: Int { firstPart.count - 1 }

        init(_ blocks: [Range<Int>], make: @escaping @Sendable (Range<Int>) throws -> [T], partsPerBlock: Int, ahead: Int) {
            var parts: [Part] = [], firstPart: [Int] = []
            for (index, block) in blocks.enumerated() {
                firstPart.append(parts.count)
                let size = max(1_000, block.count / partsPerBlock + 1)
                parts += Parallel.pieces(of: block, size: size).map { Part(block: index, range: $0) }
            }
            firstPart.append(parts.count)
            (self.parts, self.firstPart, self.make, self.ahead) = (parts, firstPart, make, ahead)
            unfinished = .allocate(capacity: max(1, blocks.count))
            for index in blocks.indices { (unfinished + index).initialize(to: Atomic(firstPart[index + 1] - firstPart[index])) }
            finished = blocks.map { _ in DispatchSemaphore(value: 0) }
            slots = .allocate(capacity: max(1, parts.count))
            slots.initialize(repeating: nil, count: max(1, parts.count))
            // The first block, and those that may be made while it is consumed.
            for block in 0..<min(blocks.count, ahead + 1) { letGo(block) }
        }

        deinit {
            unfinished.deinitialize(count: blockCount)
            unfinished.deallocate()
            slots.deinitialize(count: max(1, parts.count))
            slots.deallocate()
        }

        private func letGo(_ block: Int) {
            for _ in firstPart[block]..<firstPart[block + 1] { permits.signal() }
        }

        /// Makes part `index`; the thread that makes a block's last part says the block is done.
        private func makePart(_ index: Int) {
            let part = parts[index]
            slots[index] = Result { try make(part.range) }
            if unfinished[part.block].subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { finished[part.block].signal() }
        }

        /// Another thread's work: parts as they are let go, until none is left or `stop`.
        func help() {
            while true {
                permits.wait()
                guard !stopped.load(ordering: .relaxed) else { return }
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < parts.count else { return }
                makePart(index)
            }
        }

        /// Block `block`'s results in order, or its first part's error, making parts of it (or
        /// of the blocks after it that were let go) on this thread until it is done.
        func results(of block: Int) throws -> [T] {
            while unfinished[block].load(ordering: .acquiring) > 0 {
                guard permits.wait(timeout: .now()) == .success else {
                    finished[block].wait()
                    break
                }
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < parts.count else { break }
                makePart(index)
            }
            if unfinished[block].load(ordering: .acquiring) > 0 { finished[block].wait() }
            // Taken out of their slots, so that each block's results are freed once consumed.
            let taken = (firstPart[block]..<firstPart[block + 1]).map { index in
                defer { slots[index] = nil }
                return slots[index]!
            }
            return try taken.flatMap { try $0.get() }
        }

        /// Block `block` was consumed: the block `ahead` past the next may be made.
        func consumed(_ block: Int) {
            if block + ahead + 1 < blockCount { letGo(block + ahead + 1) }
        }

        /// Ends the other threads' work, made or not.
        func stop() {
            stopped.store(true, ordering: .relaxed)
            for _ in 0..<Parallel.cores { permits.signal() }
        }
    }

    /// Starts `work` on another thread (on `queue`, after the work queued there before, when it
    /// is serial); `wait()` gives its result.
    public static func start<T>(on queue: DispatchQueue = .global(), _ work: @escaping @Sendable () throws -> T) -> Pending<T> {
        let pending = Pending<T>()
        queue.async {
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
