import Foundation
public import SchemaCore

/// The automatic rule for `schema complete --when-quiet WINDOW`: a rollout completes once no
/// session of another application version than the one whose start applied its expand has been
/// connected for WINDOW.
///
/// How the old version is known: the new version's start gives its application name
/// (`schema apply --application-name shop@2.4.0`, or `SCHEMA_APPLICATION_NAME`), recorded with each
/// rollout it expands, and the new version's Prisma client connects with the same
/// `application_name` (`?application_name=shop@2.4.0` in its `DATABASE_URL`). Every other client
/// session on the database, in PostgreSQL's `pg_stat_activity`, counts as the old version's: a
/// session without a name, or with another one, holds the contract back, so a version that names
/// nothing is never mistaken for the new one. This tool's own sessions (`schema <process>#<n>`)
/// are left out. Each run looks once: seeing another version's session forgets the quiet time seen so
/// far; seeing none records when the quiet began (in `_schema_meta`), and the rollout completes
/// on a run at least WINDOW later. A process of the old version that holds no connection for the
/// whole window (a job that runs hourly, say) is not seen: choose the window longer than its pause.
public struct QuietRule: Sendable {
    /// How long no session of another version must have been seen.
    public var window: Duration

    /// A rule with `window`.
    public init(window: Duration) {
        self.window = window
    }

    /// `90s`, `10m`, `2h`, or a number of seconds.
    public init(parsing text: String) throws {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600]
        let unit = text.last.flatMap { units[$0] }
        guard let count = Int64(unit == nil ? text : String(text.dropLast())), count >= 0, count <= 366 * 86_400 else {
            throw SchemaError(.usage, "--when-quiet takes a duration such as 90s, 10m or 2h, not '\(TerminalText.escape(text, limit: 40))'")
        }
        window = .seconds(count * (unit ?? 1))
    }
}

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
}

extension ApplyEngine {
    /// Which open rollouts of `entities` (every open one when empty) `rule` lets complete now, and
    /// why each other one waits. Records and forgets the quiet marks as it looks.
    func quietRollouts(_ entities: [String], rule: QuietRule, _ connection: any RegistryConnection) throws -> (ready: [String], waiting: [String]) {
        let open = try Registry.openRollouts(connection)
        let now = registry.clock()
        var ready: [String] = [], waiting: [String] = []
        for name in (entities.isEmpty ? open.keys.sorted() : entities) {
            guard let rollout = open[name] else { continue } // finishRollouts says which are not open
            let key = Registry.quietKeyPrefix + name
            guard let current = rollout.expandedBy else {
                waiting.append("\(name): the start that applied its expand gave no application name (`schema apply --application-name`), "
                               + "so the old version's sessions cannot be told from the new one's; complete it by name once the old version is gone")
                continue
            }
            let others = try Registry.otherVersionSessions(than: current, connection)
            if !others.isEmpty {
                try connection.execute(#"DELETE FROM \#(connection.names.meta) WHERE "key" = ?"#, [.text(key)])
                let sessions = others.map { "\(TerminalText.escape($0.name, limit: 64)) ×\($0.count)" }.joined(separator: ", ")
                waiting.append("\(name): sessions of another version than \(TerminalText.escape(current, limit: 64)) are connected (application_name \(sessions))")
                continue
            }
            let stored = try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = ?"#, [.text(key)]).first?["value"]?.text
            let since = stored.flatMap(Double.init).map(Date.init(timeIntervalSince1970:)) ?? now
            if stored == nil {
                try connection.execute(#"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES (?, ?)"#, [.text(key), .text(String(now.timeIntervalSince1970))])
            }
            let quiet = now.timeIntervalSince(since)
            let window = Double(rule.window.components.seconds)
            if quiet >= window {
                ready.append(name)
            } else {
                waiting.append("\(name): no session of another version than \(TerminalText.escape(current, limit: 64)) for \(Int(quiet)) s; completes on a run after \(Int(window)) s")
            }
        }
        return (ready, waiting)
    }
}
