import Foundation
import SchemaCore
import Testing

/// The PostgreSQL SQL of every change class, linted with squawk (`squawk-cli` from PyPI, installed
/// by `scripts/tools-venv.sh` into `.venv-tools`), as `apply` runs it: the first transaction under
/// `SET LOCAL lock_timeout`, each online step on its own after `SET lock_timeout`, the last
/// transaction again under a lock timeout. Every warning must be one of the documented exceptions
/// (README, "Online changes on PostgreSQL"), and only for the statements they are documented for.
@Suite struct SquawkLintTests {
    static let squawk: URL? = {
        let local = TestSupport.packageRoot.appendingPathComponent(".venv-tools/bin/squawk")
        return FileManager.default.isExecutableFile(atPath: local.path) ? local : nil
    }()

    static let before = """
        enums:
          Tone: [LOW, HIGH]
        entities:
          - name: Owner
            fields:
              id: { type: string, primary: true }
          - name: Entry
            fields:
              id: { type: string, primary: true }
              ownerId: { type: string, nullable: true }
              weights: { type: "float[]" }
              stops: { type: "string[]" }
              tone: { type: Tone, nullable: true }
              title: { type: string, nullable: true }
              rank: { type: int, nullable: true }
              legacy: { type: string, nullable: true }
            indexes:
              - fields: [legacy]
          - name: Counter
            fields:
              id: { type: int, primary: true, generated: true }
          - name: CounterHit
            fields:
              id: { type: string, primary: true }
              counterId: { type: int }
            relations:
              - { name: counter, type: belongsTo, entity: Counter, field: counterId }
          - name: Token
            fields:
              value: { type: string, unique: true }
              note: { type: string, nullable: true }
          - name: Shelf
            fields:
              id: { type: string, primary: true }
            relations:
              - { name: books, type: manyToMany, entity: Book }
          - name: Book
            fields:
              id: { type: int, primary: true, generated: true }
          - name: Membership
            primaryKey: [tenantId, userId]
            fields:
              tenantId: { type: string }
              userId: { type: string }
          - name: Grant
            fields:
              id: { type: string, primary: true }
              tenantId: { type: string, nullable: true }
              userId: { type: string, nullable: true }
        """

    /// A change class and the edit of ``before`` that makes it.
    struct ChangeClass: Sendable, CustomStringConvertible {
        var description: String
        var edits: [(String, String)]
    }

