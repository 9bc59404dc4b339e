import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// The databases registry tests run against: a fresh SQLite file, and a fresh PostgreSQL database
/// when `SCHEMA_TEST_POSTGRES_URL` names a server (scripts/test.sh starts one).
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    var description: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["SCHEMA_TEST_POSTGRES_URL"]

    static let available: [Backend] = {
        if postgresURL == nil {
            print("PostgreSQL registry tests skipped: SCHEMA_TEST_POSTGRES_URL is not set (run scripts/test.sh, which starts a server)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()

    /// A new, empty database with the host's core tables (User, Tenant) that package entities reference.
    ///
    /// On PostgreSQL the database belongs to a role of its own that is not a superuser, and the
    /// returned connection uses that role: privileges apply to it, as they do to a production
    /// migration role. Like docker/initdb.sql's `schema_migrator` it has BYPASSRLS: it owns tables
    /// whose policies are forced, and its data checks and backfills must see every row.
    func makeDatabase() throws -> (database: any RegistryDatabase, location: DatabaseLocation) {
        let location: DatabaseLocation
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).sqlite").path
            location = .sqlite(path: path)
        case .postgres:
            let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let name = "t_\(suffix)"
            let owner = "m_\(suffix)"
            try Self.asSuperuser(database: nil) { superuser in
                try superuser.executeOutsideTransaction("CREATE ROLE \(owner) LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB BYPASSRLS")
                try superuser.executeOutsideTransaction("CREATE DATABASE \(name) OWNER \(owner)")
            }
            location = .postgres(try Self.superuserLocation(database: name).as(user: owner))
        }
        let database = try location.open()
        try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "Tenant" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL)"#)
            try connection.execute(#"CREATE TABLE "User" ("id" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL)"#)
        }
        return (database, location)
    }

    /// The test server's superuser, on `database` (the server's default database when nil).
    static func superuserLocation(database: String?) throws -> PostgresLocation {
        guard let url = postgresURL else { throw SchemaError(.usage, "no PostgreSQL server") }
        var location = try PostgresLocation(url: url)
        if let database { location.database = database }
        return location
    }

    /// Runs `body` connected as the server's superuser: creating roles and databases, which the
    /// roles the tests run as may not do.
    static func asSuperuser<T>(database: String?, _ body: (PostgresRegistryDatabase) throws -> T) throws -> T {
        let connection = try PostgresRegistryDatabase(location: try superuserLocation(database: database))
        defer { connection.close() }
        return try body(connection)
    }
}

/// Builds desired entities from YAML without disk, as `scan` does from package files.
enum Desired {
    /// The host's schema: the core tables every test database has.
    static let hostText = """
        model Tenant {
          id   String @id
          name String
        }
        model User {
          id    String @id
          email String
        }
        """
    static let host = PrismaSchemaParser.parse(hostText, file: "prisma/schema.prisma").schema

    /// What approvals derive with in suites whose changes apply whole at the start (`deploys: recreate`).
    static let recreating = RenderContext(host: host, deploys: .recreate)

    /// The codes of the errors validation finds in `yaml` as one package, beside the host.
    static func errorCodes(_ yaml: String) -> [String] {
        DesiredState.resolve(Workspace.inMemory(["fixture": yaml], baseSchema: host)).errors.map(\.code.rawValue)
    }

    /// `import-prisma` of the Prisma `schema` as package `package`, resolved as a workspace that
    /// deploys by recreating (nothing rolls out): the YAML and the desired state, which must be
    /// valid, with nothing import-prisma could not carry.
    static func imported(_ schema: String, as package: String) throws -> (yaml: String, desired: DesiredState) {
        let parsed = PrismaSchemaParser.parse(schema, file: "prisma/schema.prisma")
        try #require(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let imported = PrismaImport.package(from: parsed.schema)
        #expect(imported.limits.isEmpty, "import-prisma could not carry: \(imported.limits)")
        var workspace = Workspace.inMemory([package: imported.yaml])
        workspace.configuration.deploys = .recreate
        let desired = DesiredState.resolve(workspace)
        try #require(desired.isValid, "\(desired.errors.map(\.message))\n\(imported.yaml)")
        return (imported.yaml, desired)
    }

    static func from(_ packages: [String: String], deploys: Rollout.DeployStrategy = .rolling) throws -> DesiredState {
        var workspace = Workspace.inMemory(packages, baseSchema: host)
        workspace.configuration.deploys = deploys
        let desired = DesiredState.resolve(workspace)
        try #require(desired.isValid, "fixture invalid: \(desired.errors)")
        return desired
    }
}

/// The code of the ``SchemaError`` `body` throws; nil when it throws nothing or another error.
func errorCode<T>(_ body: () throws -> T) -> SchemaError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as SchemaError {
        return error.code
    } catch {
        return nil
    }
}

extension Registry {
    /// A registry on a new database of `backend` with the admin `alice`, where `desired` was
    /// scanned, approved and applied.
    /// A fresh database on `backend` whose registry has `desired` scanned and approved by the admin
    /// `alice`, nothing applied yet; and how many items the approval accepted.
    static func approved(_ desired: DesiredState, on backend: Backend) throws -> (database: any RegistryDatabase, registry: Registry, accepted: Int) {
        let (database, _) = try backend.makeDatabase()
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        return (database, registry, try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count)
    }

