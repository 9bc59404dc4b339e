import Foundation
import SchemaCore

/// What `apply` did.
public struct ApplyResult: Sendable {
    /// Items applied, in order.
    public var applied: [QueueItem] = []
    /// Approved items refused before anything ran, with the reason (state `failed`).
    public var refused: [(item: QueueItem, reason: String)] = []
    /// The statements that ran, in order.
    public var statements: [SQLStatement] = []
    /// Whether there was nothing approved.
    public var nothingToDo: Bool { applied.isEmpty && refused.isEmpty }

    /// An empty result: nothing applied, nothing refused.
    public init() {}
}

/// An apply that failed and was rolled back.
public struct ApplyFailure: Error, CustomStringConvertible, Sendable {
    public var itemId: String?
    public var statement: String?
    public var message: String
    public var description: String {
        "apply failed\(itemId.map { " in item \($0)" } ?? ""): \(message)" + (statement.map { "\n  statement: \($0.prefix(500))" } ?? "")
    }
}

extension Registry {
    /// Verifies every approved item against the current package files and applies those that pass,
    /// in one transaction together with the registry updates.
    ///
    /// - Parameters:
    ///   - current: what the package files define now (host-owned entities excluded).
    ///   - dryRun: plan only: verify and collect SQL, change nothing (the `plan` command).
    /// - Throws: ``ApplyFailure`` after rolling back; the failure is then recorded in a second transaction.
    ///   - beforeCommit: runs after the SQL succeeded, inside the transaction (e.g. to record a
    ///     `_prisma_migrations` row); throwing rolls everything back.
    ///   - trustedKeys: when given, only approvals signed by one of these keys count.
    public func apply(current: [DesiredEntity], principal: String, dryRun: Bool = false, trustedKeys: [TrustedKey]? = nil,
                      beforeCommit: ((any RegistryConnection, ApplyResult) throws -> Void)? = nil) throws -> ApplyResult {
        let currentByName = Dictionary(current.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        var failingItem: String?
        do {
            return try transaction { connection in
                let approved = try Self.items(in: [.approved], connection)
                if approved.isEmpty { return ApplyResult() }
                var result = ApplyResult()
                let verdicts = try verify(approved, current: currentByName, trustedKeys: trustedKeys, connection)
                var accepted: [QueueItem] = []
                for (item, reason) in verdicts {
                    if let reason {
                        result.refused.append((item, reason))
                        if !dryRun {
                            try setState(connection, item, .failed, error: reason)
                            try insertAudit(connection, principal: principal, action: "apply-refused", item: item, detail: reason)
                        }
                    } else {
                        accepted.append(item)
                    }
                }
                // Statements of all items, ordered by phase, each remembering its item.
                let tagged = accepted.flatMap { item in item.statements.map { (item.id, $0) } }
                let ordered = tagged.enumerated().sorted { ($0.element.1.phase, $0.offset) < ($1.element.1.phase, $1.offset) }.map(\.element)
                result.statements = ordered.map(\.1)
                result.applied = accepted
                if dryRun { return result }
                for (itemId, statement) in ordered {
                    failingItem = itemId
                    try connection.execute(statement.sql)
                    FaultInjection.pause(.afterEachStatement)
                }
                failingItem = nil
                if connection.dialect == .sqlite {
                    try checkForeignKeys(accepted, connection)
                }
                for item in accepted {
                    try record(item, connection)
                    try setState(connection, item, .applied)
                    try insertAudit(connection, principal: principal, action: "apply", item: item, detail: item.action.rawValue)
                }
                if !accepted.isEmpty, let beforeCommit {
                    do {
                        try beforeCommit(connection, result)
                    } catch let error as RegistryDatabaseError {
                        throw error
                    } catch {
                        throw ApplyFailure(itemId: nil, statement: nil, message: "\(error)")
                    }
                }
                return result
            }
        } catch let error as RegistryDatabaseError {
            let failure = ApplyFailure(itemId: failingItem, statement: error.statement, message: error.message)
            try recordFailure(failure, current: currentByName, trustedKeys: trustedKeys, principal: principal)
            throw failure
        } catch let failure as ApplyFailure {
            try recordFailure(failure, current: currentByName, trustedKeys: trustedKeys, principal: principal)
            throw failure
        }
    }

    /// For each approved item: nil when it may run, or why not.
    func verify(_ items: [QueueItem], current: [String: DesiredEntity], trustedKeys: [TrustedKey]?,
                _ connection: any RegistryConnection) throws -> [(QueueItem, String?)] {
        let applied = Dictionary(try Self.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        return try items.map { item in
            let approvals = try connection.query(#"SELECT "checksum", "sql_hash", "signature", "public_key" FROM "_schema_approvals" WHERE "item_id" = ?"#, [.text(item.id)])
            guard let approval = approvals.first else { return (item, "no approval record for this item") }
            if let trustedKeys {
                guard let signature = approval["signature"]?.text, let keyText = approval["public_key"]?.text,
                      let key = trustedKeys.first(where: { $0.encoded == keyText }),
                      ApprovalSignature.isValid(signature, itemId: item.id, entity: item.entity, checksum: item.toChecksum, sqlHash: item.sqlHash,
                                                publicKey: key.publicKey)
                else { return (item, "the approval is not signed by a trusted key") }
            }
            if approval["sql_hash"]?.text != item.sqlHash || Checksum.sha256Hex(item.statements.script) != item.sqlHash {
                return (item, "the queued SQL differs from the SQL that was approved")
            }
            if approval["checksum"]?.text != item.toChecksum {
                return (item, "the approved checksum differs from the queued change")
            }
            if item.dialect != connection.dialect {
                return (item, "planned for \(item.dialect.rawValue), but the database is \(connection.dialect.rawValue)")
            }
            if current[item.entity]?.checksum.hex != item.toChecksum {
                return (item, "modified after approval: the package files now define \(item.entity) "
                    + (current[item.entity].map { "with checksum \($0.checksum.short)" } ?? "no more")
                    + ", not the approved \(item.toChecksum.map { String($0.prefix(12)) } ?? "removal"); run scan and approve again")
            }
            if applied[item.entity]?.checksum.hex != item.fromChecksum {
                return (item, "the applied structure of \(item.entity) changed since this item was planned; run scan again")
            }
            return (item, nil)
        }
    }

    /// SQLite checks foreign keys itself only when they are on; the rebuilds ran with them off.
    func checkForeignKeys(_ items: [QueueItem], _ connection: any RegistryConnection) throws {
        for item in items where item.action != .drop {
            let violations = try connection.query("PRAGMA foreign_key_check(\(connection.dialect.quote(item.entity)))", [])
            if let first = violations.first {
                throw ApplyFailure(itemId: item.id, statement: nil,
                                   message: "\(violations.count) row(s) of \(item.entity) violate a foreign key (first: rowid \(first["rowid"]?.integer ?? 0) → \(first["parent"]?.text ?? "?"))")
            }
        }
    }

    func record(_ item: QueueItem, _ connection: any RegistryConnection) throws {
        try connection.execute(#"DELETE FROM "_schema_entities" WHERE "name" = ?"#, [.text(item.entity)])
        guard item.action != .drop, let structure = item.structure, let checksum = item.toChecksum else { return }
        try connection.execute(
            #"INSERT INTO "_schema_entities" ("name", "checksum", "structure", "packages", "applied_at", "item_id") VALUES (?, ?, ?, ?, ?, ?)"#,
            [.text(item.entity), .text(checksum), .text(JSONCoding.encode(structure)), .text(JSONCoding.encode(item.packages)), .text(now), .text(item.id)])
    }

    /// After a rollback: records refusals and the failing item in a transaction of their own.
    func recordFailure(_ failure: ApplyFailure, current: [String: DesiredEntity], trustedKeys: [TrustedKey]?, principal: String) throws {
        try transaction { connection in
            let approved = try Self.items(in: [.approved], connection)
            for (item, reason) in try verify(approved, current: current, trustedKeys: trustedKeys, connection) {
                if let reason {
                    try setState(connection, item, .failed, error: reason)
                    try insertAudit(connection, principal: principal, action: "apply-refused", item: item, detail: reason)
                } else if item.id == failure.itemId {
                    try setState(connection, item, .failed, error: failure.message)
                    try insertAudit(connection, principal: principal, action: "apply-failed", item: item,
                                    detail: failure.message + (failure.statement.map { " | statement: \($0.prefix(500))" } ?? ""))
                }
            }
            if failure.itemId == nil {
                try insertAudit(connection, principal: principal, action: "apply-failed", detail: failure.message)
            }
        }
    }
}
