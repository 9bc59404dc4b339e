public import Foundation
public import SchemaCore

/// The approval queue, applied snapshots, admins and audit log, in the target database.
///
/// Every operation is one locked transaction, so concurrent processes (several container
/// replicas starting at once) take turns and see each other's results.
public final class Registry: @unchecked Sendable {
    // @unchecked: immutable after init; the database serializes access itself.
    public let database: any RegistryDatabase
    let clock: @Sendable () -> Date
    /// Whether this registry may create or upgrade its tables (see ``init(database:readOnly:clock:)``).
    public let readOnly: Bool
    /// How long each of this registry's transactions waits for the registry lock.
    public let lockWait: Duration

    /// Creates a registry over `database`; `clock` is injectable for tests.
    ///
    /// A `readOnly` registry never creates or upgrades its tables: a read-only command pointed at
    /// the wrong database must report that, not leave an empty registry behind.
    public init(database: any RegistryDatabase, readOnly: Bool = false, lockWait: Duration = LockPolicy.standard.registryWait,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.readOnly = readOnly
        self.lockWait = lockWait
        self.clock = clock
    }

    /// This registry, its transactions waiting at most `wait` for the registry lock.
    public func waiting(_ wait: Duration) -> Registry {
        wait == lockWait ? self : Registry(database: database, readOnly: readOnly, lockWait: wait, clock: clock)
    }

    var now: String { Self.timestamp(clock()) }

    /// The `no-registry` error, naming what creates a registry. `place` says where none was found
    /// ("in postgres://…", "database at /path"; printable, no password).
    public static func missing(_ place: String) -> SchemaError {
        SchemaError(.noRegistry, "no registry \(place): nothing has been scanned into it yet. `schema scan` creates it; if you expected one, check --database-url (or DATABASE_URL) and --root")
    }

    /// The registry format this version writes and reads.
    public static var currentVersion: Int { RegistryTables.currentVersion }

    /// Whether the database has a registry yet; creates nothing.
    public func exists() throws -> Bool {
        try database.withLockedTransaction(waiting: lockWait) { try RegistryTables.exist($0) }
    }

    /// Runs `body` in a locked transaction with the registry tables ready.
    func transaction<T>(_ body: (any RegistryConnection) throws -> T) throws -> T {
        try database.withLockedTransaction(waiting: lockWait) { connection in
            if readOnly {
                try RegistryTables.requireCurrent(connection, in: database.displayName)
            } else {
                try RegistryTables.prepare(connection)
            }
            return try body(connection)
        }
    }

    /// Creates or upgrades the registry's tables now (every operation does it when it first needs them).
    public func prepareTables() throws {
        try transaction { _ in }
    }

    // MARK: - Reading

    /// Queue items, optionally only those in `states`, oldest first.
    public func items(in states: Set<QueueItem.State>? = nil) throws -> [QueueItem] {
        try transaction { try Self.items(in: states, $0) }
    }

    /// How many items are in `states`, without reading them (the restart path asks whether anything is approved).
    public func count(in states: Set<QueueItem.State>) throws -> Int {
        try transaction { try Self.count(in: states, $0) }
    }

