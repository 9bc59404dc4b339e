import Foundation
import SchemaRegistry

/// Browser sessions of the review page: cookie id → principal and CSRF token, in memory.
/// A restart logs everyone out, which is acceptable for an admin tool.
actor SessionStore {
    struct Session: Sendable {
        var principal: AuthenticatedPrincipal
        var csrfToken: String
        var expires: Date
    }

    private var sessions: [String: Session] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 8 * 3600) {
        self.lifetime = lifetime
    }

    func create(for principal: AuthenticatedPrincipal) -> (id: String, session: Session) {
        let session = Session(principal: principal, csrfToken: Self.randomToken(), expires: Date().addingTimeInterval(lifetime))
        let id = Self.randomToken()
        sessions[id] = session
        return (id, session)
    }

    func session(_ id: String) -> Session? {
        guard let session = sessions[id] else { return nil }
        if session.expires < Date() {
            sessions[id] = nil
            return nil
        }
        return session
    }

    func remove(_ id: String) {
        sessions[id] = nil
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }
}

/// Failed sign-ins across the server: past ``limit`` in a minute, further attempts are refused
/// before any token is checked, so tokens cannot be guessed at speed.
actor LoginThrottle {
    /// Failures allowed per minute.
    static var limit: Int { ReviewServer.failedSignInsPerMinute }
    private var failures: [Date] = []
    private let clock: @Sendable () -> Date

    /// A throttle that reads the time from `clock`.
    init(clock: @escaping @Sendable () -> Date) {
        self.clock = clock
    }

    /// Whether an attempt may be checked now.
    func allows() -> Bool {
        let now = clock()
        failures.removeAll { now.timeIntervalSince($0) > 60 }
        return failures.count < Self.limit
    }

    /// Counts a failed attempt.
    func recordFailure() {
        failures.append(clock())
    }
}
