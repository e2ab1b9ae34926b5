import Foundation
import Synchronization
import CSystemShims
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a record's line lies in a JSON Lines file this process wrote, so that a stage writing
/// the same record again, unchanged, copies the line instead of encoding it: from dedup to
/// review, items pass through every stage unchanged, and encoding each again was a fifth to
/// two fifths of those stages at a million candidates.
///
/// A line is taken only when the bytes read back hash to what was written: a file a later run
/// replaced or someone edited, a slot given to another file, a mark read while another thread
/// set it are all caught there, and the record is then encoded as usual.
public struct WrittenLine: Sendable, Equatable {
    /// The slot of `WrittenFiles` the file was given.
    public var slot: Int
    public var offset: Int
    public var length: Int
    public var hash: UInt64

    /// The hash kept for a line's bytes (never 0, which marks no line).
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        // A word at a time, multiply and fold: a check against damage, not against an adversary
        // (who can edit the released files themselves). FNV-1a, as `JSONTape` hashes keys, goes
        // a byte at a time, several times slower over the gigabytes a run at a million writes.
        // Four words at a time in four lanes, which the processor multiplies at once: one lane
        // waited on each multiply before the next (5.4 GB/s against 13.6 on 850-byte lines).
        let count = bytes.count
        var lanes = (0x9E37_79B9_7F4A_7C15 ^ UInt64(count), UInt64(0xC2B2_AE3D_27D4_EB4F),
                     UInt64(0x1656_67B1_9E37_79F9), UInt64(0x27D4_EB2F_1656_67C5))
        var index = 0
        while index + 32 <= count {
            lanes.0 = mix(lanes.0 ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            lanes.1 = mix(lanes.1 ^ bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self))
            lanes.2 = mix(lanes.2 ^ bytes.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self))
            lanes.3 = mix(lanes.3 ^ bytes.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self))
            index += 32
        }
        var state = mix(lanes.0 ^ (lanes.1 &* 0x9E37_79B9_7F4A_7C15)) ^ mix(lanes.2 ^ (lanes.3 &* 0xC2B2_AE3D_27D4_EB4F))
        while index + 8 <= count {
            state = mix(state ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        state = mix(mix(state ^ tail))
        return state == 0 ? 1 : state
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: 0xD6E8_FEB8_6659_FD93)
        return product.high ^ product.low
    }
}

/// A record's mark of where it was last written, held in words that threads can read and set at
/// once (a mark read half old, half new fails the hash check instead of reading wrong bytes).
/// A class to inherit from, so that an item's box holds its mark without another allocation.
public class WrittenLineMark: @unchecked Sendable {
    private let place = Atomic<UInt64>(0)     // slot << 48 | offset
    private let length = Atomic<UInt64>(0)
    private let hash = Atomic<UInt64>(0)

    public init() {}

    public var line: WrittenLine? {
        let hash = hash.load(ordering: .acquiring)
        guard hash != 0 else { return nil }
        let place = place.load(ordering: .relaxed)
        return WrittenLine(slot: Int(place >> 48), offset: Int(place & (1 << 48 - 1)),
                           length: Int(length.load(ordering: .relaxed)), hash: hash)
    }

    public func remember(_ line: WrittenLine) {
        guard line.offset < 1 << 48, line.slot < 1 << 15 else { return }
        hash.store(0, ordering: .relaxed)
        place.store(UInt64(line.slot) << 48 | UInt64(line.offset), ordering: .relaxed)
        length.store(UInt64(line.length), ordering: .relaxed)
        hash.store(line.hash, ordering: .releasing)
    }

    /// The record changed: its old line is no longer its text.
    public func forget() {
        if hash.load(ordering: .relaxed) != 0 { hash.store(0, ordering: .relaxed) }
    }
}

/// The files written lines are read back from: a few slots, reused in turn, each holding a file
/// open for reading from when it was written until its slot is given to another (a run writes
/// five files of items; at most `slots` are held open, whatever the files were renamed to or
/// replaced by since).
public enum WrittenFiles {
    static let slots = 32

    /// A slot's file, opened twice: through the page cache, and past it (-1 where the file
    /// system cannot) for reading ahead.
    struct Descriptors: Sendable {
        var buffered: Int32 = -1
        var direct: Int32 = -1
    }

    private struct State {
        var descriptors = [Descriptors](repeating: Descriptors(), count: WrittenFiles.slots)
        /// The SHA-256 (when it was hashed as written) and size of each slot's file.
        var written = [(sha256: String?, bytes: Int)?](repeating: nil, count: WrittenFiles.slots)
        var next = 0
    }

