public import SchemaCore

/// What `schema drift` found: per applied entity, the differences between its registry snapshot
/// and the live table.
public struct DriftReport: Sendable, Codable {
    public struct Table: Sendable, Codable {
        public var entity: String
        public var differences: [DriftDifference]
    }

    /// Entities whose tables were compared.
    public var checked: [String] = []
    /// Those that differ.
    public var drifted: [Table] = []
    /// Entities an apply has begun (online steps remain): their tables are between two shapes, not compared.
    public var inProgress: [String] = []
    /// Entities being rolled out (expand applied, no `complete` or `rollback` yet): their tables
    /// are compared with the expanded shape, which the old and the new version both use.
    public var rollingOut: [String] = []
    /// PostgreSQL: tables of entities with an ACL whose row-level security is not what the ACL
    /// makes (off, a policy missing or extra). The next start installs it (unless `apply --no-rls`).
    public var policies: [Table] = []

    public var hasDrift: Bool { !drifted.isEmpty || !policies.isEmpty }
}

/// What `schema drift --queue` did.
public struct RepairResult: Sendable {
    /// Repair items queued now (pending, for review).
    public var queued: [QueueItem] = []
    /// Repair items already queued for the same drift.
    public var unchanged: [QueueItem] = []
    /// Tables no repair can fix, with the reasons.
    public var refused: [Refusal] = []
}

/// What `schema drift --accept` did.
public struct DriftAcceptance: Sendable {
    /// Entities whose live shape is now their snapshot.
    public var accepted: [String] = []
    /// Entities left as they were, with the reason.
    public var refused: [Refusal] = []
}

extension Registry {
    /// Compares every applied entity's table (or only `entities`) with its snapshot (with the
    /// expanded shape while the entity is rolled out). `host` gives the key columns of host models
    /// that foreign keys reference; `identity`, how row-level security reads the acting user.
    public func drift(host: PrismaSchema?, identity: IdentitySource = .settings, entities: [String]? = nil) throws -> DriftReport {
        try transaction { connection in
            var report = DriftReport()
            let rollouts = try Self.verifiedRollouts(context: RenderContext(host: host, identity: identity), connection)
            let applied = try Self.appliedEntities(connection)
            let keys = PrimaryKeys.of(host: host, entities: applied.map(\.structure))
            let started = Set(try Self.items(in: [.approved], connection).filter { $0.progress > 0 }.map(\.entity))
            for entity in applied where entities.map({ $0.contains(entity.structure.name) }) ?? true {
                let name = entity.structure.name
                if started.contains(name) {
                    report.inProgress.append(name)
                    continue
                }
                report.checked.append(name)
                if rollouts[name] != nil { report.rollingOut.append(name) }
                let differences = try Self.drift(of: rollouts[name]?.current ?? entity.structure, primaryKeys: keys, connection)
                if !differences.isEmpty { report.drifted.append(DriftReport.Table(entity: name, differences: differences)) }
            }
            let checked = Set(report.checked)
            let secured = applied.map(\.structure).filter { $0.acl != nil && checked.contains($0.name) }
            let states = try LivePolicies.read(tables: secured.map(\.tableName), connection)
            for entity in secured {
                guard let differences = states[entity.tableName]?.differences(from: entity), !differences.isEmpty else { continue }
                report.policies.append(DriftReport.Table(entity: entity.name, differences: differences))
            }
            return report
        }
    }

    /// The differences between `snapshot`'s table as `schema` made it and the live one.
    static func drift(of snapshot: CanonicalEntity, primaryKeys: [String: String], _ connection: any RegistryConnection) throws -> [DriftDifference] {
        let expected = TableShape.expected(for: snapshot, dialect: connection.dialect, primaryKeys: primaryKeys)
        return Drift.differences(expected: expected, live: try LiveSchema.shape(of: snapshot.tableName, connection))
    }

