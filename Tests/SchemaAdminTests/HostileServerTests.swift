import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaAdmin
import SchemaCore
import SchemaRegistry
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The review server's side of the hostile suite: findings 3, 14, 16 and 17 of issue 9.
@Suite struct HostileServerTests {
    /// Finding 3: with `serve --sign-with KEY`, an admin row and a token hash written into the
    /// registry gave a token whose approvals the server signed with the real key.
    @Test func finding03ASigningServerDoesNotTrustRegistryIdentities() async throws {
        let fixture = try ReviewServerTests.fixture()
        let token = "planted-token-\(UUID().uuidString)"
        try fixture.database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO \#(connection.names.admins) ("name", "role", "created_at", "created_by") VALUES ('mallory', 'admin', 'now', 'mallory')"#)
            try connection.execute(#"INSERT INTO \#(connection.names.tokens) ("hash", "principal", "kind", "created_at", "created_by", "expires_at", "used") VALUES (?, 'mallory', 'token', 'now', 'mallory', '9999-01-01T00:00:00.000Z', 0)"#,
                                   [.text(Checksum.sha256Hex(token))])
        }
        let key = SigningKey.generate(name: "alice")
        let stranger = SigningKey.generate(name: "alice")
        let id = fixture.items[0].id
        try await ReviewServerTests.app(fixture, key: key).test(.router) { client in
            try await client.execute(uri: "/api/migrations/\(id)/approve", method: .post, headers: ReviewServerTests.bearer(token)) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains(#""code":"key-required""#))
            }
            // A token made with another key of the same name is no token at all.
            let forged = ReviewToken.issue(for: stranger, expiry: Date().addingTimeInterval(3600))
            try await client.execute(uri: "/api/migrations/\(id)/approve", method: .post, headers: ReviewServerTests.bearer(forged)) { #expect($0.status == .unauthorized) }
            // An expired token of the right key neither.
            let expired = ReviewToken.issue(for: key, expiry: Date().addingTimeInterval(-1))
            try await client.execute(uri: "/api/migrations/\(id)/approve", method: .post, headers: ReviewServerTests.bearer(expired)) { #expect($0.status == .unauthorized) }
        }
        #expect(try fixture.registry.items(in: [.approved]).isEmpty)
        let signed = try fixture.database.withLockedTransaction { try $0.query(#"SELECT "item_id" FROM \#($0.names.approvals)"#, []) }
        #expect(signed.isEmpty, "nothing may have been signed")
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in through the form; returns the session cookie, or nil when no session was started.
    static func signIn(_ client: some TestClientProtocol, token: String, extra: HTTPFields = [:]) async throws -> String? {
        var headers = form
        headers.append(contentsOf: extra)
        return try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: "token=\(token)")) { response in
            response.headers[.setCookie].map { String($0.split(separator: ";")[0]) }
        }
    }

    /// Issue 19: one sign-in throttle for the whole server, which cross-site posts (no Origin
    /// check on /login) could exhaust, locking the admins out; and login CSRF (a forged page
    /// signing the victim in as the attacker). Posts from another site are refused before
    /// anything is checked or counted.
    @Test func crossSitePostsNeitherSignInNorLockAdminsOut() async throws {
        let fixture = try ReviewServerTests.fixture()
        let server = ReviewServer(registry: fixture.registry, host: nil)
        try await server.makeApplication(hostname: "127.0.0.1", port: 0).test(.live) { client in
            let evil: HTTPFields = [.origin: "https://evil.example"]
            for _ in 0..<(ReviewServer.failedSignInsPerMinute + 5) {
                try await client.execute(uri: "/login", method: .post, headers: Self.form + evil, body: ByteBuffer(string: "token=guess")) { #expect($0.status == .forbidden) }
            }
            #expect(try await Self.signIn(client, token: fixture.adminToken, extra: evil) == nil, "login CSRF: a valid token posted from another site starts no session")
            #expect(try await Self.signIn(client, token: fixture.adminToken, extra: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]) == nil)
            let cookie = try #require(try await Self.signIn(client, token: fixture.adminToken), "the admin signs in: nothing was counted against them")
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: cookie] + evil) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .ok, "a forged sign-out ended nothing") }
        }
        #expect(try fixture.registry.audit().filter { $0.action == "login-failed" }.isEmpty)
    }

    /// Issue 19: browser sessions survived `admin revoke` and `admin remove` (run by another
    /// process): the next request of such a session is sent to the sign-in page.
    @Test func sessionsEndWithTheirPrincipalsTokens() async throws {
        let fixture = try ReviewServerTests.fixture()
        try fixture.registry.addAdmin("bob", by: "alice")
        let bobs = try fixture.registry.issueToken(for: "bob", by: "alice")
        let server = ReviewServer(registry: fixture.registry, host: nil)
        try await server.makeApplication(hostname: "127.0.0.1", port: 0).test(.live) { client in
            let alice = try #require(try await Self.signIn(client, token: fixture.adminToken))
            let bob = try #require(try await Self.signIn(client, token: bobs))
            let rita = try #require(try await Self.signIn(client, token: fixture.readerToken))
            for cookie in [alice, bob, rita] {
                try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .ok) }
            }
            #expect(try fixture.registry.revokeTokens(of: "rita", by: "alice") == 1)
            try fixture.registry.removeAdmin("bob", by: "alice")
            for cookie in [bob, rita] {
                try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/login")
                }
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: alice]) { #expect($0.status == .ok, "other sessions go on") }
        }
    }

    /// Finding 14: no idle or header timeout; a half-sent request kept its connection open.
    @Test func finding14HalfSentRequestsAreCutOff() async throws {
        let fixture = try ReviewServerTests.fixture()
        let server = ReviewServer(registry: fixture.registry, host: nil, idleTimeout: 1)
        try await server.makeApplication(hostname: "127.0.0.1", port: 0).test(.live) { client in
            let port = try #require(client.port)
            let started = Date()
            let closed = try RawConnection.sendAndAwaitClose(port: port, bytes: "GET /api/status HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", wait: 10)
            #expect(closed, "the server kept a half-sent request open")
            #expect(Date().timeIntervalSince(started) < 8)
        }
    }

    /// Finding 16: tokens never expired and could not be revoked; a removed admin's token still read.
    @Test func finding16TokensExpireAndEndWithTheirPrincipal() throws {
        let fixture = try ReviewServerTests.fixture()
        let clock = TestClock()
        let registry = Registry(database: fixture.database, clock: { clock.now })
        let short = try registry.issueToken(for: "alice", by: nil, lifetime: 60)
        #expect(try registry.principal(forToken: short)?.name == "alice")
        clock.advance(by: 61)
        #expect(try registry.principal(forToken: short) == nil, "expired")

        try registry.addAdmin("bob", by: "alice")
        let bobs = try registry.issueToken(for: "bob", by: nil)
        #expect(try registry.principal(forToken: bobs)?.isAdmin == true)
        try registry.removeAdmin("bob", by: "alice")
        #expect(try registry.principal(forToken: bobs) == nil, "a removed admin's token ends with the role")

        let ritas = try registry.issueToken(for: "rita", by: "alice")
        #expect(try registry.principal(forToken: ritas) != nil)
        #expect(throws: SchemaError(.notAdmin, "'rita' is not an admin")) { try registry.revokeTokens(of: "rita", by: "rita") }
        #expect(try registry.revokeTokens(of: "rita", by: "alice") >= 1)
        #expect(try registry.principal(forToken: ritas) == nil, "revoked")
        #expect(try registry.audit().contains { $0.action == "token-revoke" && $0.principal == "alice" })
    }

    /// Finding 17: failed sign-ins were neither audited nor limited.
    @Test func finding17FailedSignInsAreAuditedAndThrottled() async throws {
        let fixture = try ReviewServerTests.fixture()
        // A fixed clock: on a loaded machine the attempts may take longer than the minute they are counted in.
        let now = Date()
        let server = ReviewServer(registry: fixture.registry, host: nil, clock: { now })
        try await Application(router: server.makeRouter()).test(.router) { client in
            for attempt in 0..<ReviewServer.failedSignInsPerMinute {
                try await client.execute(uri: "/api/status", method: .get, headers: ReviewServerTests.bearer("guess-\(attempt)")) { #expect($0.status == .unauthorized) }
            }
            // Past the limit even a good token waits: guessing cannot go faster than the limit.
            try await client.execute(uri: "/api/status", method: .get, headers: ReviewServerTests.bearer(fixture.adminToken)) { #expect($0.status == .tooManyRequests) }
        }
        #expect(try fixture.registry.audit().filter { $0.action == "login-failed" }.count == ReviewServer.failedSignInsPerMinute)
    }

    /// Finding 17: docker-compose connected the application as a superuser, so RLS never applied.
    @Test func finding17TheComposeFileSeparatesTheRoles() throws {
        let compose = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docker-compose.yml"), encoding: .utf8)
        #expect(compose.contains("DATABASE_URL: postgres://app:"), "the application connects as the app role")
        #expect(compose.contains("SCHEMA_DATABASE_URL: postgres://schema_migrator:"), "apply connects as the migration role")
        #expect(!compose.contains("DATABASE_URL: postgres://postgres:"), "nothing connects as the superuser but the one-shot setup")
    }
}

/// A controllable clock for registry timestamps.
final class TestClock: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var current = Date()
    var now: Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

/// A plain TCP connection, to send what no HTTP client sends: half a request.
enum RawConnection {
    /// Sends `bytes` to 127.0.0.1:`port` and reports whether the server closes the connection within `wait` seconds.
    static func sendAndAwaitClose(port: Int, bytes: String, wait: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        _ = bytes.withCString { send(fd, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: wait, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }       // closed by the server
            if count < 0 { return errno == ECONNRESET }  // timed out (open) or reset (closed)
        }
    }
}
