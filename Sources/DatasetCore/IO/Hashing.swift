public import Foundation
import Crypto

/// SHA-256 helpers; every hash this tool writes is lower-case hex.
public enum Hashing {
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func sha256Hex(_ text: String) -> String {
        sha256Hex(Data(text.utf8))
    }

    /// Hashes parts joined by a separator byte (0x1F) that cannot occur in the parts' text,
    /// so that ("ab", "c") and ("a", "bc") hash differently.
    public static func sha256Hex(parts: [String]) -> String {
        var hasher = SHA256()
        for (index, part) in parts.enumerated() {
            if index > 0 { withUnsafeBytes(of: UInt8(0x1F)) { hasher.update(bufferPointer: $0) } }
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hex(hasher.finalize())
    }

    /// Hashes a file in chunks, so memory does not grow with its size.
    public static func sha256Hex(fileAt url: URL) throws -> (sha256: String, bytes: Int) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            total += chunk.count
        }
        return (hex(hasher.finalize()), total)
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { output in
                for (index, byte) in bytes.enumerated() {
                    let high = byte >> 4, low = byte & 0x0F
                    output[2 * index] = high < 10 ? 0x30 + high : 0x57 + high
                    output[2 * index + 1] = low < 10 ? 0x30 + low : 0x57 + low
                }
                return bytes.count * 2
            }
        }
    }
}
