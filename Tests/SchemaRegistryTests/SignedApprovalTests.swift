import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// `apply` with trusted keys runs only approvals signed by a trusted key.
@Suite(.serialized) struct SignedApprovalTests {
    @Test(arguments: Backend.available)
    func onlySignedApprovalsFromTrustedKeysApply(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["crm": RegistryFlowTests.version1])
        let items = try registry.scan(desired, principal: "ci").queued
        let trusted = SigningKey.generate(name: "alice")
        let stranger = SigningKey.generate(name: "mallory")
        let keys = [TrustedKey(name: "alice", publicKey: trusted.privateKey.publicKey)]

        // Contact: properly signed by alice.
        #expect(try registry.approve(.ids([items[0].id]), as: "alice", allowDataLoss: false, signingKey: trusted).accepted.count == 1)
        // Deal: approved without a signature.
        #expect(try registry.approve(.ids([items[1].id]), as: "alice", allowDataLoss: false).accepted.count == 1)
        // Note: a row written straight into the tables, signed by an untrusted key.
        let forgedSignature = try ApprovalSignature.sign(items[2].claim(nonce: "n1"), with: stranger)
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "state" = 'approved' WHERE "id" = ?"#, [.text(items[2].id)])
            try connection.execute(
                #"INSERT INTO \#(connection.names.approvals) ("item_id", "principal", "approved_at", "checksum", "sql_hash", "allow_data_loss", "signature", "public_key", "nonce") VALUES (?, 'alice', 'now', ?, ?, 0, ?, ?, 'n1')"#,
                [.text(items[2].id), .text(items[2].toChecksum ?? ""), .text(items[2].sqlHash), .text(forgedSignature),
                 .text(stranger.privateKey.publicKey.rawRepresentation.base64EncodedString())])
        }
        let result = try registry.applyApproved(desired, principal: "ci", trustedKeys: keys)
        #expect(result.applied.map(\.entity) == ["Contact"])
        #expect(Set(result.refused.map(\.entity)) == ["Deal", "Note"])
        #expect(result.refused.allSatisfy { $0.code == .notSigned })
    }

    @Test(arguments: Backend.available)
    func aSignatureDoesNotTransferToOtherSQL(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["crm": RegistryFlowTests.version1])
        let items = try registry.scan(desired, principal: "ci").queued
        let key = SigningKey.generate(name: "alice")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, signingKey: key)
        // Someone with database access swaps the SQL of a signed item (nothing references Note) and its approval's hash.
        let note = try #require(items.first { $0.entity == "Note" })
        let evil = #"[{"phase":2,"sql":"DROP TABLE \"User\""}]"#
        let evilHash = Checksum.sha256Hex(#"DROP TABLE "User";"#)
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "statements" = ?, "sql_hash" = ? WHERE "id" = ?"#, [.text(evil), .text(evilHash), .text(note.id)])
            try connection.execute(#"UPDATE \#(connection.names.approvals) SET "sql_hash" = ? WHERE "item_id" = ?"#, [.text(evilHash), .text(note.id)])
        }
        let result = try registry.applyApproved(desired, principal: "ci", trustedKeys: [TrustedKey(name: "alice", publicKey: key.privateKey.publicKey)])
        #expect(result.refused.map(\.itemId) == [note.id])
        #expect(result.applied.count == 2)
    }

    @Test func keyFilesRoundTripAndRejectGarbage() throws {
        let key = SigningKey.generate(name: "ops")
        let parsed = try SigningKey(fileText: key.fileText)
        #expect(parsed.privateKey.publicKey.rawRepresentation == key.privateKey.publicKey.rawRepresentation)
        let trusted = try TrustedKey.parseFile("# admins\n\n" + key.publicKeyLine + "\n")
        #expect(trusted.map(\.name) == ["ops"])
        #expect(errorCode { try TrustedKey.parseFile("ssh-ed25519 AAAA user@host") } == .keyFile)
        #expect(errorCode { try SigningKey(fileText: "nonsense") } == .keyFile)
    }
}
