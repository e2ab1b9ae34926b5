/// The one pseudo-random generator of this tool: SplitMix64 (Steele, Lea and Flood 2014;
/// Vigna's reference `splitmix64.c`). Every random choice derives from the pipeline's seed
/// through it, so a build is reproducible on every platform.
///
/// state += 0x9E3779B97F4A7C15; z = state;
/// z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
/// return z ^ (z >> 31)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one purpose and one item: seeded from the pipeline seed and a label,
    /// so that an item's draws never depend on which other items exist.
    public init(seed: UInt64, label: String) {
        // The label's SHA-256 (first 64 bits) mixed into the seed by one SplitMix64 step.
        var mixer = SplitMix64(seed: seed ^ Hashing.sha256Leading64Bits(label))
        state = mixer.next()
    }

    /// Inlinable: a bootstrap draws billions of numbers through it from other modules.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) with 53 bits of precision.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
