/// The change that brings a drifted table back to its applied snapshot, planned like every other
/// change (``TableDiff`` from the live table read as a structure, the same renderer, risks and
/// data checks), so that it goes through review and approval.
public enum DriftRepair {
    /// What planning a repair gives: the change, or why the table cannot be repaired by one.
    public enum Outcome: Sendable {
        case change(PlannedChange)
        /// The table matches the snapshot.
        case nothingToRepair
        /// What about the table `entities.yaml` cannot express; fix it by hand.
        case limits([String])
    }

    /// The repair of `applied`'s table, whose live shape is `live`, rendered as a start renders it
    /// (`hostEnums`: the host's enum types in the database, as ``MigrationSQLRenderer`` takes them).
    public static func plan(live: TableShape, applied: AppliedEntity, dialect: SQLDialect, primaryKeys: [String: String],
                            identity: IdentitySource = .settings, hostEnums: Set<String> = []) -> Outcome {
        let snapshot = applied.structure
        let (approximation, limits) = LiveEntity.approximate(live, snapshot: snapshot, dialect: dialect, primaryKeys: primaryKeys)
        guard limits.isEmpty else { return .limits(limits) }
        let unexpressed = Unexpressed(live, snapshot: snapshot, dialect: dialect)
        let derived = derive(from: approximation, unexpressed: unexpressed, to: snapshot,
                             renderer: MigrationSQLRenderer(dialect: dialect, primaryKeys: primaryKeys, identity: identity, hostEnums: hostEnums))
        guard !derived.operations.isEmpty || !unexpressed.isEmpty else { return .nothingToRepair }
        let liveChecksum = Checksum(of: approximation).hex
        return .change(PlannedChange(
            id: id(entity: snapshot.name, snapshot: applied.checksum, live: liveChecksum), entity: snapshot.name, action: .repair,
            packages: applied.packages, fromChecksum: applied.checksum, toChecksum: applied.checksum, structure: snapshot,
            derived: derived, repairOf: liveChecksum))
    }

    /// What of a live table `entities.yaml` has no word for, so that the live table read as a
    /// structure does not show it, but a repair restores: serial columns whose sequence is narrower
    /// than the column (``ShapeText/narrowSequence(_:)``). (A primary key under another name is
    /// the live structure's key `map:`, renamed back by the change itself.)
    public struct Unexpressed: Sendable {
        /// The columns `snapshot` generates whose sequence is narrower.
        public var narrowedSequences: [String]

        /// What of `live` differs from `snapshot`'s table in these terms.
        public init(_ live: TableShape, snapshot: CanonicalEntity, dialect: SQLDialect) {
            let table = snapshot.inDatabase(for: dialect)
            let generated = Set(table.fields.filter(\.generated).map(\.name))
            narrowedSequences = live.columns.filter { ShapeText.isNarrowSequence($0.defaultValue) && generated.contains($0.name) }.map(\.name)
        }

        /// Whether there is nothing of the kind.
        public var isEmpty: Bool { narrowedSequences.isEmpty }
    }

    /// What a repair runs: the change from the live table (as a structure) to the snapshot (a key
    /// under another name renamed back with it) and each narrowed sequence made as wide as its
    /// column (a catalog change). Planning and every later derivation of the repair use this one function.
    public static func derive(from live: CanonicalEntity, unexpressed: Unexpressed, to snapshot: CanonicalEntity,
                              renderer: MigrationSQLRenderer) -> DerivedChange {
        var derived = DerivedChange(from: live, to: snapshot, renderer: renderer)
        let table = snapshot.tableName
        derived.statements += unexpressed.narrowedSequences.map { renderer.widenSequence(table: table, column: $0) }
        return derived
    }

    /// The checksum of the live table as a structure: what a repair records and checks again before it runs.
    public static func liveChecksum(_ live: TableShape, snapshot: CanonicalEntity, dialect: SQLDialect, primaryKeys: [String: String]) -> String {
        Checksum(of: LiveEntity.approximate(live, snapshot: snapshot, dialect: dialect, primaryKeys: primaryKeys).entity).hex
    }

    /// `r` and 9 hex digits of SHA-256 over (entity, snapshot, live table): the same drift gives the same id.
    static func id(entity: String, snapshot: Checksum, live: String) -> String {
        "r" + Checksum.sha256Hex("repair\u{0}\(entity)\u{0}\(snapshot.hex)\u{0}\(live)").prefix(9)
    }
}
