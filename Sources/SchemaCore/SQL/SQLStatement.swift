/// One SQL statement of a migration: what it runs, when (its phase among the statements of all
/// changes applied together, and its stage relative to the transaction), and what it locks.
public struct SQLStatement: Hashable, Sendable, Codable {
    /// When a statement runs among the statements of every change applied together: foreign keys
    /// are dropped before the tables they point at, and added after every table exists.
    /// Stored as its number, so the order is part of what an approval pins.
    public enum Phase: Int, Hashable, Sendable, Codable, Comparable, CaseIterable {
        case dropForeignKeys = 0
        case dropIndexes = 1
        case tables = 2
        case createIndexes = 3
        case addForeignKeys = 4
        case dropTables = 5
        /// PostgreSQL row-level security policies; they run only with `apply --rls`.
        case rowLevelSecurity = 6
        /// PostgreSQL enum types created or given new values, before the tables that use them (a
        /// later number, so the phases stored before it existed keep theirs).
        case types = 7
        /// Enum types no table uses any more, after the tables are dropped.
        case dropTypes = 8
        /// Tables renamed (an entity's `renamedFrom:` or changed `map:`), before anything else
        /// names them by their new names.
        case renameTables = 9
        /// The views that keep a renamed table's old name working for the version still running
        /// (a rollout's expand), after everything else.
        case createViews = 10
        /// Those views dropped, first of a contract or a rollback.
        case dropViews = 11
        /// A rollback's renames back to the old names, after everything else of it.
        case renameTablesBack = 12

        /// Where the phase runs: its number, but enum types come before tables and go after them,
        /// and table renames and views go first or last.
        var rank: Double {
            switch self {
            case .dropViews: -2
            case .renameTables: -1
            case .types: 1.5
            case .dropTypes: 5.5
            case .renameTablesBack: 20
            case .createViews: 21
            default: Double(rawValue)
            }
        }

        public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rank < rhs.rank }
    }

    /// Where a statement runs relative to the apply's transactions (PostgreSQL; on SQLite every
    /// statement is `.transaction`).
    public enum Stage: String, Hashable, Sendable, Codable, Comparable, CaseIterable {
        /// In the first transaction of the apply, with every item's catalog changes, under a short
        /// `lock_timeout`.
        case transaction
        /// After that transaction, one step at a time, each recorded in the registry when done and
        /// resumed after a crash: concurrent index builds, constraint validation, batched backfills.
        case online
        /// In the item's last short transaction, with its records: what needs the online steps done.
        case finish

        /// Where the stage runs: in the order of its cases.
        var rank: Int {
            switch self {
            case .transaction: 0
            case .online: 1
            case .finish: 2
            }
        }

        public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rank < rhs.rank }
    }

    /// Which part of a rolled-out change a statement belongs to (``Rollout``). A change the running
    /// application version tolerates is all `expand`; one it does not is split, and the approval
    /// covers every part.
    public enum Part: String, Hashable, Sendable, Codable, CaseIterable {
        /// Run by the start (`schema apply`): what the old and the new version both work with.
        case expand
        /// Run by `schema complete` once no old version runs: what only the new version tolerates.
        case contract
        /// Run by `schema rollback` instead of the contract: back to the old version's table, every row kept.
        case rollback
    }

    /// How an online step runs.
    public enum Execution: String, Hashable, Sendable, Codable {
        /// One statement on its own, outside any transaction block.
        case statement
        /// A query returning, in `"count"`, the rows its batch found, repeated until one finds
        /// none; each batch is a transaction of its own.
        case batches
        /// A walk over the table's pages (PostgreSQL only): a query whose parameters are the
        /// first page of its batch (`$1`) and how many (`$2`), returning in `"filled"` the rows
        /// it changed and in `"pages"` the table's size; run from page 0 to the size the first
        /// batch returned, each batch a transaction of its own, as many pages at a time as make
        /// a batch short (the applying side adapts it).
        case pageBatches = "page-batches"
    }

    /// Where the statement runs among those of every change applied together.
    public var phase: Phase
    /// The statement, without a trailing `;`.
    public var sql: String
    /// When it runs relative to the transactions.
    public var stage: Stage
    /// How an online step runs.
    public var execution: Execution
    /// For `CREATE INDEX CONCURRENTLY`: the index it builds. A build killed half-way leaves an
    /// INVALID index; the step drops it and builds again.
    public var index: String?
    /// The schema of ``index`` when it is not the one the changes run in (the index of a
    /// partition an operator put in a schema of its own).
    public var indexSchema: String?
    /// The table lock it takes and for how long, for review.
    public var lock: LockImpact?
    /// The part of a rolled-out change it belongs to; `expand` runs at the start.
    public var part: Part

    /// Creates a statement that runs in the apply's transaction.
    public init(_ phase: Phase, _ sql: String, stage: Stage = .transaction, execution: Execution = .statement,
                index: String? = nil, lock: LockImpact? = nil, part: Part = .expand) {
        self.phase = phase
        self.sql = sql
        self.stage = stage
        self.execution = execution
        self.index = index
        self.lock = lock
        self.part = part
    }

    /// This statement in the item's last transaction (``Stage/finish``).
    public var finishing: SQLStatement {
        var statement = self
        statement.stage = .finish
        return statement
    }

    /// This statement as part `part` of a rolled-out change.
    public func inPart(_ part: Part) -> SQLStatement {
        var statement = self
        statement.part = part
        return statement
    }

    enum CodingKeys: String, CodingKey { case phase, sql, stage, execution, index, indexSchema, lock, part }

    /// Statements stored before stages existed read as transactional ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        phase = try container.decode(Phase.self, forKey: .phase)
        sql = try container.decode(String.self, forKey: .sql)
        stage = try container.decodeIfPresent(Stage.self, forKey: .stage) ?? .transaction
        execution = try container.decodeIfPresent(Execution.self, forKey: .execution) ?? .statement
        index = try container.decodeIfPresent(String.self, forKey: .index)
        indexSchema = try container.decodeIfPresent(String.self, forKey: .indexSchema)
        lock = try container.decodeIfPresent(LockImpact.self, forKey: .lock)
        part = try container.decodeIfPresent(Part.self, forKey: .part) ?? .expand
    }
}

