public import Foundation
public import DatasetCore
internal import GRDB

/// The review database of one pipeline: item versions (keyed by content hash), reviewers,
/// rounds, batches, assignments, decisions with their labels, round outcomes, and an
/// append-only audit log whose entries chain by SHA-256 and commit to every row they wrote.
public final class ReviewStore {
    let database: StoreDatabase
    /// The secret beside the database that seals audit entries and keys session hashes.
    let key: StoreKey
    /// Whether audit entries are sealed: from the migration that adds the seal column on.
    var sealsAuditEntries = false
    /// The audit chain's last hash and the time written inside the current transaction.
    var auditHead: (transaction: Int, hash: String, at: String)?
    /// The items the last registration was given, with their hashes and id order, until review
    /// is applied to those same items (`itemsInHand(_:)`).
    private(set) var registeredInHand: ItemsInHand?
    /// The items this process built the database from (`create`), and the audit log's last
    /// entry then, until review is applied to them (`builtPool(of:)`).
    private var buildRegistration: (items: ItemsInHand, lastAudit: Int)?

    /// Named migrations in order. GRDB's migrator records those applied (`grdb_migrations`);
    /// databases from before it counted them in `PRAGMA user_version`.
    static let migrations: [(name: String, migrate: @Sendable (ReviewStore) throws -> Void)] = [
        ("items, decisions and the audit log", { store in
            try store.database.executeScript("""
            CREATE TABLE items (
                id TEXT NOT NULL,
                version INTEGER NOT NULL,
                content_hash TEXT NOT NULL,
                task TEXT NOT NULL,
                subject TEXT NOT NULL,
                record TEXT NOT NULL,
                PRIMARY KEY (id, version),
                UNIQUE (id, content_hash)
            );
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE TABLE decisions (
                seq INTEGER PRIMARY KEY,
                item_id TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                round TEXT NOT NULL,
                reviewer TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'revise')),
                reason TEXT
            );
            CREATE INDEX decisions_item ON decisions (item_id, content_hash);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)
        }),
        ("rounds, batches, reviewers, labels and outcomes", { store in
            // Rounds, batches, assignments, labels and outcomes; every row is committed to by
            // an audit entry whose subject names it ("table:key").
            try store.database.executeScript("""
            ALTER TABLE audit_log ADD COLUMN at TEXT NOT NULL DEFAULT '';
            ALTER TABLE items ADD COLUMN author TEXT;
            ALTER TABLE items ADD COLUMN revised_in TEXT;
            ALTER TABLE decisions ADD COLUMN batch TEXT;
            ALTER TABLE decisions ADD COLUMN revision_hash TEXT;
            CREATE UNIQUE INDEX decisions_once ON decisions (item_id, content_hash, round, reviewer);
            CREATE TABLE reviewers (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('reviewer', 'lead', 'curator'))
            );
            CREATE TABLE rounds (
                name TEXT PRIMARY KEY,
                position INTEGER NOT NULL,
                config TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'closed'))
            );
            CREATE TABLE batches (
                id TEXT PRIMARY KEY,
                round TEXT NOT NULL REFERENCES rounds (name),
                kind TEXT NOT NULL CHECK (kind IN ('review', 'adjudication', 'tiebreak'))
            );
            CREATE TABLE batch_items (
                batch TEXT NOT NULL REFERENCES batches (id),
                position INTEGER NOT NULL,
                item_id TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                PRIMARY KEY (batch, item_id)
            );
            CREATE INDEX batch_items_item ON batch_items (item_id, content_hash);
            CREATE TABLE assignments (
                batch TEXT NOT NULL REFERENCES batches (id),
                reviewer TEXT NOT NULL REFERENCES reviewers (id),
                PRIMARY KEY (batch, reviewer)
            );
            CREATE TABLE labels (
                decision INTEGER NOT NULL REFERENCES decisions (seq),
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (decision, name, value)
            );
            CREATE TABLE outcomes (
                round TEXT NOT NULL,
                item_id TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'rejected')),
                labels TEXT NOT NULL,
                PRIMARY KEY (round, item_id, content_hash)
            );
            CREATE TABLE pool (item_id TEXT PRIMARY KEY);
            """)
            // Rows written before rows were audited get an entry now, so that a later hand edit shows.
            for row in try store.database.rows("SELECT id, version FROM items ORDER BY id, version") {
                try store.audit(actor: "migration", action: "item.audited", table: .items, key: "\(row["id"] as String)/\(row["version"] as Int)")
            }
            for row in try store.database.rows("SELECT seq FROM decisions ORDER BY seq") {
                try store.audit(actor: "migration", action: "decision.audited", table: .decisions, key: String(row["seq"] as Int))
            }
        }),
        ("review page sessions and refusals", { store in
            // The review page: one-time sign-in links, sessions, which items a reviewer has been
            // shown, and refused requests. Tokens and session ids are stored as SHA-256 only.
            try store.database.executeScript("""
            CREATE TABLE sign_in_tokens (
                token_hash TEXT PRIMARY KEY,
                reviewer TEXT NOT NULL REFERENCES reviewers (id),
                expires_at TEXT NOT NULL,
                used_at TEXT
            );
            CREATE TABLE sessions (
                id_hash TEXT PRIMARY KEY,
                reviewer TEXT NOT NULL REFERENCES reviewers (id),
                csrf TEXT NOT NULL,
                expires_at TEXT NOT NULL
            );
            CREATE TABLE item_views (
                reviewer TEXT NOT NULL,
                batch TEXT NOT NULL,
                item_id TEXT NOT NULL,
                PRIMARY KEY (reviewer, batch, item_id)
            );
            CREATE TABLE refusals (
                seq INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                reviewer TEXT,
                request TEXT NOT NULL,
                reason TEXT NOT NULL
            );
            """)
        }),
        ("decisions by reviewer and batch", { store in
            // The review page asks for a reviewer's decisions in a batch on every request.
            try store.database.executeScript("CREATE INDEX decisions_reviewer ON decisions (reviewer, batch)")
        }),
        ("pool source and current content", { store in
            // The pool records, per item, the content the raw files gave in the latest run and the
            // content a candidate shows (that content, or a reviewer's revision of it), so that a
            // raw file reverted to earlier content brings that content back. Pools written before
            // showed each item's newest version.
            try store.database.executeScript("""
            ALTER TABLE pool ADD COLUMN source_hash TEXT;
            ALTER TABLE pool ADD COLUMN current_hash TEXT;
            UPDATE pool SET source_hash = (SELECT content_hash FROM items WHERE id = pool.item_id ORDER BY version DESC LIMIT 1);
            UPDATE pool SET current_hash = source_hash;
            CREATE INDEX decisions_revision ON decisions (item_id, content_hash) WHERE revision_hash IS NOT NULL;
            """)
        }),
        ("settings", { store in
            // Where the review page was last served, so that sign-in links point there.
            try store.database.executeScript("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }),
        ("comments", { store in
            // A reviewer's note on the version of an item they decide on.
            try store.database.executeScript("""
            CREATE TABLE comments (
                round TEXT NOT NULL,
                item_id TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                reviewer TEXT NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (round, item_id, content_hash, reviewer)
            )
            """)
        }),
        ("audit log by subject", { store in
            // A card shows when its reviewer's decision was made: the audit entries of one row.
            try store.database.executeScript("CREATE INDEX audit_log_subject ON audit_log (subject)")
        }),
        ("link requests", { store in
            // A reviewer whose session ended asks for a new sign-in link; the curator sees it.
            try store.database.executeScript("""
            CREATE TABLE link_requests (
                reviewer TEXT PRIMARY KEY REFERENCES reviewers (id),
                at TEXT NOT NULL
            )
            """)
        }),
        ("revised items index", { store in
            // The review state's hash reads the reviewers' versions on every run; without this it
            // read the whole items table, every record, to find them.
            try store.database.executeScript("CREATE INDEX items_revised ON items (id, version) WHERE revised_in IS NOT NULL")
        }),
        ("sealed audit entries", { store in
            // Each entry from here on carries HMAC(key, hash) under the key kept outside the
            // database; earlier entries stay covered by the chain alone. Sessions and sign-in
            // tokens stored as plain SHA-256 end: their hashes are now keyed.
            try store.database.executeScript("""
            ALTER TABLE audit_log ADD COLUMN seal TEXT;
            DELETE FROM sessions;
            DELETE FROM sign_in_tokens WHERE used_at IS NULL;
            """)
        }),
        ("pilot answers", { store in
            // Models' answers to a release or candidate (`pilot import`), and the items a round
            // was opened for because the pilot flagged them (`review open --pilot-flags`).
            try store.database.executeScript("""
            CREATE TABLE pilot_answers (
                target TEXT NOT NULL,
                model TEXT NOT NULL,
                item_id TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                choice INTEGER NOT NULL,
                loglikelihoods TEXT,
                source TEXT NOT NULL,
                PRIMARY KEY (target, model, item_id)
            );
            CREATE TABLE pilot_flag_reviews (
                target TEXT NOT NULL,
                round TEXT NOT NULL,
                item_id TEXT NOT NULL,
                flags TEXT NOT NULL,
                PRIMARY KEY (target, round, item_id)
            );
            """)
        }),
    ]

    public init(url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        database = try StoreDatabase(path: url.path)
        key = try StoreKey.load(for: url)
        try migrate()
        sealsAuditEntries = true
    }

    private init(building url: URL, key: StoreKey) throws {
        database = try StoreDatabase(building: url.path)
        self.key = key
        try migrate()
        sealsAuditEntries = true
    }

    /// Makes the review database at `url` with `items` registered (`register`), when there is
    /// none there yet: built under a temporary name without SQLite's log, flushed, and moved
    /// into place only if no other process made one meanwhile. Returns the store opened at
    /// `url`, or nil, having read no items, when a database is there (or its log, left by a
    /// process that was killed, which opening the database recovers): then `register` there.
    /// A build cut short leaves no database at `url`; its temporary file is replaced by the next.
    /// Only one process builds for a given `url` at a time (a pipeline run holds its build lock).
    public static func create(at url: URL, registering items: () throws -> [Item], actor: String, from source: String? = nil) throws -> ReviewStore? {
        guard !databaseExists(at: url) else { return nil }
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let built = folder.appendingPathComponent(".\(url.lastPathComponent).new")
        func removeBuilt() { for suffix in ["", "-journal", "-wal", "-shm"] { unlink(built.path + suffix) } }
        removeBuilt()
        let inHand: ItemsInHand?, lastAudit: Int?
        do {
            let store = try ReviewStore(building: built, key: try StoreKey.load(for: url))
            try store.register(try items(), actor: actor, from: source)
            inHand = store.registeredInHand
            lastAudit = try store.database.value("SELECT MAX(seq) FROM audit_log")
            try store.database.finishBuilding()
            guard try AtomicFiles.renameNoReplace(built, to: url) else {
                removeBuilt()
                return nil
            }
            try AtomicFiles.syncDirectory(folder)
        } catch {
            removeBuilt()
            throw error
        }
        let store = try ReviewStore(url: url)
        store.registeredInHand = inHand
        if let inHand, let lastAudit { store.buildRegistration = (inHand, lastAudit) }
        return store
    }

    /// The pool of a database this process built (`create`) from `hand`, as `poolItems(known:)`
    /// reads it, while the audit log has no entry since (every change to items or the pool adds
    /// one in the same transaction): the first item of each id, in id order, at version 1. Read
    /// back instead, the pool's rows were the whole file again (0.85 GB at half a million
    /// items), from the disk once the build had dropped its pages from the page cache; taken
    /// from here, with those pages dropped, the review stage of a full run went from 13.0–13.9 s
    /// to 9.9–10.7 s (three runs each, in turn). Nil otherwise; asked once.
    func builtPool(of hand: ItemsInHand) throws -> [ItemVersion]? {
        defer { buildRegistration = nil }
        guard let registration = buildRegistration, registration.items.holds(hand.items),
              try database.value("SELECT MAX(seq) FROM audit_log") == registration.lastAudit else { return nil }
        // Made on every core: on one, it and the pool members made from it were a second of the stage.
        let firsts = hand.byID.indices.filter { hand.startsID[$0] }.map { hand.byID[$0] }
        return Parallel.array(firsts.count) { position in
            let index = firsts[position]
            return ItemVersion(item: hand.items[index], version: 1, contentHash: hand.hashes[index],
                               author: hand.items[index].source.author, revisedIn: nil)
        }
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        // The migrator runs each migration in this call, on the pool's writer, while this store waits.
        nonisolated(unsafe) let store = self
        for migration in Self.migrations {
            migrator.registerMigration(migration.name) { db in try store.database.joining(db) { try migration.migrate(store) } }
        }
        let pool = database.pool
        // An up-to-date database is opened without taking the write lock.
        let (superseded, complete) = try pool.read { try (migrator.hasBeenSuperseded($0), migrator.hasCompletedMigrations($0)) }
        if superseded {
            throw ReviewError("the review database \(database.path) was made by a newer build-dataset: it has migrations this one does not know")
        }
        if complete { return }
        try pool.writeWithoutTransaction { db in
            let counted = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            guard counted > 0, try !db.tableExists("grdb_migrations") else { return }
            try db.inTransaction(.immediate) {
                // Another process may have done this while this one waited for the lock.
                guard try !db.tableExists("grdb_migrations") else { return .commit }
                try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                for migration in Self.migrations.prefix(counted) {
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.name])
                }
                return .commit
            }
        }
        // Two processes opening a new database at once both start migrating; the one that waited
        // for the lock finds its step done and starts again from what is applied.
        var applied = try pool.read(migrator.appliedIdentifiers)
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch {
                let now = try pool.read(migrator.appliedIdentifiers)
                guard now.count > applied.count else { throw error }
                applied = now
            }
        }
    }

    /// Frees the database connections' page caches, after the work queued on the database.
    public func releaseMemory() {
        database.releaseMemory()
    }

    // MARK: Items

    /// `items` with their content hashes and id order: those the last registration made when it
    /// was given these very items (the review stage registers its items, then applies review to
    /// the same array; hashing and ordering half a million items again took a second), made
    /// anew otherwise. Either way the registration's are let go.
    func itemsInHand(_ items: [Item]) throws -> ItemsInHand {
        defer { registeredInHand = nil }
        if let registered = registeredInHand, registered.holds(items) { return registered }
        return try ItemsInHand(items)
    }

    /// From this many items on, a registration's log is copied into the database in the background.
    static let largeRegistration = 10_000

    /// Registers the items that reached review in a pipeline run and makes them the pool that
    /// rounds draw from. Content not registered before becomes the item's next version; content
    /// registered before (unchanged, or a raw file reverted to it) writes nothing. Each pool item
    /// shows its raw content, or the reviewer's revision of that same content where there is one.
    /// Returns how many versions were new.
    @discardableResult
    public func register(_ items: [Item], actor: String, from source: String? = nil) throws -> Int {
        // Hashes and the id order are made before the write lock is taken; what is registered
        // already is read in one query rather than one per item.
        // In id order: both indexes of the items table lead with the id, so a large pool goes
        // into them at their ends instead of all over them (registering half a million wrote
        // 2.2 GB instead of 2.6 GB); the pool's rows go in the same order.
        let hand = try ItemsInHand(items)
        registeredInHand = hand
        let (hashes, ids, byID, startsID) = (hand.hashes, hand.ids, hand.byID, hand.startsID)
        return try database.transaction(large: items.count >= Self.largeRegistration) {
            // Read before this registration's own entries: where no registration has marked its
            // source yet (a database just made), the query reads the whole audit log, and after
            // half a million entries that was 180 MB read back from the disk a page at a time
            // (1.3 s of the review stage's wait at a million candidates).
            let sourceBefore = source == nil ? nil : try registeredSource()
            var registered: Set<String> = []
            var latest: [String: Int] = [:]
            try database.eachRow("SELECT id, version, content_hash FROM items") { row in
                let id: String = row[0]
                registered.insert("\(id)/\(row[2] as String)")
                latest[id] = max(latest[id] ?? 0, row[1])
            }
            // Each content of an id once: the same item given twice is one version, not a second
            // row the table's uniqueness refuses. An id's new contents take the versions after
            // its latest, in turn.
            var fresh: [Int] = [], versions: [Int] = []
            fresh.reserveCapacity(byID.count)
            versions.reserveCapacity(byID.count)
            var contentsOfID: [String] = []
            var version = 0
            for (position, index) in byID.enumerated() {
                if startsID[position] {
                    contentsOfID.removeAll(keepingCapacity: true)
                    version = latest.isEmpty ? 0 : latest[ids[index]] ?? 0
                }
                guard !contentsOfID.contains(hashes[index]) else { continue }
                contentsOfID.append(hashes[index])
                if registered.isEmpty || !registered.contains("\(ids[index])/\(hashes[index])") {
                    fresh.append(index)
                    version += 1
                    versions.append(version)
                }
            }
            // Each row, its audit entry's subject and the digest the entry records are made on
            // every core, a block ahead of the inserts, which go one at a time; the audit chain
            // (which runs through every entry) is hashed a block ahead of them on a thread of its own.
            let itemColumns = AuditedTable.itemColumns.split(separator: ",").count
            var inserter = try database.inserter(Self.itemInsert)
            try appendAudits(actor: actor, action: "item.registered") { audits in
                @Sendable func entries(_ blocks: [StoreDatabase.BoundRows], _ entry: (AuditBlocks.Entry) -> Void) {
                    for block in blocks {
                        try? block.forEach { row in entry((row.text(itemColumns)!, row.text(itemColumns + 1)!)) }
                    }
                }
                func insert(_ blocks: [StoreDatabase.BoundRows], _ sealed: AuditBlocks.Sealed) throws {
                    try audits.append(sealed) { appendAudit in
                        for block in blocks {
                            try block.forEach { row in
                                for column in 0..<itemColumns { try row.bind(column, to: &inserter) }
                                try inserter.step()
                                try appendAudit((row.text(itemColumns)!, row.text(itemColumns + 1)!))
                            }
                        }
                    }
                }
                var hashing: (blocks: [StoreDatabase.BoundRows], sealed: AuditBlocks.Sealed)?
                try Parallel.overlapped(fresh.count, block: 8_192, make: { [fresh, versions] range in
                    var rows = StoreDatabase.BoundRows(width: itemColumns + 2, capacity: range.count)
                    var writer = JSONWriter()
                    var canonical: [UInt8] = []
                    for position in range {
                        let item = items[fresh[position]]
                        let values = Self.itemRow(of: item, version: versions[position], hash: hashes[fresh[position]],
                                                  record: writer.line(for: item), author: item.source.author, revisedIn: nil)
                        let subject = "\(AuditedTable.items.rawValue):\(item.id)/\(versions[position])"
                        canonical.removeAll(keepingCapacity: true)
                        AuditedTable.canonicalRow(values, into: &canonical)
                        rows.append(values + [subject.databaseValue, Self.itemVersionDetail(canonicalRow: canonical).databaseValue])
                    }
                    return [rows]
                }) { blocks in
                    let sealed = audits.hash(blocks, entries: entries)
                    if let hashing { try insert(hashing.blocks, hashing.sealed) }
                    hashing = (blocks, sealed)
                    database.startWriteback()
                }
                if let hashing {
                    try insert(hashing.blocks, hashing.sealed)
                    database.startWriteback()
                }
            }
            // For each revised version ("id/content hash"), the content its newest revision made.
            let revisions = Dictionary(try revisionLinks().map { ("\($0.itemID)/\($0.base)", $0.revision) }, uniquingKeysWith: { $1 })
            // The pool in id order: each id once, from its first item (the id order keeps the
            // items' order among equal ids), showing the end of that content's revisions.
            // Compared as lists in the order both sides have, not as dictionaries of half a
            // million ids. (Ids are ASCII, where byte order is both `String`'s and SQLite's.)
            let firsts = byID.indices.filter { startsID[$0] }.map { byID[$0] }
            @Sendable func current(_ index: Int) -> String { Self.current(of: ids[index], from: hashes[index], revisions: revisions) }
            var unchanged = true, stored = 0
            try database.eachRow("SELECT item_id, COALESCE(source_hash, '') AS source, COALESCE(current_hash, '') AS current FROM pool ORDER BY item_id") { row in
                if unchanged, stored < firsts.count {
                    let index = firsts[stored]
                    unchanged = ids[index] == row[0] && hashes[index] == row[1] && current(index) == row[2]
                } else {
                    unchanged = false
                }
                stored += 1
            }
            if !unchanged || stored != firsts.count {
                // The rows are made on every core, their text in a buffer a block, and written
                // here: reading each id and hash where it lies for the first time on this
                // thread was most of half a second of it at half a million items.
                let rows = try Parallel.chunks(firsts.count) { range in
                    var rows = StoreDatabase.BoundRows(width: 3, capacity: range.count)
                    for index in firsts[range] {
                        rows.append([ids[index].databaseValue, hashes[index].databaseValue, current(index).databaseValue])
                    }
                    return rows
                }
                try database.execute("DELETE FROM pool")
                var inserter = try database.inserter("INSERT INTO pool (item_id, source_hash, current_hash) VALUES (?, ?, ?)")
                var digest = Hashing.PartsStream()
                for block in rows {
                    try block.forEach { row in
                        for column in 0..<3 {
                            try row.bind(column, to: &inserter)
                            digest.append(row.text(column)!)
                        }
                        try inserter.step()
                    }
                }
                try appendAudit(actor: actor, action: "pool.updated", subject: "pool", detail: digest.hex())
            }
            if let source, sourceBefore != source {
                try appendAudit(actor: actor, action: "pool.registered", subject: "pool", detail: source)
            }
            return fresh.count
        }
    }

    /// One reviewer's revision: the content it was made from and the content it made.
    struct RevisionLink {
        var itemID: String
        var base: String
        var revision: String
        var round: String
    }

    /// Every revision reviewers made, oldest first: the one place revision links are read.
    func revisionLinks() throws -> [RevisionLink] {
        try database.rows("SELECT item_id, content_hash, revision_hash, round FROM decisions WHERE revision_hash IS NOT NULL ORDER BY seq").map {
            RevisionLink(itemID: $0["item_id"], base: $0["content_hash"], revision: $0["revision_hash"], round: $0["round"])
        }
    }

    /// The content a candidate shows for an item whose raw content is `hash`: the end of the
    /// chain of reviewers' revisions that starts at it.
    static func current(of id: String, from hash: String, revisions: [String: String]) -> String {
        guard !revisions.isEmpty else { return hash }
        var current = hash
        var seen: Set<String> = [hash]
        while let next = revisions["\(id)/\(current)"], seen.insert(next).inserted { current = next }
        return current
    }

    /// What the last registration said it registered (a pipeline gives the SHA-256 of the file
    /// its items came from): when it is the same again, registering would change nothing.
    public func registeredSource() throws -> String? {
        // The newest entries are read first; the marker is the last entry a registration writes.
        try database.value("SELECT detail FROM audit_log WHERE action = 'pool.registered' ORDER BY seq DESC LIMIT 1")
    }

    /// The next version number of an item (1 for a new one). Call inside a transaction.
    func nextVersion(of id: String) throws -> Int {
        (try database.value("SELECT MAX(version) FROM items WHERE id = ?", [id], as: Int.self) ?? 0) + 1
    }

    /// Inserts a version of an item, with its record as `JSONLines.line(for:)` writes it. Call
    /// inside a transaction.
    func insertVersion(of item: Item, version: Int, hash: String, record: String, author: String?, revisedIn round: String?,
                       actor: String, action: String) throws {
        let values = Self.itemRow(of: item, version: version, hash: hash, record: record, author: author, revisedIn: round)
        try insertItemRow(values, detail: Self.auditDetail(AuditedTable.canonicalRow(values), table: .items), id: item.id, version: version,
                          actor: actor, action: action)
    }

    /// A row of the items table, in the order of `AuditedTable.itemColumns`, which the audit reads rows back in.
    static func itemRow(of item: Item, version: Int, hash: String, record: String, author: String?, revisedIn round: String?) -> [DatabaseValue] {
        [item.id.databaseValue, version.databaseValue, hash.databaseValue, item.task.rawValue.databaseValue,
         item.subject.databaseValue, record.databaseValue, author.databaseValue, round.databaseValue]
    }

    /// Inserts a row `itemRow` made, and its audit entry with `detail`, the digest of the row's
    /// canonical text. That text is made from the values written, not read back: every column is
    /// TEXT or INTEGER, which SQLite stores as given. `verify` reads the row back and compares,
    /// so a difference would be found there.
    func insertItemRow(_ values: [DatabaseValue], detail: String, id: String, version: Int, actor: String, action: String) throws {
        try database.insert(Self.itemInsert, values)
        try appendAudit(actor: actor, action: action, subject: "\(AuditedTable.items.rawValue):\(id)/\(version)", detail: detail)
    }

    static let itemInsert = "INSERT INTO items (\(AuditedTable.itemColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

    /// One stored version of an item.
    public struct ItemVersion: Sendable {
        public var item: Item
        public var version: Int
        public var contentHash: String
        /// Who wrote this version: the source's author, or the reviewer who revised it.
        public var author: String?
        /// The round in which a reviewer revised the previous version into this one.
        public var revisedIn: String?
    }

    /// Every version of an item, oldest first.
    public func versions(of id: String) throws -> [ItemVersion] {
        try database.rows("SELECT record, version, content_hash, author, revised_in FROM items WHERE id = ? ORDER BY version",
                           [id]).map(Self.itemVersion)
    }

    static func itemVersion(_ row: Row) throws -> ItemVersion {
        let item = try JSONLines.decode(Item.self, from: Data((row["record"] as String).utf8), file: "review database").first!
        return ItemVersion(item: item, version: row["version"], contentHash: row["content_hash"], author: row["author"],
                           revisedIn: row["revised_in"])
    }

    /// One version of an item, if it is registered.
    public func itemVersion(_ id: String, contentHash: String) throws -> ItemVersion? {
        try database.rows("SELECT record, version, content_hash, author, revised_in FROM items WHERE id = ? AND content_hash = ?",
                           [id, contentHash]).first.map(Self.itemVersion)
    }

    /// The version of an item its candidate shows (its newest, outside the pool).
    public func currentVersion(of id: String) throws -> ItemVersion? {
        guard let current = try currentVersions(of: [id])[id] else { return nil }
        return try itemVersion(id, contentHash: current.contentHash)
    }

    /// The current version and content hash of each registered item, or of the items `ids`
    /// names: for an item in the pool, the content its candidate shows; for any other, its
    /// newest version.
    public func currentVersions(of ids: [String]? = nil) throws -> [String: (version: Int, contentHash: String)] {
        var result: [String: (Int, String)] = [:]
        let condition = """
            WHERE (p.current_hash IS NOT NULL AND i.content_hash = p.current_hash)
               OR (p.current_hash IS NULL AND i.version = (SELECT MAX(version) FROM items WHERE id = i.id))
            """
        // Given ids, they drive the loop (CROSS JOIN fixes the order): a vote looks up its items,
        // not every item in the database.
        let rows = if let ids {
            try database.rows("""
                SELECT i.id, i.version, i.content_hash FROM json_each(?) AS wanted CROSS JOIN items i ON i.id = wanted.value
                LEFT JOIN pool p ON p.item_id = i.id
                """ + " " + condition, [String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)])
        } else {
            try database.rows("SELECT i.id, i.version, i.content_hash FROM items i LEFT JOIN pool p ON p.item_id = i.id " + condition)
        }
        for row in rows {
            result[row["id"]] = (row["version"], row["content_hash"])
        }
        return result
    }

    /// The items of the latest pipeline run, each at its current version, in id order.
    public func poolItems() throws -> [ItemVersion] {
        try poolItems(known: .none)
    }

    /// The pool, taking each item whose registered content hash is `known`'s from there rather
    /// than decoding its stored record (the review stage has the items in hand).
    func poolItems(known: ItemsInHand) throws -> [ItemVersion] {
        // A row at a time, each column read where SQLite holds it (half a million rows held as
        // GRDB rows were the review stage's peak); an item in hand keeps its own content hash.
        // Entries are a struct with room made up front: a growing array of tuples was copied
        // through generic witnesses at each growth. Half a million took 1.06 s before these
        // two changes, 0.64–0.73 s after.
        struct Entry {
            var item: Item?
            var version: Int
            var contentHash: String
            var author: String?
            var revisedIn: String?
        }
        var entries: [Entry] = []
        entries.reserveCapacity(max(known.items.count, try database.value("SELECT COUNT(*) FROM pool") ?? 0))
        var cursor = TextOrder.Cursor()
        // The records of items not in hand are copied out of the same rows, as bytes, rather than
        // asked for by a query each; those in hand are not copied.
        var records = Data()
        try database.eachRowText("""
            SELECT i.id, i.version, i.content_hash, i.author, i.revised_in, i.record FROM pool p
            JOIN items i ON i.id = p.item_id AND i.content_hash = p.current_hash ORDER BY p.item_id
            """) { row in
            let inHand = row.withText(0) { id in known.first(withID: id, from: &cursor) }.flatMap { index in
                row.withText(2) { hash in TextOrder.compareBytes(known.hashes[index], hash) == 0 } ? index : nil
            }
            let contentHash = inHand.map { known.hashes[$0] } ?? row.string(2) ?? ""
            entries.append(Entry(item: inHand.map { known.items[$0] }, version: row.int(1), contentHash: contentHash,
                                 author: row.string(3), revisedIn: row.string(4)))
            if inHand == nil {
                row.withText(5) { records.append(contentsOf: $0) }
                records.append(0x0A)
            }
        }
        // They are decoded together, on every core.
        let missing = entries.indices.filter { entries[$0].item == nil }
        for (index, item) in zip(missing, try JSONLines.decode(Item.self, from: records, file: "review database")) { entries[index].item = item }
        return entries.map { ItemVersion(item: $0.item!, version: $0.version, contentHash: $0.contentHash, author: $0.author, revisedIn: $0.revisedIn) }
    }

    /// The pool as the rules across rounds read it, in id order: columns of the items table, and
    /// the language and whether the item is a translation taken from its record by SQLite, in
    /// place, instead of decoding every record (`review status` over half a million items went
    /// from 6.0 s and 1.4 GB to 2.1 s and 0.4 GB).
    func poolMembers() throws -> [PoolMember] {
        var members: [PoolMember] = []
        // A record that is not JSON, or whose language is not text, is named rather than read as
        // SQLite's bare "malformed JSON" (only a hand edit of the database makes one).
        try database.eachRow("""
            SELECT i.id, i.version, i.content_hash, i.author, i.task, i.subject, json_valid(i.record),
                   CASE WHEN json_valid(i.record) THEN json_extract(i.record, '$.language') END,
                   CASE WHEN json_valid(i.record) THEN json_extract(i.record, '$.translation') IS NOT NULL END
            FROM pool p JOIN items i ON i.id = p.item_id AND i.content_hash = p.current_hash ORDER BY p.item_id
            """) { row in
            let id: String = row[0], version: Int = row[1], task: String = row[4]
            func damaged(_ what: String) -> ReviewError {
                ReviewError("review database \(database.path): item \(id) version \(version): \(what) (`review audit --verify` shows what was changed)")
            }
            guard row[6] as Bool else { throw damaged("its record is not valid JSON") }
            guard case .string(let language) = (row[7] as DatabaseValue).storage else { throw damaged("its record's language is missing or not text") }
            guard let known = ItemTask(rawValue: task) else { throw damaged("unknown task '\(task)'") }
            members.append(PoolMember(id: id, version: version, contentHash: row[2], author: row[3], task: known, subject: row[5],
                                      language: language, isTranslation: row[8]))
        }
        return members
    }

    /// Runs `body` with every read of this store in it seeing the same state (one read
    /// transaction); `body` must not write.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try database.snapshot(body)
    }

    // MARK: Settings

    /// The address the review page was last served at (its public address behind a proxy).
    public func reviewPageAddress() throws -> String? {
        try database.value("SELECT value FROM settings WHERE name = 'review_page_address'")
    }

    public func setReviewPageAddress(_ address: String) throws {
        try database.transaction {
            try database.execute("INSERT INTO settings (name, value) VALUES ('review_page_address', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                               [address])
        }
    }

    // MARK: State

    /// A hash of everything review decided: decisions with their labels, revisions and round
    /// outcomes, but no times or assignments. It keys the review stage and is recorded in a
    /// release, so the same decisions always give the same release.
    public func decisionStateHash() throws -> String {
        // Read in one snapshot and hashed row by row: the rows of a million decisions, held
        // whole, took a gigabyte and most of five seconds.
        var digest = Hashing.PartsStream()
        for part in Self.decisionStateStart { digest.append(part) }
        // Each decision's labels come from one pass over the labels' primary key, in its
        // (decision, name, value) order, and each batch's kind from a table of the few batches:
        // a subquery and a join for each of a million decisions were half of reading them.
        let decisions = """
            SELECT d.item_id, d.content_hash, d.round, d.reviewer, d.decision, COALESCE(d.reason, ''), COALESCE(d.revision_hash, ''), d.batch, l.labels \
            FROM decisions d LEFT JOIN (SELECT decision, group_concat(name || '=' || value, ';') AS labels FROM labels GROUP BY decision) l \
            ON l.decision = d.seq ORDER BY d.item_id, d.content_hash, d.round, d.reviewer
            """
        let queries = [
            "SELECT round, item_id, content_hash, outcome, labels FROM outcomes ORDER BY round, item_id, content_hash",
            "SELECT id, version, content_hash, record, COALESCE(author, ''), revised_in FROM items WHERE revised_in IS NOT NULL ORDER BY id, version",
        ]
        // A row's values joined by the separator are the same bytes as each value a part of its own.
        func append(_ row: StoreDatabase.RowText) {
            for index in 0..<row.count { row.withText(index) { digest.append($0) } }
        }
        return try database.snapshot {
            var kinds: [String: String] = [:]
            try database.eachRow("SELECT id, kind FROM batches") { kinds[$0[0]] = $0[1] }
            digest.append(Self.decisionStateTables[0])
            try database.eachRowText(decisions) { row in
                for index in 0..<7 { row.withText(index) { digest.append($0) } }
                digest.append(row.isNull(7) ? "" : row.withText(7) { kinds[String(decoding: $0, as: UTF8.self)] } ?? "")
                row.withText(8) { digest.append($0) }
            }
            for (index, sql) in queries.enumerated() {
                digest.append(Self.decisionStateTables[index + 1])
                try database.eachRowText(sql) { append($0) }
            }
            // Items a pilot sent to review (the card reports them); without any, the hash is what it was before pilots.
            var flagged = false
            try database.eachRowText("SELECT target, round, item_id, flags FROM pilot_flag_reviews ORDER BY target, round, item_id") { row in
                if !flagged { digest.append("pilot flags") }
                flagged = true
                append(row)
            }
            return digest.hex()
        }
    }

    /// `decisionStateHash()` with the audit log's newest entry it was read with.
    public struct DecisionState: Sendable, Equatable {
        public let auditHead: String
        public let hash: String
    }

    /// The decision state, or `known` again while the audit log's newest entry is the one it was
    /// read with: every change to what the hash covers is audited in the same transaction.
    public func decisionState(reusing known: DecisionState?) throws -> DecisionState {
        try database.snapshot {
            let head: String = try database.value("SELECT seq || '/' || hash FROM audit_log ORDER BY seq DESC LIMIT 1") ?? ""
            if let known, known.auditHead == head { return known }
            return DecisionState(auditHead: head, hash: try decisionStateHash())
        }
    }

    private static let decisionStateStart = ["review-state"]
    private static let decisionStateTables = ["table 0", "table 1", "table 2"]

    /// `decisionStateHash()` of the database at `url`, or, when there is none yet, of a new
    /// one (nothing decided), without making it.
    public static func decisionStateHash(at url: URL) throws -> String {
        guard databaseExists(at: url) else { return Hashing.sha256Hex(parts: decisionStateStart + decisionStateTables) }
        return try ReviewStore(url: url).decisionStateHash()
    }

    /// Whether there is a database at `url`, or a log of one that opening it would recover.
    public static func databaseExists(at url: URL) -> Bool {
        ["", "-wal", "-journal"].contains { FileManager.default.fileExists(atPath: url.path + $0) }
    }

    /// The actor recorded for commands run from a shell: the login name.
    public static var shellActor: String {
        "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")"
    }
}
