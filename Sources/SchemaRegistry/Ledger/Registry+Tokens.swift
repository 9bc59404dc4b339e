import Crypto
public import Foundation
public import SchemaCore

/// Someone the review server has authenticated.
public struct AuthenticatedPrincipal: Hashable, Sendable {
    public var name: String
    public var isAdmin: Bool
    /// Authenticated with a token derived from the server's signing key (``ReviewToken``), not
    /// from a row in the registry: only such principals have approvals signed by the server.
    public var verifiedByKey: Bool

    /// Creates a principal.
    public init(name: String, isAdmin: Bool, verifiedByKey: Bool = false) {
        self.name = name
        self.isAdmin = isAdmin
        self.verifiedByKey = verifiedByKey
    }
}

extension Registry {
    /// How long an API token is valid unless said otherwise: 30 days.
    public static let defaultTokenLifetime: TimeInterval = 30 * 24 * 3600

    /// Issues an API token for `name`, valid for `lifetime` seconds. Only hashes are stored; the
    /// token is shown once. Removing an admin, or ``revokeTokens(of:by:)``, ends its tokens.
    ///
    /// Without `by`, `name` must be an admin (an operator issuing their own token); with `by`, that
    /// principal must be an admin (tokens for readers, or for other admins).
    public func issueToken(for name: String, by principal: String?, lifetime: TimeInterval = defaultTokenLifetime) throws -> String {
        try issue(kind: "token", issued: .tokenIssued, denied: .tokenDenied, for: name, by: principal, lifetime: lifetime)
    }

    /// Revokes every token and login code of `name` (an admin's decision, audited).
    ///
    /// - Returns: how many were revoked.
    @discardableResult
    public func revokeTokens(of name: String, by principal: String) throws -> Int {
        let outcome: Result<Int, SchemaError> = try transaction { connection in
            guard try Self.isAdmin(principal, connection) else {
                try insertAudit(connection, principal: principal, action: .tokenRevokeDenied, detail: name)
                return .failure(SchemaError(.notAdmin, "'\(principal)' is not an admin"))
            }
            let count = try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.tokens) WHERE "principal" = ?"#, [.text(name)]).first?["count"]?.integer ?? 0
            try connection.execute(#"DELETE FROM \#(connection.names.tokens) WHERE "principal" = ?"#, [.text(name)])
            try insertAudit(connection, principal: principal, action: .tokenRevoke, detail: "\(name): \(count)")
            return .success(Int(count))
        }
        return try outcome.get()
    }

    /// Issues a single-use login code, valid for `lifetime` seconds, for `/login?code=...`.
    public func issueLoginCode(for name: String, by principal: String?, lifetime: TimeInterval = 300) throws -> String {
        try issue(kind: "login-code", issued: .loginCodeIssued, denied: .loginCodeDenied, for: name, by: principal, lifetime: lifetime)
    }

    func issue(kind: String, issued: AuditAction, denied deniedAction: AuditAction, for name: String, by principal: String?, lifetime: TimeInterval?) throws -> String {
        guard Self.validPrincipal(name) else { throw SchemaError(.invalidName, "principal names are 1 to 64 visible characters without spaces") }
        let secret = Self.randomSecret()
        let denied: SchemaError? = try transaction { connection in
            let issuer = principal ?? name
            guard try Self.isAdmin(issuer, connection) else {
                try insertAudit(connection, principal: issuer, action: deniedAction, detail: name)
                return SchemaError(.notAdmin, principal == nil
                    ? "'\(name)' is not an admin; an admin issues tokens for other principals with --as"
                    : "'\(issuer)' is not an admin")
            }
            let expiry = lifetime.map { Self.timestamp(clock().addingTimeInterval(max(60, $0))) }
            try connection.execute(
                #"INSERT INTO \#(connection.names.tokens) ("hash", "principal", "kind", "created_at", "created_by", "expires_at", "used") VALUES (?, ?, ?, ?, ?, ?, 0)"#,
                [.text(Checksum.sha256Hex(secret)), .text(name), .text(kind), .text(now), .text(issuer), QueueItem.optional(expiry)])
            try insertAudit(connection, principal: issuer, action: issued, detail: name)
            return nil
        }
        if let denied { throw denied }
        return secret
    }