    private static let state = Mutex(State())

    /// A slot for a file about to be written: its lines can be marked with it at once, and are
    /// read back once `attach` opens the file there.
    public static func reserve() -> Int {
        state.withLock { state in
            let slot = state.next
            state.next = (state.next + 1) % slots
            closeBoth(state.descriptors[slot])
            state.descriptors[slot] = Descriptors()
            state.written[slot] = nil
            return slot
        }
    }

    /// Opens the file written for `slot`, for reading its lines back; when it cannot be opened,
    /// the lines marked with the slot are encoded again.
    public static func attach(_ slot: Int, path: String, sha256: String?, bytes: Int) {
        let buffered = open(path, O_RDONLY | O_CLOEXEC)
        guard buffered >= 0 else { return }
        let opened = Descriptors(buffered: buffered, direct: csys_open_direct_reads(path))
        state.withLock { state in
            closeBoth(state.descriptors[slot])
            state.descriptors[slot] = opened
            state.written[slot] = (sha256, bytes)
        }
    }

    private static func closeBoth(_ descriptors: Descriptors) {
        if descriptors.buffered >= 0 { close(descriptors.buffered) }
        if descriptors.direct >= 0 { close(descriptors.direct) }
    }

    /// The open files, as a writer reads lines from them. A descriptor closed and reused since
    /// reads another file's bytes, which the hash check refuses.
    static func descriptors() -> [Descriptors] {
        state.withLock { $0.descriptors }
    }

    /// Gives `url` the very file of `slot` (a second name for it, no bytes copied) when
    /// `lines` are all of that file's lines in order and the file still holds what was written:
    /// read back, each line hashes to its mark (and the whole to the SHA-256 written, where the
    /// file was hashed as it was written). A stage that keeps all its input unchanged (review
    /// before any round decides, a sample whose quotas take the whole pool) wrote a copy of the
    /// file it read: half a gigabyte at a million candidates, where copying into the kernel
    /// costs more processor time than reading and hashing it. Nil, with nothing made,
    /// otherwise; the caller then writes the lines.
    static func link(_ lines: some RandomAccessCollection<WrittenLine?>, to url: URL) -> (sha256: String, bytes: Int)? {
        guard let slot = lines.first??.slot else { return nil }
        var end = 0
        for line in lines {
            guard let line, line.slot == slot, line.offset == end else { return nil }
            end = line.offset + line.length + 1
        }
        // A duplicate is read and linked: a slot given to another file meanwhile closes its own.
        let taken: (descriptors: Descriptors, written: (sha256: String?, bytes: Int))? = state.withLock { state in
            guard state.descriptors[slot].buffered >= 0, let written = state.written[slot], written.bytes == end else { return nil }
            let opened = state.descriptors[slot]
            let descriptors = Descriptors(buffered: dup(opened.buffered), direct: opened.direct >= 0 ? dup(opened.direct) : -1)
            guard descriptors.buffered >= 0 else {
                closeBoth(descriptors)
                return nil
            }
            return (descriptors, written)
        }
        guard let (descriptors, written) = taken else { return nil }
        defer { closeBoth(descriptors) }
        guard let sha256 = check(lines, descriptors: descriptors, bytes: end, sha256: written.sha256) else { return nil }
        // Linux names an open file by /proc/self/fd/N; following that link makes a new name for its inode.
        guard linkat(AT_FDCWD, "/proc/self/fd/\(descriptors.buffered)", AT_FDCWD, url.path, AT_SYMLINK_FOLLOW) == 0 else { return nil }
        return (sha256, end)
    }