    static let rankLine = "      rank: { type: int, nullable: true }"
    static let classes: [ChangeClass] = [
        ChangeClass(description: "new table", edits: [("  - name: Entry", "  - name: Tag\n    fields:\n      id: { type: string, primary: true }\n      label: { type: string, maxLength: 40 }\n    indexes:\n      - fields: [label]\n        unique: true\n  - name: Entry")]),
        ChangeClass(description: "add nullable column", edits: [(rankLine, rankLine + "\n      memo: { type: string, nullable: true }")]),
        ChangeClass(description: "add NOT NULL column with default", edits: [(rankLine, rankLine + "\n      level: { type: int, default: 1 }")]),
        ChangeClass(description: "add column with a check", edits: [(rankLine, rankLine + "\n      level: { type: int, default: 1, min: 0, max: 9 }")]),
        ChangeClass(description: "add index", edits: [("      - fields: [legacy]", "      - fields: [legacy]\n      - fields: [title]")]),
        ChangeClass(description: "add unique index", edits: [("      - fields: [legacy]", "      - fields: [legacy]\n      - fields: [title, rank]\n        unique: true")]),
        ChangeClass(description: "add foreign key", edits: [("      - fields: [legacy]", "      - fields: [legacy]\n    relations:\n      - { name: owner, type: belongsTo, entity: Owner, field: ownerId }")]),
        ChangeClass(description: "int to bigint", edits: [(rankLine, "      rank: { type: bigint, nullable: true }")]),
        ChangeClass(description: "int key to bigint, with the foreign key to it", edits: [
            ("      id: { type: int, primary: true, generated: true }", "      id: { type: bigint, primary: true, generated: true }"),
            ("      counterId: { type: int }", "      counterId: { type: bigint }"),
        ]),
        ChangeClass(description: "tighten maxLength", edits: [("      title: { type: string, nullable: true }", "      title: { type: string, nullable: true, maxLength: 100 }")]),
        ChangeClass(description: "text to datetime", edits: [("      title: { type: string, nullable: true }", "      title: { type: datetime, nullable: true }")]),
        ChangeClass(description: "rename column", edits: [("      title: { type: string, nullable: true }", "      heading: { type: string, nullable: true, renamedFrom: title }")]),
        ChangeClass(description: "nullable to required with default", edits: [(rankLine, "      rank: { type: int, default: 0 }")]),
        ChangeClass(description: "nullable to required without default", edits: [(rankLine, "      rank: { type: int }")]),
        ChangeClass(description: "new enum constraint", edits: [("      title: { type: string, nullable: true }", "      title: { type: string, nullable: true, enum: [a, b] }")]),
        ChangeClass(description: "enum type column", edits: [(rankLine, rankLine + "\n      pitch: { type: Tone, default: HIGH }")]),
        ChangeClass(description: "enum values added", edits: [("Tone: [LOW, HIGH]", "Tone: [LOW, MID, HIGH, MAX]")]),
        ChangeClass(description: "enum value removed", edits: [("Tone: [LOW, HIGH]", "Tone: [HIGH]")]),
        ChangeClass(description: "string to enum type", edits: [("      title: { type: string, nullable: true }", "      title: { type: Tone, nullable: true }")]),
        ChangeClass(description: "enum type no longer used", edits: [("\n      tone: { type: Tone, nullable: true }", "")]),
        ChangeClass(description: "drop index", edits: [("\n    indexes:\n      - fields: [legacy]", "")]),
        ChangeClass(description: "drop column", edits: [("\n      legacy: { type: string, nullable: true }\n    indexes:\n      - fields: [legacy]", "")]),
        ChangeClass(description: "new mapped table", edits: [("  - name: Entry", "  - name: Tag\n    map: tags\n    fields:\n      id: { type: string, primary: true }\n      createdAt: { type: datetime, default: now, map: created_at }\n    indexes:\n      - fields: [createdAt]\n  - name: Entry")]),
        ChangeClass(description: "column map changed", edits: [("      title: { type: string, nullable: true }", "      title: { type: string, nullable: true, map: heading }")]),
        ChangeClass(description: "new join table with a compound key", edits: [("  - name: Entry", "  - name: EntryOwner\n    primaryKey: [entryId, ownerId]\n    fields:\n      entryId: { type: string }\n      ownerId: { type: string }\n    relations:\n      - { name: owner, type: belongsTo, entity: Owner, field: ownerId, onDelete: Cascade }\n  - name: Entry")]),
        ChangeClass(description: "add foreign key of several columns", edits: [("      userId: { type: string, nullable: true }",
                                                                                 "      userId: { type: string, nullable: true }\n    relations:\n      - { name: membership, type: belongsTo, entity: Membership, fields: [tenantId, userId] }")]),
        ChangeClass(description: "list of text to list of dates", edits: [(#"      stops: { type: "string[]" }"#, #"      stops: { type: "datetime[]" }"#)]),
        ChangeClass(description: "list elements narrowed", edits: [(#"      weights: { type: "float[]" }"#, #"      weights: { type: "int[]" }"#)]),
        ChangeClass(description: "add list column", edits: [(rankLine, rankLine + "\n      tags: { type: \"string[]\", default: [] }\n      tones: { type: \"Tone[]\" }")]),
        ChangeClass(description: "join table moved with a renamed side", edits: [("  - name: Shelf\n", "  - name: Aisle\n    renamedFrom: Shelf\n")]),
        ChangeClass(description: "relation renamed (its join table moved, with a way back)",
                    edits: [("{ name: books, type: manyToMany, entity: Book }", "{ name: books, type: manyToMany, entity: Book, relationName: Shelving, renamedFrom: BookToShelf }")]),
        ChangeClass(description: "entity renamed", edits: [("  - name: Entry\n", "  - name: Journal\n    renamedFrom: Entry\n")]),
        ChangeClass(description: "table map changed", edits: [("  - name: Entry\n", "  - name: Entry\n    map: entries\n")]),
        ChangeClass(description: "add column with a computed default", edits: [(rankLine, rankLine + "\n      uid: { type: string, default: { dbgenerated: \"gen_random_uuid()\" } }\n      seen: { type: datetime, default: { dbgenerated: \"now()\" } }")]),
        ChangeClass(description: "table without a key: nullable to required with default", edits: [("      note: { type: string, nullable: true }", "      note: { type: string, default: \"-\" }")]),
        ChangeClass(description: "drop table", edits: [("  - name: Owner\n    fields:\n      id: { type: string, primary: true }\n", "")]),
    ]

    /// Why each rule squawk may report is acceptable, and for which statements. A rule not listed,
    /// or reported on another statement, fails the test.
    /// A statement of a widening's contract or rollback that drops the int column or its shadow.
    static func widenedDrop(_ statement: SQLStatement, _ change: PlannedChange) -> Bool {
        guard let structure = change.structure else { return false }
        return structure.fields.contains { field in
            field.type == .bigint && (statement.sql.hasSuffix("DROP COLUMN \"\(field.name)\"") || statement.sql.hasSuffix("DROP COLUMN \"\(Rollout.shadowName(field.name))\""))
        }
    }

    static func isDocumentedException(_ rule: String, statement: SQLStatement, change: PlannedChange) -> Bool {
        switch rule {
        case "require-statement-timeout":
            // apply bounds lock waits, not run time: see the README.
            true
        case "prefer-robust-stmts":
            // Online steps run outside a transaction by design; each is idempotent and recorded.
            statement.stage == .online
        case "changing-column-type", "constraint-missing-not-valid":
            // Only in table rewrites, which need `--allow-rewrite` (RW101) and hold ACCESS EXCLUSIVE anyway.
            change.rewritesTable && statement.lock?.work != .catalog || statement.sql.contains(ConstraintName.conversionGuard(change.entity, "", in: .postgresql))
        case "ban-drop-constraint":
            // The tool's own temporary checks, and constraints the approved change replaces or removes.
            statement.sql.contains("DROP CONSTRAINT")
        case "prefer-text-field", "prefer-bigint-over-int", "prefer-timestamp-tz":
            // The package's declared types (`maxLength` → VARCHAR(n), `int` → INTEGER, `datetime`
            // → TIMESTAMP(3)), mapped as Prisma maps them: another type would drift from the Prisma schema.
            statement.sql.contains("VARCHAR(") || statement.sql.contains("INTEGER") || statement.sql.contains("TIMESTAMP(3)")
        case "renaming-column":
            // Approved renames (BC102), and the shadow of a widened column taking the column's name in the contract.
            change.risks.contains { $0.code == "BC102" } || statement.part == .contract && statement.sql.contains(Rollout.shadowName(""))
        case "renaming-table", "renaming-object", "ban-drop-view":
            // An approved rename of the table (BC103) with the names that follow it (its key,
            // indexes, constraints), and the view of the old name a rolled-out rename keeps for the
            // running version until its contract or rollback drops it.
            // (A join table moved with a renamed side keeps its old name as a view the same way.)
            change.operations.contains { switch $0 { case .renameTable, .moveJoinTable: true; default: false } }
                && (rule != "ban-drop-view" || statement.phase == .dropViews)
        case "ban-drop-column", "ban-drop-table":
            // A rolled-out rename drops one of its two columns when it ends; the other holds every value.
            // A widening's contract drops the int column its filled shadow replaces; its rollback drops the shadow.
            // (A changed `map:` renames the column as a hint does: its operations say which.)
            change.isDestructive || statement.part != .expand && change.operations.contains { operation in
                guard case .renameColumn(_, let from, let to) = operation else { return false }
                return statement.sql.hasSuffix("DROP COLUMN \"\(from)\"") || statement.sql.hasSuffix("DROP COLUMN \"\(to)\"")
            }
                || statement.part != .expand && widenedDrop(statement, change)
                // A join table moved under its sides' new names drops the old table once every pair is copied.
                || change.structure?.isJoinTable == true && change.renamedFrom.map { statement.sql == #"DROP TABLE "\#($0)""# } == true
                // Its way back (a renamed relation's) drops the new table once every pair is copied back.
                || change.structure?.isJoinTable == true && statement.part == .rollback && statement.sql == #"DROP TABLE "\#(change.entity)""#
        case "ban-drop-function":
            // The trigger function a rolled-out rename installs, removed by its contract or rollback;
            // the one mirroring a moved join table's writes during its online copy, removed with the old table.
            statement.sql.contains(ConstraintName.columnSync(change.entity, in: .postgresql))
                || change.renamedFrom.map { statement.stage == .finish && statement.sql.contains(ConstraintName.joinMove($0, in: .postgresql)) } == true
        case "adding-field-with-default":
            // A column whose default is per row (`dbgenerated("gen_random_uuid()")`): the table
            // rewrite RW101 names, approved with `--allow-rewrite`.
            change.rewritesTable && statement.lock?.work == .rewrite
        case "ban-drop-default":
            // `schema rollback` restores the old version's table exactly, once the new version
            // that relied on the default is taken back.
            statement.part == .rollback
        default:
            false
        }
    }

    @Test(.enabled(if: Self.squawk != nil, ".venv-tools/bin/squawk is missing (run scripts/tools-venv.sh, which .ci/run does)"),
          arguments: Self.classes)
    func theSQLOfEveryChangeClassPassesSquawk(_ changeClass: ChangeClass) throws {
        let squawk = try #require(Self.squawk)
        let desiredBefore = TestSupport.desired(Self.before)
        let after = changeClass.edits.reduce(Self.before) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        try #require(after != Self.before, "the edit of \(changeClass) matched nothing")
        let desiredAfter = TestSupport.desired(after)
        try #require(desiredAfter.isValid, "\(desiredAfter.errors)")
        let applied = desiredBefore.entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        let changes = MigrationPlanner.plan(desired: desiredAfter.entities, applied: applied, dialect: .postgresql, host: desiredAfter.host)
        try #require(!changes.isEmpty)
        var lines: [String] = []
        var owners: [(statement: SQLStatement, change: PlannedChange)] = [] // by line
        func append(_ text: String, _ owner: (SQLStatement, PlannedChange)?) {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append(String(line))
                owners.append(owner.map { (statement: $0.0, change: $0.1) } ?? (SQLStatement(.tables, text), changes[0]))
            }
        }
        let tagged = changes.flatMap { change in change.statements.map { (statement: $0, change: change) } }
        for stage in SQLStatement.Stage.allCases {
            let inStage = tagged.enumerated().sorted { ($0.element.statement.stage, $0.element.statement.phase, $0.offset) < ($1.element.statement.stage, $1.element.statement.phase, $1.offset) }
                .map(\.element).filter { $0.statement.stage == stage }
            guard !inStage.isEmpty else { continue }
            if stage == .online {
                for (statement, change) in inStage {
                    append("SET lock_timeout = '300000ms';", nil)
                    append(statement.sql + ";", (statement, change))
                }
            } else {
                append("BEGIN;", nil)
                append("SET LOCAL lock_timeout = '1000ms';", nil)
                for (statement, change) in inStage { append(statement.sql + ";", (statement, change)) }
                append("COMMIT;", nil)
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("squawk-\(UUID().uuidString).sql")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = squawk
        process.arguments = ["--pg-version=15", "--reporter", "json", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let reports = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]], "squawk printed no JSON: \(String(decoding: data, as: UTF8.self))")
        for report in reports {
            let rule = report["rule_name"] as? String ?? "?"
            let line = report["line"] as? Int ?? -1
            guard owners.indices.contains(line) else {
                Issue.record("\(changeClass): \(rule) on line \(line), outside the script")
                continue
            }
            let (statement, change) = owners[line]
            #expect(Self.isDocumentedException(rule, statement: statement, change: change),
                    "\(changeClass): squawk \(rule) on `\(lines[line])`: \(report["message"] as? String ?? "")")
        }
    }
}