    /// ``count(in:)`` in the transaction of `connection`.
    static func count(in states: Set<QueueItem.State>, _ connection: any RegistryConnection) throws -> Int {
        guard !states.isEmpty else { return 0 }
        let (filter, binds) = stateFilter(states)
        let rows = try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.queue)"# + filter, binds)
        return Int(rows.first?["count"]?.integer ?? 0)
    }

    /// ` WHERE "state" IN (?, ...)` and its binds. Filtering in the database (an index on "state")
    /// matters: the queue keeps every applied item forever, and the restart path asks only for the
    /// few approved ones.
    static func stateFilter(_ states: Set<QueueItem.State>) -> (sql: String, binds: [SQLValue]) {
        let binds = states.map(\.rawValue).sorted().map(SQLValue.text)
        return (#" WHERE "state" IN "# + placeholders(binds.count), binds)
    }

    /// `(?, ?, ...)` with `count` placeholders, for an `IN` list of bound values.
    static func placeholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
    }

    static func items(in states: Set<QueueItem.State>?, _ connection: any RegistryConnection) throws -> [QueueItem] {
        var filter = ""
        var binds: [SQLValue] = []
        if let states {
            if states.isEmpty { return [] }
            (filter, binds) = stateFilter(states)
        }
        let rows = try connection.query(#"SELECT \#(QueueItem.columns) FROM \#(connection.names.queue)"# + filter + #" ORDER BY "created_at", "id""#, binds)
        // Each row holds several JSON documents: a start with 1,000 approved items spends more
        // time decoding them than reading them, and every row decodes on its own.
        return try Parallel.map(rows) { row in Result { try QueueItem(row: row) } }.map { try $0.get() }
    }

    /// The entities applied to the database.
    public func appliedEntities() throws -> [AppliedEntity] {
        try transaction(Self.appliedEntities)
    }

    /// The ``AppliedDigest`` of the applied entities: one row, kept up to date by every change to
    /// the applied snapshots, so the restart path reads no entity. When the row is missing (a
    /// registry written before the digest was kept) it is computed from the snapshots and, unless
    /// the registry is read-only, stored: a concurrent change either stored it first (this insert
    /// then does nothing) or waits for the registry lock this transaction holds.
    public func appliedDigest() throws -> AppliedDigest {
        try transaction { connection in
            if let stored = try Self.storedAppliedDigest(connection) { return stored }
            let computed = try Self.currentAppliedDigest(connection)
            if !readOnly { try Self.storeAppliedDigest(computed, replacing: false, connection) }
            return computed
        }
    }

    /// The stored digest, or the one the snapshots make when none is stored yet.
    static func currentAppliedDigest(_ connection: any RegistryConnection) throws -> AppliedDigest {
        try storedAppliedDigest(connection) ?? AppliedDigest(checksums: try appliedChecksums(connection))
    }

    static func storedAppliedDigest(_ connection: any RegistryConnection) throws -> AppliedDigest? {
        try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = 'applied-digest'"#, []).first?["value"]?.text
            .flatMap(AppliedDigest.init(hex:))
    }

    /// Updates the stored digest for one entity's snapshot changing from `old` to `new` (either
    /// nil for none), in the transaction that changes it. Without a stored digest, it is computed
    /// from the snapshots as they now are (once per registry).
    static func adjustAppliedDigest(entity name: String, from old: String?, to new: String?, _ connection: any RegistryConnection) throws {
        try adjustAppliedDigest([SnapshotChange(entity: name, old: old, new: new)], connection)
    }

    /// One entity's applied checksum changing from `old` to `new` (either nil for none).
    struct SnapshotChange {
        var entity: String
        var old: String?
        var new: String?
    }

    /// ``adjustAppliedDigest(entity:from:to:_:)`` for several changes, read and stored once.
    static func adjustAppliedDigest(_ changes: [SnapshotChange], _ connection: any RegistryConnection) throws {
        guard !changes.isEmpty else { return }
        var digest: AppliedDigest
        if let stored = try storedAppliedDigest(connection) {
            digest = stored
            for change in changes {
                if let old = change.old { digest.toggle(name: change.entity, checksum: old) }
                if let new = change.new { digest.toggle(name: change.entity, checksum: new) }
            }
        } else {
            digest = AppliedDigest(checksums: try appliedChecksums(connection))
        }
        try storeAppliedDigest(digest, connection)
    }

    /// Stores `digest`; with `replacing` false, only when no digest is stored yet.
    static func storeAppliedDigest(_ digest: AppliedDigest, replacing: Bool = true, _ connection: any RegistryConnection) throws {
        let conflict = replacing ? #"DO UPDATE SET "value" = excluded."value""# : "DO NOTHING"
        try connection.execute(
            #"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES ('applied-digest', ?) ON CONFLICT ("key") "# + conflict, [.text(digest.hex)])
    }

    /// Entity name → full checksum of every applied entity; cheaper than ``appliedEntities()``,
    /// which decodes every structure.
    public func appliedChecksums() throws -> [String: String] {
        try transaction(Self.appliedChecksums)
    }

    static func appliedChecksums(_ connection: any RegistryConnection) throws -> [String: String] {
        var checksums: [String: String] = [:]
        for row in try connection.query(#"SELECT "name", "checksum" FROM \#(connection.names.entities)"#, []) {
            if let name = row["name"]?.text, let checksum = row["checksum"]?.text { checksums[name] = checksum }
        }
        return checksums
    }

    /// The applied entities, read inside an ongoing transaction. Every stored structure is hashed
    /// again and must give its stored checksum: a row edited in the database is refused, not used.
    static func appliedEntities(_ connection: any RegistryConnection) throws -> [AppliedEntity] {
        try connection.query(#"SELECT "name", "checksum", "structure", "packages" FROM \#(connection.names.entities) ORDER BY "name""#, []).map { row in
            guard let name = row["name"]?.text, let checksum = row["checksum"]?.text, let structure = row["structure"]?.text,
                  let packages = row["packages"]?.text
            else {
                throw SchemaError(.registryUnreadable, "registry entity row is incomplete")
            }
            let decoded = try JSONCoding.decode(CanonicalEntity.self, structure)
            guard decoded.name == name, Checksum(of: decoded).hex == checksum else {
                throw SchemaError(.structureChanged, "the applied snapshot of \(TerminalText.escape(name, limit: 80)) in _schema_entities does not hash to its checksum: it was edited in the database; restore it from a backup or run `schema drift`")
            }
            return AppliedEntity(structure: decoded, checksum: Checksum(hex: checksum), packages: try JSONCoding.decode([String].self, packages))
        }
    }

    /// The audit log, newest last.
    public func audit(limit: Int = 1_000) throws -> [AuditEntry] {
        try transaction { connection in
            let rows = try connection.query(
                #"SELECT "seq", "at", "principal", "action", "item_id", "entity", "from_checksum", "to_checksum", "detail" FROM \#(connection.names.audit) ORDER BY "seq" DESC LIMIT ?"#,
                [.integer(Int64(limit))])
            return rows.reversed().map { row in
                AuditEntry(sequence: row["seq"]?.integer ?? 0, at: row["at"]?.text ?? "", principal: row["principal"]?.text ?? "",
                           action: row["action"]?.text ?? "", itemId: row["item_id"]?.text, entity: row["entity"]?.text,
                           fromChecksum: row["from_checksum"]?.text, toChecksum: row["to_checksum"]?.text, detail: row["detail"]?.text)
            }
        }
    }

    /// Counts per state and what is registered.
    public func status() throws -> RegistryStatus {
        try transaction { connection in
            let items = try Self.items(in: nil, connection)
            var counts: [QueueItem.State: Int] = [:]
            for state in QueueItem.State.allCases { counts[state] = 0 }
            for item in items { counts[item.state, default: 0] += 1 }
            let entities = try Self.appliedEntities(connection)
            let admins = try Self.admins(connection)
            let rollouts = try Self.openRollouts(connection).values.sorted { $0.entity < $1.entity }
            let ends = try Self.begunEnds(itemIds: rollouts.map(\.itemId), connection)
            let begun = Dictionary(rollouts.compactMap { rollout in ends[rollout.itemId].map { (rollout.entity, $0) } }, uniquingKeysWith: { first, _ in first })
            return RegistryStatus(counts: counts, entities: entities.map(\.structure.name), admins: admins, rollouts: rollouts, begun: begun)
        }
    }

    // MARK: - Writing

    func insertAudit(_ connection: any RegistryConnection, principal: String, action: AuditAction, item: QueueItem? = nil,
                     entity: String? = nil, detail: String? = nil, nonce: String? = nil) throws {
        try connection.execute(
            #"INSERT INTO \#(connection.names.audit) ("at", "principal", "action", "item_id", "entity", "from_checksum", "to_checksum", "detail", "nonce") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
            [.text(now), .text(principal), .text(action.rawValue), QueueItem.optional(item?.id), QueueItem.optional(item?.entity ?? entity),
             QueueItem.optional(item?.fromChecksum), QueueItem.optional(item?.toChecksum), QueueItem.optional(detail), QueueItem.optional(nonce)])
    }

    /// Removes the applied snapshot of `entity`; the caller adjusts the digest with the returned change.
    static func removeSnapshot(entity: String, _ connection: any RegistryConnection) throws -> SnapshotChange {
        let old = try connection.query(#"SELECT "checksum" FROM \#(connection.names.entities) WHERE "name" = ?"#, [.text(entity)]).first?["checksum"]?.text
        try connection.execute(#"DELETE FROM \#(connection.names.entities) WHERE "name" = ?"#, [.text(entity)])
        return SnapshotChange(entity: entity, old: old, new: nil)
    }

    func setState(_ connection: any RegistryConnection, _ item: QueueItem, _ state: QueueItem.State, error: String? = nil) throws {
        try connection.execute(#"UPDATE \#(connection.names.queue) SET "state" = ?, "updated_at" = ?, "error" = ? WHERE "id" = ?"#,
                               [.text(state.rawValue), .text(now), QueueItem.optional(error), .text(item.id)])
    }
}

/// What `status` reports.
public struct RegistryStatus: Sendable {
    /// Items per state.
    public var counts: [QueueItem.State: Int]
    /// Applied entity names.
    public var entities: [String]
    /// Admin names.
    public var admins: [String]
    /// Changes whose expand ran and whose `schema complete` or `schema rollback` has not.
    public var rollouts: [OpenRollout] = []
    /// Entity → the end of its rollout that began (its first transaction committed) and did not
    /// finish: only running that command again finishes it.
    public var begun: [String: RolloutEnd] = [:]
    /// Approved changes wait for the next container start.
    public var restartNeeded: Bool { (counts[.approved] ?? 0) > 0 }
}