    /// The file's SHA-256, when it is `bytes` long and holds each of `lines` (which follow one
    /// another from its start, and end where it ends) followed by a newline; nil otherwise.
    /// The file is read a chunk at a time. Where its SHA-256 is known from its writing
    /// (`sha256`), every byte is in a line whose hash is checked, so that is the one given; it
    /// is hashed again only where it is not known, each chunk on another thread while its lines
    /// are checked on this one (one after the other, half a gigabyte took half a second of one
    /// core at the end of the review stage at a million candidates).
    private static func check(_ lines: some RandomAccessCollection<WrittenLine?>, descriptors: Descriptors, bytes: Int,
                              sha256: String?) -> String? {
        var hashing: Parallel.Pending<Hashing.Stream>?
        var next = lines.startIndex, read = 0
        // The part of a line that the chunks before this one held.
        var begun: [UInt8] = []
        // Each chunk is read on another thread while the one before is checked (and hashed):
        // read in turn, the disk waited while each chunk's lines were checked.
        let buffers = [ReadBack.Buffer(capacity: chunkSize), ReadBack.Buffer(capacity: chunkSize)]
        func reading(at offset: Int, direct: Int32) -> Parallel.Pending<Int32?> {
            Parallel.start { [buffer = buffers[offset / chunkSize % 2]] in
                fill(buffer, at: offset, count: min(chunkSize, bytes - offset), descriptors: descriptors, direct: direct)
            }
        }
        var pending: Parallel.Pending<Int32?>? = bytes > 0 ? reading(at: 0, direct: descriptors.direct) : nil
        // A read still going when the check fails ends before the caller closes the file.
        defer { _ = try? pending?.wait() }
        while read < bytes {
            let buffer = buffers[read / chunkSize % 2], count = min(chunkSize, bytes - read)
            guard let direct = try? pending?.wait() else { pending = nil; return nil }
            let chunk = UnsafeRawBufferPointer(start: buffer.bytes, count: count)
            let chunkStart = read
            read += count
            if sha256 == nil {
                guard let stream = try? hashing?.wait() ?? Hashing.Stream() else { pending = nil; return nil }
                hashing = Parallel.start { [buffer] in
                    var stream = stream
                    stream.update(UnsafeRawBufferPointer(start: buffer.bytes, count: count))
                    return stream
                }
            }
            // The other buffer's chunk is checked, and hashed (waited for just above).
            pending = read < bytes ? reading(at: read, direct: direct) : nil
            // Every line whose newline this chunk holds.
            while next < lines.endIndex, let line = lines[next], line.offset + line.length < read {
                let end = line.offset + line.length - chunkStart
                guard chunk[end] == UInt8(ascii: "\n") else { return nil }
                let lineHash = line.offset >= chunkStart
                    ? WrittenLine.hash(UnsafeRawBufferPointer(rebasing: chunk[line.offset - chunkStart..<end]))
                    : (begun + chunk[..<end]).withUnsafeBytes(WrittenLine.hash)
                guard lineHash == line.hash else { return nil }
                begun = []
                lines.formIndex(after: &next)
            }
            // The start of the next line, when it began here or before.
            if next < lines.endIndex, let line = lines[next], line.offset < read {
                begun += chunk[max(line.offset - chunkStart, 0)...]
            }
        }
        // Every line was there, and nothing is after the last.
        var probe: UInt8 = 0
        guard next == lines.endIndex, pread(descriptors.buffered, &probe, 1, off_t(bytes)) == 0 else { return nil }
        if let sha256 { return sha256 }
        guard let stream = try? hashing?.wait() ?? Hashing.Stream() else { return nil }
        return stream.hex()
    }

    /// Reads `count` bytes at `offset` into `buffer`: in whole blocks past the page cache where
    /// `direct` is open (chunks start on a block; the file was written past it), else through
    /// it. The descriptor past the cache to go on with (-1 once the file system refused it), or
    /// nil when the file is shorter.
    private static func fill(_ buffer: ReadBack.Buffer, at offset: Int, count: Int, descriptors: Descriptors, direct: Int32) -> Int32? {
        var direct = direct, filled = 0
        if direct >= 0 {
            let got = pread(direct, buffer.bytes, AtomicFiles.BlockOutput.alignedUp(count), off_t(offset))
            if got < 0, errno == EINVAL { direct = -1 } else if got < count { return nil } else { filled = count }
        }
        while filled < count {
            let got = pread(descriptors.buffered, buffer.bytes + filled, count - filled, off_t(offset + filled))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            filled += got
        }
        return direct
    }

    /// How much of a file `check` reads at a time.
    private static let chunkSize = 1 << 20
}

/// A record whose text may be copied from a line written before: an item, or a record that
/// holds one.
public protocol WrittenLineCarrying {
    var carriedLine: WrittenLine? { get }
    /// `carriedLine` of the record at `record`, in memory that holds it meanwhile.
    static func carriedLine(at record: UnsafePointer<Self>) -> WrittenLine?
}

extension WrittenLineCarrying {
    public static func carriedLine(at record: UnsafePointer<Self>) -> WrittenLine? { record.pointee.carriedLine }
}

