import Crypto
import Foundation

/// The tables of the package schema that the database has partitioned (PostgreSQL's declarative
/// partitioning, done by the host's operators: a package declares a table, never its
/// partitions), as the live catalog shows them when a start plans.
///
/// PostgreSQL refuses three of the statements a start runs online on such a table: a
/// `CREATE INDEX CONCURRENTLY`, a `DROP INDEX CONCURRENTLY` and a foreign key added `NOT VALID`.
/// ``adapting(_:)`` turns each into what PostgreSQL documents for partitioned tables, so the
/// change still never blocks writes while it reads rows; the approval covers the statements as
/// rendered for a plain table, and the plan shows the adapted ones that run.
public struct PartitionLayout: Hashable, Sendable {
    /// One partition of a partitioned table.
    public struct Partition: Hashable, Sendable {
        /// Its name.
        public var name: String
        /// Its schema when that is not the package schema (a partition may live elsewhere).
        public var schema: String?
        /// Whether it is partitioned in turn.
        public var isPartitioned: Bool

        /// Creates a partition.
        public init(name: String, schema: String? = nil, isPartitioned: Bool = false) {
            self.name = name
            self.schema = schema
            self.isPartitioned = isPartitioned
        }
    }

    /// Partitioned table (of the package schema, or a partition listed here) → its partitions, by name.
    public var partitions: [String: [Partition]]
    /// Partitioned table → the columns of its partition key; nil when the key holds an expression.
    public var keyColumns: [String: [String]?]

    /// A layout of `partitions` with the partition keys `keyColumns`.
    public init(partitions: [String: [Partition]] = [:], keyColumns: [String: [String]?] = [:]) {
        self.partitions = partitions
        self.keyColumns = keyColumns
    }

    /// Whether no table is partitioned (always so on SQLite).
    public var isEmpty: Bool { partitions.isEmpty }

    /// Whether the database has `table` partitioned.
    public func isPartitioned(_ table: String) -> Bool { partitions[table] != nil }