    static func applied(_ desired: DesiredState, on backend: Backend) throws -> (database: any RegistryDatabase, registry: Registry, outcome: ApplyOutcome) {
        let (database, _) = try backend.makeDatabase()
        do {
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            _ = try registry.scan(desired, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
            return (database, registry, try registry.applyApproved(desired))
        } catch {
            // PostgresNIO traps on a connection released open: the test fails, not the whole run.
            database.close()
            throw error
        }
    }

    /// The container-start path (``ApplyEngine``) with `desired` as what the package files want.
    func applyApproved(_ desired: DesiredState, principal: String = "ci", trustedKeys: [TrustedKey]? = nil,
                       lockPolicy: LockPolicy = .standard) throws -> ApplyOutcome {
        try ApplyEngine(registry: self, desiredState: { desired }).run(ApplyRequest(principal: principal, trustedKeys: trustedKeys, lockPolicy: lockPolicy))
    }

    /// `schema complete --all` as `alice` when a rollout is open (PostgreSQL), so that the tables
    /// are what `desired` wants; nothing on SQLite, where changes apply whole.
    @discardableResult
    func completeRollouts(_ desired: DesiredState, as principal: String = "alice") throws -> RolloutOutcome {
        guard try !openRollouts().isEmpty else { return RolloutOutcome() }
        return try ApplyEngine(registry: self, desiredState: { desired }).finishRollouts(.complete, entities: [], ApplyRequest(principal: principal))
    }
}

/// A database's schema as comparable text, read back from the catalog (the registry's `_schema_`
/// tables and Prisma's `_prisma_migrations` left out; join tables such as `_PostToTag` kept).
extension Registry {
    /// Expects each of `expected` among the lines of the Prisma fragment of the applied entities
    /// (spaces collapsed, so `prisma format`'s alignment does not count).
    func expectFragmentLines(_ expected: [String], host: PrismaSchema?, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let fragment = PrismaArtifacts.fragment(try appliedEntities().map(\.structure), host: host)
        let lines = Set(fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") })
        for line in expected {
            #expect(lines.contains(line), "\(line) not in\n\(fragment)", sourceLocation: sourceLocation)
        }
    }
}

enum Introspection {
    /// The catalog of `database` and that of a fresh PostgreSQL database given `prismaSQL` (what
    /// Prisma Migrate writes for the schema, by hand), each as ``describe(_:)`` lines.
    static func againstPrisma(_ database: any RegistryDatabase, _ prismaSQL: [String]) throws -> (ours: [String], prisma: [String]) {
        let (oracle, _) = try Backend.postgres.makeDatabase()
        defer { oracle.close() }
        try oracle.withLockedTransaction { connection in
            for statement in prismaSQL { try connection.execute(statement) }
        }
        return (try describe(database), try describe(oracle))
    }

    static func describe(_ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { connection in
            switch connection.dialect {
            case .sqlite: try sqlite(connection)
            case .postgresql: try postgres(connection)
            }
        }
    }

    /// The catalog a fresh database of `backend` has after `statements` (hand-written SQL of what
    /// Prisma Migrate creates, for the dialect) ran in one transaction: the oracle a test compares with.
    static func oracle(_ backend: Backend, _ statements: (SQLDialect) -> [String]) throws -> [String] {
        let (oracle, _) = try backend.makeDatabase()
        defer { oracle.close() }
        try oracle.withLockedTransaction { connection in
            for statement in statements(connection.dialect) { try connection.execute(statement) }
        }
        return try describe(oracle)
    }

    /// `script` cut into its statements (each ends with `;` at the end of a line).
    static func statements(_ script: String) -> [String] {
        script.components(separatedBy: ";\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    static func sqlite(_ connection: any RegistryConnection) throws -> [String] {
        var lines: [String] = []
        let tables = try connection.query(#"SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE '\_schema\_%' ESCAPE '\' AND "name" NOT LIKE '\_prisma\_%' ESCAPE '\' AND "name" NOT LIKE 'sqlite_%' AND "name" NOT IN ('User', 'Tenant') ORDER BY "name""#, [])
        for table in tables.compactMap({ $0["name"]?.text }) {
            let quoted = connection.dialect.quote(table)
            for column in try connection.query("SELECT * FROM pragma_table_info(\(connection.dialect.literal(table)))", []) {
                lines.append("\(table).\(column["name"]?.text ?? "") \(column["type"]?.text ?? "") notnull=\(column["notnull"]?.integer ?? -1) default=\(column["dflt_value"]?.text ?? "-") pk=\(column["pk"]?.integer ?? 0)")
            }
            for index in try connection.query("SELECT * FROM pragma_index_list(\(connection.dialect.literal(table)))", []) {
                guard let name = index["name"]?.text, !name.hasPrefix("sqlite_autoindex") else { continue }
                let columns = try connection.query("SELECT \"name\" FROM pragma_index_info(\(connection.dialect.literal(name))) ORDER BY \"seqno\"", []).compactMap { $0["name"]?.text }
                lines.append("\(table) index \(name) unique=\(index["unique"]?.integer ?? 0) (\(columns.joined(separator: ",")))")
            }
            for key in try connection.query("SELECT * FROM pragma_foreign_key_list(\(connection.dialect.literal(table)))", []) {
                lines.append("\(table) fk \(key["from"]?.text ?? "") -> \(key["table"]?.text ?? "").\(key["to"]?.text ?? "") delete=\(key["on_delete"]?.text ?? "") update=\(key["on_update"]?.text ?? "")")
            }
            let sql = try connection.query(#"SELECT "sql" FROM "sqlite_master" WHERE "name" = ?"#, [.text(table)]).first?["sql"]?.text ?? ""
            let checks = sql.components(separatedBy: "CONSTRAINT ").dropFirst().filter { $0.contains("CHECK") }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",\n )")) }
            lines += checks.map { "\(table) check \($0)" }
            _ = quoted
        }
        return lines.sorted()
    }