/// A record that remembers where it was written (an item, whose box holds the mark).
public protocol LineRemembering {
    var writtenLine: WrittenLine? { get }
    func rememberWritten(_ line: WrittenLine)
    /// `rememberWritten` for the record at `record`, in memory that holds it meanwhile.
    static func rememberWritten(_ line: WrittenLine, at record: UnsafePointer<Self>)
}

extension LineRemembering {
    public static func rememberWritten(_ line: WrittenLine, at record: UnsafePointer<Self>) { record.pointee.rememberWritten(line) }
}

/// Bytes of written files, read ahead of the lines asked for while they are asked for in the
/// order they lie in their file (a stage passing its items on asks for them so, skipping those
/// it drops): a line each from one read of many, instead of a read each (a million reads were
/// three seconds of a run at a million candidates). Several such runs may be taken in turn
/// (items sorted by id take turns between the files of two sources, whose lines lie in two
/// runs of the file they were passed on in): each has its window, so that one does not
/// discard what another read ahead (with one window, registering half a million sampled items
/// in id order read their 0.43 GB file 3.2 GB back). Lines asked for in another order are read
/// one by one.
///
/// Reading ahead goes past the page cache where the file system allows. A stage's files are
/// written past it (`AtomicFiles.BlockOutput`), so the next stage reads them from the disk:
/// through the cache, reading back the 0.8 GB of a stage's items took 0.25–1.6 s of processor
/// (most of it the kernel filling and copying cache pages), past it 0.11–0.14 s, on the
/// machines measured. A line read alone goes through the cache, where a small read is cheap.
struct ReadBack {
    /// A buffer aligned for reads past the page cache, held by whichever copy of the windows
    /// uses it (one writer, on one thread), or read on another thread once it is filled.
    final class Buffer: @unchecked Sendable {
        let bytes: UnsafeMutableRawPointer
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            bytes = .allocate(byteCount: capacity, alignment: AtomicFiles.BlockOutput.alignment)
        }