/// The table lock a statement takes and what it does while holding it, as PostgreSQL names locks.
public struct LockImpact: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What the statement does while it holds the lock.
    public enum Work: String, Hashable, Sendable, Codable {
        /// Catalog only: the lock is held for milliseconds, however large the table.
        case catalog
        /// Reads every row while holding the lock.
        case scan
        /// Rewrites every row while holding the lock: the longest waits.
        case rewrite
        /// Writes rows in short batches, each holding only row locks.
        case batches
    }

    /// The lock mode (`ACCESS EXCLUSIVE`, `SHARE UPDATE EXCLUSIVE`, ...).
    public var mode: String
    /// The table it locks.
    public var table: String
    public var work: Work

    /// Creates a lock impact.
    public init(_ mode: String, on table: String, work: Work) {
        self.mode = mode
        self.table = table
        self.work = work
    }

    /// `ACCESS EXCLUSIVE` blocks reads and writes; `SHARE` and `SHARE ROW EXCLUSIVE` block writes.
    public var blocksReads: Bool { mode == "ACCESS EXCLUSIVE" }
    public var blocksWrites: Bool { ["ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE"].contains(mode) }

    public var description: String {
        let blocks = blocksReads ? "blocks reads and writes" : blocksWrites ? "blocks writes" : "blocks neither reads nor writes"
        let duration: String = switch work {
        case .catalog: "for a moment (catalog only)"
        case .scan: "while it reads every row"
        case .rewrite: "while it rewrites the table"
        case .batches: "row locks only, in short batches"
        }
        return "\(mode) on \(table), \(blocks), \(duration)"
    }
}

