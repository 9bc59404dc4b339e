import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A refused change names example rows by their key, whatever the key is: a mapped table's mapped
/// key column, a key of several columns, a table with no key at all. (The examples used to be
/// asked by a column `id`, which these tables do not have: the query failed, the check read as
/// "not counted", and the start ran the change into the rows it was meant to refuse.)
@Suite struct DataCheckExampleTests {
    static func yaml(required: Bool) -> String {
        let optional = required ? "" : ", nullable: true"
        return """
            entities:
              - name: Country
                map: countries
                fields:
                  code: { type: string, primary: true, map: country_code }
                  motto: { type: string\(optional) }
              - name: Seat
                primaryKey: [row, number]
                fields:
                  row: { type: string }
                  number: { type: int }
                  holder: { type: string\(optional) }
            """
    }

    @Test(arguments: Backend.available)
    func refusedRowsAreNamedByTheirKey(_ backend: Backend) throws {
        let before = try Desired.from(["places": Self.yaml(required: false)], deploys: .recreate)
        let (database, registry, _) = try Registry.applied(before, on: backend)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "countries" ("country_code", "motto") VALUES ('fr', NULL), ('de', 'Einigkeit')"#)
            try connection.execute(#"INSERT INTO "Seat" ("row", "number", "holder") VALUES ('A', 1, NULL), ('A', 2, 'Ada')"#)
        }
        let after = try Desired.from(["places": Self.yaml(required: true)], deploys: .recreate)
        _ = try registry.scan(after, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: after.renderContext)
        let outcome = try registry.applyApproved(after)
        #expect(outcome.applied.isEmpty)
        let messages = Dictionary(outcome.refused.map { ($0.entity, $0.message) }, uniquingKeysWith: { first, _ in first })
        #expect(outcome.refused.map(\.code) == [.dataViolation, .dataViolation], "\(outcome.refused)")
        #expect(messages["Country"]?.contains("1 row of countries whose motto is NULL") == true && messages["Country"]?.contains("for example fr") == true, "\(messages)")
        #expect(messages["Seat"]?.contains("for example A, 1") == true, "\(messages)")
    }
}
