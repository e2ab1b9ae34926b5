import Foundation
import DatasetCore
internal import GRDB

/// The tables whose rows the audit log commits to, with how a row is read back canonically.
enum AuditedTable: String, CaseIterable {
    case items, reviewers, rounds, batches, assignments, decisions, outcomes, comments

    /// How the table's rows are read: the key columns (what a subject's key gives, in order,
    /// joined by "/"), the fields of its canonical row, and its child rows (their table, the
    /// column naming the parent, their fields and order).
    private var layout: (keys: [String], fields: String, children: (table: String, parent: String, fields: String, order: String)?) {
        switch self {
        case .items: (["id", "version"], Self.itemColumns, nil)
        case .reviewers: (["id"], "id, name, role", nil)
        case .rounds: (["name"], "name, position, config, status", nil)
        case .batches: (["id"], "id, round, kind", ("batch_items", "batch", "position, item_id, content_hash", "position"))
        case .assignments: (["batch", "reviewer"], "batch, reviewer", nil)
        case .decisions: (["seq"], "seq, item_id, content_hash, round, reviewer, decision, reason, batch, revision_hash",
                          ("labels", "decision", "name, value", "name, value"))
        case .outcomes: (["round", "item_id", "content_hash"], "round, item_id, content_hash, outcome, labels", nil)
        case .comments: (["round", "item_id", "content_hash", "reviewer"], "round, item_id, content_hash, reviewer, text", nil)
        }
    }

    /// The row's fields (and its child rows), each query taking the key's parts.
    var rowSQL: [String] {
        let layout = layout
        let row = "SELECT \(layout.fields) FROM \(rawValue) WHERE " + layout.keys.map { "\($0) = ?" }.joined(separator: " AND ")
        guard let children = layout.children else { return [row] }
        return [row, "SELECT \(children.fields) FROM \(children.table) WHERE \(children.parent) = ? ORDER BY \(children.order)"]
    }

    /// Every row, its key as audit subjects write it first and then the fields `rowSQL` reads,
    /// in key order as bytes (the order of the audit log's subjects); and the child rows with
    /// their parent's key, in the same order.
    var orderedRowsSQL: (rows: String, children: String?) {
        let layout = layout
        // As text, as in a subject ("10" comes before "9"); never NULL, which a key of text
        // allows (a NULL key would read as the end of the rows).
        func key(_ columns: [String]) -> String {
            columns.map { "COALESCE(CAST(\($0) AS TEXT), '')" }.joined(separator: " || '/' || ")
        }
        let rows = "SELECT \(key(layout.keys)) AS key, \(layout.fields) FROM \(rawValue) ORDER BY key"
        return (rows, layout.children.map {
            "SELECT \(key([$0.parent])) AS key, \($0.fields) FROM \($0.table) ORDER BY key, \($0.order)"
        })
    }

    /// The columns of an item version, in the order its canonical row gives them.
    static let itemColumns = "id, version, content_hash, task, subject, record, author, revised_in"

    /// One row's fields as one canonical text (NULL as ␀).
    static func canonicalRow(_ values: [DatabaseValue]) -> String {
        var bytes: [UInt8] = []
        canonicalRow(values, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `canonicalRow`'s UTF-8, appended to `bytes`: a registration hashes half a million rows,
    /// and joining each as a string first took more than hashing it.
    static func canonicalRow(_ values: [DatabaseValue], into bytes: inout [UInt8]) {
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(0x1F) }
            switch value.storage {
            case .null: bytes += "\u{2400}".utf8
            case .string(let text): bytes += text.utf8
            default: bytes += value.canonicalText.utf8
            }
        }
    }

    func keyParts(_ key: String) -> [DatabaseValue] {
        switch self {
        case .items:
            let slash = key.lastIndex(of: "/")!
            return [String(key[..<slash]).databaseValue, (Int64(key[key.index(after: slash)...]) ?? -1).databaseValue]
        case .assignments:
            let slash = key.lastIndex(of: "/")!
            return [String(key[..<slash]).databaseValue, String(key[key.index(after: slash)...]).databaseValue]
        case .outcomes:
            let parts = key.split(separator: "/", maxSplits: 2).map { String($0).databaseValue }
            return parts.count == 3 ? parts : [.null, .null, .null]
        case .comments:
            // round/item/hash/reviewer: round names and hashes have no slash, item ids and reviewer ids none either.
            let parts = key.split(separator: "/", maxSplits: 3).map { String($0).databaseValue }
            return parts.count == 4 ? parts : [.null, .null, .null, .null]
        case .decisions:
            return [(Int64(key) ?? -1).databaseValue]
        case .reviewers, .rounds, .batches:
            return [key.databaseValue]
        }
    }
}