    /// Why PostgreSQL would refuse a unique index on `columns` of the partitioned `table`, or nil:
    /// such an index must hold every column of the partition key.
    public func uniqueIndexProblem(table: String, columns: [String]) -> String? {
        guard isPartitioned(table) else { return nil }
        // Partitions partitioned in turn add their own key's columns.
        var key: [String] = []
        for partitioned in partitionedTables(under: Partition(name: table, isPartitioned: true)) {
            guard let columns = keyColumns[partitioned.name] else { continue }
            guard let columns else {
                return "\(partitioned.name) is partitioned by an expression in the database, and PostgreSQL allows no unique index on \(table) then"
            }
            key += columns.filter { !key.contains($0) }
        }
        let missing = key.filter { !columns.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "\(table) is partitioned by (\(key.joined(separator: ", "))) in the database, and PostgreSQL allows a unique index on a partitioned table "
            + "only when it holds every partition column: (\(columns.joined(separator: ", "))) lacks \(missing.joined(separator: ", ")). "
            + "Add \(missing.joined(separator: ", ")) to the index in the package, or make the table a plain one again"
    }

    /// `statements` with those PostgreSQL refuses on a partitioned table replaced by their
    /// partition-by-partition form, in place (the order of everything else is kept):
    ///
    /// - an index build becomes the index on the table alone (`ON ONLY`, catalog only), each
    ///   partition's index built `CONCURRENTLY` and attached to it; the table's index is valid once
    ///   every partition's is attached (a partitioned partition gets the same, one level down);
    /// - an index drop is a plain `DROP INDEX`, which drops the partitions' indexes too and reads
    ///   no rows (PostgreSQL cannot drop a partitioned index concurrently);
    /// - a foreign key added `NOT VALID` is added so on each partition instead, its validation
    ///   validates each partition, and the key is then added to the table, which takes the
    ///   partitions' validated keys as its own without reading rows again;
    /// - a backfill's walk over the pages walks each partition's.
    ///
    /// Every replacement may run again after a crash: builds skip an index that is there, keys
    /// are added only when missing, attaching an attached index does nothing.
    public func adapting(_ statements: [SQLStatement]) -> [SQLStatement] {
        guard !isEmpty else { return statements }
        var keyClauses: [String: String] = [:]
        for statement in statements {
            if let key = foreignKeyAdded(statement) { keyClauses[key.table + "\u{0}" + key.name] = key.clause }
        }
        return statements.flatMap { statement -> [SQLStatement] in
            if let build = indexBuild(statement) {
                return indexSteps(build, on: Partition(name: build.table), attachingTo: nil, like: statement)
            }
            if let walks = pageWalks(statement) { return walks }
            if let table = statement.lock?.table, isPartitioned(table), statement.phase == .dropIndexes,
               statement.sql.hasPrefix("DROP INDEX CONCURRENTLY IF EXISTS ") {
                var dropped = statement
                dropped.sql = "DROP INDEX IF EXISTS " + statement.sql.dropFirst("DROP INDEX CONCURRENTLY IF EXISTS ".count)
                dropped.lock = LockImpact("ACCESS EXCLUSIVE", on: table, work: .catalog)
                return [dropped]
            }
            if let key = foreignKeyAdded(statement) {
                return leaves(of: key.table).map { leaf in
                    keyIfMissing(on: leaf, name: key.name, clause: key.clause + " NOT VALID", like: statement)
                }
            }
            if let (table, name) = foreignKeyValidated(statement), let clause = keyClauses[table + "\u{0}" + name] {
                let validations = leaves(of: table).map { leaf in
                    var validation = statement
                    validation.sql = "ALTER TABLE \(reference(leaf)) VALIDATE CONSTRAINT \(q(name))"
                    validation.lock = LockImpact("SHARE UPDATE EXCLUSIVE", on: leaf.name, work: .scan)
                    return validation
                }
                // Bottom-up: a table takes its partitions' keys only once each has one.
                let tables = partitionedTables(under: Partition(name: table, isPartitioned: true)).reversed()
                return validations + tables.map { keyIfMissing(on: $0, name: name, clause: clause, like: statement) }
            }
            return [statement]
        }
    }

    // MARK: - Backfills

    /// A backfill's walk over a partitioned table's pages, as one walk per partition that holds
    /// rows: the table itself has no pages, so its walk would end at once and leave every row to
    /// the search for NULLs, which reads the filled rows again on every batch.
    func pageWalks(_ statement: SQLStatement) -> [SQLStatement]? {
        guard statement.execution == .pageBatches, let table = statement.lock?.table, isPartitioned(table) else { return nil }
        let update = "WITH \"filled\" AS (UPDATE \(q(table)) SET "
        let size = "CAST(\(SQLDialect.postgresql.literal(q(table))) AS regclass)"
        guard statement.sql.hasPrefix(update), statement.sql.contains(size) else { return nil }
        return leaves(of: table).map { leaf in
            var walk = statement
            walk.sql = "WITH \"filled\" AS (UPDATE \(reference(leaf)) SET " + statement.sql.dropFirst(update.count)
            walk.sql = walk.sql.replacingOccurrences(of: size, with: "CAST(\(SQLDialect.postgresql.literal(reference(leaf))) AS regclass)")
            walk.lock = statement.lock.map { LockImpact($0.mode, on: leaf.name, work: $0.work) }
            return walk
        }
    }

    // MARK: - Index builds

    struct IndexBuild {
        var head: String
        var name: String
        var table: String
        var body: String
    }

    /// The parts of `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS "name" ON "table"…` on a partitioned table.
    func indexBuild(_ statement: SQLStatement) -> IndexBuild? {
        guard statement.stage == .online, let name = statement.index, let table = statement.lock?.table, isPartitioned(table) else { return nil }
        let marker = "INDEX CONCURRENTLY IF NOT EXISTS \(q(name)) ON \(q(table))"
        guard let range = statement.sql.range(of: marker), statement.sql.hasPrefix("CREATE ") else { return nil }
        return IndexBuild(head: String(statement.sql[..<range.lowerBound]), name: name, table: table, body: String(statement.sql[range.upperBound...]))
    }

    func indexSteps(_ build: IndexBuild, on table: Partition, attachingTo parent: String?, like template: SQLStatement) -> [SQLStatement] {
        let name = parent == nil ? build.name : Self.partitionIndexName(table.name, of: build.name, on: build.table)
        var steps: [SQLStatement] = []
        var own = template
        own.index = nil
        if table.isPartitioned || parent == nil {
            own.sql = "\(build.head)INDEX IF NOT EXISTS \(q(name)) ON ONLY \(reference(table))\(build.body)"
            own.lock = LockImpact("SHARE", on: table.name, work: .catalog)
            steps.append(own)
            for partition in partitions[table.name] ?? [] {
                steps += indexSteps(build, on: partition, attachingTo: name, like: template)
            }
        } else {
            own.sql = "\(build.head)INDEX CONCURRENTLY IF NOT EXISTS \(q(name)) ON \(reference(table))\(build.body)"
            own.lock = LockImpact("SHARE UPDATE EXCLUSIVE", on: table.name, work: .scan)
            own.index = name
            own.indexSchema = table.schema
            steps.append(own)
        }
        if let parent {
            var attach = template
            attach.index = nil
            attach.sql = "ALTER INDEX \(q(parent)) ATTACH PARTITION \(table.schema.map { q($0) + "." } ?? "")\(q(name))"
            // The partition's new index is locked while it is attached: its table's reads and writes wait for that moment.
            attach.lock = LockImpact("ACCESS EXCLUSIVE", on: table.name, work: .catalog)
            steps.append(attach)
        }
        return steps
    }

    /// Whether `statement` locks the partitioned table it names alone, not its partitions: its
    /// row-level security (policies, `ENABLE`/`FORCE`, which are the table's own), an index made
    /// `ON ONLY` the table, or a partition's index attached to the table's. Every other statement
    /// on a partitioned table is carried down to the partitions by PostgreSQL, with its lock.
    public static func locksTableAlone(_ statement: SQLStatement) -> Bool {
        statement.phase == .rowLevelSecurity || statement.sql.contains(" ON ONLY ")
            || (statement.sql.hasPrefix("ALTER INDEX ") && statement.sql.contains(" ATTACH PARTITION "))
    }

    /// A partition's index of the index `index` of the partitioned `table`: PostgreSQL's own
    /// pattern (`<partition>_<columns>_idx`: the index's name with the partition's name for the
    /// table's), hashed when that would pass 63 bytes so that two partitions never share it.
    public static func partitionIndexName(_ partition: String, of index: String, on table: String) -> String {
        let full = partition + "_" + (index.hasPrefix(table + "_") ? String(index.dropFirst(table.utf8.count + 1)) : index)
        guard full.utf8.count > 63 else { return full }
        let digest = SHA256.hash(data: Data(full.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return ConstraintName.fitted(full, suffix: "_" + digest, .postgresql)
    }

    // MARK: - Foreign keys

    /// `ALTER TABLE "t" [DROP CONSTRAINT IF EXISTS "k", ]ADD CONSTRAINT "k" FOREIGN KEY … NOT VALID` on a partitioned table.
    func foreignKeyAdded(_ statement: SQLStatement) -> (table: String, name: String, clause: String)? {
        guard statement.phase == .addForeignKeys, let table = statement.lock?.table, isPartitioned(table),
              statement.sql.hasPrefix("ALTER TABLE \(q(table)) "), statement.sql.hasSuffix(" NOT VALID"),
              let add = statement.sql.range(of: "ADD CONSTRAINT ") else { return nil }
        let clause = String(statement.sql[statement.sql.index(add.lowerBound, offsetBy: 4)...].dropLast(" NOT VALID".count))
        guard let nameEnd = clause.range(of: " FOREIGN KEY ") else { return nil }
        let quoted = clause.dropFirst("CONSTRAINT ".count)[..<nameEnd.lowerBound]
        return (table, String(quoted.dropFirst().dropLast()), clause)
    }

    /// `ALTER TABLE "t" VALIDATE CONSTRAINT "k"` of a foreign key on a partitioned table.
    func foreignKeyValidated(_ statement: SQLStatement) -> (table: String, name: String)? {
        guard statement.phase == .addForeignKeys, let table = statement.lock?.table, isPartitioned(table) else { return nil }
        let prefix = "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT "
        guard statement.sql.hasPrefix(prefix) else { return nil }
        return (table, String(statement.sql.dropFirst(prefix.count).dropFirst().dropLast()))
    }

    /// The key `name` added to `table` unless it has one of that name: safe to run again.
    func keyIfMissing(on table: Partition, name: String, clause: String, like template: SQLStatement) -> SQLStatement {
        var statement = template
        statement.sql = "DO $partition$ BEGIN IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = CAST(\(SQLDialect.postgresql.literal(reference(table))) AS regclass) "
            + "AND conname = \(SQLDialect.postgresql.literal(name))) THEN ALTER TABLE \(reference(table)) ADD \(clause); END IF; END $partition$"
        // Catalog only: a partition's key is NOT VALID, a table's takes its validated partitions' keys.
        statement.lock = LockImpact("SHARE ROW EXCLUSIVE", on: table.name, work: .catalog)
        return statement
    }

    // MARK: - The tree

    /// The partitions of `table` that hold rows (partitions of partitions, down to the last level).
    func leaves(of table: String) -> [Partition] {
        (partitions[table] ?? []).flatMap { $0.isPartitioned ? leaves(of: $0.name) : [$0] }
    }

    /// `table` and every partitioned partition under it, each before its partitions.
    func partitionedTables(under table: Partition) -> [Partition] {
        guard table.isPartitioned || partitions[table.name] != nil else { return [] }
        return [table] + (partitions[table.name] ?? []).flatMap { partitionedTables(under: $0) }
    }

    func reference(_ table: Partition) -> String {
        (table.schema.map { q($0) + "." } ?? "") + q(table.name)
    }

    func q(_ name: String) -> String { SQLDialect.postgresql.quote(name) }
}
