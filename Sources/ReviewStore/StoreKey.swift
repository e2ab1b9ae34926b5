import Foundation
import DatasetCore
#if canImport(Glibc)
import Glibc
#endif

/// A secret kept in a file beside the review database, never in it. Session ids and sign-in
/// tokens are stored as their HMAC under it, so a row inserted into the database signs nobody
/// in; and each audit entry is sealed with it, so an entry appended with a correctly recomputed
/// chain hash but without the key shows. Whoever can read the key file can do both: keep it
/// where the database's other users cannot (`BUILD_DATASET_REVIEW_KEY_FILE`).
struct StoreKey {
    static let environmentVariable = "BUILD_DATASET_REVIEW_KEY_FILE"

    let file: URL
    private let mac: Hashing.HMACKey

    func seal(_ text: String) -> String { mac.hex(text) }

    /// `seal` of the text in `bytes`, as 64 hex digits written into `output`.
    func seal(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) { mac.hex(bytes, into: output) }

    /// The key for the database at `database`: read from its file, or made (256 random bits,
    /// readable by its owner only) when the file does not exist yet.
    static func load(for database: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreKey {
        let file = environment[environmentVariable].map { URL(fileURLWithPath: $0) } ?? database.appendingPathExtension("key")
        if !FileManager.default.fileExists(atPath: file.path) { try create(file) }
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ReviewError("cannot read the review key \(file.path): \(error.localizedDescription)")
        }
        guard text.utf8.count == 64, let secret = Data(hex: text) else {
            throw ReviewError("the review key \(file.path) is not 64 hex digits; restore it from a copy (a new key leaves every session ended and every sealed audit entry unverifiable)")
        }
        return StoreKey(file: file, mac: Hashing.HMACKey(secret))
    }

    /// Writes a new key under a temporary name and links it into place, so that of two
    /// processes making one at once, both end up reading the same.
    private static func create(_ file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = bytes.withUnsafeBytes { Hashing.hex($0) } + "\n"
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(getpid()).\(UUID().uuidString)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ReviewError("cannot write the review key \(file.path): \(String(cString: strerror(errno)))") }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        let synced = fsync(descriptor)
        close(descriptor)
        defer { unlink(temporary.path) }
        guard written == text.utf8.count, synced == 0 else { throw ReviewError("cannot write the review key \(file.path)") }
        if link(temporary.path, file.path) != 0, errno != EEXIST {
            throw ReviewError("cannot write the review key \(file.path): \(String(cString: strerror(errno)))")
        }
        // The link must outlive a crash: entries sealed with a key that is then lost cannot be verified.
        try AtomicFiles.syncDirectory(file.deletingLastPathComponent())
    }
}

private extension Data {
    init?(hex: String) {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Self.nibble(high), let l = Self.nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        self.init(bytes)
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