    /// The principal an API token belongs to, or nil when it is unknown, revoked or expired
    /// (tokens issued before expiry was recorded expire 30 days after they were issued).
    public func principal(forToken token: String) throws -> AuthenticatedPrincipal? {
        try transaction { connection in
            let rows = try connection.query(#"SELECT "principal", "created_at", "expires_at" FROM \#(connection.names.tokens) WHERE "hash" = ? AND "kind" = 'token'"#,
                                            [.text(Checksum.sha256Hex(token))])
            guard let row = rows.first, let name = row["principal"]?.text else { return nil }
            let expiry = row["expires_at"]?.text
                ?? row["created_at"]?.text.flatMap(Self.date(fromTimestamp:)).map { Self.timestamp($0.addingTimeInterval(Self.defaultTokenLifetime)) }
            guard let expiry, expiry > now else { return nil }
            return AuthenticatedPrincipal(name: name, isAdmin: try Self.isAdmin(name, connection))
        }
    }

    /// Redeems a login code once; nil when unknown, used or expired.
    public func redeemLoginCode(_ code: String) throws -> AuthenticatedPrincipal? {
        try transaction { connection in
            let hash = Checksum.sha256Hex(code)
            let rows = try connection.query(#"SELECT "principal", "expires_at", "used" FROM \#(connection.names.tokens) WHERE "hash" = ? AND "kind" = 'login-code'"#, [.text(hash)])
            guard let row = rows.first, let name = row["principal"]?.text, row["used"]?.integer == 0,
                  let expiry = row["expires_at"]?.text, expiry > now
            else { return nil }
            try connection.execute(#"UPDATE \#(connection.names.tokens) SET "used" = 1 WHERE "hash" = ?"#, [.text(hash)])
            try insertAudit(connection, principal: name, action: .login, detail: "login code")
            return AuthenticatedPrincipal(name: name, isAdmin: try Self.isAdmin(name, connection))
        }
    }

    /// The queue item with `id` and the applied structure it changes, for review.
    public func item(_ id: String) throws -> (item: QueueItem, applied: AppliedEntity?)? {
        try transaction { connection in
            guard let item = try Self.items(in: nil, connection).first(where: { $0.id == id }) else { return nil }
            let applied = try Self.appliedEntities(connection).first { $0.structure.name == item.appliedName }
            return (item, applied)
        }
    }

    /// The audit log's newest sequence number (0 when it is empty): a browser session records it
    /// when it begins, for ``wasRevoked(_:after:)``.
    public func auditPosition() throws -> Int64 {
        try transaction { connection in
            try connection.query(#"SELECT COALESCE(MAX("seq"), 0) AS "seq" FROM \#(connection.names.audit)"#, []).first?["seq"]?.integer ?? 0
        }
    }

    /// Whether `name`'s tokens were revoked (`admin revoke`) or `name` was removed as admin
    /// (`admin remove`) after the audit log's position `position`: what ends a browser session
    /// that began there, whichever process did it.
    public func wasRevoked(_ name: String, after position: Int64) throws -> Bool {
        try transaction { connection in
            let prefix = name + ": "
            let rows = try connection.query(#"""
                SELECT COUNT(*) AS "count" FROM \#(connection.names.audit) WHERE "seq" > ?
                AND (("action" = ? AND substr("detail", 1, ?) = ?) OR ("action" = ? AND "detail" = ?))
                """#, [.integer(position), .text(AuditAction.tokenRevoke.rawValue), .integer(Int64(prefix.count)), .text(prefix),
                       .text(AuditAction.adminRemove.rawValue), .text(name)])
            return (rows.first?["count"]?.integer ?? 0) > 0
        }
    }

    /// Records an action of the review server (logins, logouts) in the audit log.
    public func recordAudit(principal: String, action: AuditAction, detail: String?) throws {
        try transaction { connection in try insertAudit(connection, principal: principal, action: action, detail: detail) }
    }

    static func randomSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The date of a stored timestamp (``timestamp(_:)``), or nil.
    static func date(fromTimestamp text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Whether `name` is an admin, read in a transaction of its own.
    public func isAdmin(_ name: String) throws -> Bool {
        try transaction { try Self.isAdmin(name, $0) }
    }

    /// `date` as ISO 8601 in UTC with milliseconds (`2026-11-25T12:03:48.123Z`), so stored times
    /// sort as text. Formatted by hand: creating an ISO8601DateFormatter per row cost a sixth of
    /// applying 1,000 tables.
    package static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded())
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1_000 : (milliseconds - 999) / 1_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let fraction = Int32(((milliseconds % 1_000) + 1_000) % 1_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(fraction, 3))Z"
    }
}
