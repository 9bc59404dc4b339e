import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaAdmin
import SchemaCore
import SchemaRegistry
import Testing

/// The review server, driven through Hummingbird's test client.
@Suite struct ReviewServerTests {
    static let yaml = """
        entities:
          - name: Ticket
            fields:
              id: { type: cuid, primary: true }
              title: { type: string, maxLength: 80 }
          - name: Comment
            fields:
              id: { type: cuid, primary: true }
              body: { type: string }
        """

    static let desired = DesiredState.resolve(.inMemory(["desk": yaml]))

    /// The container start, with ``desired`` as what the package files want.
    static func apply(_ registry: Registry, _ desired: DesiredState = desired, trustedKeys: [TrustedKey]? = nil) throws -> ApplyOutcome {
        try ApplyEngine(registry: registry, desiredState: { desired }).run(ApplyRequest(principal: "ci", trustedKeys: trustedKeys))
    }

    struct Fixture {
        var registry: Registry
        var database: any RegistryDatabase
        var adminToken: String
        var readerToken: String
        var items: [QueueItem]
    }

    /// A registry with two pending items, an admin (alice) and a read-only principal (rita).
    static func fixture() throws -> Fixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString).sqlite").path
        let database = try SQLiteRegistryDatabase(path: path)
        let registry = Registry(database: database)
        let items = try registry.scan(Self.desired, principal: "ci").queued
        try registry.addAdmin("alice", by: nil)
        let adminToken = try registry.issueToken(for: "alice", by: nil)
        let readerToken = try registry.issueToken(for: "rita", by: "alice")
        return Fixture(registry: registry, database: database, adminToken: adminToken, readerToken: readerToken, items: items)
    }

    static func app(_ fixture: Fixture, key: SigningKey? = nil) -> some ApplicationProtocol {
        Application(router: ReviewServer(registry: fixture.registry, host: nil, signingKey: key).makeRouter())
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    @Test func withoutATokenEverythingIs401() async throws {
        let fixture = try Self.fixture()
        try await Self.app(fixture).test(.router) { client in
            for uri in ["/api/status", "/api/migrations", "/api/migrations/\(fixture.items[0].id)", "/api/audit"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
            }
            try await client.execute(uri: "/api/migrations/\(fixture.items[0].id)/approve", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/status", method: .get, headers: Self.bearer("forged")) { #expect($0.status == .unauthorized) }
        }
        #expect(try fixture.registry.items(in: [.pending]).count == 2)
    }

    @Test func readersReadButCannotDecide() async throws {
        let fixture = try Self.fixture()
        let id = fixture.items[0].id
        try await Self.app(fixture).test(.router) { client in
            try await client.execute(uri: "/api/migrations?status=pending", method: .get, headers: Self.bearer(fixture.readerToken)) { response in
                #expect(response.status == .ok)
                let items = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]]
                #expect(items?.count == 2)
            }
            try await client.execute(uri: "/api/migrations/\(id)", method: .get, headers: Self.bearer(fixture.readerToken)) { response in
                let detail = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(detail?["entity"] as? String == "Ticket")
                #expect((detail?["sql"] as? String)?.contains(#"CREATE TABLE "Ticket""#) == true)
                #expect((detail?["prisma"] as? String)?.contains("model Ticket {") == true)
                #expect((detail?["differences"] as? [String])?.first?.hasPrefix("new table with") == true)
            }
            try await client.execute(uri: "/api/migrations/\(id)/approve", method: .post, headers: Self.bearer(fixture.readerToken)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/migrations/\(id)/reject", method: .post, headers: Self.bearer(fixture.readerToken)) { #expect($0.status == .forbidden) }
        }
        #expect(try fixture.registry.items(in: [.pending]).count == 2)
        #expect(try fixture.registry.audit().contains { $0.action == "approve-denied" && $0.principal == "rita" })
    }

    @Test func adminsApproveAndRejectAndTheAuditNamesThem() async throws {
        let fixture = try Self.fixture()
        // A server that signs decides only for whoever holds its key: alice signs in with a token
        // derived from her key, not with one the registry stores.
        let key = SigningKey.generate(name: "alice")
        let token = ReviewToken.issue(for: key, expiry: Date().addingTimeInterval(3600))
        try await Self.app(fixture, key: key).test(.router) { client in
            try await client.execute(uri: "/api/migrations/\(fixture.items[0].id)/approve", method: .post, headers: Self.bearer(token),
                                     body: ByteBuffer(string: #"{"allowDataLoss": false}"#)) { response in
                #expect(response.status == .ok)
                // The reply shows the state after the decision.
                #expect(String(buffer: response.body).contains(#""state":"approved""#))
            }
            try await client.execute(uri: "/api/migrations/\(fixture.items[1].id)/reject", method: .post, headers: Self.bearer(token),
                                     body: ByteBuffer(string: #"{"reason": "later"}"#)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""state":"rejected""#))
            }
            try await client.execute(uri: "/api/migrations/\(fixture.items[1].id)/approve", method: .post, headers: Self.bearer(token)) {
                #expect($0.status == .conflict)
            }
            try await client.execute(uri: "/api/migrations/nope/approve", method: .post, headers: Self.bearer(token)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/audit", method: .get, headers: Self.bearer(fixture.adminToken)) { response in
                let entries = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]] ?? []
                #expect(entries.contains { $0["action"] as? String == "approve" && $0["principal"] as? String == "alice" })
                #expect(entries.contains { $0["action"] as? String == "reject" && $0["principal"] as? String == "alice" && $0["detail"] as? String == "later" })
            }
        }
        // Approvals made through the server are signed with its key.
        let result = try Self.apply(fixture.registry, trustedKeys: [TrustedKey(name: "alice", publicKey: key.privateKey.publicKey)])
        #expect(result.applied.map(\.entity) == ["Ticket"])
    }

    @Test func pageNeedsASessionAndFormsNeedTheCSRFToken() async throws {
        let fixture = try Self.fixture()
        let id = fixture.items[0].id
        try await Self.app(fixture).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
            let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=\(fixture.adminToken)")) { response -> String in
                #expect(response.status == .seeOther)
                let setCookie = response.headers[.setCookie] ?? ""
                #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                return String(setCookie.split(separator: ";")[0])
            }
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("Pending changes (2)") && page.contains("Ticket") && page.contains("CREATE TABLE &quot;Ticket&quot;"))
            #expect(!page.contains("<script"))
            let csrf = try #require(page.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
            try await client.execute(uri: "/review/\(id)/approve", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=wrong")) { #expect($0.status == .forbidden) }
            #expect(try fixture.registry.items(in: [.approved]).isEmpty)
            try await client.execute(uri: "/review/\(id)/approve", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "csrf=\(csrf)")) { #expect($0.status == .seeOther) }
            #expect(try fixture.registry.items(in: [.approved]).map(\.id) == [id])
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "token=nope")) { #expect($0.status == .unauthorized) }
        }
    }

    /// An open rollout (the expand of a change ran; the version before still runs) is on the page
    /// and in `/api/status`, with what ends it. SQLite never rolls out: the record is written as a
    /// PostgreSQL start writes it, so that the page is what is tested here.
    @Test func openRolloutsAreShownWithWhatEndsThem() async throws {
        let fixture = try Self.fixture()
        _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: false)
        _ = try Self.apply(fixture.registry)
        let ticket = try #require(Self.desired.entities.first { $0.structure.name == "Ticket" }?.structure)
        let record: [String: Any] = ["entity": "Ticket", "itemId": fixture.items[0].id, "expandedBy": "shop<v2>", "expandedAt": "2026-12-07T04:00:00Z",
                                     "from": try JSONSerialization.jsonObject(with: JSONEncoder().encode(ticket))]
        let value = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        try fixture.database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES ('rollout:Ticket', ?)"#, [.text(value)])
        }
        try await Self.app(fixture).test(.router) { client in
            let status = try await client.execute(uri: "/api/status", method: .get, headers: Self.bearer(fixture.readerToken)) { String(buffer: $0.body) }
            #expect(status.contains(#""rollouts":[{"#) && status.contains(#""entity":"Ticket""#) && status.contains(fixture.items[0].id), "\(status)")
            let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=\(fixture.readerToken)")) { String(($0.headers[.setCookie] ?? "").split(separator: ";")[0]) }
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("Rolling out (1)") && page.contains("schema complete Ticket --as ADMIN") && page.contains("schema rollback Ticket"), "\(page)")
            #expect(page.contains("by shop&lt;v2&gt;") && !page.contains("shop<v2>"), "escaped")
        }
    }

    @Test func loginCodesWorkOnceAndReadersSeeNoButtons() async throws {
        let fixture = try Self.fixture()
        let code = try fixture.registry.issueLoginCode(for: "rita", by: "alice")
        try await Self.app(fixture).test(.router) { client in
            let cookie = try await client.execute(uri: "/login?code=\(code)", method: .get) { response -> String in
                #expect(response.status == .seeOther)
                return String((response.headers[.setCookie] ?? "").split(separator: ";")[0])
            }
            try await client.execute(uri: "/login?code=\(code)", method: .get) { #expect($0.status == .unauthorized) }
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("rita · read-only") && page.contains("Ticket"))
            #expect(!page.contains("class=\"approve\""))
        }
    }

    @Test func destructiveItemsNeedTheExplicitTick() async throws {
        let fixture = try Self.fixture()
        _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: false)
        _ = try Self.apply(fixture.registry)
        let withoutComment = Self.yaml.components(separatedBy: "  - name: Comment")[0]
        let drop = try #require(try fixture.registry.scan(DesiredState.resolve(.inMemory(["desk": withoutComment])), principal: "ci").queued.first)
        #expect(drop.isDestructive)
        try await Self.app(fixture).test(.router) { client in
            try await client.execute(uri: "/api/migrations/\(drop.id)/approve", method: .post, headers: Self.bearer(fixture.adminToken)) { response in
                #expect(response.status == .conflict)
                let body = String(buffer: response.body)
                #expect(body.contains(#"{\"allowDataLoss\": true}"#) && !body.contains("--allow-data-loss"), "\(body)")
                #expect(body.contains(#""code":"data-loss-not-acknowledged""#))
            }
            let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=\(fixture.adminToken)")) { String(($0.headers[.setCookie] ?? "").split(separator: ";")[0]) }
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("DESTRUCTIVE") && page.contains("name=\"acknowledgeDataLoss\" value=\"yes\" required"))
            try await client.execute(uri: "/api/migrations/\(drop.id)/approve", method: .post, headers: Self.bearer(fixture.adminToken),
                                     body: ByteBuffer(string: #"{"allowDataLoss": true}"#)) { #expect($0.status == .ok) }
        }
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
}
