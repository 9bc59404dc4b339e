import SchemaCore
import Testing

/// Which changes the application version still running tolerates, and what the expand, contract
/// and rollback of the others are (issue 22). The expected shapes are written out by hand.
struct RolloutPlanningTests {
    static let before = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
              title: { type: string, maxLength: 200 }
              legacy: { type: string }
              subtitle: { type: string, nullable: true }
              status: { type: string, enum: [draft, live, gone] }
              slug: { type: string, nullable: true }
        """

    static func structure(_ yaml: String) throws -> CanonicalEntity {
        try #require(TestSupport.desired(yaml, host: nil).entities.first?.structure)
    }

    static let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: ["Post": "id"])

    /// Each class alone, with what the running version cannot live with and the expanded column.
    @Test(arguments: [
        ("drop a required field", "      legacy: { type: string }\n", "", ["dropped-field legacy"]),
        ("make a field required", "subtitle: { type: string, nullable: true }", "subtitle: { type: string, default: \"none\" }", ["required-field subtitle"]),
        ("tighten maxLength", "maxLength: 200", "maxLength: 80", ["tightened-field title"]),
        ("remove an enum value", "enum: [draft, live, gone]", "enum: [draft, live]", ["tightened-field status"]),
        ("add a unique index to an existing column", "slug: { type: string, nullable: true }", "slug: { type: string, nullable: true, unique: true }", ["unique-index slug"]),
        ("add a required field without a default", "slug: { type: string, nullable: true }", "slug: { type: string, nullable: true }\n      code: { type: string }", ["required-field code"]),
    ])
    func eachIncompatibleChangeIsNamed(_ name: String, _ old: String, _ new: String, _ expected: [String]) throws {
        let from = try Self.structure(Self.before)
        let to = try Self.structure(Self.before.replacingOccurrences(of: old, with: new))
        #expect(Rollout.incompatibilities(from: from, to: to).map { "\($0.kind.rawValue) \($0.object)" } == expected, "\(name)")
        let derived = DerivedChange(from: from, to: to, renderer: Self.renderer, rollout: true)
        #expect(derived.isRolledOut, "\(name)")
        #expect(derived.statements.contains { $0.part == .contract }, "\(name)")
    }

    @Test func theExpandedTableAcceptsWhatEitherVersionWrites() throws {
        let from = try Self.structure(Self.before)
        let to = try Self.structure("""
            entities:
              - name: Post
                fields:
                  id: { type: string, primary: true }
                  title: { type: string, maxLength: 80 }
                  subtitle: { type: string, default: "none" }
                  status: { type: string, enum: [draft, live, archived] }
                  slug: { type: string, nullable: true, unique: true }
                  code: { type: string }
            """)
        let expanded = Rollout.expanded(from: from, to: to)
        func field(_ name: String) -> CanonicalField? { expanded.field(named: name) }
        #expect(field("legacy")?.optional == true, "the dropped column stays, nullable for the new version's inserts")
        #expect(field("subtitle")?.optional == true && field("subtitle")?.defaultValue == .string("none"), "nullable, with the new default")
        #expect(field("title")?.maxLength == 200, "the looser limit")
        #expect(field("status")?.enumValues == ["archived", "draft", "gone", "live"], "every value either version writes")
        #expect(field("code")?.optional == true, "a new required column without a default: the old version's inserts leave it empty")
        #expect(!expanded.indexes.contains { $0.unique && $0.fields == ["slug"] }, "the new unique index waits for the contract")
        #expect(expanded.fields.map(\.name) == ["code", "id", "legacy", "slug", "status", "subtitle", "title"])
    }

    /// A change the running version tolerates is planned exactly as before: same statements, same pin.
    @Test(arguments: [
        "slug: { type: string, nullable: true, index: true }",
        "slug: { type: string, nullable: true }\n      note: { type: string, nullable: true }",
        "slug: { type: string, nullable: true, default: \"none\" }",
    ])
    func aCompatibleChangeAppliesWhole(_ replacement: String) throws {
        let from = try Self.structure(Self.before)
        let yaml = Self.before.replacingOccurrences(of: "slug: { type: string, nullable: true }", with: replacement)
        let to = try Self.structure(yaml.replacingOccurrences(of: "maxLength: 200", with: "maxLength: 300"))
        let rolled = DerivedChange(from: from, to: to, renderer: Self.renderer, rollout: true)
        let whole = DerivedChange(from: from, to: to, renderer: Self.renderer, rollout: false)
        #expect(Rollout.incompatibilities(from: from, to: to).isEmpty)
        #expect(!rolled.isRolledOut && rolled.statements == whole.statements && rolled.sqlHash == whole.sqlHash)
    }

    /// The parts, as SQL: the expand keeps the old column and relaxes it, the contract drops it,
    /// the rollback restores NOT NULL (counting rows that would break it first).
    @Test func theThreePartsOfADroppedField() throws {
        let from = try Self.structure(Self.before)
        let to = try Self.structure(Self.before.replacingOccurrences(of: "      legacy: { type: string }\n", with: ""))
        let derived = DerivedChange(from: from, to: to, renderer: Self.renderer, rollout: true)
        let sql = { (part: SQLStatement.Part) in derived.statements.filter { $0.part == part && $0.phase != .rowLevelSecurity }.map(\.sql) }
        #expect(sql(.expand) == [#"ALTER TABLE "Post" ALTER COLUMN "legacy" DROP NOT NULL"#])
        #expect(sql(.contract) == [#"ALTER TABLE "Post" DROP COLUMN "legacy""#])
        #expect(sql(.rollback).contains(#"ALTER TABLE "Post" ALTER COLUMN "legacy" SET NOT NULL"#))
        #expect(derived.checks.contains { $0.part == .rollback && $0.kind == .violations && $0.countSQL.contains(#""legacy" IS NULL"#) })
        #expect(derived.isDestructive, "approving it still needs --allow-data-loss")
    }

    /// A dropped table is all contract: the expand leaves it for the running version.
    @Test func aDroppedTableWaitsForComplete() throws {
        let from = try Self.structure(Self.before)
        let derived = DerivedChange(from: from, to: nil, renderer: Self.renderer, rollout: true)
        #expect(derived.incompatibilities.map(\.kind) == [.droppedEntity])
        #expect(derived.statements.allSatisfy { $0.part == .contract })
        #expect(derived.statements.contains { $0.sql == #"DROP TABLE "Post""# })
    }

    /// SQLite is one node, `deploys: recreate` stops the old version first, a renamed field whose
    /// type changes cannot be kept in step: all apply whole at the start. A plain rename is split,
    /// and its contract and rollback count no value as lost (the other column holds each).
    @Test func whatIsNotRolledOut() throws {
        let from = try Self.structure(Self.before)
        let applied = [AppliedEntity(structure: from, checksum: Checksum(of: from), packages: ["fixture"])]
        let wanted = TestSupport.desired(Self.before.replacingOccurrences(of: "      legacy: { type: string }\n", with: ""), host: nil).entities
        func parts(_ dialect: SQLDialect, _ deploys: Rollout.DeployStrategy) -> Set<SQLStatement.Part> {
            Set(MigrationPlanner.plan(desired: wanted, applied: applied, dialect: dialect, host: nil, deploys: deploys).flatMap(\.statements).map(\.part))
        }
        #expect(parts(.sqlite, .rolling) == [.expand])
        #expect(parts(.postgresql, .recreate) == [.expand])
        #expect(parts(.postgresql, .rolling) == [.expand, .contract, .rollback])
        let renamed = try Self.structure(Self.before.replacingOccurrences(of: "subtitle: { type: string, nullable: true }", with: "tagline: { type: string, nullable: true }")
            .replacingOccurrences(of: "      legacy: { type: string }\n", with: ""))
        let rename = DerivedChange(from: from, to: renamed, renames: ["tagline": "subtitle"], renderer: Self.renderer, rollout: true)
        #expect(rename.operations.contains(.renameColumn(table: "Post", from: "subtitle", to: "tagline")))
        #expect(rename.isRolledOut && rename.incompatibilities.map(\.kind) == [.renamedField, .droppedField])
        #expect(!rename.checks.contains { $0.countSQL.contains("subtitle") || $0.countSQL.contains("tagline") }, "\(rename.checks.map(\.description))")
        #expect(rename.checks.contains { $0.description == "values of Post.legacy, deleted with the column" })
        var retyped = renamed
        if let index = retyped.fields.firstIndex(where: { $0.name == "tagline" }) { retyped.fields[index].type = .int }
        #expect(!DerivedChange(from: from, to: retyped, renames: ["tagline": "subtitle"], renderer: Self.renderer, rollout: true).isRolledOut)
    }
}

/// `"deploys"` in `schema.config.json`: read into the render context, a wrong value named.
struct DeploysSettingTests {
    @Test func theSettingIsReadAndAWrongValueIsAnError() throws {
        try TestSupport.withTemporaryDirectory { root in
            #expect(WorkspaceLoader(root: root).renderContext().deploys == .rolling, "the default")
            TestSupport.write(#"{"deploys": "recreate"}"#, to: "schema.config.json", in: root)
            #expect(WorkspaceLoader(root: root).renderContext().deploys == .recreate)
            #expect(DesiredState.resolve(WorkspaceLoader(root: root).load()).renderContext.deploys == .recreate)
            TestSupport.write(#"{"deploys": "blue-green"}"#, to: "schema.config.json", in: root)
            let loaded = WorkspaceLoader(root: root).load()
            #expect(loaded.diagnostics.contains { $0.code == .metadataInvalid && $0.message.contains(#""rolling", "recreate""#) }, "\(loaded.diagnostics)")
        }
    }
}

/// `"packageSchema"` in `schema.config.json`: carried by the host's schema under multi-schema,
/// an error without it or when it is no schema name.
struct PackageSchemaSettingTests {
    @Test func theSettingPlacesPackageModelsOnlyUnderAMultiSchemaHost() throws {
        try TestSupport.withTemporaryDirectory { root in
            TestSupport.write(TestSupport.simpleEntities, to: "packages/shop/seed/schema/entities.yaml", in: root)
            TestSupport.write("datasource db {\n  provider = \"postgresql\"\n  schemas  = [\"app\", \"public\"]\n}\n\nmodel User {\n  id String @id\n\n  @@schema(\"public\")\n}\n",
                              to: "prisma/schema.prisma", in: root)
            #expect(WorkspaceLoader(root: root).renderContext().host?.packageSchema == "public", "the default")
            TestSupport.write(#"{"packageSchema": "app"}"#, to: "schema.config.json", in: root)
            let loader = WorkspaceLoader(root: root)
            #expect(loader.packageSchema() == "app")
            #expect(loader.renderContext().host?.packageSchema == "app")
            let loaded = loader.load()
            #expect(loaded.baseSchema?.packageSchema == "app" && loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
            #expect(PrismaArtifacts.fragment(DesiredState.resolve(loaded).entities.map(\.structure), host: loaded.baseSchema).contains(#"@@schema("app")"#))

            for bad in [#"{"packageSchema": ""}"#, #"{"packageSchema": "a\nb"}"#, #"{"packageSchema": 7}"#] {
                TestSupport.write(bad, to: "schema.config.json", in: root)
                #expect(WorkspaceLoader(root: root).load().diagnostics.contains { $0.code == .metadataInvalid && $0.message.contains("'packageSchema' must be") }, "\(bad)")
            }

            // A host of one schema lives in the URL's ?schema=: the setting would place nothing.
            TestSupport.write(#"{"packageSchema": "app"}"#, to: "schema.config.json", in: root)
            TestSupport.write("datasource db {\n  provider = \"postgresql\"\n}\n\nmodel User {\n  id String @id\n}\n", to: "prisma/schema.prisma", in: root)
            let single = WorkspaceLoader(root: root).load()
            #expect(single.diagnostics.contains { $0.code == .metadataInvalid && $0.message.contains("multi-schema") && $0.hint?.contains("?schema=") == true },
                    "\(single.diagnostics)")
        }
    }
}
