import Crypto

/// The structural checksum of an entity: lowercase hex SHA-256 of its ``CanonicalEncoding``.
public struct Checksum: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// All 64 hex digits.
    public var hex: String

    /// Wraps a hex digest.
    public init(hex: String) {
        self.hex = hex
    }

    /// The checksum of an entity's structure.
    public init(of entity: CanonicalEntity) {
        self.init(hex: Self.sha256Hex(CanonicalEncoding.encode(entity)))
    }

    /// The checksum registries before version 8 stored for `entity`: the same, except that
    /// relation names (`relationName:`) did not count.
    public static func withoutRelationNames(of entity: CanonicalEntity) -> Checksum {
        Checksum(hex: sha256Hex(CanonicalEncoding.encode(entity, relationNames: false)))
    }

    /// The first 12 hex digits, as shown to people.
    public var short: String { Self.short(hex) }

    /// The first 12 hex digits of any hex digest (checksums, SQL hashes), as shown to people;
    /// `—` for none.
    public static func short(_ hex: String?) -> String {
        hex.map { String($0.prefix(12)) } ?? "—"
    }

    public var description: String { short }

    public static func < (lhs: Checksum, rhs: Checksum) -> Bool { lhs.hex < rhs.hex }

    /// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
