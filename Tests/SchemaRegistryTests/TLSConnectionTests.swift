import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// TLS to PostgreSQL with libpq's `sslmode` meanings, against a server the test starts with
/// `ssl = on`, a certificate authority the test makes, and a pg_hba.conf that refuses plain connections.
@Suite(.serialized) struct TLSConnectionTests {
    static let requireTLS = """
        local all all trust
        hostssl all all 127.0.0.1/32 trust
        hostssl all all ::1/128 trust
        """

    /// Whether the session behind `database` is encrypted, as the server sees it.
    static func isEncrypted(_ database: any RegistryDatabase) throws -> Bool {
        try database.withLockedTransaction { connection in
            try connection.query("SELECT ssl AS \"ssl\" FROM pg_stat_ssl WHERE pid = pg_backend_pid()", []).first?["ssl"]?.integer == 1
        }
    }

    /// The message a failed connection to `url` gives, or nil when it connects.
    static func failure(_ url: String) -> String? {
        do {
            try DatabaseLocation.parse(url, root: URL(fileURLWithPath: NSTemporaryDirectory())).open().close()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(.enabled(if: ThrowawayCluster.unavailableReason == nil, "initdb, pg_ctl or openssl is not installed"))
    func aServerThatRequiresTLSIsReachedAsLibpqUsersExpect() throws {
        let certificates = try TestCertificates(serverName: "localhost")
        let cluster = try ThrowawayCluster(settings: { try certificates.install(into: $0) }, hba: Self.requireTLS)
        defer {
            cluster.stop()
            try? FileManager.default.removeItem(at: certificates.folder)
        }
        func url(host: String = "localhost", _ query: String) -> String { "postgres://postgres:secret-password@\(host):\(cluster.port)/postgres?\(query)" }
        let authority = "sslrootcert=\(certificates.authority.path)"

        for query in ["sslmode=require", "sslmode=verify-ca&\(authority)", "sslmode=verify-full&\(authority)", "sslmode=prefer"] {
            let database = try DatabaseLocation.parse(url(query), root: certificates.folder).open()
            defer { database.close() }
            #expect(try Self.isEncrypted(database), "\(query)")
        }

        let wrongHost = try #require(Self.failure(url(host: "127.0.0.1", "sslmode=verify-full&\(authority)")), "the certificate names localhost only")
        #expect(wrongHost.contains("does not name '127.0.0.1'"), "\(wrongHost)")
        let unknownAuthority = try #require(Self.failure(url("sslmode=verify-full&sslrootcert=\(certificates.otherAuthority.path)")))
        #expect(unknownAuthority.contains("not signed by the authorities in \(certificates.otherAuthority.path)"), "\(unknownAuthority)")
        let plain = try #require(Self.failure(url("sslmode=disable")), "pg_hba.conf accepts TLS connections only")
        #expect(plain.contains("no pg_hba.conf entry") && plain.contains("sslmode=require"), "\(plain)")
        for message in [wrongHost, unknownAuthority, plain] {
            #expect(!message.contains("secret-password"), "\(message)")
        }

        // The container-start path over verify-full: the real binary scans, approves and applies.
        try #require(Processes.binaryIsBuilt, "build the schema binary first (swift build)")
        let verified = url("sslmode=verify-full&\(authority)")
        let database = try DatabaseLocation.parse(verified, root: certificates.folder).open()
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "Tenant" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL)"#)
        }
        let root = Processes.makeWorkspace(entities: 2)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try Processes.prepare(root: root, url: verified) == 2)
        let apply = try Processes.run(["apply", "--root", root.path], url: verified)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(!apply.output.contains("secret-password"))
        let tables = try database.withLockedTransaction { connection in
            try connection.query("SELECT count(*) AS \"count\" FROM pg_tables WHERE tablename IN ('Item0', 'Item1')", []).first?["count"]?.integer
        }
        #expect(tables == 2)
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "SCHEMA_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server without TLS)"))
    func requireRefusesAServerWithoutTLS() throws {
        let plain = try #require(Backend.postgresURL)
        let separator = plain.contains("?") ? "&" : "?"
        let message = try #require(Self.failure(plain + separator + "sslmode=require"), "the test server has no TLS")
        #expect(message.contains("does not offer TLS"), "\(message)")
        #expect(Self.failure(plain + separator + "sslmode=prefer") == nil, "prefer falls back to a plain connection, as libpq's does")
    }
}