/// A question about the rows a change will meet, asked of the database it will run on: shown
/// before approval (`list --verbose`, `plan`, the review page) and, for violations, asked again by
/// `apply` before it changes anything, so a change that would fail stops with a count instead of
/// half-way.
public struct DataCheck: Hashable, Sendable, Codable {
    /// What the count means.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Rows that make the change fail; `apply` refuses to start the item while there are any.
        case violations
        /// Rows or values the change deletes.
        case deletions
        /// Rows a backfill writes.
        case backfill
        /// Rows a table rebuild or rewrite copies: how long its lock lasts grows with them.
        case copies
    }

    public var kind: Kind
    /// The part of a rolled-out change it is asked for: `expand` at the start, `contract` by
    /// `schema complete`, `rollback` by `schema rollback`.
    public var part: SQLStatement.Part = .expand
    /// The table asked about.
    public var table: String
    /// A query returning one row with the count in `"count"`, against the table as it is before the change.
    public var countSQL: String
    /// A query returning up to three example keys in `"key"` (violations only).
    public var examplesSQL: String?
    /// What the counted rows are, e.g. `rows whose title is longer than 100 characters`.
    public var description: String
    /// Other tables the queries read. When one of them does not exist yet (another change of the
    /// same apply creates it), the check cannot be asked before the change; the database's own
    /// validation of the constraint then decides.
    public var reads: [String]
    /// Columns of those tables the queries read, by table, when another change of the same apply
    /// may add them (a key to a unique column its target gains in that start): when one is not
    /// there yet, the check cannot be asked before the change either. Empty for the checks of
    /// keys to a primary key, whose pinned text predates it.
    public var readsColumns: [String: [String]] = [:]

    /// `count` and the description, in the singular for one: `1 row of Post whose ...`, `3 rows of Post whose ...`.
    public func counted(_ count: Int) -> String {
        Self.counted(count, description)
    }

    /// ``counted(_:)`` for any description.
    public static func counted(_ count: Int, _ description: String) -> String {
        guard count == 1 else { return "\(count) \(description)" }
        for (plural, singular) in [("rows ", "row "), ("groups ", "group "), ("values ", "value "), ("policies ", "policy ")] where description.hasPrefix(plural) {
            return "1 \(singular)\(description.dropFirst(plural.count))"
        }
        return "1 \(description)"
    }

    /// This check as asked for part `part` of a rolled-out change.
    public func inPart(_ part: SQLStatement.Part) -> DataCheck {
        var check = self
        check.part = part
        return check
    }

    enum CodingKeys: String, CodingKey { case kind, part, table, countSQL, examplesSQL, description, reads, readsColumns }

    /// Checks stored before rolled-out changes existed read as the start's.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        part = try container.decodeIfPresent(SQLStatement.Part.self, forKey: .part) ?? .expand
        table = try container.decode(String.self, forKey: .table)
        countSQL = try container.decode(String.self, forKey: .countSQL)
        examplesSQL = try container.decodeIfPresent(String.self, forKey: .examplesSQL)
        description = try container.decode(String.self, forKey: .description)
        reads = try container.decodeIfPresent([String].self, forKey: .reads) ?? []
        readsColumns = try container.decodeIfPresent([String: [String]].self, forKey: .readsColumns) ?? [:]
    }

    /// Checks without columns read store what they always did.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(part, forKey: .part)
        try container.encode(table, forKey: .table)
        try container.encode(countSQL, forKey: .countSQL)
        try container.encodeIfPresent(examplesSQL, forKey: .examplesSQL)
        try container.encode(description, forKey: .description)
        try container.encode(reads, forKey: .reads)
        if !readsColumns.isEmpty { try container.encode(readsColumns, forKey: .readsColumns) }
    }

    /// Creates a check.
    public init(_ kind: Kind, table: String, count countSQL: String, examples examplesSQL: String? = nil, reads: [String] = [],
                readsColumns: [String: [String]] = [:], _ description: String) {
        self.kind = kind
        self.table = table
        self.countSQL = countSQL
        self.examplesSQL = examplesSQL
        self.reads = reads
        self.readsColumns = readsColumns
        self.description = description
    }
}

/// The change of one entity, as the renderers need it.
public struct MigrationStep: Hashable, Sendable {
    /// The applied structure (nil when the table does not exist yet).
    public var from: CanonicalEntity?
    /// The new structure (nil when the table is dropped).
    public var to: CanonicalEntity?
    /// What the planner decided.
    public var operations: [SchemaOperation]

