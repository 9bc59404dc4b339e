import Foundation
import SchemaRegistry

/// Browser sessions of the review page: cookie id → principal and CSRF token, in memory.
/// A restart logs everyone out, which is acceptable for an admin tool.
actor SessionStore {
    struct Session: Sendable {
        var principal: AuthenticatedPrincipal
        var csrfToken: String
        var expires: Date
        /// The audit log's position when the session began: a revocation of the principal's
        /// tokens, or their removal as admin, after it ends the session.
        var auditPosition: Int64
    }

    private var sessions: [String: Session] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 8 * 3600) {
        self.lifetime = lifetime
    }

    func create(for principal: AuthenticatedPrincipal, auditPosition: Int64) -> (id: String, session: Session) {
        let session = Session(principal: principal, csrfToken: Self.randomToken(), expires: Date().addingTimeInterval(lifetime), auditPosition: auditPosition)
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

/// Failed sign-ins per client: past ``limit`` in a minute, a client's further attempts are
/// refused before any token is checked, so tokens cannot be guessed at speed, and one client's
/// failures (or forged cross-site posts, which the Origin check refuses before they count) cannot
/// lock the others out. At most ``maximumClients`` clients are remembered; the one whose last
/// failure is oldest is forgotten first.
actor LoginThrottle {
    /// Failures allowed per client and minute.
    static var limit: Int { ReviewServer.failedSignInsPerMinute }
    static let maximumClients = 10_000
    private var failures: [String: [Date]] = [:]
    private let clock: @Sendable () -> Date

    /// A throttle that reads the time from `clock`.
    init(clock: @escaping @Sendable () -> Date) {
        self.clock = clock
    }

    /// Whether an attempt of `client` may be checked now.
    func allows(_ client: String) -> Bool {
        let now = clock()
        failures[client]?.removeAll { now.timeIntervalSince($0) > 60 }
        if failures[client]?.isEmpty == true { failures[client] = nil }
        return (failures[client]?.count ?? 0) < Self.limit
    }

    /// Counts a failed attempt of `client`.
    func recordFailure(_ client: String) {
        if failures[client] == nil, failures.count >= Self.maximumClients,
           let oldest = failures.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) })?.key {
            failures[oldest] = nil
        }
        failures[client, default: []].append(clock())
    }
}
