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

    /// Result slots that concurrent iterations fill, each iteration its own index only.
    private struct Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }
}