    /// Creates a step.
    public init(from: CanonicalEntity?, to: CanonicalEntity?, operations: [SchemaOperation]) {
        self.from = from
        self.to = to
        self.operations = operations
    }

    /// The table name.
    public var table: String { to?.name ?? from?.name ?? "" }
}

/// What a renderer makes of one step: the statements, and the checks to ask the database.
public struct RenderedStep: Hashable, Sendable {
    public var statements: [SQLStatement]
    public var checks: [DataCheck]

    /// Creates a rendering.
    public init(statements: [SQLStatement] = [], checks: [DataCheck] = []) {
        self.statements = statements
        self.checks = checks
    }
}

extension SQLStatement {
    /// `elements` in the order their statements run: by stage, then phase, then as given. The one
    /// ordering of statements, for plans and apply alike.
    public static func inExecutionOrder<T>(_ elements: [T], statement: (T) -> SQLStatement) -> [T] {
        // Each key is computed once and positions are sorted, not the elements: a start with
        // 1,000 items orders 10,000 statements, and moving generic elements is slow.
        let keys = elements.map { element in
            let statement = statement(element)
            return (stage: statement.stage.rank, phase: statement.phase.rank)
        }
        return keys.indices.sorted { (keys[$0].stage, keys[$0].phase, $0) < (keys[$1].stage, keys[$1].phase, $1) }.map { elements[$0] }
    }
}

extension Array where Element == SQLStatement {
    /// Statements of several changes in execution order (``SQLStatement/inExecutionOrder(_:statement:)``).
    public func ordered() -> [SQLStatement] {
        SQLStatement.inExecutionOrder(self) { $0 }
    }

    /// The statements as one script, each ending with `;`: what the first item format's hash covered.
    public var script: String {
        map { $0.sql + ";" }.joined(separator: "\n")
    }
}

/// What an approval pins: the hash of everything that runs or is shown about a change's SQL.
public enum PinnedSQL {
    /// The format of new queue items: statements with their phase, stage, execution, index and
    /// lock, and the data checks, in a canonical encoding (``CanonicalEncoding``'s JSON rules).
    /// Items of format 1 pinned only the script text.
    public static let currentFormat = 2

    /// The hash an approval pins for `statements` and `checks` in `format`.
    public static func hash(_ statements: [SQLStatement], checks: [DataCheck], format: Int) -> String {
        guard format >= 2 else { return Checksum.sha256Hex(statements.script) }
        let encoded = JSONValue.object([
            ("format", .number(Double(format))),
            ("statements", .array(statements.map(encode))),
            ("checks", .array(checks.map(encode))),
        ]).serialized
        return Checksum.sha256Hex(encoded)
    }

    static func encode(_ statement: SQLStatement) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("phase", .number(Double(statement.phase.rawValue))), ("sql", .string(statement.sql)),
            ("stage", .string(statement.stage.rawValue)), ("execution", .string(statement.execution.rawValue)),
        ]
        if let index = statement.index { members.append(("index", .string(index))) }
        if let lock = statement.lock {
            members.append(("lock", .object([("mode", .string(lock.mode)), ("table", .string(lock.table)), ("work", .string(lock.work.rawValue))])))
        }
        // Absent for the start's part, so a change that is not rolled out pins what it always did.
        if statement.part != .expand { members.append(("part", .string(statement.part.rawValue))) }
        return .object(members)
    }

    static func encode(_ check: DataCheck) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", .string(check.kind.rawValue)), ("table", .string(check.table)), ("count", .string(check.countSQL)),
            ("description", .string(check.description)),
        ]
        if let examples = check.examplesSQL { members.append(("examples", .string(examples))) }
        if !check.reads.isEmpty { members.append(("reads", .array(check.reads.map(JSONValue.string)))) }
        if !check.readsColumns.isEmpty {
            members.append(("readsColumns", .object(check.readsColumns.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(JSONValue.string))) })))
        }
        if check.part != .expand { members.append(("part", .string(check.part.rawValue))) }
        return .object(members)
    }
}
