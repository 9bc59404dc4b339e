import Crypto
public import Foundation
public import SchemaCore

/// Someone the review server has authenticated.
public struct AuthenticatedPrincipal: Hashable, Sendable {
    public var name: String
    public var isAdmin: Bool
}

extension Registry {
    /// Issues an API token for `name`. Only hashes are stored; the token is shown once.
    ///
    /// Without `by`, `name` must be an admin (an operator issuing their own token); with `by`, that
    /// principal must be an admin (tokens for readers, or for other admins).
    public func issueToken(for name: String, by principal: String?) throws -> String {
        try issue(kind: "token", for: name, by: principal, lifetime: nil)
    }

    /// Issues a single-use login code, valid for `lifetime` seconds, for `/login?code=...`.
    public func issueLoginCode(for name: String, by principal: String?, lifetime: TimeInterval = 300) throws -> String {
        try issue(kind: "login-code", for: name, by: principal, lifetime: lifetime)
    }

    func issue(kind: String, for name: String, by principal: String?, lifetime: TimeInterval?) throws -> String {
        guard Self.validPrincipal(name) else { throw SchemaError(.invalidName, "principal names are 1 to 64 visible characters without spaces") }
        let secret = Self.randomSecret()
        let denied: SchemaError? = try transaction { connection in
            let issuer = principal ?? name
            guard try Self.isAdmin(issuer, connection) else {
                try insertAudit(connection, principal: issuer, action: "\(kind)-denied", detail: name)
                return SchemaError(.notAdmin, principal == nil
                    ? "'\(name)' is not an admin; an admin issues tokens for other principals with --as"
                    : "'\(issuer)' is not an admin")
            }
            let expiry = lifetime.map { Self.timestamp(clock().addingTimeInterval($0)) }
            try connection.execute(
                #"INSERT INTO "_schema_tokens" ("hash", "principal", "kind", "created_at", "created_by", "expires_at", "used") VALUES (?, ?, ?, ?, ?, ?, 0)"#,
                [.text(Checksum.sha256Hex(secret)), .text(name), .text(kind), .text(now), .text(issuer), QueueItem.optional(expiry)])
            try insertAudit(connection, principal: issuer, action: "\(kind)-issued", detail: name)
            return nil
        }
        if let denied { throw denied }
        return secret
    }

    /// The principal an API token belongs to, or nil.
    public func principal(forToken token: String) throws -> AuthenticatedPrincipal? {
        try transaction { connection in
            let rows = try connection.query(#"SELECT "principal" FROM "_schema_tokens" WHERE "hash" = ? AND "kind" = 'token'"#, [.text(Checksum.sha256Hex(token))])
            guard let name = rows.first?["principal"]?.text else { return nil }
            return AuthenticatedPrincipal(name: name, isAdmin: try Self.isAdmin(name, connection))
        }
    }

    /// Redeems a login code once; nil when unknown, used or expired.
    public func redeemLoginCode(_ code: String) throws -> AuthenticatedPrincipal? {
        try transaction { connection in
            let hash = Checksum.sha256Hex(code)
            let rows = try connection.query(#"SELECT "principal", "expires_at", "used" FROM "_schema_tokens" WHERE "hash" = ? AND "kind" = 'login-code'"#, [.text(hash)])
            guard let row = rows.first, let name = row["principal"]?.text, row["used"]?.integer == 0,
                  let expiry = row["expires_at"]?.text, expiry > now
            else { return nil }
            try connection.execute(#"UPDATE "_schema_tokens" SET "used" = 1 WHERE "hash" = ?"#, [.text(hash)])
            try insertAudit(connection, principal: name, action: "login", detail: "login code")
            return AuthenticatedPrincipal(name: name, isAdmin: try Self.isAdmin(name, connection))
        }
    }

    /// The queue item with `id` and the applied structure it changes, for review.
    public func item(_ id: String) throws -> (item: QueueItem, applied: AppliedEntity?)? {
        try transaction { connection in
            guard let item = try Self.items(in: nil, connection).first(where: { $0.id == id }) else { return nil }
            let applied = try Self.appliedEntities(connection).first { $0.structure.name == item.entity }
            return (item, applied)
        }
    }

    /// Records an action of the review server (logins, logouts) in the audit log.
    public func recordAudit(principal: String, action: String, detail: String?) throws {
        try transaction { connection in try insertAudit(connection, principal: principal, action: action, detail: detail) }
    }

    static func randomSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
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
