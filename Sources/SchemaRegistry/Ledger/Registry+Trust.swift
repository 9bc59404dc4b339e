public import SchemaCore

extension Registry {
    /// The applied entities, each re-hashed against its checksum and, with `trustedKeys`, each
    /// vouched for by a trusted signature: the signed approval of the item that applied it, or an
    /// admin's attestation (``attest(as:with:)``). What the Prisma fragment is rendered from, so
    /// that rows written into the registry without a key cannot put text into it.
    ///
    /// - Throws: ``SchemaError`` `structure-changed` for an edited row, `not-signed` for a snapshot
    ///   no trusted key vouches for.
    public func appliedEntities(trustedKeys: [TrustedKey]?) throws -> [AppliedEntity] {
        try transaction { try Self.appliedEntities(trustedKeys: trustedKeys, $0) }
    }

    /// ``appliedEntities(trustedKeys:)`` for rendering the Prisma files: in the same transaction,
    /// the stored ``AppliedDigest`` is set to the digest of the verified snapshots when it differs
    /// (edited in the database, or kept wrongly). Otherwise the files, whose fingerprint comes from
    /// the snapshots, would never match the stored digest again and every start would rewrite them
    /// and run the after command.
    public func appliedEntitiesCorrectingDigest(trustedKeys: [TrustedKey]?) throws -> [AppliedEntity] {
        try transaction { connection in
            let entities = try Self.appliedEntities(trustedKeys: trustedKeys, connection)
            let digest = AppliedDigest(entities)
            if !readOnly, try Self.storedAppliedDigest(connection) != digest {
                try Self.storeAppliedDigest(digest, connection)
            }
            return entities
        }
    }

    static func appliedEntities(trustedKeys: [TrustedKey]?, _ connection: any RegistryConnection) throws -> [AppliedEntity] {
        let entities = try Self.appliedEntities(connection)
        guard let trustedKeys else { return entities }
        let byName = try vouchingRows(connection)
        for entity in entities {
            let name = entity.structure.name
            guard let row = byName[name], Self.isVouchedFor(entity, row: row, trustedKeys: trustedKeys) else {
                throw SchemaError(.notSigned, "the applied snapshot of \(name) is not vouched for by a trusted key: no signed approval applied it and no admin attested it; "
                    + "an admin who holds a trusted key can attest the applied snapshots with `schema keys attest KEYFILE --as ADMIN`")
            }
        }
        return entities
    }

