import Foundation

/// Work split over the machine's cores.
public enum Parallel {
    /// Runs `body` over consecutive ranges of `0..<count` on every core and returns the results
    /// in order, so that what is made does not depend on scheduling.
    public static func chunks<T: Sendable>(_ count: Int, _ body: @Sendable (Range<Int>) throws -> T) throws -> [T] {
        let chunkSize = max(1_000, count / (ProcessInfo.processInfo.activeProcessorCount * 4) + 1)
        let ranges = stride(from: 0, to: count, by: chunkSize).map { $0..<min($0 + chunkSize, count) }
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
    /// first, and only two blocks' results are held at once.
    public static func overlapped<T: Sendable>(_ count: Int, block: Int, make: @escaping @Sendable (Range<Int>) throws -> [T],
                                               consume: ([T]) throws -> Void) throws {
        let ranges = stride(from: 0, to: count, by: max(1, block)).map { $0..<min($0 + max(1, block), count) }
        func start(_ range: Range<Int>) -> Pending<[T]> {
            Parallel.start {
                try chunks(range.count) { part in try make(part.lowerBound + range.lowerBound..<part.upperBound + range.lowerBound) }.flatMap { $0 }
            }
        }
        var next = ranges.first.map(start)
        for index in ranges.indices {
            let current = next!
            let rows = try current.wait()
            next = index + 1 < ranges.count ? start(ranges[index + 1]) : nil
            try consume(rows)
        }
        // A block started before `consume` threw finishes on its own; nothing waits for it.
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
