import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds an entity declaration in a document's prolog before libxml2 parses the document: libxml2
/// substitutes internal entities inside attribute values whatever the options, so a small file
/// of nested entities used in an `id` grows to hundreds of megabytes. No source this tool reads
/// needs its own entities, so a document that declares one is refused before it is parsed.
enum DeclaredEntities {
    /// How much of a file's start is read to find the internal subset; a prolog that does not
    /// end within it is refused as well.
    static let prologLimit = 1 << 20

    enum Finding: Equatable {
        /// An `<!ENTITY` declaration, on this line.
        case entity(line: Int)
        /// The internal subset runs past `prologLimit`.
        case prologTooLong
        /// The file is compressed (gzip, xz or lzma), named here. libxml2 would unpack it
        /// behind the size limit, which counts the bytes on disk.
        case compressed(String)
    }

    static func compression(of head: Data) -> String? {
        let b = [UInt8](head.prefix(6))
        if b.starts(with: [0x1F, 0x8B]) { return "gzip" }
        if b.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        if b.starts(with: [0x5D, 0x00, 0x00]) { return "lzma" }
        return nil
    }

    /// The first entity declaration of the document's internal subset, if it has one. Reads the
    /// file's start with `pread`, leaving the descriptor where it was for the parser.
    static func find(descriptor: Int32) -> Finding? {
        let head = start(descriptor: descriptor)
        if let format = compression(of: head) { return .compressed(format) }
        return find(in: head, complete: head.count <= prologLimit)
    }

    /// The file's first `prologLimit + 1` bytes (fewer if it is shorter), read with `pread`.
    static func start(descriptor: Int32) -> Data {
        var head = Data(count: prologLimit + 1)
        var filled = 0
        while filled < head.count {
            let read = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(filled)) }
            if read < 0, errno == EINTR { continue }
            guard read > 0 else { break }
            filled += read
        }
        head.count = filled
        return head
    }

    /// Whether a `<!DOCTYPE` comes before the root element, or the root cannot be found in
    /// `bytes` (the file's start) to rule one out.
    static func mayDeclareDocumentType(in bytes: Data) -> Bool {
        let scanned = scan(bytes, complete: bytes.count <= prologLimit)
        return scanned.declaresType || scanned.finding != nil
    }

    /// The first entity declaration of the internal subset in `bytes`, or why none can be found.
    static func find(in bytes: Data, complete: Bool) -> Finding? {
        scan(bytes, complete: complete).finding
    }

    /// Scans the prolog: comments and processing instructions are skipped, the DOCTYPE's
    /// internal subset is read declaration by declaration (quoted text skipped), and the scan ends
    /// at the root element. Also whether a DOCTYPE was seen on the way.
    private static func scan(_ bytes: Data, complete: Bool) -> (finding: Finding?, declaresType: Bool) {
        let b = [UInt8](bytes)
        var declaresType = false
        var i = 0
        var line = 1
        func advance(_ count: Int = 1) {
            for _ in 0..<count where i < b.count {
                if b[i] == 0x0A { line += 1 }
                i += 1
            }
        }
        func starts(_ text: StaticString) -> Bool {
            let t = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            return b[i...].starts(with: t)
        }
        func skip(past end: StaticString) {
            while i < b.count, !starts(end) { advance() }
            advance(end.utf8CodeUnitCount)
        }
        /// Skips a declaration to its closing '>', passing over quoted text.
        func skipDeclaration() {
            while i < b.count, b[i] != UInt8(ascii: ">") {
                if b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") {
                    let quote = b[i]
                    advance()
                    while i < b.count, b[i] != quote { advance() }
                }
                advance()
            }
            advance()
        }
        while i < b.count {
            if starts("<?") { skip(past: "?>"); continue }
            if starts("<!--") { skip(past: "-->"); continue }
            if starts("<!DOCTYPE") {
                declaresType = true
                // Up to the internal subset's '[' (or the end of a DOCTYPE without one).
                while i < b.count, b[i] != UInt8(ascii: "["), b[i] != UInt8(ascii: ">") {
                    if b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") {
                        let quote = b[i]
                        advance()
                        while i < b.count, b[i] != quote { advance() }
                    }
                    advance()
                }
                guard i < b.count, b[i] == UInt8(ascii: "[") else { advance(); continue }
                advance()
                while i < b.count {
                    if starts("]") { break }
                    if starts("<!--") { skip(past: "-->"); continue }
                    if starts("<?") { skip(past: "?>"); continue }
                    if starts("<!ENTITY") { return (.entity(line: line), true) }
                    if starts("<!") { skipDeclaration(); continue }
                    advance()
                }
                if i >= b.count { return (complete ? nil : .prologTooLong, true) }
                continue
            }
            if b[i] == UInt8(ascii: "<") { return (nil, declaresType) }  // the root element: the prolog is over
            advance()
        }
        return (complete ? nil : .prologTooLong, declaresType)
    }
}
