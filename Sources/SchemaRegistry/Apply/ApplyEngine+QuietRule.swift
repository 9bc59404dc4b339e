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

extension ApplyEngine {
    /// Which open rollouts of `entities` (every open one when empty) `rule` lets complete now, and
    /// why each other one waits. Records and forgets the quiet marks as it looks.
    func quietRollouts(_ entities: [String], rule: QuietRule, _ connection: any RegistryConnection) throws -> (ready: [String], waiting: [String]) {
        let open = try Registry.openRollouts(connection)
        let now = registry.clock()
        var ready: [String] = [], waiting: [String] = []
        for name in (entities.isEmpty ? open.keys.sorted() : entities) {
            guard let rollout = open[name] else { continue } // finishRollouts says which are not open
            guard let current = rollout.expandedBy else {
                waiting.append("\(name): the start that applied its expand gave no application name (`schema apply --application-name`), "
                               + "so the old version's sessions cannot be told from the new one's; complete it by name once the old version is gone")
                continue
            }
            let others = try Registry.otherVersionSessions(than: current, connection)
            if !others.isEmpty {
                try Registry.forgetQuiet(entity: name, connection)
                let sessions = others.map { "\(TerminalText.escape($0.name, limit: 64)) ×\($0.count)" }.joined(separator: ", ")
                waiting.append("\(name): sessions of another version than \(TerminalText.escape(current, limit: 64)) are connected (application_name \(sessions))")
                continue
            }
            let since = try Registry.quietSince(entity: name, now: now, connection)
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
