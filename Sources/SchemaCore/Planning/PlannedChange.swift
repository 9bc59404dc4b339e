/// One entity's change as it will be queued: what, why, the operations, their risks and the SQL.
public struct PlannedChange: Hashable, Sendable {
    /// What happens to the entity's table.
    public enum Action: String, Hashable, Sendable, Codable {
        case create, alter, drop
        /// Brings a drifted table back to its applied snapshot (`schema drift --queue`).
        case repair
    }

    /// Deterministic id from (entity, from-checksum, to-checksum): scanning twice yields the same id.
    public var id: String
    public var entity: String
    public var action: Action
    /// Packages that define the entity now (for a drop: those that defined it).
    public var packages: [String]
    public var fromChecksum: Checksum?
    public var toChecksum: Checksum?
    /// The new structure (nil for a drop).
    public var structure: CanonicalEntity?
    public var operations: [SchemaOperation]
    public var risks: [OperationRisk]
    public var statements: [SQLStatement]
    /// Questions about the rows the change meets (shown before approval; violations are asked
    /// again by `apply` before anything runs).
    public var checks: [DataCheck] = []
    /// new column → old column: the rename hints the operations were planned with.
    public var renames: [String: String] = [:]
    /// For a repair: the checksum of the live table it was planned from (``LiveEntity``); the
    /// repair runs only while the table is still that.
    public var repairOf: String?
    /// For an entity renamed (`renamedFrom:`): its applied name, whose snapshot the change starts
    /// from and replaces.
    public var renamedFrom: String?

    /// Whether approving needs `--allow-data-loss`.
    public var isDestructive: Bool { risks.contains { $0.kind == .destructive } }
    /// Whether approving needs `--allow-rewrite`: a statement rewrites a table while reads and writes wait.
    public var rewritesTable: Bool { risks.contains { $0.kind == .tableRewrite } }

    /// What an approval pins and apply verifies: the hash of the statements and checks (``PinnedSQL``).
    public var sqlHash: String { PinnedSQL.hash(statements, checks: checks, format: PinnedSQL.currentFormat) }

    /// The id for a change of `entity` from one checksum to another: 10 hex digits of SHA-256.
    ///
    /// - Parameter recurrence: how many times this very transition was applied before (0 the first
    ///   time). A transition recurs when a change is undone and made again, e.g. a package removed
    ///   and installed again; each recurrence needs an id of its own, still derived only from
    ///   registry state, so that scanning twice keeps finding the same item.
    /// - Parameter handsBack: whether the removal hands the table back to the host rather than
    ///   dropping it (``DerivedChange/handingBack(_:)``): another change of the same transition,
    ///   with an id of its own, so that a drop queued before the host declared the model is
    ///   superseded by it.
    public static func id(entity: String, from: Checksum?, to: Checksum?, recurrence: Int = 0, handsBack: Bool = false) -> String {
        let key = "\(entity)\u{0}\(from?.hex ?? "")\u{0}\(to?.hex ?? "")" + (recurrence > 0 ? "\u{0}\(recurrence)" : "") + (handsBack ? "\u{0}host" : "")
        return String(Checksum.sha256Hex(key).prefix(10))
    }

    /// The change under the id of its `recurrence`-th repetition (see ``id(entity:from:to:recurrence:)``).
    public func recurring(_ recurrence: Int) -> PlannedChange {
        var change = self
        change.id = Self.id(entity: entity, from: fromChecksum, to: toChecksum, recurrence: recurrence, handsBack: handsBack)
        return change
    }

    /// Whether the change hands its table back to the host (``DerivedChange/handingBack(_:)``).
    public var handsBack: Bool { operations.contains(where: \.handsBackTable) }
}

extension PlannedChange {
    /// A change whose operations, risks, statements and checks are `derived`.
    public init(id: String, entity: String, action: Action, packages: [String], fromChecksum: Checksum?, toChecksum: Checksum?,
                structure: CanonicalEntity?, derived: DerivedChange, renames: [String: String] = [:], repairOf: String? = nil) {
        self.init(id: id, entity: entity, action: action, packages: packages, fromChecksum: fromChecksum, toChecksum: toChecksum, structure: structure,
                  operations: derived.operations, risks: derived.risks, statements: derived.statements, checks: derived.checks,
                  renames: renames, repairOf: repairOf)
    }
}
