import Foundation
internal import CSQLite

/// An error from SQLite, with its result code, its message and what was being done.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var operation: String

    public var description: String { "SQLite error \(code) while \(operation): \(message)" }
}

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var text: String? { if case .text(let value) = self { value } else { nil } }
    public var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
}

/// A thin connection over the system SQLite: the store needs a few statements, transactions
/// and WAL, and this module is the only one that touches SQLite. Not `Sendable`: one connection
/// per task or process; concurrent writers coordinate through SQLite's own locking.
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    public let path: String
    /// Prepared statements by their SQL, reused (reset and unbound) as GRDB and SwiftPM do:
    /// preparing each time was most of the cost of registering an item for review.
    private var statements: [String: OpaquePointer] = [:]
    /// Statements built with values in their text would fill the cache without end.
    private static let maximumCachedStatements = 128

    public init(path: String) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        guard status == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            handle = nil
            throw SQLiteError(code: status, message: message, operation: "opening \(path)")
        }
        sqlite3_busy_timeout(handle, 10_000)
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = FULL")
        try execute("PRAGMA foreign_keys = ON")
    }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    private func check(_ status: Int32, _ operation: @autoclosure () -> String) throws {
        guard status == SQLITE_OK || status == SQLITE_DONE || status == SQLITE_ROW else {
            throw SQLiteError(code: status, message: String(cString: sqlite3_errmsg(handle)), operation: operation())
        }
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if status != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: status, message: message, operation: "running \(sql.prefix(80))")
        }
    }

    /// Runs a statement with bound values; returns its rows.
    @discardableResult
    public func query(_ sql: String, _ values: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: try check(sqlite3_bind_null(statement, position), "binding")
            case .integer(let number): try check(sqlite3_bind_int64(statement, position, number), "binding")
            case .real(let number): try check(sqlite3_bind_double(statement, position, number), "binding")
            case .text(let text): try check(sqlite3_bind_text(statement, position, text, -1, csqlite_transient()), "binding")
            }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            try check(status, "running \(sql.prefix(80))")
            let columns = sqlite3_column_count(statement)
            rows.append((0..<columns).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
                case SQLITE_NULL: return .null
                default: return .text(String(cString: sqlite3_column_text(statement, column)))
                }
            })
        }
        return rows
    }

    private func prepared(_ sql: String) throws -> OpaquePointer? {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil), "preparing \(sql.prefix(80))")
        if statements.count >= Self.maximumCachedStatements {
            for cached in statements.values { sqlite3_finalize(cached) }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    /// Runs `body` in an immediate transaction: all of it is stored, or (on a throw or a kill) none.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        transactionSerial += 1
        isInTransaction = true
        defer { isInTransaction = false }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Counts the transactions begun on this connection, so that what was read inside one can
    /// be reused until it ends: no other connection writes while it holds the write lock.
    public private(set) var transactionSerial = 0
    public private(set) var isInTransaction = false

    public var userVersion: Int {
        get throws { Int(try query("PRAGMA user_version").first?.first?.integer ?? 0) }
    }
}
