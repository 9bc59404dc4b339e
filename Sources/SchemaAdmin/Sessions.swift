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
