import Foundation
import SchemaCore

/// The sessions and quiet marks of ``QuietRule``.
extension Registry {
    static let quietKeyPrefix = "rollout-quiet:"

    /// The client sessions on this database of another application than `current` and this tool,
    /// by `application_name` (`(none)` for sessions without one) with their count. PostgreSQL only.
    /// PostgreSQL shows every role the `application_name` of other roles' sessions but their
    /// backend type only to members of `pg_read_all_stats`: without it, a session whose type is
    /// hidden counts (an autovacuum worker on the database then holds the rule back, never the
    /// other way round).
    static func otherVersionSessions(than current: String, _ connection: any RegistryConnection) throws -> [(name: String, count: Int)] {
        guard connection.dialect == .postgresql else { return [] }
        let rows = try connection.query("""
            SELECT COALESCE(NULLIF(application_name, ''), '(none)') AS "name", COUNT(*) AS "count" FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND (backend_type = 'client backend' OR backend_type IS NULL)
              AND application_name IS DISTINCT FROM ? AND application_name NOT LIKE 'schema %' GROUP BY 1 ORDER BY 1
            """, [.text(current)])
        return rows.map { (name: $0["name"]?.text ?? "?", count: Int($0["count"]?.integer ?? 0)) }
    }

    /// When `complete --when-quiet` first saw no session of another version for the rollout of
    /// `entity` since it last saw one; recorded as `now` when nothing is.
    static func quietSince(entity: String, now: Date, _ connection: any RegistryConnection) throws -> Date {
        let key = quietKeyPrefix + entity
        if let stored = try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = ?"#, [.text(key)]).first?["value"]?.text,
           let seconds = Double(stored) {
            return Date(timeIntervalSince1970: seconds)
        }
        try connection.execute(#"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
                               [.text(key), .text(String(now.timeIntervalSince1970))])
        return now
    }

    /// Forgets the quiet time seen for the rollout of `entity`: a session of another version is connected.
    static func forgetQuiet(entity: String, _ connection: any RegistryConnection) throws {
        try connection.execute(#"DELETE FROM \#(connection.names.meta) WHERE "key" = ?"#, [.text(quietKeyPrefix + entity)])
    }
}
