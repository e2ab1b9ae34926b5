import CSystemShims
import Dispatch
import Synchronization

/// Hands memory this process freed back to the system: glibc keeps freed memory for reuse, so a
/// run's resident set after a large stage stays near that stage's peak until something asks.
public func releaseFreeMemory() {
    csys_release_free_memory()
}

/// Caps glibc's allocator at `count` arenas. It makes one for each thread that allocates while
/// the others do (up to eight a core), and what one arena frees the others do not reuse: at a
/// million candidates a run's peak was 250 MB higher with them, its time the same (two arenas
/// cut the peak as much and made the review and release stages half as slow again). Called
/// first thing, before the run's threads allocate.
public func limitAllocatorArenas(_ count: Int = 4) {
    csys_limit_allocator_arenas(Int32(count))
}

/// Lets go of large values on a thread of its own. Freeing a stage's items, item by item, took
/// 0.7 s of one core at a million candidates after the stages that held them last; let go here,
/// that happens while the next stage runs, and not at all after the last one (the process ends
/// first).
public enum Reclaim {
    private static let queue = DispatchQueue(label: "reclaim", qos: .utility)

    /// Lets go of `value` on the reclaiming queue: its memory is freed there when this held the
    /// last reference, as it does when the caller makes no further use of it. The value is
    /// taken out of its box by the queue, so that freeing it does not depend on whether the
    /// queue or this call lets go of the box last.
    public static func later(_ value: consuming sending Any) {
        let box = Held(consume value)
        queue.async { box.value = nil }
    }

    /// Values kept until their holder says they may go, then let go of on the reclaiming queue.
    /// A stage hands what it keeps to its end here: its locals also hold those values, and the
    /// stage's own thread, letting go of them last, freed them there (over a second of one core
    /// at the end of the release stage at a million candidates).
    public final class Pile: Sendable {
        private let held = Mutex<[Held]>([])

        public init() {}

        public func add(_ value: consuming sending Any) {
            let box = Held(consume value)
            held.withLock { $0.append(box) }
        }

        /// Lets go of everything added, on the reclaiming queue (`later`).
        public func letGo() {
            let boxes = held.withLock { held in
                defer { held = [] }
                return held
            }
            if !boxes.isEmpty { later(boxes) }
        }
    }

    private final class Held: @unchecked Sendable {
        var value: Any?
        init(_ value: consuming Any) { self.value = value }
    }

    /// Hands freed memory back to the system once what was queued before is let go.
    public static func releaseFreeMemoryLater() {
        queue.async { releaseFreeMemory() }
    }

    /// Waits until everything queued is let go.
    public static func wait() {
        queue.sync {}
    }
}