    static func postgres(_ connection: any RegistryConnection) throws -> [String] {
        var lines: [String] = []
        let columns = try connection.query("""
            SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length,
                   numeric_precision::text || ',' || numeric_scale::text AS numeric_size
            FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '\\_schema\\_%' AND table_name NOT LIKE '\\_prisma\\_%' AND table_name NOT IN ('User', 'Tenant')
            """, [])
        for column in columns {
            lines.append("\(column["table_name"]?.text ?? "").\(column["column_name"]?.text ?? "") \(column["data_type"]?.text ?? "")/\(column["udt_name"]?.text ?? "") nullable=\(column["is_nullable"]?.text ?? "") default=\(column["column_default"]?.text ?? "-") length=\(column["character_maximum_length"]?.integer.map(String.init) ?? "-") numeric=\(column["numeric_size"]?.text ?? "-")")
        }
        // Enum types with their values in order.
        for type in try connection.query("""
            SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'public' GROUP BY t.typname
            """, []) {
            lines.append("type \(type["name"]?.text ?? "") enum (\(type["labels"]?.text ?? ""))")
        }
        // An index left INVALID by an interrupted concurrent build shows as such.
        for index in try connection.query("""
            SELECT t.relname AS tablename, pg_get_indexdef(i.indexrelid) AS indexdef, i.indisvalid AS valid
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND t.relname NOT LIKE '\\_schema\\_%' AND t.relname NOT LIKE '\\_prisma\\_%' AND t.relname NOT IN ('User', 'Tenant')
            """, []) {
            lines.append("\(index["tablename"]?.text ?? "") index \(index["indexdef"]?.text ?? "")\(index["valid"]?.integer == 1 ? "" : " INVALID")")
        }
        let constraints = try connection.query("""
            SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS definition
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname = 'public' AND c.conrelid::regclass::text NOT LIKE '"\\_schema\\_%' AND c.conrelid::regclass::text NOT LIKE '\\_schema\\_%'
              AND c.conrelid::regclass::text NOT LIKE '\\_prisma\\_%'
              AND c.conrelid::regclass::text NOT IN ('"User"', '"Tenant"')
            """, [])
        for constraint in constraints {
            lines.append("\(constraint["table_name"]?.text ?? "") constraint \(constraint["conname"]?.text ?? "") \(constraint["definition"]?.text ?? "")")
        }
        return lines.sorted()
    }
}

extension DatabaseLocation {
    /// The PostgreSQL location, when this is one.
    var postgres: PostgresLocation? {
        if case .postgres(let location) = self { return location }
        return nil
    }

    /// The same PostgreSQL database reached as `user` (tests connect as non-superuser roles, which
    /// row-level security and privileges apply to); SQLite locations are returned unchanged.
    func `as`(user: String, password: String? = nil) -> DatabaseLocation {
        guard case .postgres(let location) = self else { return self }
        return .postgres(location.as(user: user, password: password))
    }
}

extension DatabaseLocation {
    /// A connection as the application's role `user`, whose statements row-level security filters
    /// as it filters an application's. (schema's own connections set `row_security = off`, which
    /// makes PostgreSQL refuse a filtered statement instead: right for the tool, not for the
    /// application these tests play.)
    func application(_ user: String) throws -> any RegistryDatabase {
        let database = try self.as(user: user).open()
        try (database as? PostgresRegistryDatabase)?.executeOutsideTransaction("SET row_security = on")
        return database
    }
}

/// Roles for PostgreSQL tests, created by the server's superuser.
enum PostgresRoles {
    /// Creates a login role with no special privileges: not a superuser, no BYPASSRLS, so
    /// row-level security and privileges apply to it.
    static func create(_ name: String, login: Bool = true) throws {
        try Backend.asSuperuser(database: nil) { superuser in
            try superuser.executeOutsideTransaction("CREATE ROLE \(name) \(login ? "LOGIN" : "NOLOGIN") NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
        }
    }

    /// A role name no other test uses.
    static func unique(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased())"
    }
}