    /// Queues, for review, a repair item per drifted table (or only `entities`): the change that
    /// brings the table back to its snapshot. Nothing changes in the database until an admin
    /// approves it and a start applies it.
    public func queueRepairs(host: PrismaSchema?, identity: IdentitySource = .settings, entities: [String]? = nil, principal: String) throws -> RepairResult {
        try transaction { connection in
            var result = RepairResult()
            let applied = try Self.appliedEntities(connection)
            let keys = PrimaryKeys.of(host: host, entities: applied.map(\.structure))
            let existing = Dictionary(try Self.items(in: nil, connection).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let started = Set(try Self.items(in: [.approved], connection).filter { $0.progress > 0 }.map(\.entity))
            let rollouts = try Self.openRollouts(connection)
            for entity in applied where entities.map({ $0.contains(entity.structure.name) }) ?? true {
                let name = entity.structure.name
                guard !started.contains(name) else { continue }
                // A repair would take the expanded table to the snapshot: the contract, unapproved by anyone.
                if rollouts[name] != nil {
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .rolloutOpen,
                                                  message: "being rolled out: `schema complete \(name)` or `schema rollback \(name)` first"))
                    continue
                }
                guard let live = try LiveSchema.shape(of: entity.structure.tableName, connection) else {
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .drift,
                                                  message: "the table is missing; recreate it from a backup, or remove the package and scan"))
                    continue
                }
                switch DriftRepair.plan(live: live, applied: entity, dialect: connection.dialect, primaryKeys: keys, identity: identity,
                                         hostEnums: host?.enumTypesInDatabase ?? []) {
                case .nothingToRepair:
                    continue
                case .limits(let limits):
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .drift,
                                                  message: "cannot be repaired by a planned change: " + limits.joined(separator: "; ") + "; fix it by hand"))
                case .change(let change):
                    if let item = existing[change.id], item.state == .pending || item.state == .approved {
                        result.unchanged.append(item)
                        continue
                    }
                    if existing[change.id] != nil {
                        try Self.deleteItem(id: change.id, connection)
                    }
                    let item = QueueItem(change, dialect: connection.dialect, at: now)
                    try insert(item, connection)
                    try insertAudit(connection, principal: principal, action: .queueRepair, item: item,
                                    detail: Drift.differences(expected: TableShape.expected(for: entity.structure, dialect: connection.dialect, primaryKeys: keys),
                                                              live: live).map(\.description).joined(separator: "; "))
                    result.queued.append(item)
                }
            }
            return result
        }
    }

    /// Records the live shape of `entities`' tables as their applied snapshots (admins only): the
    /// admin accepts what someone did to the database. Audited with the drift it accepted; the
    /// next scan plans from the new snapshot towards what the package files want.
    ///
    /// - Parameter signingKey: the admin's key; the new snapshot is attested with it, so that
    ///   `apply --trusted-keys` vouches for it (without, a start with trusted keys refuses to
    ///   render from it: `not-signed`).
    public func acceptDrift(_ entities: [String], as principal: String, host: PrismaSchema?, signingKey: SigningKey? = nil) throws -> DriftAcceptance {
        let outcome: Result<DriftAcceptance, SchemaError> = try transaction { connection in
            guard try Self.isAdmin(principal, connection) else {
                try insertAudit(connection, principal: principal, action: .driftAcceptDenied, detail: "not an admin")
                return .failure(SchemaError(.notAdmin, "'\(principal)' is not an admin; only admins accept drift (see `schema admin list`)"))
            }
            var result = DriftAcceptance()
            let applied = Dictionary(try Self.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
            let keys = PrimaryKeys.of(host: host, entities: applied.values.map(\.structure))
            let rollouts = try Self.openRollouts(connection)
            for name in entities {
                guard let entity = applied[name] else {
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .unknownItem, message: "no applied entity of this name"))
                    continue
                }
                guard rollouts[name] == nil else {
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .rolloutOpen,
                                                  message: "being rolled out: `schema complete \(name)` or `schema rollback \(name)` first"))
                    continue
                }
                guard let live = try LiveSchema.shape(of: entity.structure.tableName, connection) else {
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .drift, message: "the table is missing; there is no shape to accept"))
                    continue
                }
                let expected = TableShape.expected(for: entity.structure, dialect: connection.dialect, primaryKeys: keys)
                let differences = Drift.differences(expected: expected, live: live)
                guard !differences.isEmpty else { continue }
                let (structure, limits) = LiveEntity.approximate(live, snapshot: entity.structure, dialect: connection.dialect, primaryKeys: keys)
                guard limits.isEmpty else {
                    result.refused.append(Refusal(itemId: "-", entity: name, code: .drift,
                                                  message: "cannot be recorded as a snapshot: " + limits.joined(separator: "; ") + "; fix it by hand"))
                    continue
                }
                let checksum = Checksum(of: structure)
                try Self.replaceSnapshot(entity: name, structure: structure, checksum: checksum, at: now, itemId: "drift-accepted", connection)
                try Self.adjustAppliedDigest(entity: name, from: entity.checksum.hex, to: checksum.hex, connection)
                if let signingKey {
                    try storeAttestation(try ApprovalSignature.attest(entity: name, checksum: checksum.hex,
                                                                          presentation: PresentationDigest.of(structure.presentation), with: signingKey),
                                         key: TrustedKey(name: signingKey.name, publicKey: signingKey.privateKey.publicKey).encoded, entity: name, connection)
                }
                try insertAudit(connection, principal: principal, action: .driftAccept, entity: name,
                                detail: "snapshot \(Checksum.short(entity.checksum.hex)) → \(checksum.short)\(signingKey.map { ", signed by key \($0.name)" } ?? ""): " + differences.map(\.description).joined(separator: "; "))
                result.accepted.append(name)
            }
            return .success(result)
        }
        return try outcome.get()
    }
}
