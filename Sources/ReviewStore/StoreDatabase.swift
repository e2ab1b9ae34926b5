import Foundation
import DatasetCore
import Synchronization
internal import GRDB
internal import GRDBSQLite

/// How the store reaches its database: a GRDB `DatabasePool` in WAL mode, so that the review
/// page reads while the command line writes, and a write transaction that every query made
/// inside it joins (the store's writes are built from smaller steps that each read and audit).
/// Only this module speaks SQL.
final class StoreDatabase {
    /// A `DatabasePool`; a `DatabaseQueue` while a new file is built (`init(building:)`).
    let pool: any DatabaseWriter
    let path: String
    /// Whether this is a new file built without SQLite's log, not yet in its place.
    let building: Bool
    /// The connection of the write transaction under way.
    private var writer: Database?
    /// The connection of the read snapshot under way.
    private var reader: Database?
    /// Counts the write transactions begun, so that what was read inside one can be reused
    /// until it ends: no other connection writes while it holds the write lock.
    private(set) var transactionSerial = 0
    var isInTransaction: Bool { writer != nil }

    init(path: String) throws {
        self.path = path
        building = false
        var configuration = Configuration()
        // Another process (an import, a close) may hold the write lock for a while.
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        // Registering a large pool writes one transaction of hundreds of megabytes, more than
        // SQLite's default 2 MB page cache holds (at 100,000 candidates, registering went from
        // about 9,500 to 11,000 items a second with this one; the bytes written did not change).
        // A new database gets 16 KiB pages (an existing one keeps its own): registering half a
        // million items wrote its log in a quarter as many writes, and the review stage took 13.8 s
        // instead of 15.1 s (19.5 s of processor instead of 22.0); decisions on the review page
        // came as fast as with 4 KiB, where 64 KiB pages made each commit's log write slow them by a sixth.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        pool = try Self.openPool(path: path, configuration: configuration)
        // GRDB's pool syncs the log at checkpoints only (NORMAL); a decision a reviewer was told
        // is saved must survive a power cut, so every commit is synced.
        // SQLite copies the log into the database once it is this many pages long: set from the
        // page size, so that the log grows to what SQLite's default gives 4 KiB pages (4 MiB).
        autocheckpointPages = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let pages = Self.autocheckpointBytes / max(512, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096)
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
            return pages
        }
    }

    /// A new database at `path` that no other connection opens until it is finished and moved
    /// into place (`finishBuilding`), written without SQLite's log: the first registration of a
    /// large pool otherwise writes every page twice, into the log and then from it into the
    /// database, and reads the log back twice (at half a million items, 0.9 GB written and 1.9 GB
    /// read that need not be). A build cut short leaves a file that is thrown away, so there is
    /// nothing for a log to roll back.
    init(building path: String) throws {
        self.path = path
        building = true
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        pool = try DatabaseQueue(path: path, configuration: configuration)
        autocheckpointPages = Self.autocheckpointBytes / Self.pageSize
    }

    /// While a database is built, starts the disk writes of the pages SQLite has written so far,
    /// on a queue of its own (one request at a time), so that they go on while the build does:
    /// at half a million items, the flush that ends the build otherwise waited about 0.4 s for all
    /// 0.85 GB with the processor idle. The pages whose writes the call before started are then
    /// waited for and dropped from the page cache, so that SQLite's next writes reuse their
    /// memory: copying the writes into pages new to the cache took over a quarter of the stage's
    /// processor time at half a million items in a cold run on the benchmark's machine (a
    /// virtual machine that hands free memory back to its host), and dropping them took the stage from
    /// 14.3–17.5 s to 12.7–15.3 s in a full run (three runs each, in turn).
    func startWriteback() {
        guard building, writeback.pending.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let (url, writeback) = (URL(fileURLWithPath: path), writeback)
        Self.writebackQueue.async {
            writeback.pending.store(false, ordering: .relaxed)
            writeback.started = AtomicFiles.startWriteback(url, dropping: writeback.started)
        }
    }

    private static let writebackQueue = DispatchQueue(label: "review database writeback", qos: .utility)
    private final class Writeback: Sendable {
        /// Whether a request is queued and not yet begun.
        let pending = Atomic<Bool>(false)
        /// How much of the file the last request started the writes of (only the writeback queue uses it).
        nonisolated(unsafe) var started = 0
    }
    private let writeback = Writeback()

    /// Ends a build: the file is switched to the WAL mode a pool opens it in, closed, and
    /// flushed to the disk.
    func finishBuilding() throws {
        guard building, let queue = pool as? DatabaseQueue else { preconditionFailure("only a database being built is finished") }
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
        try AtomicFiles.syncFile(URL(fileURLWithPath: path))
    }

    /// Frees the connections' page caches once the work queued on the database is done.
    func releaseMemory() {
        (pool as? DatabasePool)?.releaseMemoryEventually()
    }

    /// Opens the pool. Switching a new database to WAL takes a lock that SQLite refuses at once,
    /// without waiting out the busy timeout, when another process is setting up the same file:
    /// the opening is tried again for up to the busy timeout.
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Runs `body` on the connection of the write transaction or snapshot under way, or else in
    /// a read of its own.
    private func reading<T>(_ body: (Database) throws -> T) throws -> T {
        if let db = writer ?? reader { return try body(db) }
        return try pool.read(body)
    }

    /// The rows of a query, read in the write transaction under way or else from a snapshot.
    func rows(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try reading { try Row.fetchAll($0.cachedStatement(sql: sql), arguments: arguments) }
    }

    /// Calls `body` with each row as SQLite steps to it, without keeping them: for reads of a
    /// million rows. A row is valid only during its call.
    func eachRow(_ sql: String, _ arguments: StatementArguments = [], _ body: (Row) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            while let row = try rows.next() { try body(row) }
        }
    }

    /// Calls `body` with each row's columns as the bytes of their canonical text
    /// (`DatabaseValue.canonicalText`), read in place: hashing a million decisions through
    /// rows of values spent a fifth of its time looking up generic metadata and making strings.
    func eachRowText(_ sql: String, _ body: (RowText) throws -> Void) throws {
        try reading { db in
            let statement = try db.cachedStatement(sql: sql)
            let rows = try Row.fetchCursor(statement)
            let row = RowText(statement: statement.sqliteStatement, count: Int(sqlite3_column_count(statement.sqliteStatement)))
            while try rows.next() != nil { try body(row) }
        }
    }

    /// The row a statement has stepped to, a column at a time as canonical text.
    struct RowText {
        let statement: SQLiteStatement
        let count: Int

        func isNull(_ column: Int) -> Bool { sqlite3_column_type(statement, Int32(column)) == SQLITE_NULL }

        func int(_ column: Int) -> Int { Int(sqlite3_column_int64(statement, Int32(column))) }

        /// The column's text; nil for NULL.
        func string(_ column: Int) -> String? {
            isNull(column) ? nil : withText(column) { String(decoding: $0, as: UTF8.self) }
        }

        /// The bytes of `column`'s canonical text, valid during the call.
        func withText<Result>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            let index = Int32(column)
            switch sqlite3_column_type(statement, index) {
            case SQLITE_NULL:
                return try body(UnsafeRawBufferPointer(start: nil, count: 0))
            // SQLite writes an integer as text in decimal, as `String(Int64)` does.
            case SQLITE_TEXT, SQLITE_INTEGER:
                let text = sqlite3_column_text(statement, index)
                return try body(UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index))))
            default:
                var text = DatabaseValue(sqliteStatement: statement, index: index).canonicalText
                return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
            }
        }
    }

    /// A cursor over a query's rows, for reading several queries side by side. Inside
    /// `snapshot` or a transaction only; a row is valid until the cursor moves on.
    func cursor(_ sql: String, _ arguments: StatementArguments = []) throws -> RowCursor {
        guard let db = writer ?? reader else { preconditionFailure("a cursor is read inside a snapshot or a transaction") }
        // A statement of its own: two cursors over one cached statement would step each other.
        return try Row.fetchCursor(db.makeStatement(sql: sql), arguments: arguments)
    }

    /// The first column of the first row, if there is one and it is not NULL.
    func value<Value: DatabaseValueConvertible>(_ sql: String, _ arguments: StatementArguments = [], as type: Value.Type = Value.self) throws -> Value? {
        try reading { try Value.fetchOne($0.cachedStatement(sql: sql), arguments: arguments) }
    }

    /// Runs a statement that writes: in the transaction under way, or in one of its own.
    func execute(_ sql: String, _ arguments: StatementArguments = []) throws {
        precondition(reader == nil || writer != nil, "a write inside a read snapshot")
        guard let writer else { return try transaction { try execute(sql, arguments) } }
        try writer.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Inserts one row (in the transaction under way, or in one of its own), binding its values
    /// with SQLite's own calls: GRDB's `StatementArguments` maps values through generic code that
    /// is not specialized across modules, which with its binding was 0.8 of 5.5 processor-seconds
    /// of reviewing 50,000 items.
    func insert(_ sql: String, _ values: [DatabaseValue]) throws {
        precondition(reader == nil || writer != nil, "a write inside a read snapshot")
        guard writer != nil else { return try transaction { try insert(sql, values) } }
        var inserter = try inserter(sql)
        for value in values { try inserter.value(value) }
        try inserter.step()
    }

    /// An insert statement run row after row inside the write transaction under way, each
    /// value bound with SQLite's own calls, text also from bytes the caller holds: a
    /// registration binds half a million rows from buffers its workers filled, with no string
    /// or array made, walked and freed for each value on the one thread that inserts.
    func inserter(_ sql: String) throws -> RowInserter {
        guard let writer else { preconditionFailure("rows are inserted inside a transaction") }
        let statement = try writer.cachedStatement(sql: sql)
        precondition(statement.isReadonly == false)
        return RowInserter(statement: statement, db: writer, sql: sql)
    }

    /// Binds one row's values in order, then `step()` inserts it. Text bound from bytes must
    /// stay as it is until `step()` returns: SQLite reads it there, without a copy.
    struct RowInserter {
        fileprivate let statement: Statement
        fileprivate let db: Database
        fileprivate let sql: String
        private var position: Int32 = 0

        fileprivate init(statement: Statement, db: Database, sql: String) {
            self.statement = statement
            self.db = db
            self.sql = sql
        }

        private var handle: OpaquePointer { statement.sqliteStatement }

        /// One NUL byte: the address empty text is bound at.
        nonisolated(unsafe) private static let emptyText: UnsafeMutablePointer<CChar> = {
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
            pointer.initialize(to: 0)
            return pointer
        }()

        /// Text from UTF-8 bytes, to the first NUL as a string is bound.
        mutating func text(_ bytes: UnsafeRawBufferPointer) throws {
            position += 1
            let length = bytes.baseAddress.flatMap { memchr($0, 0, bytes.count) }.map { UnsafeRawPointer($0) - bytes.baseAddress! } ?? bytes.count
            let length32 = try counted(length, "text")
            // SQLITE_STATIC: SQLite uses the bytes in place until the statement is reset.
            // No address (no bytes) would bind NULL; empty text has one.
            let address = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(Self.emptyText)
            try check(sqlite3_bind_text(handle, position, address, length32, nil))
        }

        /// Text copied as it is bound, to the first NUL (as GRDB binds text).
        mutating func text(_ string: String) throws {
            position += 1
            try check(string.withCString { sqlite3_bind_text(handle, position, $0, -1, Self.transient) })
        }

        /// SQLITE_TRANSIENT: SQLite copies the value as it is bound.
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        /// Any value, copied as it is bound.
        mutating func value(_ value: DatabaseValue) throws {
            switch value.storage {
            case .null: try null()
            case .int64(let number): try int(Int(number))
            case .string(let text): try self.text(text)
            case .double(let number):
                position += 1
                try check(sqlite3_bind_double(handle, position, number))
            case .blob(let data):
                position += 1
                let length32 = try counted(data.count, "blob")
                try check(data.withUnsafeBytes { sqlite3_bind_blob(handle, position, $0.baseAddress, length32, Self.transient) })
            }
        }

        /// A value's length as SQLite takes it, a 32-bit number: a longer value is refused as
        /// SQLite refuses one over its limit.
        private func counted(_ length: Int, _ kind: String) throws -> Int32 {
            guard let counted = Int32(exactly: length) else {
                throw DatabaseError(resultCode: .SQLITE_TOOBIG, message: "a \(kind) of \(length) bytes is longer than SQLite takes", sql: sql)
            }
            return counted
        }

        mutating func int(_ value: Int) throws {
            position += 1
            try check(sqlite3_bind_int64(handle, position, Int64(value)))
        }

        mutating func null() throws {
            position += 1
            try check(sqlite3_bind_null(handle, position))
        }

        /// Inserts the row bound, and starts the next.
        mutating func step() throws {
            precondition(Int(sqlite3_bind_parameter_count(handle)) == Int(position), "every value of the row is bound")
            position = 0
            let code = sqlite3_step(handle)
            let failure = code == SQLITE_DONE ? nil : StoreDatabase.error(code, db, sql)
            sqlite3_reset(handle)
            if let failure { throw failure }
        }

        private func check(_ code: Int32) throws {
            guard code == SQLITE_OK else { throw StoreDatabase.error(code, db, sql) }
        }
    }

    /// Rows of values made on a worker for the writing thread to bind with a `RowInserter`:
    /// their text in one buffer, so that the writing thread neither walks nor frees a string
    /// or an array for each value (text, integers and NULL only).
    struct BoundRows: Sendable {
        let width: Int
        private var bytes: [UInt8] = []
        /// For each value, where its text starts and ends in `bytes`; an integer as (-2, value); NULL as (-1, 0).
        private var slots: [(start: Int, end: Int)] = []

        init(width: Int, capacity: Int = 0) {
            self.width = width
            slots.reserveCapacity(capacity * width)
        }

        var count: Int { slots.count / width }

        mutating func append(_ values: [DatabaseValue]) {
            precondition(values.count == width)
            for value in values {
                switch value.storage {
                case .null: slots.append((-1, 0))
                case .int64(let number): slots.append((-2, Int(number)))
                case .string(let text):
                    let start = bytes.count
                    bytes += text.utf8
                    slots.append((start, bytes.count))
                case .double, .blob: preconditionFailure("bound rows hold text, integers and NULL")
                }
            }
        }

        /// One row, valid only during the call `forEach` makes with it.
        struct Row {
            fileprivate let base: UnsafeRawBufferPointer
            fileprivate let slots: ArraySlice<(start: Int, end: Int)>

            /// The text of the value at `column`; nil when it is not text.
            func text(_ column: Int) -> UnsafeRawBufferPointer? {
                let slot = slots[slots.startIndex + column]
                return slot.start >= 0 ? UnsafeRawBufferPointer(rebasing: base[slot.start..<slot.end]) : nil
            }

            /// Binds the value at `column` as the inserter's next.
            func bind(_ column: Int, to inserter: inout RowInserter) throws {
                let slot = slots[slots.startIndex + column]
                switch slot.start {
                case -1: try inserter.null()
                case -2: try inserter.int(slot.end)
                default: try inserter.text(UnsafeRawBufferPointer(rebasing: base[slot.start..<slot.end]))
                }
            }
        }

        func forEach(_ body: (Row) throws -> Void) throws {
            try bytes.withUnsafeBytes { base in
                for row in 0..<count { try body(Row(base: base, slots: slots[row * width..<(row + 1) * width])) }
            }
        }
    }

    private static func error(_ code: Int32, _ db: Database, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }

    /// Runs several statements (a migration's). Call inside a transaction.
    func executeScript(_ sql: String) throws {
        guard let writer else { preconditionFailure("a script runs inside a transaction") }
        try writer.execute(sql: sql)
    }

    /// The row id the last insert in the transaction under way made.
    var lastInsertedRowID: Int64 { writer?.lastInsertedRowID ?? 0 }

    /// Runs `body` in an immediate transaction: all of it is stored, or (on a throw or a kill)
    /// none. Inside one, `body` joins it.
    ///
    /// A `large` transaction's log is copied into the database file after this returns, on the
    /// writer's queue while the caller goes on (reads see the log meanwhile): SQLite copies it
    /// as the commit ends, and for a registration of half a million items that took 3.5 s of
    /// one core while the other waited. A write queued later waits for the copy, and so does
    /// closing the store.
    func transaction<T>(large: Bool = false, _ body: () throws -> T) throws -> T {
        if writer != nil { return try body() }
        precondition(reader == nil, "a write transaction inside a read snapshot")
        let result = try pool.writeWithoutTransaction { db in
            if large { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
            defer { if large { try? db.execute(sql: "PRAGMA wal_autocheckpoint = \(self.autocheckpointPages)") } }
            var result: T?
            try db.inTransaction(.immediate) {
                try joining(db) { result = try body() }
                return .commit
            }
            // The page cache the transaction filled (tens of megabytes) is of no use to the copy.
            if large { db.releaseMemory() }
            return result!
        }
        if large, !building {
            // What is committed is safe in the log; a copy that fails leaves it there for the next
            // checkpoint (SQLite's own after a later commit, or on close), so its error is not the caller's.
            pool.asyncWriteWithoutTransaction { db in _ = try? db.checkpoint(.passive) }
        }
        return result
    }

    /// The page size of a database this store creates.
    static let pageSize = 16_384

    /// How long the log grows before it is copied into the database: SQLite's default of 1,000 pages of 4 KiB.
    static let autocheckpointBytes = 1_000 * 4_096
    /// That length in this database's pages.
    private let autocheckpointPages: Int

    deinit {
        // Waits for a copy `transaction(large:)` left running, so that the process does not end inside it.
        if !building { pool.writeWithoutTransaction { _ in } }
    }

    /// Runs `body` with every query in it reading one snapshot, on one connection: a page's
    /// reads agree with one another, and a page costs one read transaction, not one a query.
    /// Inside a write transaction, `body` reads in it.
    func snapshot<T>(_ body: () throws -> T) throws -> T {
        if writer != nil || reader != nil { return try body() }
        return try pool.read { db in
            reader = db
            defer { reader = nil }
            return try body()
        }
    }

    /// Runs `body` with `db` as the transaction under way (a migration's connection).
    func joining<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        writer = db
        transactionSerial += 1
        defer { writer = nil }
        return try body()
    }
}

extension DatabaseValue {
    /// The value as text for hashing and canonical rows (NULL as "").
    var canonicalText: String {
        switch storage {
        case .null: ""
        case .int64(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .blob(let data): String(decoding: data, as: UTF8.self)
        }
    }
}