/// The audit chain at one point: an entry's sequence number and hash, written `seq:hash`.
public struct AuditHead: Sendable, Hashable, CustomStringConvertible, Codable {
    public var seq: Int
    public var hash: String

    public init(seq: Int, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    /// Reads `seq:hash`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int(parts[0]), seq > 0,
              parts[1].utf8.count == 64, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        self.init(seq: seq, hash: String(parts[1]))
    }

    public var description: String { "\(seq):\(hash)" }
}

/// A mismatch between the audit log and the database.
public struct AuditProblem: Sendable, CustomStringConvertible, Equatable {
    public var seq: Int?
    public var subject: String
    public var message: String

    public var description: String { seq.map { "audit entry \($0) (\(subject)): \(message)" } ?? "\(subject): \(message)" }
}

extension ReviewStore {
    /// The row behind an audit subject, as one canonical text; nil when the row does not exist.
    func canonicalRow(_ table: AuditedTable, key: String) throws -> String? {
        let parts = table.keyParts(key)
        var lines: [String] = []
        for (index, sql) in table.rowSQL.enumerated() {
            let bound = index == 0 ? parts : [parts[0]]
            var found = false
            try database.eachRow(sql, StatementArguments(bound)) { row in
                found = true
                lines.append(AuditedTable.canonicalRow(Array(row.databaseValues)))
            }
            if index == 0, !found { return nil }
        }
        return lines.joined(separator: "\n")
    }

    /// Records that a row was written, committing to its content. Call inside the writing transaction.
    func audit(actor: String, action: String, table: AuditedTable, key: String) throws {
        let row = try canonicalRow(table, key: key) ?? ""
        try appendAudit(actor: actor, action: action, subject: "\(table.rawValue):\(key)", detail: Self.auditDetail(row, table: table))
    }

    /// What an audit entry records of a row: the row itself, or for an item version (whose
    /// record is most of the database) its SHA-256, so that every record is not stored twice.
    static func auditDetail(_ row: String, table: AuditedTable) -> String {
        table == .items ? itemVersionDetail(canonicalRow: Array(row.utf8)) : row
    }

    /// `auditDetail` of an item version, from its canonical row's bytes.
    static func itemVersionDetail(canonicalRow bytes: [UInt8]) -> String {
        "sha256:" + Hashing.sha256Hex(bytes)
    }

    /// Whether a row is what an audit entry recorded, as the row or, in later entries, its digest.
    static func matches(_ row: String, detail: String, table: AuditedTable) -> Bool {
        table == .items && detail.hasPrefix("sha256:") ? detail == auditDetail(row, table: table) : detail == row
    }

    /// Appends an entry chained to the previous one: hash = SHA-256(previous hash, fields, time).
    func appendAudit(actor: String, action: String, subject: String, detail: String) throws {
        let (previous, at) = try chainHead()
        let hash = Self.chainHash(previous: previous, actor: actor, action: action, subject: subject, detail: detail, at: at)
        let values = ([actor, action, subject, detail, previous, hash, at] + (sealsAuditEntries ? [key.seal(hash)] : [])).map(\.databaseValue)
        try database.insert(auditInsert, values)
        auditHead = database.isInTransaction ? (database.transactionSerial, hash, at) : nil
    }

    /// The hash the next entry chains to, and the time it records.
    private func chainHead() throws -> (previous: String, at: String) {
        // Inside one transaction the chain's head and the time are read once: a registration
        // of 100,000 items spent most of its time reading them again for every entry.
        if database.isInTransaction, let head = auditHead, head.transaction == database.transactionSerial {
            return (head.hash, head.at)
        }
        return (try database.value("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1") ?? "", Date().formatted(.iso8601))
    }

