public import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 helpers; every hash this tool writes is lower-case hex.
public enum Hashing {
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func sha256Hex(_ text: String) -> String {
        sha256Hex(Data(text.utf8))
    }

    /// The first 64 bits of the SHA-256 of `text`, big-endian: its first 16 hex digits as a
    /// number, read from the digest's bytes (making the hex text and parsing it back cost more
    /// than the hashing for each labelled draw).
    public static func sha256Leading64Bits(_ text: String) -> UInt64 {
        var hasher = SHA256()
        var text = text
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { digest in digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }

    /// HMAC-SHA-256 of `text` under `key`, as hex.
    public static func hmacSHA256Hex(key: Data, _ text: String) -> String {
        HMACKey(key).hex(text)
    }

    /// An HMAC-SHA-256 key set up once: the audit log seals every entry, and setting the key up
    /// again for each was half the cost of appending one.
    public struct HMACKey: Sendable {
        private let keyed: HMAC<SHA256>

        public init(_ key: Data) {
            keyed = HMAC(key: SymmetricKey(data: key))
        }

        /// The code of `text`, as hex.
        public func hex(_ text: String) -> String {
            var mac = keyed
            mac.update(data: Data(text.utf8))
            return mac.finalize().withUnsafeBytes { Hashing.hex($0) }
        }

        /// The code of `bytes`, as 64 hex digits written into `output`.
        public func hex(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
            var mac = keyed
            mac.update(data: bytes)
            mac.finalize().withUnsafeBytes { Hashing.hex($0, into: output) }
        }
    }

    /// The SHA-256 of `bytes`, as 64 hex digits written into `output`: for hashes made by the
    /// hundred thousand in one loop (a registration's audit chain), without a string each.
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        hasher.finalize().withUnsafeBytes { hex($0, into: output) }
    }

    /// Hashes parts joined by a separator byte (0x1F) that cannot occur in the parts' text,
    /// so that ("ab", "c") and ("a", "bc") hash differently. With `hexDigits`, only that many
    /// leading hex digits are returned (ids use 16).
    public static func sha256Hex(parts: [String], hexDigits: Int = 64) -> String {
        // The parts are joined on the stack and hashed in one call: for the short ids hashed
        // once per record read, swift-crypto's cost per update call outweighed the hashing.
        let length = parts.reduce(max(parts.count - 1, 0)) { $0 + $1.utf8.count }
        let digest = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { joined in
            var written = 0
            for (index, part) in parts.enumerated() {
                if index > 0 {
                    joined[written] = 0x1F
                    written += 1
                }
                var part = part
                part.withUTF8 { bytes in
                    guard let base = bytes.baseAddress else { return }
                    UnsafeMutableRawPointer(joined.baseAddress! + written).copyMemory(from: base, byteCount: bytes.count)
                    written += bytes.count
                }
            }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(joined)[..<written]))
            return hasher.finalize()
        }
        return hex(digest, digits: hexDigits)
    }

    /// SHA-256 of bytes handed over piece by piece, so that what is hashed need not be held whole.
    public struct Stream: Sendable {
        private var hasher = SHA256()
        public private(set) var bytes = 0

        public init() {}

        public mutating func update(_ data: Data) {
            data.withUnsafeBytes { update($0) }
        }

        public mutating func update(_ buffer: UnsafeRawBufferPointer) {
            hasher.update(bufferPointer: buffer)
            bytes += buffer.count
        }

        public func hex() -> String { Hashing.hex(hasher.finalize()) }
    }

    /// `sha256Hex(parts:)` of parts given one at a time, so that a million of them need not be held.
    public struct PartsStream: Sendable {
        private var hasher = SHA256()
        private var started = false
        // Parts are gathered and hashed 64 KiB at a time: hashing each of nine million short
        // parts in a call of its own cost more than the hashing.
        private var pending: [UInt8] = []
        private static let flushAt = 1 << 16

        public init() {}

        public mutating func append(_ part: String) {
            var part = part
            part.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }

        /// Appends a part given as its UTF-8 bytes.
        public mutating func append(_ part: UnsafeRawBufferPointer) {
            if started { pending.append(0x1F) }
            started = true
            pending.append(contentsOf: part)
            if pending.count >= Self.flushAt { flush() }
        }

        private mutating func flush() {
            pending.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            pending.removeAll(keepingCapacity: true)
        }

        public func hex() -> String {
            var copy = self
            copy.flush()
            return Hashing.hex(copy.hasher.finalize())
        }
    }

    /// Hashes a file in chunks, so memory does not grow with its size.
    public static func sha256Hex(fileAt url: URL) throws -> (sha256: String, bytes: Int) {
        // One buffer, read into again and again: FileHandle's chunks were kept alive long enough
        // to hold a gigabyte when hashing a million items' outputs.
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            let code: CocoaError.Code = switch errno {
            case ENOENT: .fileReadNoSuchFile
            case EACCES, EPERM: .fileReadNoPermission
            default: .fileReadUnknown
            }
            throw CocoaError(code, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { close(fd) }
        var hasher = SHA256()
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            total += count
        }
        return (hex(hasher.finalize()), total)
    }

    private static func hex(_ digest: SHA256.Digest, digits: Int = 64) -> String {
        digest.withUnsafeBytes { hex($0, digits: digits) }
    }

    /// Bytes (a digest) as lower-case hex, or only the first `digits` hex digits.
    public static func hex(_ bytes: UnsafeRawBufferPointer, digits: Int = .max) -> String {
        let count = min(max(digits, 0), bytes.count * 2)
        return String(unsafeUninitializedCapacity: count) { output in
            hex(bytes, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(output)[..<count]))
            return count
        }
    }

    /// Bytes as lower-case hex written into `output`, as many digits as it holds.
    public static func hex(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        for index in 0..<min(output.count, bytes.count * 2) {
            let byte = bytes[index / 2]
            let nibble = index % 2 == 0 ? byte >> 4 : byte & 0x0F
            output[index] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
        }
    }
}
