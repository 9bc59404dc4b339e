import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaAdmin
import SchemaCore
import SchemaRegistry
import Testing

/// Before anyone approves, the review page and the JSON API show what a change does to the rows
/// of the database it will run on: here 3 titles longer than the new limit and 2 pairs of rows
/// that the new unique index refuses.
@Suite struct DataImpactTests {
    static let before = """
        entities:
          - name: Ticket
            fields:
              id: { type: string, primary: true }
              title: { type: string }
              code: { type: string }
        """
    static let after = """
        entities:
          - name: Ticket
            fields:
              id: { type: string, primary: true }
              title: { type: string, maxLength: 100 }
              code: { type: string }
            indexes:
              - fields: [code]
                unique: true
        """

    /// A SQLite registry with ``before`` applied, the violating rows, and the change queued.
    static func fixture() throws -> (registry: Registry, token: String, item: QueueItem) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("impact-\(UUID().uuidString).sqlite").path
        let registry = Registry(database: try SQLiteRegistryDatabase(path: path))
        try registry.addAdmin("alice", by: nil)
        let first = DesiredState.resolve(.inMemory(["desk": before]))
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        _ = try ApplyEngine(registry: registry, desiredState: { first }).run(ApplyRequest(principal: "ci"))
        let long = String(repeating: "t", count: 150)
        try registry.database.withLockedTransaction { connection in
            try connection.execute("""
                INSERT INTO "Ticket" ("id", "title", "code") VALUES
                ('t1', '\(long)', 'A'), ('t2', '\(long)', 'A'), ('t3', '\(long)', 'B'), ('t4', 'short', 'B'), ('t5', 'short', 'C')
                """)
        }
        let item = try #require(try registry.scan(DesiredState.resolve(.inMemory(["desk": after])), principal: "ci").queued.first)
        return (registry, try registry.issueToken(for: "alice", by: nil), item)
    }

    @Test func theReviewPageAndTheAPIShowTheCountsBeforeApproval() async throws {
        let (registry, token, item) = try Self.fixture()
        // A long idle timeout: on a loaded machine the client may wait longer than the production 30 s.
        let server = ReviewServer(registry: registry, host: nil, idleTimeout: 600)
        try await server.makeApplication(hostname: "127.0.0.1", port: 0).test(.live) { client in
            try await client.execute(uri: "/api/migrations/\(item.id)", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                let detail = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let checks = (detail["impact"] as? [String: Any])?["checks"] as? [[String: Any]] ?? []
                let counts = Dictionary(checks.map { ($0["description"] as? String ?? "", $0["count"] as? Int ?? -1) }, uniquingKeysWith: { first, _ in first })
                #expect(counts["rows of Ticket whose title breaks the new constraint (length(\"title\") <= 100)"] == 3, "\(checks)")
                #expect(counts["groups of rows of Ticket with the same (code), which the new unique index refuses"] == 2, "\(checks)")
                #expect((detail["impactSummary"] as? [String])?.contains("BLOCKS APPLY: 3 rows of Ticket whose title breaks the new constraint (length(\"title\") <= 100) (for example t1; t2; t3)") == true,
                        "\(detail["impactSummary"] ?? "none")")
            }
            let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=\(token)")) { response -> String in
                String((response.headers[.setCookie] ?? "").split(separator: ";")[0])
            }
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("Impact on the database now"))
            #expect(page.contains("BLOCKS APPLY: 3 rows of Ticket whose title breaks the new constraint"), "\(page)")
            #expect(page.contains("BLOCKS APPLY: 2 groups of rows of Ticket with the same (code), which the new unique index refuses (for example A; B)"), "\(page)")
            #expect(page.contains("copies 5 rows of Ticket copied into the rebuilt table"), "\(page)")
        }
        #expect(try registry.items(in: [.pending]).map(\.id) == [item.id], "looking changed nothing")
    }

    /// A package's create of a table the host already made (a model moved into a package): the
    /// page shows, beside the approved `CREATE TABLE`, that the start takes the table over and
    /// what it runs instead, which holds no CREATE.
    @Test func theReviewPageShowsWhatAStartRunsInsteadOfTheApprovedSQL() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("takeover-\(UUID().uuidString).sqlite").path
        let registry = Registry(database: try SQLiteRegistryDatabase(path: path))
        try registry.addAdmin("alice", by: nil)
        try registry.database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "Note" ("id" TEXT NOT NULL PRIMARY KEY, "body" TEXT NOT NULL)"#)
            try connection.execute(#"INSERT INTO "Note" ("id", "body") VALUES ('n1', 'kept')"#)
        }
        let desired = DesiredState.resolve(.inMemory(["notes": "entities:\n  - name: Note\n    fields:\n      id: { type: string, primary: true }\n      body: { type: string }\n"]))
        let item = try #require(try registry.scan(desired, principal: "ci").queued.first)
        #expect(item.sql.contains("CREATE TABLE"))
        let token = try registry.issueToken(for: "alice", by: nil)
        let server = ReviewServer(registry: registry, host: nil, idleTimeout: 600)
        try await server.makeApplication(hostname: "127.0.0.1", port: 0).test(.live) { client in
            let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=\(token)")) { response -> String in
                String((response.headers[.setCookie] ?? "").split(separator: ";")[0])
            }
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("TAKES OVER: the table Note exists with exactly this shape"), "\(page)")
            let instead = try #require(page.range(of: "SQL a start runs instead"), "\(page)")
            let block = page[instead.upperBound...]
            let shown = String(block[..<(block.range(of: "</details>")?.lowerBound ?? block.endIndex)])
            #expect(!shown.contains("CREATE"), "\(shown)")
        }
    }
}
