import CMinHash
import DatasetCore
import Foundation

/// Character n-grams of normalized text, each hashed to 64 bits. Characters, not words: Korean,
/// Japanese and Chinese text has no reliable word boundaries, and particles attach to words.
public enum Shingles {
    /// The distinct hashes of the n-grams of `text`'s comparison key (NFKC, case and punctuation
    /// folded, white space to one space), sorted. Text shorter than `n` is one shingle.
    public static func hashes(of text: String, n: Int) -> [UInt64] {
        distinctSorted(ngramHashes(of: text, n: n))
    }

    /// The hashes of the n-grams of `text`'s comparison key in the text's order, repeats kept:
    /// what a MinHash signature needs, whose minimums depend on neither (sorting each item's
    /// hashes was a fifth of the dedup stage at a million candidates).
    public static func ngramHashes(of text: String, n: Int) -> [UInt64] {
        var key = text.comparisonKey
        // Scalars decoded straight from the key's UTF-8 (valid by construction): the measured
        // hot path of the dedup benchmark, where a scalar view iterator cost twice as much.
        let scalars = key.withUTF8 { bytes in
            [UInt32](unsafeUninitializedCapacity: bytes.count) { buffer, count in
                var index = 0
                while index < bytes.count {
                    let lead = UInt32(bytes[index])
                    let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                    var value = length == 1 ? lead : lead & (0x7F >> UInt32(length))
                    for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
                    buffer[count] = value
                    count += 1
                    index += length
                }
            }
        }
        guard !scalars.isEmpty else { return [] }
        let width = min(n, scalars.count)
        return [UInt64](unsafeUninitializedCapacity: scalars.count - width + 1) { buffer, count in
            for start in 0...(scalars.count - width) {
                // FNV-1a over the scalars, then a 64-bit finalizer so that nearby n-grams spread out.
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                for offset in 0..<width { hash = (hash ^ UInt64(scalars[start + offset])) &* 0x0000_0100_0000_01B3 }
                buffer[count] = mix(hash)
                count += 1
            }
        }
    }

    /// `hashes` sorted, each distinct value once: the sets that `jaccard` compares.
    public static func distinctSorted(_ hashes: [UInt64]) -> [UInt64] {
        var hashes = hashes
        hashes.sort()
        var distinct = 0
        for index in hashes.indices where distinct == 0 || hashes[index] != hashes[distinct - 1] {
            hashes[distinct] = hashes[index]
            distinct += 1
        }
        hashes.removeLast(hashes.count - distinct)
        return hashes
    }

    /// SplitMix64's finalizer: a bijection on 64 bits with good avalanche.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Exact Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted, distinct hash lists.
    public static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return Double(common) / Double(a.count + b.count - common)
    }
}

/// MinHash signatures: for each of `permutations` hash functions, the least value over a set's
/// shingles. Two signatures agree in a position with probability equal to the sets' Jaccard
/// similarity. The functions are affine maps hᵢ(x) = aᵢx + bᵢ mod 2³² with odd aᵢ, drawn from the
/// pipeline seed, applied to 32 bits of each (already mixed) shingle hash: datasketch's default
/// "affine32" scheme. The loop is `cminhash_signature` (C, vectorized for AVX2 where the CPU has it).
public struct MinHasher: Sendable {
    public let permutations: Int
    let multipliers: [UInt32]
    let increments: [UInt32]

    public init(permutations: Int, seed: UInt64) {
        precondition(permutations > 0, "at least one permutation")
        self.permutations = permutations
        var generator = SplitMix64(seed: seed)
        var multipliers: [UInt32] = [], increments: [UInt32] = []
        for _ in 0..<permutations {
            multipliers.append(UInt32(truncatingIfNeeded: generator.next() >> 32) | 1)
            increments.append(UInt32(truncatingIfNeeded: generator.next() >> 32))
        }
        self.multipliers = multipliers
        self.increments = increments
    }

    public func signature(_ shingles: [UInt64]) -> [UInt32] {
        var minimums = [UInt32](repeating: 0, count: permutations)
        fill(&minimums, with: shingles)
        return minimums
    }

    /// Writes the signature of `shingles` into `minimums` (of `permutations` values), so that a
    /// run over many sets reuses one buffer.
    public func fill(_ minimums: inout [UInt32], with shingles: [UInt64]) {
        precondition(minimums.count == permutations, "a buffer of \(permutations) values")
        multipliers.withUnsafeBufferPointer { a in
            increments.withUnsafeBufferPointer { b in
                shingles.withUnsafeBufferPointer { values in
                    minimums.withUnsafeMutableBufferPointer { result in
                        cminhash_signature(a.baseAddress, b.baseAddress, permutations, values.baseAddress, values.count, result.baseAddress)
                    }
                }
            }
        }
    }

    /// The share of positions where two signatures agree: an estimate of Jaccard similarity.
    public static func estimate(_ a: [UInt32], _ b: [UInt32]) -> Double {
        precondition(a.count == b.count, "signatures of the same length")
        return Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }
}

/// Banding for locality-sensitive hashing: signatures are cut into `bands` bands of `rows`
/// values, and two items are candidates when any band is equal.
public struct LSHBanding: Sendable, Hashable, CustomStringConvertible {
    public var bands: Int
    public var rows: Int

    public init(bands: Int, rows: Int) {
        self.bands = bands
        self.rows = rows
    }

    public var description: String { "\(bands) bands × \(rows) rows" }

    /// The probability that a pair with Jaccard similarity `s` becomes a candidate: 1 − (1 − sʳ)ᵇ.
    public func candidateProbability(_ s: Double) -> Double {
        1 - pow(1 - pow(s, Double(rows)), Double(bands))
    }

    /// The banding datasketch's MinHashLSH chooses for a threshold: over every b × r ≤
    /// permutations, the least weighted sum of the false-positive probability mass (the
    /// candidate probability integrated below the threshold) and the false-negative mass
    /// (its complement integrated above it), equal weights by default.
    public static func optimal(threshold: Double, permutations: Int, falsePositiveWeight: Double = 0.5,
                               falseNegativeWeight: Double = 0.5) -> LSHBanding {
        var best = LSHBanding(bands: 0, rows: 0)
        var leastError = Double.infinity
        for bands in 1...permutations {
            for rows in 1...(permutations / bands) {
                let banding = LSHBanding(bands: bands, rows: rows)
                let falsePositive = integrate(from: 0, to: threshold) { banding.candidateProbability($0) }
                let falseNegative = integrate(from: threshold, to: 1) { 1 - banding.candidateProbability($0) }
                let error = falsePositive * falsePositiveWeight + falseNegative * falseNegativeWeight
                if error < leastError {
                    leastError = error
                    best = banding
                }
            }
        }
        return best
    }

    /// Composite Simpson's rule; the integrands are smooth, and 512 panels put the error far
    /// below the differences between neighbouring bandings.
    static func integrate(from low: Double, to high: Double, _ f: (Double) -> Double) -> Double {
        let panels = 512
        let step = (high - low) / Double(panels)
        var sum = f(low) + f(high)
        for index in 1..<panels {
            sum += f(low + Double(index) * step) * (index.isMultiple(of: 2) ? 2 : 4)
        }
        return sum * step / 3
    }
}