    /// Entity name → what may vouch for its snapshot: the approval that applied it, or an attestation.
    static func vouchingRows(_ connection: any RegistryConnection) throws -> [String: SQLRow] {
        let rows = try connection.query("""
            SELECT e."name", e."item_id", e."attestation", e."attestation_key", a."signature", a."public_key", a."nonce",
                   q."from_checksum", q."sql_hash", q."action", q."renames", q."repair_of", q."renamed_from"
            FROM \(connection.names.entities) e
            LEFT JOIN \(connection.names.approvals) a ON a."item_id" = e."item_id"
            LEFT JOIN \(connection.names.queue) q ON q."id" = e."item_id"
            """, [])
        return Dictionary(rows.compactMap { row in row["name"]?.text.map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
    }

    static func isVouchedFor(_ entity: AppliedEntity, row: SQLRow, trustedKeys: [TrustedKey]) -> Bool {
        func key(_ column: String) -> TrustedKey? {
            row[column]?.text.flatMap { encoded in trustedKeys.first { $0.encoded == encoded } }
        }
        let name = entity.structure.name
        if let signature = row["signature"]?.text, let key = key("public_key"), let itemId = row["item_id"]?.text,
           let sqlHash = row["sql_hash"]?.text, let nonce = row["nonce"]?.text, let action = row["action"]?.text {
            let renames = (row["renames"]?.text).flatMap { try? JSONCoding.decode([String: String].self, $0) } ?? [:]
            let claim = ApprovalSignature.Claim(itemId: itemId, entity: name, action: action, fromChecksum: row["from_checksum"]?.text,
                                                toChecksum: entity.checksum.hex, renames: renames, repairOf: row["repair_of"]?.text, renamedFrom: row["renamed_from"]?.text,
                                                sqlHash: sqlHash, presentation: PresentationDigest.of(entity.structure.presentation), nonce: nonce)
            if ApprovalSignature.isValid(signature, of: claim, publicKey: key.publicKey) { return true }
        }
        if let attestation = row["attestation"]?.text, let key = key("attestation_key") {
            return ApprovalSignature.isValidAttestation(attestation, entity: name, checksum: entity.checksum.hex,
                                                      presentation: PresentationDigest.of(entity.structure.presentation), publicKey: key.publicKey)
        }
        return false
    }

    /// An applied snapshot an admin may attest: its entity, checksum, and whether `trustedKeys`
    /// already vouch for it.
    public struct AttestationCandidate: Hashable, Sendable {
        public var entity: String
        public var checksum: String
        public var vouched: Bool
    }

    /// The applied snapshots, each with whether a trusted key vouches for it: what `keys attest`
    /// shows before anyone vouches for anything.
    public func attestationCandidates(trustedKeys: [TrustedKey]) throws -> [AttestationCandidate] {
        try transaction { connection in
            let entities = try Self.appliedEntities(connection)
            let rows = try Self.vouchingRows(connection)
            return entities.map { entity in
                AttestationCandidate(entity: entity.structure.name, checksum: entity.checksum.hex,
                                     vouched: rows[entity.structure.name].map { Self.isVouchedFor(entity, row: $0, trustedKeys: trustedKeys) } ?? false)
            }
        }
    }

    /// An admin vouches, with their key, for the applied snapshots named in `selection` (entity →
    /// the checksum, or its first 12 or more hex digits, that the admin saw): for registries
    /// whose snapshots were applied before approvals were signed. A snapshot whose checksum is
    /// not the one named is refused, so an attestation covers exactly what was looked at, never
    /// a snapshot forged since. Audited per entity.
    ///
    /// - Returns: the attested entity names, and the refusals.
    public func attest(_ selection: [String: String], as principal: String, with key: SigningKey) throws -> (attested: [String], refused: [Refusal]) {
        let outcome: Result<([String], [Refusal]), SchemaError> = try transaction { connection in
            guard try Self.isAdmin(principal, connection) else {
                try insertAudit(connection, principal: principal, action: .attestDenied, detail: "not an admin")
                return .failure(SchemaError(.notAdmin, "'\(principal)' is not an admin; only admins can attest applied snapshots"))
            }
            let encoded = TrustedKey(name: key.name, publicKey: key.privateKey.publicKey).encoded
            let applied = Dictionary(try Self.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
            var names: [String] = []
            var refused: [Refusal] = []
            for (name, seen) in selection.sorted(by: { $0.key < $1.key }) {
                guard let entity = applied[name] else {
                    refused.append(Refusal(itemId: "-", entity: name, code: .unknownItem, message: "no applied entity of this name"))
                    continue
                }
                let prefix = seen.lowercased()
                guard prefix.count >= 12, entity.checksum.hex.hasPrefix(prefix) else {
                    refused.append(Refusal(itemId: "-", entity: name, code: .structureChanged,
                                           message: "its applied checksum is \(entity.checksum.short), not the \(TerminalText.escape(seen, limit: 64)) named (give at least 12 hex digits)"))
                    continue
                }
                let signature = try ApprovalSignature.attest(entity: name, checksum: entity.checksum.hex,
                                                                      presentation: PresentationDigest.of(entity.structure.presentation), with: key)
                try storeAttestation(signature, key: encoded, entity: name, connection)
                try insertAudit(connection, principal: principal, action: .attest, entity: name, detail: "checksum \(entity.checksum.short), key \(key.name)")
                names.append(name)
            }
            return .success((names, refused))
        }
        return try outcome.get()
    }

    func storeAttestation(_ signature: String, key encoded: String, entity name: String, _ connection: any RegistryConnection) throws {
        try connection.execute(#"UPDATE \#(connection.names.entities) SET "attestation" = ?, "attestation_key" = ? WHERE "name" = ?"#,
                               [.text(signature), .text(encoded), .text(name)])
    }
}
