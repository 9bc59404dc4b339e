import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A realistic Prisma schema (relations of every kind: one-to-many, one-to-one, a self-relation,
/// two relations between the same models, both named or one of them unnamed; a name longer than 63 bytes; an index beside a unique;
/// descriptions; a model and a field with database names of their own), written as packages, applied to both databases, generated back, and compared
/// model by model with the original. The only differences allowed are the README's listed limits
/// (relation fields come after the scalar fields, by name), which the comparison normalizes.
@Suite(.serialized) struct PrismaRoundTripTests {
    /// The host's own models, as its schema.prisma declares them: back-relation fields included.
    static let host = """
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        model Tenant {
          id            String         @id
          name          String
          organizations Organization[]
        }

        model User {
          id                 String                 @id
          email              String
          powerTransfersFrom PowerTransferRequest[] @relation("PowerTransferFrom")
          powerTransfersTo   PowerTransferRequest[] @relation("PowerTransferTo")
          invitations        Invitation[]
          sessions             Session[]
          impersonatedSessions Session[] @relation("ImpersonatedSessions")
        }
        """

    /// The package models as a Prisma author would write them.
    static let original = """
        /// A customer organization, nested under a parent
        model Organization {
          id       String                @id @default(cuid())
          tenantId String
          parentId String?
          /// The name shown in the UI
          name     String                @db.VarChar(120)
          createdAt DateTime             @default(now())
          children Organization[]        @relation("OrganizationParent")
          parent   Organization?         @relation("OrganizationParent", fields: [parentId], references: [id], onDelete: SetNull)
          settings OrganizationSettings?
          tenant   Tenant                @relation(fields: [tenantId], references: [id], onDelete: Cascade)

          @@index([tenantId])
        }

        model OrganizationSettings {
          id             String       @id @default(cuid())
          organizationId String       @unique
          theme          String       @default("light")
          seats          Int          @default(5)
          organization   Organization @relation(fields: [organizationId], references: [id], onDelete: Cascade)
        }

        model PowerTransferRequest {
          id         String   @id @default(cuid())
          fromUserId String   @map("from_user_id")
          toUserId   String
          amount     BigInt
          note       String?
          fromUser   User     @relation("PowerTransferFrom", fields: [fromUserId], references: [id], onDelete: Restrict)
          toUser     User     @relation("PowerTransferTo", fields: [toUserId], references: [id], onDelete: Restrict)

          @@index([fromUserId])
          @@index([toUserId])
          @@map("power_transfers")
        }

        model Invitation {
          id        String   @id @default(cuid())
          token     String   @unique
          email     String
          invitedBy String?
          expiresAt DateTime
          state     InvitationState @default(PENDING)
          inviter   User?    @relation(fields: [invitedBy], references: [id], onDelete: SetNull)

          @@index([token])
        }

        model Session {
          id             String  @id @default(cuid())
          userId         String
          impersonatedBy String?
          user           User    @relation(fields: [userId], references: [id], onDelete: Cascade)
          impersonator   User?   @relation("ImpersonatedSessions", fields: [impersonatedBy], references: [id], onDelete: SetNull)
        }

        enum InvitationState {
          PENDING
          ACCEPTED
          EXPIRED
        }

        model EntityRelation {
          id           String @id @default(cuid())
          sourceType   String
          sourceId     String
          targetType   String
          targetId     String
          relationType String

          @@unique([sourceType, sourceId, targetType, targetId, relationType])
        }
        """

    /// The same models written as a package.
    static let package = """
        enums:
          InvitationState: [PENDING, ACCEPTED, EXPIRED]
        entities:
          - name: Organization
            description: A customer organization, nested under a parent
            fields:
              id: { type: cuid, primary: true, generated: true }
              tenantId: { type: string, index: true }
              parentId: { type: string, nullable: true }
              name: { type: string, maxLength: 120, description: The name shown in the UI }
              createdAt: { type: datetime, default: now }
            relations:
              - { name: tenant, type: belongsTo, entity: Tenant, field: tenantId, onDelete: Cascade }
              - { name: parent, type: belongsTo, entity: Organization, field: parentId, onDelete: SetNull, relationName: OrganizationParent }
              - { name: children, type: hasMany, entity: Organization, field: parentId, relationName: OrganizationParent }
              - { name: settings, type: hasMany, entity: OrganizationSettings, field: organizationId }
          - name: OrganizationSettings
            fields:
              id: { type: cuid, primary: true, generated: true }
              organizationId: { type: string, unique: true }
              theme: { type: string, default: light }
              seats: { type: int, default: 5 }
            relations:
              - { name: organization, type: belongsTo, entity: Organization, field: organizationId, onDelete: Cascade }
          - name: PowerTransferRequest
            map: power_transfers
            fields:
              id: { type: cuid, primary: true, generated: true }
              fromUserId: { type: string, index: true, map: from_user_id }
              toUserId: { type: string, index: true }
              amount: { type: bigint }
              note: { type: string, nullable: true }
            relations:
              - { name: fromUser, type: belongsTo, entity: User, field: fromUserId, onDelete: Restrict, relationName: PowerTransferFrom }
              - { name: toUser, type: belongsTo, entity: User, field: toUserId, onDelete: Restrict, relationName: PowerTransferTo }
          - name: Invitation
            fields:
              id: { type: cuid, primary: true, generated: true }
              token: { type: string, unique: true }
              email: { type: string }
              invitedBy: { type: string, nullable: true }
              expiresAt: { type: datetime }
              state: { type: InvitationState, default: PENDING }
            indexes:
              - fields: [token]
            relations:
              - { name: inviter, type: belongsTo, entity: User, field: invitedBy, onDelete: SetNull }
          - name: Session
            fields:
              id: { type: cuid, primary: true, generated: true }
              userId: { type: string }
              impersonatedBy: { type: string, nullable: true }
            relations:
              # One of two relations to User stays unnamed, as Prisma allows.
              - { name: user, type: belongsTo, entity: User, field: userId, onDelete: Cascade }
              - { name: impersonator, type: belongsTo, entity: User, field: impersonatedBy, relationName: ImpersonatedSessions }
          - name: EntityRelation
            fields:
              id: { type: cuid, primary: true, generated: true }
              sourceType: { type: string }
              sourceId: { type: string }
              targetType: { type: string }
              targetId: { type: string }
              relationType: { type: string }
            indexes:
              - fields: [sourceType, sourceId, targetType, targetId, relationType]
                unique: true
        """

    /// A model as comparable lines: scalar fields in order, relation fields and block attributes
    /// as sets, descriptions; whitespace collapsed, comments that are not descriptions dropped.
    struct Model: Equatable, CustomStringConvertible {
        var documentation: [String] = []
        var scalars: [String] = []
        var relations: Set<String> = []
        var blocks: Set<String> = []
        var description: String { "docs \(documentation)\nscalars \(scalars)\nrelations \(relations.sorted())\nblocks \(blocks.sorted())" }
    }

    static let scalarTypes: Set<String> = ["String", "Int", "BigInt", "Float", "Boolean", "DateTime", "Json"]

    static func models(_ text: String) -> [String: Model] {
        var models: [String: Model] = [:]
        var current: String?
        var model = Model()
        var pendingDocs: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if line.hasPrefix("///") {
                let doc = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                // Notes the renderer adds for constraints are not descriptions.
                if !["one of:", "at most ", "min ", "max "].contains(where: { doc.hasPrefix($0) }) { pendingDocs.append(doc) }
                continue
            }
            if line.hasPrefix("//") || line.isEmpty { continue }
            if line.hasPrefix("model ") {
                current = String(line.dropFirst(6).split(separator: " ")[0])
                model = Model(documentation: pendingDocs)
                pendingDocs = []
                continue
            }
            guard let name = current else { pendingDocs = []; continue }
            if line == "}" {
                models[name] = model
                current = nil
                continue
            }
            model.documentation += pendingDocs
            pendingDocs = []
            if line.hasPrefix("@@") {
                model.blocks.insert(line)
            } else {
                let type = line.split(separator: " ").dropFirst().first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "?[]")) } ?? ""
                if scalarTypes.contains(type) { model.scalars.append(line) } else { model.relations.insert(line) }
            }
        }
        return models
    }

    @Test(arguments: Backend.available)
    func aPrismaSchemaWrittenAsPackagesComesBackModelByModel(_ backend: Backend) throws {
        let hostSchema = PrismaSchemaParser.parse(Self.host, file: "schema.prisma").schema
        let desired = DesiredState.resolve(.inMemory(["crm": Self.package], baseSchema: hostSchema))
        try #require(desired.isValid, "\(desired.errors)")
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 6)
        #expect(!(try registry.drift(host: hostSchema)).hasDrift)

        let merged = PrismaArtifacts.merged(baseText: Self.host, host: hostSchema, entities: try registry.appliedEntities().map(\.structure))
        let generated = Self.models(merged)
        let expected = Self.models(Self.host).merging(Self.models(Self.original)) { $1 }
        #expect(expected.count == 8 && expected.values.allSatisfy { !$0.scalars.isEmpty }, "the comparison must not be vacuous: \(expected.keys.sorted())")
        #expect(expected["Organization"]?.relations.count == 4 && expected["Organization"]?.documentation.count == 2)
        #expect(Set(generated.keys) == Set(expected.keys))
        #expect(merged.contains("enum InvitationState {\n  PENDING\n  ACCEPTED\n  EXPIRED\n}"), "\(merged)")
        for name in expected.keys.sorted() {
            #expect(generated[name] == expected[name], "\(name):\n-- generated\n\(generated[name]?.description ?? "missing")\n-- original\n\(expected[name]?.description ?? "")")
        }
        // The 72-byte unique name is cut as Prisma cuts it, in the database too.
        let name = "EntityRelation_sourceType_sourceId_targetType_targetId_rela_key"
        let catalog = try Introspection.describe(database)
        if backend == .postgres {
            #expect(catalog.contains { $0.contains("INDEX \"\(name)\"") || $0.contains("INDEX \(name)") })
        }
        // The mapped model's table, column and index are named as Prisma Migrate names them.
        #expect(catalog.contains { $0.contains("power_transfers_from_user_id_idx") } && !catalog.contains { $0.contains("PowerTransferRequest") }, "\(catalog)")
    }
}
