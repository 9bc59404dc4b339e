import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A host whose datasource says `relationMode = "prisma"` (issue 20): Prisma Client emulates the
/// relations and Prisma Migrate creates no foreign key, so a package's relations must not either;
/// drift expects none.
@Suite struct EmulatedRelationsTests {
    static let host = PrismaSchemaParser.parse("""
        datasource db {
          provider     = "postgresql"
          url          = env("DATABASE_URL")
          relationMode = "prisma"
        }

        model User {
          id    String @id
          email String
        }
        """, file: "prisma/schema.prisma").schema

    static let package = """
        entities:
          - name: Bookmark
            fields:
              id: { type: string, primary: true }
              userId: { type: string, index: true }
              url: { type: string }
            relations:
              - { name: user, type: belongsTo, entity: User, field: userId, onDelete: Cascade }
        """

    func foreignKeys(_ database: any RegistryDatabase) throws -> Int {
        try database.withLockedTransaction { connection in
            connection.dialect == .postgresql
                ? Int(try connection.query(#"SELECT COUNT(*) AS "count" FROM pg_constraint WHERE contype = 'f' AND conrelid = '"Bookmark"'::regclass"#, []).first?["count"]?.integer ?? -1)
                : try connection.query(#"SELECT * FROM pragma_foreign_key_list('Bookmark')"#, []).count
        }
    }

    @Test(arguments: Backend.available)
    func aPackageRelationGetsNoForeignKey(_ backend: Backend) throws {
        #expect(Self.host.emulatesRelations)
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = DesiredState.resolve(Workspace.inMemory(["marks": Self.package], baseSchema: Self.host))
        try #require(desired.isValid, "\(desired.errors)")
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        let outcome = try ApplyEngine(registry: registry, desiredState: { desired }).run(ApplyRequest(principal: "ci"))
        #expect(outcome.applied.map(\.entity) == ["Bookmark"], "\(outcome.refused)")
        #expect(!outcome.statements.contains { $0.sql.contains("FOREIGN KEY") })
        #expect(try foreignKeys(database) == 0)
        #expect(!(try registry.drift(host: Self.host)).hasDrift)
        // Prisma Client keeps the relation: the merged schema still declares it, with its action.
        let merged = PrismaArtifacts.merged(baseText: "", host: Self.host, entities: desired.entities.map(\.structure))
        #expect(merged.contains("@relation(fields: [userId], references: [id], onDelete: Cascade)"), "\(merged)")
        // A row whose user does not exist is the client's business, as with Prisma's own tables.
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Bookmark" ("id", "userId", "url") VALUES ('b1', 'nobody', 'x')"#) }

        // The same package under a host with database relations gets its foreign key.
        let (other, _) = try backend.makeDatabase()
        defer { other.close() }
        let enforced = Registry(database: other)
        try enforced.addAdmin("alice", by: nil)
        let plain = try Desired.from(["marks": Self.package])
        _ = try enforced.scan(plain, principal: "ci")
        _ = try enforced.approve(.all, as: "alice", allowDataLoss: false, context: plain.renderContext)
        _ = try enforced.applyApproved(plain)
        #expect(try foreignKeys(other) == 1)
    }
}
