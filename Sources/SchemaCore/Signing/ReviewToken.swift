public import Foundation
import Crypto

/// Bearer tokens for a review server that signs approvals (`serve --sign-with KEY`), derived from
/// the signing key itself: only whoever holds the key file can make one, so inserting rows into
/// the registry's admin or token tables gives no way to have approvals signed.
///
/// A token is `sk1.NAME.EXPIRY.MAC`: the key's name, the Unix time it expires, and an HMAC-SHA256
/// of both under a key derived from the private key.
public enum ReviewToken {
    /// A token for `key`, valid until `expiry`.
    public static func issue(for key: SigningKey, expiry: Date) -> String {
        let seconds = Int64(expiry.timeIntervalSince1970)
        return "sk1.\(key.name).\(seconds).\(mac(key: key, name: key.name, expiry: seconds))"
    }

    /// The principal a token authenticates (the key's name), or nil when it was not made with
    /// `key` or has expired at `now`.
    public static func principal(of token: String, key: SigningKey, now: Date) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "sk1", parts[1] == key.name, let seconds = Int64(parts[2]),
              Double(seconds) > now.timeIntervalSince1970
        else { return nil }
        // Compared in constant time.
        let expected = Array(mac(key: key, name: parts[1], expiry: seconds).utf8)
        let given = Array(parts[3].utf8)
        guard expected.count == given.count else { return nil }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 ? parts[1] : nil
    }

    static func mac(key: SigningKey, name: String, expiry: Int64) -> String {
        let derived = SymmetricKey(data: SHA256.hash(data: Data("schema-review-token-v1".utf8) + key.privateKey.rawRepresentation))
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(name)\n\(expiry)".utf8), using: derived)
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