        deinit { bytes.deallocate() }
    }

    /// The read of a run's next stretch, made on another thread while the lines before it
    /// are copied: read in turn, the copying threads waited on the disk 1.0 s of the 2.0 s
    /// validate took to write its file at a million candidates.
    private final class NextRead: @unchecked Sendable {
        let slot: Int, start: Int, length: Int
        let buffer: Buffer
        /// The bytes read, -1 when the read failed: set before `done` is signalled.
        private var count = -1
        private let done = DispatchSemaphore(value: 0)

        init(slot: Int, start: Int, length: Int, descriptor: Int32, buffer: Buffer) {
            (self.slot, self.start, self.length, self.buffer) = (slot, start, length, buffer)
            NextRead.queue.async { [self] in
                count = pread(descriptor, buffer.bytes, length, off_t(start))
                done.signal()
            }
        }

        /// Waits for the read; the bytes it read.
        func wait() -> Int {
            done.wait()
            return count
        }

        /// Queues of their own, which always have a thread (the cores' threads are busy copying),
        /// taken in turn so that two reads go at once: with one, each waited for the other's
        /// (validate's copying waited 0.40 s on reads ahead against 0.33 s, sample's 1.6 s
        /// against 1.2 s, one cold run at a million each, timed inside the process).
        static let queues = [DispatchQueue(label: "build-dataset.read-ahead.1"), DispatchQueue(label: "build-dataset.read-ahead.2")]
        static let turn = Atomic<Int>(0)
        static var queue: DispatchQueue { queues[turn.wrappingAdd(1, ordering: .relaxed).oldValue & 1] }
    }

    private struct Window {
        /// `buffer` holds `count` bytes of `slot`'s file from `start`.
        var slot = -1, start = 0, count = 0
        var buffer: Buffer?
        /// The stretch after it, being read; a buffer it left free.
        var next: NextRead?, spare: Buffer?
        /// Where the last line taken from it ended, how far its next read goes past a line,
        /// and when it was last used.
        var lastEnd = 0, ahead = 0, used = 0

        func holds(_ line: WrittenLine) -> Bool {
            slot == line.slot && line.offset >= start && line.offset + line.length <= start + count
        }

        /// A buffer of at least `length` bytes.
        mutating func reserve(_ length: Int) -> UnsafeMutableRawPointer {
            if (buffer?.capacity ?? 0) < length { buffer = Buffer(capacity: max(length, AtomicFiles.BlockOutput.alignment)) }
            return buffer!.bytes
        }
    }

    private var windows: [Window] = []
    private var clock = 0
    /// For each slot, where the last line to be asked for ends (0: not known), and whether the
    /// lines to be asked for lie close together (`plan`).
    private var planned: [(end: Int, dense: Bool)] = []
    /// How far a read ahead goes back over the stretch before it, so that a line that stretch
    /// held only in part is whole in the next.
    static let overlap = 16_384
    /// Set once a read past the page cache was refused: the rest go through it.
    private var directRefused = false
    static let furthestAhead = 1 << 20
    static let windowCount = 16
    /// How many reads were made, how many bytes they read (asked for, of reads made ahead), and
    /// how many went past the page cache (and of those, how many were made ahead on another thread).
    private(set) var reads = 0, bytesRead = 0, directReads = 0, readsAhead = 0

    /// Says which lines of `slot`'s file are to be asked for: none past `end`, and whether they
    /// lie close together (then a run reads ahead from its first line; otherwise none is read).
    /// With a plan, a run reads its next stretch on another thread while its lines are copied,
    /// never past `end`.
    mutating func plan(slot: Int, end: Int, dense: Bool) {
        guard slot >= 0, slot < WrittenFiles.slots else { return }
        if planned.isEmpty { planned = Array(repeating: (0, false), count: WrittenFiles.slots) }
        planned[slot] = (end, dense)
    }

    /// The bytes of `line` in its slot's file (`descriptors`), read when they are not held
    /// already; nil when the file is shorter.
    mutating func withLine<Result>(_ line: WrittenLine, in descriptors: WrittenFiles.Descriptors,
                                   _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
        // Lines a plan says lie far apart are not read: a read each, waiting on the disk, costs
        // more than encoding the record again (validate's dropped items, a hundredth of the
        // file, waited 0.4 s at a million candidates).
        if line.slot < planned.count, planned[line.slot].end > 0, !planned[line.slot].dense { return nil }
        clock += 1
        let end = line.offset + line.length
        var chosen = windows.firstIndex { $0.holds(line) }
        if chosen == nil {
            // The run this line continues: the window whose last line ended nearest before it.
            // Reading ahead pays while the lines taken lie close together; a line far past the
            // last one is read alone, and reading ahead starts again from it.
            var behind: Int?
            for index in windows.indices where windows[index].slot == line.slot && windows[index].lastEnd <= line.offset {
                if behind == nil || windows[index].lastEnd > windows[behind!].lastEnd { behind = index }
            }
            let plan = line.slot < planned.count ? planned[line.slot] : (end: 0, dense: false)
            let index: Int, ahead: Int
            if let behind, line.offset - windows[behind].lastEnd <= max(windows[behind].ahead, 16_384) {
                index = behind
                ahead = min(max(2 * windows[behind].ahead, 16_384), Self.furthestAhead)
                if let next = windows[index].next {
                    windows[index].next = nil
                    let count = next.wait()
                    if next.slot == line.slot, line.offset >= next.start, count >= end - next.start {
                        // The stretch read ahead holds the line: its buffer is the window's now.
                        windows[index].spare = windows[index].buffer
                        windows[index].buffer = next.buffer
                        fill(index, slot: line.slot, start: next.start, count: count, ahead: ahead, length: next.length, plan: plan,
                             descriptors: descriptors)
                        return take(index, line, body)
                    }
                    windows[index].spare = next.buffer
                }
            } else {
                // A plan that says the lines lie close together starts reading ahead at once.
                ahead = plan.dense && plan.end > end ? Self.furthestAhead : 0
                if windows.count < Self.windowCount {
                    windows.append(Window())
                    index = windows.count - 1
                } else {
                    index = windows.indices.min { windows[$0].used < windows[$1].used }!
                    windows[index].next = nil
                }
            }
            var start = line.offset, read = -1, length = 0
            if ahead > 0, descriptors.direct >= 0, !directRefused {
                // Whole blocks from the one the line starts in.
                start = line.offset / AtomicFiles.BlockOutput.alignment * AtomicFiles.BlockOutput.alignment
                length = AtomicFiles.BlockOutput.alignedUp((plan.end > end ? min(end + ahead, plan.end) : end + ahead) - start)
                read = pread(descriptors.direct, windows[index].reserve(length), length, off_t(start))
                if read < 0, errno == EINVAL { directRefused = true }
                if read >= 0 { directReads += 1 }
            }
            if read < 0 {
                start = line.offset
                length = line.length + ahead
                read = pread(descriptors.buffered, windows[index].reserve(length), length, off_t(start))
                length = 0
            }
            reads += 1
            bytesRead += max(read, 0)
            guard read >= end - start else { windows[index] = Window(); return nil }
            fill(index, slot: line.slot, start: start, count: read, ahead: ahead, length: length, plan: plan, descriptors: descriptors)
            chosen = index
        }
        return take(chosen!, line, body)
    }

    /// Records what a window's buffer now holds, and starts reading the stretch after it when
    /// a plan says more lines are to come from there: only after a full read past the page
    /// cache (`length` asked, not the end of the file), and once the run reads ahead its furthest.
    private mutating func fill(_ index: Int, slot: Int, start: Int, count: Int, ahead: Int, length: Int, plan: (end: Int, dense: Bool),
                               descriptors: WrittenFiles.Descriptors) {
        windows[index].slot = slot
        windows[index].start = start
        windows[index].count = count
        windows[index].ahead = ahead
        guard ahead == Self.furthestAhead, length > 0, count == length, !directRefused, descriptors.direct >= 0 else { return }
        let nextStart = start + count - Self.overlap
        guard nextStart > start, plan.end > start + count else { return }
        let nextLength = AtomicFiles.BlockOutput.alignedUp(min(plan.end, nextStart + Self.overlap + Self.furthestAhead) - nextStart)
        let buffer = (windows[index].spare?.capacity ?? 0) >= nextLength ? windows[index].spare! : Buffer(capacity: nextLength)
        windows[index].spare = nil
        windows[index].next = NextRead(slot: slot, start: nextStart, length: nextLength, descriptor: descriptors.direct, buffer: buffer)
        reads += 1
        bytesRead += nextLength
        directReads += 1
        readsAhead += 1
    }

    /// Gives `body` the line's bytes from window `index`, which holds them.
    private mutating func take<Result>(_ index: Int, _ line: WrittenLine, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        windows[index].lastEnd = line.offset + line.length
        windows[index].used = clock
        let start = windows[index].start
        return body(UnsafeRawBufferPointer(start: windows[index].buffer!.bytes + (line.offset - start), count: line.length))
    }
}

