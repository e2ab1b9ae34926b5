/// Eight bytes at a time as one 64-bit word, for loops that read every byte of the text a run
/// writes or checks and act on few of them (escapes, line breaks, white space to collapse).
/// (Swift's SIMD types compiled to a loop per lane here.)
enum ByteLanes {
    static let ones: UInt64 = 0x0101_0101_0101_0101

    /// The word of the eight bytes at `offset`, the first byte in the low lane.
    @inline(__always)
    static func word(_ base: UnsafePointer<UInt8>, at offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
    }

    /// 0x80 in each lane of `word` that is zero, 0 elsewhere (exact: no lane borrows from another).
    @inline(__always)
    static func zeroLanes(_ word: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low7) &+ low7) | word | low7)
    }

    /// 0x80 in each lane of `word` equal to `byte`.
    @inline(__always)
    static func lanes(_ word: UInt64, equalTo byte: UInt8) -> UInt64 {
        zeroLanes(word ^ (ones &* UInt64(byte)))
    }

    /// 0x80 in each lane of `word` below 0x20 (exact).
    @inline(__always)
    static func controlLanes(_ word: UInt64) -> UInt64 {
        zeroLanes(word & 0xE0E0_E0E0_E0E0_E0E0)
    }
}
