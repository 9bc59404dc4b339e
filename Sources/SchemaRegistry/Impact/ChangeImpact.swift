public import SchemaCore

/// What a change will do to the rows of the database it will run on, and which locks it takes for
/// how long: shown by `plan`, `list --verbose`, the JSON API and the review page, so nobody has to
/// open a SQL console before approving.
public struct ChangeImpact: Hashable, Sendable, Codable {
    /// One ``DataCheck`` asked of the database.
    public struct CheckResult: Hashable, Sendable, Codable {
        public var kind: DataCheck.Kind
        public var table: String
        public var description: String
        /// The count, or nil when it could not be asked (see ``note``).
        public var count: Int?
        /// A few keys of violating rows.
        public var examples: [String]
        /// Why there is no count.
        public var note: String?
        /// The database's error when the query failed (a timeout is only a ``note``): the start
        /// cannot tell whether rows break the change, so it refuses it (`data-check-failed`).
        public var failure: String?

        /// Whether `apply` refuses the change for this check: rows break it, or it cannot be asked.
        public var blocks: Bool { kind == .violations && ((count ?? 0) > 0 || failure != nil) }
    }

    /// One statement's lock, with an estimate of how long it is held.
    public struct StatementLock: Hashable, Sendable, Codable {
        /// The statement's first line, shortened.
        public var statement: String
        public var stage: SQLStatement.Stage
        public var mode: String
        public var table: String
        public var work: LockImpact.Work
        public var blocksReads: Bool
        public var blocksWrites: Bool
        /// How long the lock is held, estimated from the table's size; nil when it is a catalog change or unknown.
        public var estimatedSeconds: Double?
    }

    /// The size of a table the change locks, from the planner's statistics.
    public struct TableSize: Hashable, Sendable, Codable {
        public var table: String
        /// `pg_class.reltuples` (an estimate), or an exact count on SQLite; nil when unknown.
        public var rows: Int?
        /// Bytes of the table and its indexes; nil on SQLite.
        public var bytes: Int?
    }

    public var itemId: String
    public var checks: [CheckResult] = []
    public var locks: [StatementLock] = []
    public var tables: [TableSize] = []
    /// Why the item cannot run as stored (its SQL is not what its structures give, its base
    /// changed, ...); then nothing was asked of the database for it.
    public var refusal: String?
    /// What makes `apply` refuse the change before it runs, other than rows (a host table the
    /// database does not have yet).
    public var blockers: [String] = []
    /// For a change applied in two parts (``Rollout``): what the version running now does not
    /// tolerate, which waits for `schema complete`.
    public var rollout: [String] = []
    /// For a create whose table is already there with exactly its shape (a model moved from the
    /// host's schema into a package): what the start does instead of creating it.
    public var adopts: String?
    /// The SQL a start runs on this database in place of the approved SQL that runs at the
    /// start, when the database's shape calls for another form of it (a table an operator
    /// partitioned, a table taken over): in order, one statement per element. Nil when the start
    /// runs the approved SQL as it is.
    public var runsInstead: [String]?

    /// The checks that would make `apply` refuse the change now (``CheckResult/blocks``).
    public var violations: [CheckResult] { checks.filter(\.blocks) }

    /// The impact as lines of text, for the terminal and the review page.
    public var lines: [String] {
        var lines: [String] = []
        if let refusal { lines.append("WILL NOT RUN: \(refusal)") }
        lines += blockers.map { "BLOCKS APPLY: \($0)" }
        if let adopts { lines.append("TAKES OVER: \(adopts)") }
        if !rollout.isEmpty {
            lines.append("ROLLED OUT: the start applies the expand, with which the version running now keeps working, until `schema complete` "
                + "runs the contract (or `schema rollback` undoes the expand); this approval covers all three")
            lines += rollout.map { "  waits for complete: \($0)" }
        }
        for check in checks {
            guard let count = check.count else {
                lines.append((check.blocks ? "BLOCKS APPLY: " : "") + "\(check.description): not counted (\(check.note ?? "unknown"))")
                continue
            }
            let prefix = switch check.kind {
            case .violations: count > 0 ? "BLOCKS APPLY: " : ""
            case .deletions: "deletes "
            case .backfill: "writes "
            case .copies: "copies "
            }
            lines.append(prefix + DataCheck.counted(count, check.description) + (check.examples.isEmpty ? "" : " (for example \(check.examples.joined(separator: "; ")))"))
        }
        for size in tables {
            let rows = size.rows.map { "about \($0) rows" } ?? "row count unknown"
            lines.append("table \(size.table): \(rows)" + (size.bytes.map { ", \(Self.megabytes($0)) MB with indexes" } ?? ""))
        }
        // Catalog-only statements hold their lock for moments: one line per lock and table.
        var catalog: [String: Int] = [:]
        var order: [String] = []
        for lock in locks {
            let blocks = lock.blocksReads ? "blocks reads and writes" : lock.blocksWrites ? "blocks writes" : "blocks neither reads nor writes"
            let head = "\(lock.stage.rawValue): \(lock.mode) on \(lock.table), \(blocks)"
            let about = lock.estimatedSeconds.map { ", about \(Self.seconds($0))" } ?? ""
            switch lock.work {
            case .catalog:
                if catalog[head] == nil { order.append(head) }
                catalog[head, default: 0] += 1
            case .scan: lines.append("\(head), while it reads the table\(about): \(lock.statement)")
            case .rewrite: lines.append("\(head), while it rewrites the table\(about): \(lock.statement)")
            case .batches: lines.append("\(head), row locks only, in short batches (each its own transaction): \(lock.statement)")
            }
        }
        lines += order.map { "\($0), for moments (catalog only): \(catalog[$0] ?? 0) statement(s)" }
        return lines
    }

    static func megabytes(_ bytes: Int) -> String {
        String(Double(bytes / 100_000) / 10)
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? "under a second" : "\(Int(value.rounded())) s"
    }
}

/// How long a statement holds its lock, from the bytes of the table and its indexes. The rates are
/// half of what `Benchmarks/online.sh` measured on a 2-core VM with `fsync=off` (a rewrite of a
/// 316 MB table in 1.5 s, a two-column concurrent unique index in 2.1 s): an estimate of the order
/// of magnitude (a second or a minute), on the safe side, not a promise.
public enum LockEstimate {
    /// Bytes per second of table and indexes read by a validating scan or an index build.
    public static let scanRate = 75_000_000.0
    /// Bytes per second of table and indexes rewritten.
    public static let rewriteRate = 100_000_000.0

    /// Seconds for `work` over `bytes`; nil for catalog-only statements and batches.
    public static func seconds(_ work: LockImpact.Work, bytes: Int) -> Double? {
        switch work {
        case .scan: Double(bytes) / scanRate
        case .rewrite: Double(bytes) / rewriteRate
        case .catalog, .batches: nil
        }
    }
}