extension JSONWriter {
    /// Tells the reads of written lines which lines `records` will ask for, for each file: where
    /// the last ends, and whether they lie close together (a quarter of their stretch or more).
    /// Lines close together but asked for out of file order (more than a sixteenth of them
    /// before the one asked for before) are read as they come, without a plan.
    mutating func planReads<Record: WrittenLineCarrying>(_ records: UnsafeBufferPointer<Record>) {
        let slots = WrittenFiles.slots
        var ends = [Int](repeating: 0, count: slots), starts = [Int](repeating: .max, count: slots)
        var bytes = [Int](repeating: 0, count: slots), lines = [Int](repeating: 0, count: slots)
        var previousEnd = [Int](repeating: 0, count: slots), backwards = [Int](repeating: 0, count: slots)
        // In place: asking each record, copied, for its line retained and released what it holds.
        guard let base = records.baseAddress else { return }
        for index in records.indices {
            guard let line = Record.carriedLine(at: base + index), line.slot >= 0, line.slot < slots else { continue }
            if line.offset < previousEnd[line.slot] { backwards[line.slot] += 1 }
            previousEnd[line.slot] = line.offset + line.length
            ends[line.slot] = max(ends[line.slot], line.offset + line.length)
            starts[line.slot] = min(starts[line.slot], line.offset)
            bytes[line.slot] += line.length
            lines[line.slot] += 1
        }
        for slot in 0..<slots where ends[slot] > 0 {
            let dense = 4 * bytes[slot] >= ends[slot] - starts[slot]
            if !dense || 16 * backwards[slot] <= lines[slot] { readBack.plan(slot: slot, end: ends[slot], dense: dense) }
        }
    }

    /// Appends the line a record was written as, if it reads back as it was written; false, with
    /// nothing appended, otherwise.
    public mutating func appendWritten(_ line: WrittenLine?) -> Bool {
        guard let line, line.length > 0 else { return false }
        let descriptors = writtenFile(line.slot)
        guard descriptors.buffered >= 0 else { return false }
        var readBack = self.readBack
        self.readBack = ReadBack()
        defer { self.readBack = readBack }
        let appended = readBack.withLine(line, in: descriptors) { bytes -> Bool in
            guard WrittenLine.hash(bytes) == line.hash else { return false }
            appendRawValue(bytes)
            return true
        }
        return appended ?? false
    }
}
