public import Foundation
import Crypto

/// Where row-level security policies read the acting user from (`schema.config.json`: `"identity"`).
public enum IdentitySource: String, Hashable, Sendable, Codable, CaseIterable {
    /// The session settings the application sets (`app.user_id`, `app.user_role`,
    /// `app.tenant_id`). Any session can set them, so SQL an attacker injects can claim anyone.
    case settings
    /// The same settings, believed only with a valid signature: `app.identity_expires` (Unix
    /// seconds) and `app.identity_signature`, an HMAC-SHA256 over them made with a secret the
    /// application keeps outside the database. The policies ask a `SECURITY DEFINER` function
    /// that checks it with a copy of the secret the application's database role cannot read, so
    /// injected SQL can set the settings but not sign them. See ``SignedIdentity``.
    case signed
}

/// The signed identity of ``IdentitySource/signed``: what the application signs, and the SQL that
/// installs the checking functions.
public enum SignedIdentity {
    /// The schema of the checking functions and the secret.
    public static let schema = "schema_identity"

    /// The text the signature covers: the user id, role, tenant id and expiry, one per line
    /// (a missing setting is the empty string).
    public static func message(userId: String?, role: String?, tenantId: String?, expires: Int64) -> String {
        [userId ?? "", role ?? "", tenantId ?? "", String(expires)].joined(separator: "\n")
    }

    /// The lower-case hex HMAC-SHA256 of ``message(userId:role:tenantId:expires:)`` with `secret`:
    /// what the application sets as `app.identity_signature`.
    public static func signature(userId: String?, role: String?, tenantId: String?, expires: Int64, secret: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(message(userId: userId, role: role, tenantId: tenantId, expires: expires).utf8),
                                                   using: SymmetricKey(data: secret))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// The secret read from a key file: hex (64 digits or more); surrounding whitespace ignored.
    public static func secret(fromFile text: String) throws -> Data {
        let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hex.count >= 64, hex.count % 2 == 0, hex.allSatisfy(\.isHexDigit) else {
            throw SchemaError(.keyFile, "the identity secret must be at least 32 bytes written as hex (e.g. `openssl rand -hex 32`)")
        }
        var bytes = Data()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    /// The statements that install (or re-key) the checking function, run by a role the
    /// application's role is not: it owns the secret, which only the function may read.
    ///
    /// PostgreSQL has `sha256` but no HMAC without an extension, so the secret is stored as the two
    /// padded keys of HMAC (RFC 2104), from which `HMAC = sha256(outer ‖ sha256(inner ‖ message))`.
    public static func installation(secret: Data) -> [String] {
        var key = [UInt8](secret.count > 64 ? Data(SHA256.hash(data: secret)) : secret)
        key += [UInt8](repeating: 0, count: 64 - key.count)
        let inner = Data(key.map { $0 ^ 0x36 }).map { String(format: "%02x", $0) }.joined()
        let outer = Data(key.map { $0 ^ 0x5c }).map { String(format: "%02x", $0) }.joined()
        let setting = { (name: String) in "coalesce(current_setting('app.\(name)', true), '')" }
        return [
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            "CREATE TABLE IF NOT EXISTS \(schema).secret (\"single\" BOOLEAN PRIMARY KEY DEFAULT true CHECK (\"single\"), inner_key BYTEA NOT NULL, outer_key BYTEA NOT NULL)",
            "REVOKE ALL ON \(schema).secret FROM PUBLIC",
            "INSERT INTO \(schema).secret (inner_key, outer_key) VALUES (decode('\(inner)', 'hex'), decode('\(outer)', 'hex')) ON CONFLICT (\"single\") DO UPDATE SET inner_key = EXCLUDED.inner_key, outer_key = EXCLUDED.outer_key",
            """
            CREATE OR REPLACE FUNCTION \(schema).claim(name text) RETURNS text
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
              user_id text := \(setting("user_id"));
              user_role text := \(setting("user_role"));
              tenant_id text := \(setting("tenant_id"));
              expires text := \(setting("identity_expires"));
              signature text := lower(\(setting("identity_signature")));
              keys record;
            BEGIN
              IF expires !~ '^[0-9]{1,12}$' OR expires::bigint < extract(epoch FROM now()) THEN RETURN NULL; END IF;
              SELECT s.inner_key, s.outer_key INTO keys FROM \(schema).secret AS s;
              IF keys IS NULL OR encode(sha256(keys.outer_key || sha256(keys.inner_key || convert_to(user_id || E'\\n' || user_role || E'\\n' || tenant_id || E'\\n' || expires, 'UTF8'))), 'hex') <> signature THEN
                RETURN NULL;
              END IF;
              RETURN NULLIF(CASE name WHEN 'user_id' THEN user_id WHEN 'user_role' THEN user_role WHEN 'tenant_id' THEN tenant_id END, '');
            END $$
            """,
            "REVOKE ALL ON FUNCTION \(schema).claim(text) FROM PUBLIC",
            "GRANT USAGE ON SCHEMA \(schema) TO PUBLIC",
            "GRANT EXECUTE ON FUNCTION \(schema).claim(text) TO PUBLIC",
        ]
    }

    /// The installation with every secret replaced, for showing.
    public static func redacted(_ statements: [String]) -> [String] {
        statements.map { statement in
            statement.contains("decode(") ? "INSERT INTO \(schema).secret (inner_key, outer_key) VALUES (…secret…)" : statement
        }
    }
}