    /// Entries an earlier migration writes precede the seal column.
    private var auditInsert: String {
        sealsAuditEntries
            ? "INSERT INTO audit_log (actor, action, subject, detail, previous_hash, hash, at, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            : "INSERT INTO audit_log (actor, action, subject, detail, previous_hash, hash, at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    }

    /// Appends entries in blocks, each as `appendAudit` would, for a registration's hundreds of
    /// thousands: `body` is given an `AuditBlocks`, to which it hands each block's entries
    /// (`hash`) before it inserts them (`append`), in the same order. Call inside a transaction.
    func appendAudits(actor: String, action: String, _ body: (AuditBlocks) throws -> Void) throws {
        precondition(database.isInTransaction, "audit entries are appended in bulk inside a transaction")
        let (previous, at) = try chainHead()
        let blocks = AuditBlocks(actor: actor, action: action, at: at, previous: previous, sealing: sealsAuditEntries ? key : nil,
                                 inserter: try database.inserter(auditInsert))
        try body(blocks)
        auditHead = (database.transactionSerial, String(decoding: blocks.previous, as: UTF8.self), at)
    }

    /// Audit entries appended a block at a time. Each block's chain hashes and seals are made on
    /// a thread of their own, one block after another (each entry's hash takes the one before
    /// it), while the caller inserts the block before: made on the inserting thread, they were
    /// a sixth of that thread's time, and that thread was what registering half a million
    /// items waited on.
    final class AuditBlocks {
        /// An entry's subject and detail (UTF-8), the text a block's hashes are made of.
        typealias Entry = (subject: UnsafeRawBufferPointer, detail: UnsafeRawBufferPointer)

        /// A block's hashes, as they are made: for each entry its hash and, when sealing, its
        /// seal (64 hex digits each).
        typealias Sealed = Parallel.Pending<[UInt8]>

        private let actor: String, action: String, at: String
        private let sealing: StoreKey?
        private var inserter: StoreDatabase.RowInserter
        /// The hash the next entry inserted chains to (empty before the log's first).
        private(set) var previous: [UInt8]
        /// The hash the next block hashed chains to: read and set only on `chaining`.
        private let chained: Chain
        private let chaining = DispatchQueue(label: "audit chain")

        private final class Chain: @unchecked Sendable {
            var previous: [UInt8]
            init(_ previous: [UInt8]) { self.previous = previous }
        }

        fileprivate init(actor: String, action: String, at: String, previous: String, sealing: StoreKey?,
                         inserter: StoreDatabase.RowInserter) {
            (self.actor, self.action, self.at, self.sealing, self.inserter) = (actor, action, at, sealing, inserter)
            self.previous = Array(previous.utf8)
            chained = Chain(self.previous)
        }

        private var stride: Int { sealing == nil ? 64 : 128 }

        /// Starts hashing the entries `entries` gives of `block`, after the blocks handed over before it.
        func hash<Block: Sendable>(_ block: Block, entries: @escaping @Sendable (Block, (Entry) -> Void) -> Void) -> Sealed {
            let (actor, action, at, sealing, chained, stride) = (actor, action, at, sealing, chained, stride)
            return Parallel.start(on: chaining) {
                var hashes: [UInt8] = [], text: [UInt8] = []
                var previous = chained.previous
                entries(block) { entry in
                    let offset = hashes.count
                    hashes += repeatElement(0, count: stride)
                    text.removeAll(keepingCapacity: true)
                    ReviewStore.chainText(previous: previous, actor: actor.utf8, action: action.utf8, subject: entry.subject,
                                          detail: entry.detail, at: at.utf8, into: &text)
                    hashes.withUnsafeMutableBytes { hashes in
                        let hash = UnsafeMutableRawBufferPointer(rebasing: hashes[offset..<offset + 64])
                        text.withUnsafeBytes { Hashing.sha256Hex($0, into: hash) }
                        sealing?.seal(UnsafeRawBufferPointer(hash), into: UnsafeMutableRawBufferPointer(rebasing: hashes[offset + 64..<offset + 128]))
                    }
                    previous.removeAll(keepingCapacity: true)
                    previous += hashes[offset..<offset + 64]
                }
                chained.previous = previous
                return hashes
            }
        }

        /// Inserts the entries of a block `hash` was given, in its order: `body` is given a
        /// function that inserts the next entry, the same subject and detail the hashing had.
        func append(_ sealed: Sealed, _ body: (_ insert: (Entry) throws -> Void) throws -> Void) throws {
            let hashes = try sealed.wait()
            var offset = 0
            try body { entry in
                precondition(offset + stride <= hashes.count, "more entries inserted than were hashed")
                try hashes.withUnsafeBytes { hashes in
                    let hash = UnsafeRawBufferPointer(rebasing: hashes[offset..<offset + 64])
                    try inserter.text(actor)
                    try inserter.text(action)
                    try inserter.text(entry.subject)
                    try inserter.text(entry.detail)
                    try previous.withUnsafeBytes { try inserter.text($0) }
                    try inserter.text(hash)
                    try inserter.text(at)
                    if sealing != nil { try inserter.text(UnsafeRawBufferPointer(rebasing: hashes[offset + 64..<offset + 128])) }
                    try inserter.step()
                    previous.removeAll(keepingCapacity: true)
                    previous += hash
                }
                offset += stride
            }
            precondition(offset == hashes.count, "fewer entries inserted than were hashed")
        }
    }

    static func chainHash(previous: String, actor: String, action: String, subject: String, detail: String, at: String) -> String {
        var text: [UInt8] = []
        chainText(previous: previous.utf8, actor: actor.utf8, action: action.utf8, subject: subject.utf8, detail: detail.utf8, at: at.utf8, into: &text)
        return Hashing.sha256Hex(text)
    }

    /// What an entry's chain hash is the SHA-256 of: the previous hash, actor, action, subject,
    /// detail and time, joined by 0x1F.
    static func chainText(previous: some Collection<UInt8>, actor: some Collection<UInt8>, action: some Collection<UInt8>,
                          subject: some Collection<UInt8>, detail: some Collection<UInt8>, at: some Collection<UInt8>,
                          into text: inout [UInt8]) {
        text += previous
        text.append(0x1F)
        text += actor
        text.append(0x1F)
        text += action
        text.append(0x1F)
        text += subject
        text.append(0x1F)
        text += detail
        // Entries from before times were recorded hash without one.
        if !at.isEmpty {
            text.append(0x1F)
            text += at
        }
    }

    /// Re-computes the audit chain and checks each entry's seal; the first entry that does not
    /// match, and why. Entries from before sealing began have no seal; once one has, every
    /// later entry must.
    func verifyAuditChain() throws -> AuditProblem? {
        var sealing = false
        var problem: AuditProblem?
        // A row at a time, each entry's text hashed from the bytes SQLite holds: rows of values
        // and a string for each hash and seal were most of checking two million entries.
        var previous: [UInt8] = [], text: [UInt8] = []
        // The actor, action, subject, detail and time of the entry (columns 1, 2, 3, 4 and 7).
        var parts = [[UInt8]](repeating: [], count: 5)
        var hash = [UInt8](repeating: 0, count: 64), seal = [UInt8](repeating: 0, count: 64)
        try database.eachRowText("SELECT seq, actor, action, subject, detail, previous_hash, hash, at, seal FROM audit_log ORDER BY seq") { row in
            guard problem == nil else { return }
            for (part, column) in [1, 2, 3, 4, 7].enumerated() {
                parts[part].removeAll(keepingCapacity: true)
                row.withText(column) { parts[part] += $0 }
            }
            text.removeAll(keepingCapacity: true)
            Self.chainText(previous: previous, actor: parts[0], action: parts[1], subject: parts[2], detail: parts[3], at: parts[4], into: &text)
            hash.withUnsafeMutableBytes { hash in text.withUnsafeBytes { Hashing.sha256Hex($0, into: hash) } }
            guard row.withText(5, { $0.elementsEqual(previous) }), row.withText(6, { $0.elementsEqual(hash) }) else {
                problem = AuditProblem(seq: row.int(0), subject: "audit_log", message: "the hash chain breaks here: the entry or one before it was changed")
                return
            }
            if !row.isNull(8) {
                sealing = true
                seal.withUnsafeMutableBytes { seal in hash.withUnsafeBytes { key.seal($0, into: seal) } }
                if !row.withText(8, { $0.elementsEqual(seal) }) {
                    problem = AuditProblem(seq: row.int(0), subject: "audit_log",
                                           message: "the entry's seal does not match: it was written without the review key (\(key.file.lastPathComponent)), or the key was replaced")
                    return
                }
            } else if sealing {
                problem = AuditProblem(seq: row.int(0), subject: "audit_log", message: "the entry has no seal: it was written without the review key")
                return
            }
            previous = hash
        }
        return problem
    }

    /// The audit chain's last entry: its sequence number and hash. A release records it, so
    /// that a later rewrite of the history up to it shows (`verifyAudit(against:)`).
    public func auditChainHead() throws -> AuditHead? {
        try database.rows("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first.map { AuditHead(seq: $0["seq"], hash: $0["hash"]) }
    }

    /// Checks the chain, then that every audited row is exactly as its latest audit entry
    /// recorded it, and that no row exists without an entry: a hand edit, insert or delete
    /// anywhere in the review tables shows here. With `head` (recorded earlier, e.g. in a
    /// release manifest), the entry at its sequence number must still have its hash.
    public func verifyAudit(against head: AuditHead? = nil) throws -> [AuditProblem] {
        // One read transaction for the whole check: the same state throughout, and not a reader
        // connection taken and its lock set again for each of the row queries (one per audited row).
        try database.snapshot { try readVerifyingAudit(against: head) }
    }

    private func readVerifyingAudit(against head: AuditHead?) throws -> [AuditProblem] {
        if let broken = try verifyAuditChain() { return [broken] }
        if let head {
            let hash: String? = try database.value("SELECT hash FROM audit_log WHERE seq = ?", [head.seq])
            if hash != head.hash {
                return [AuditProblem(seq: head.seq, subject: "audit_log",
                                     message: hash == nil ? "the entry recorded as the head (\(head)) is gone: the history was cut"
                                                          : "the history up to here was rewritten: the entry's hash is \(hash!), but \(head) was recorded")]
            }
        }
        var problems: [AuditProblem] = [], unaudited: [AuditProblem] = []
        for table in AuditedTable.allCases { try compareRows(of: table, with: &problems, unaudited: &unaudited) }
        return problems.sorted { $0.seq! < $1.seq! } + unaudited
    }

    /// Compares each row of `table` with the latest audit entry of its subject, both read in key
    /// order side by side: entries and rows held whole, and a query for each row, took 1.2 GB
    /// and most of half a minute over two million entries. Problems with an entry go into
    /// `problems`, rows without one into `unaudited`, in key order.
    private func compareRows(of table: AuditedTable, with problems: inout [AuditProblem], unaudited: inout [AuditProblem]) throws {
        let prefix = table.rawValue + ":"
        // The subjects of the table are those from "table:" up to "table;" (the next byte); each
        // group's other columns are those of its latest entry (SQLite's rule for a lone MAX).
        let entries = try database.cursor("""
            SELECT substr(subject, \(prefix.utf8.count + 1)) AS key, MAX(seq), detail, action FROM audit_log \
            WHERE subject >= ? AND subject < ? GROUP BY subject ORDER BY subject
            """, [prefix, table.rawValue + ";"])
        let (rowsSQL, childrenSQL) = table.orderedRowsSQL
        let rows = try database.cursor(rowsSQL)
        let children = try childrenSQL.map { try database.cursor($0) }
        var child = try children?.next()
        /// The canonical text of the row the cursor is on, with its child rows (as `canonicalRow`).
        func canonical(_ row: Row, key: String) throws -> String {
            var lines = [AuditedTable.canonicalRow(Array(row.databaseValues.dropFirst()))]
            while let current = child, TextOrder.compareBytes(current[0], key) < 0 { child = try children!.next() }
            while let current = child, TextOrder.compareBytes(current[0], key) == 0 {
                lines.append(AuditedTable.canonicalRow(Array(current.databaseValues.dropFirst())))
                child = try children!.next()
            }
            return lines.joined(separator: "\n")
        }
        var entry = try entries.next(), row = try rows.next()
        while entry != nil || row != nil {
            // Keys are compared by their bytes, as SQLite sorts them: `String` would call keys
            // that differ only in their Unicode normalization equal.
            let entryKey: String? = entry?[0], rowKey: String? = row?[0]
            let order = entryKey == nil ? 1 : rowKey == nil ? -1 : TextOrder.compareBytes(entryKey!, rowKey!)
            if order < 0 {
                // An entry without its row: right when the entry removed it.
                if !(entry![3] as String).hasSuffix(".removed") {
                    problems.append(AuditProblem(seq: entry![1], subject: prefix + entryKey!, message: "the row was deleted"))
                }
                entry = try entries.next()
            } else if order > 0 {
                unaudited.append(AuditProblem(seq: nil, subject: prefix + rowKey!, message: "the row has no audit entry"))
                row = try rows.next()
            } else {
                // The same key: the row as its latest entry left it.
                let key = rowKey!, text = try canonical(row!, key: key)
                let seq: Int = entry![1], detail: String = entry![2]
                if (entry![3] as String).hasSuffix(".removed") {
                    problems.append(AuditProblem(seq: seq, subject: prefix + key, message: "the row was removed, but is there"))
                } else if !Self.matches(text, detail: detail, table: table) {
                    problems.append(AuditProblem(seq: seq, subject: prefix + key, message: "the row differs from what the audit log recorded"))
                }
                entry = try entries.next()
                row = try rows.next()
            }
        }
    }

    /// How many entries the audit log holds.
    public func auditEntryCount() throws -> Int {
        try database.value("SELECT COUNT(*) FROM audit_log") ?? 0
    }

    /// Audit entries, newest last, optionally those whose subject starts with `prefix`.
    public func auditEntries(subjectPrefix prefix: String? = nil) throws -> [(seq: Int, at: String, actor: String, action: String, subject: String)] {
        try database.rows("SELECT seq, at, actor, action, subject FROM audit_log WHERE subject LIKE ? ORDER BY seq",
                           [(prefix ?? "") + "%"]).map {
            ($0["seq"], $0["at"], $0["actor"], $0["action"], $0["subject"])
        }
    }
}
