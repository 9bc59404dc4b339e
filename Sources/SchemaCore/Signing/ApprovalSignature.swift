public import Crypto
public import Foundation

/// Ed25519 signatures over approvals, so that write access to the registry tables alone cannot
/// approve a change: `apply --trusted-keys` runs only items signed by a trusted key.
public enum ApprovalSignature {
    /// What one approval signature covers: one application of one change, and everything that
    /// decides what that application runs or what Prisma renders from it. The item and entity,
    /// the action (create, alter, drop or repair), the structure it starts from and the one it
    /// makes (checksums, which `apply` re-derives from the stored structures; relation names are
    /// part of them), the rename hints and, for a repair, the live table it was planned from (both
    /// change the SQL derived), the hash of that SQL, the digest of what Prisma renders from the
    /// to-structure (``PresentationDigest``: field order, comments, relation names), and a nonce
    /// drawn at approval, which `apply` records so the same signature cannot be applied twice.
    public struct Claim: Hashable, Sendable {
        public var itemId: String
        public var entity: String
        public var action: String
        public var fromChecksum: String?
        public var toChecksum: String?
        /// new column → old column.
        public var renames: [String: String]
        /// For a repair: the checksum of the live table it restores from.
        public var repairOf: String?
        /// For a renamed entity: the applied name whose snapshot and table it takes over.
        public var renamedFrom: String?
        public var sqlHash: String
        /// ``PresentationDigest/of(_:)`` of the to-structure.
        public var presentation: String
        public var nonce: String

        /// Creates a claim.
        public init(itemId: String, entity: String, action: String, fromChecksum: String?, toChecksum: String?, renames: [String: String],
                    repairOf: String?, renamedFrom: String? = nil, sqlHash: String, presentation: String, nonce: String) {
            self.itemId = itemId
            self.entity = entity
            self.action = action
            self.fromChecksum = fromChecksum
            self.toChecksum = toChecksum
            self.renames = renames
            self.repairOf = repairOf
            self.renamedFrom = renamedFrom
            self.sqlHash = sqlHash
            self.presentation = presentation
            self.nonce = nonce
        }

        /// The exact bytes signed: a versioned, newline-separated record; the renames as canonical
        /// JSON (sorted keys), so no value can pass for a field separator. A renamed entity's
        /// claim has a version of its own with its old name (no identifier contains a newline);
        /// every other claim's bytes are those signed before entities could be renamed.
        public var payload: Data {
            let renamesText = JSONValue.object(renames.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }).serialized
            let head = renamedFrom.map { ["schema-approval-v5", $0] } ?? ["schema-approval-v4"]
            return Data((head + [itemId, entity, action, fromChecksum ?? "-", toChecksum ?? "-", renamesText, repairOf ?? "-", sqlHash,
                                 presentation, nonce])
                .joined(separator: "\n").utf8)
        }
    }

    /// Signs `claim`; returns the base64 signature.
    public static func sign(_ claim: Claim, with key: SigningKey) throws -> String {
        try key.privateKey.signature(for: claim.payload).base64EncodedString()
    }

    /// Whether `signature` (base64) is a valid signature of `claim` by `publicKey`.
    public static func isValid(_ signature: String, of claim: Claim, publicKey: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return publicKey.isValidSignature(bytes, for: claim.payload)
    }

    /// The bytes of an attestation: an admin vouching that `checksum` is what is applied for
    /// `entity`, rendered for Prisma as `presentation` (``PresentationDigest``) says (for snapshots
    /// applied before approvals were signed, or accepted from drift).
    public static func attestationPayload(entity: String, checksum: String, presentation: String) -> Data {
        Data("schema-attestation-v2\n\(entity)\n\(checksum)\n\(presentation)".utf8)
    }

    /// Signs an attestation.
    public static func attest(entity: String, checksum: String, presentation: String, with key: SigningKey) throws -> String {
        try key.privateKey.signature(for: attestationPayload(entity: entity, checksum: checksum, presentation: presentation)).base64EncodedString()
    }

    /// Whether `signature` is a valid attestation of (`entity`, `checksum`, `presentation`) by `publicKey`.
    public static func isValidAttestation(_ signature: String, entity: String, checksum: String, presentation: String,
                                          publicKey: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return publicKey.isValidSignature(bytes, for: attestationPayload(entity: entity, checksum: checksum, presentation: presentation))
    }

    /// A random nonce for one approval (128 bits, hex).
    public static func makeNonce() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
    }
}

/// A private signing key with its name, stored as one line: `schema-ed25519-private NAME BASE64`.
public struct SigningKey: Sendable {
    public var name: String
    public var privateKey: Curve25519.Signing.PrivateKey

    /// A new random key.
    public static func generate(name: String) -> SigningKey {
        SigningKey(name: name, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The private key file's text.
    public var fileText: String { "schema-ed25519-private \(name) \(privateKey.rawRepresentation.base64EncodedString())\n" }

    /// The public key line for a trusted-keys file.
    public var publicKeyLine: String { TrustedKey(name: name, publicKey: privateKey.publicKey).line }

    /// Reads a private key file.
    public init(contentsOfFile path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SchemaError(.keyFile, "cannot read the key file \(path)")
        }
        try self.init(fileText: text)
    }

    /// Parses a private key file.
    public init(fileText: String) throws {
        let parts = fileText.split(whereSeparator: \.isWhitespace).map(String.init)
        guard parts.count == 3, parts[0] == "schema-ed25519-private", let raw = Data(base64Encoded: parts[2]) else {
            throw SchemaError(.keyFile, "not a schema private key file (expected 'schema-ed25519-private NAME BASE64')")
        }
        do {
            self.init(name: parts[1], privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            throw SchemaError(.keyFile, "the private key is malformed")
        }
    }

    init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }
}

/// A trusted public key: one line `schema-ed25519 BASE64 NAME` of a trusted-keys file.
public struct TrustedKey: Sendable {
    public var name: String
    public var publicKey: Curve25519.Signing.PublicKey

    /// Creates a trusted key.
    public init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// The line written to `.pub` and trusted-keys files.
    public var line: String { "schema-ed25519 \(publicKey.rawRepresentation.base64EncodedString()) \(name)" }

    /// The base64 public key, stored with each signed approval.
    public var encoded: String { publicKey.rawRepresentation.base64EncodedString() }

    /// Parses a trusted-keys file: one key per line, `#` comments and blank lines ignored.
    public static func parseFile(_ text: String) throws -> [TrustedKey] {
        var keys: [TrustedKey] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
            guard parts.count >= 2, parts[0] == "schema-ed25519", let raw = Data(base64Encoded: parts[1]),
                  let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { throw SchemaError(.keyFile, "line \(offset + 1): expected 'schema-ed25519 BASE64 NAME'") }
            keys.append(TrustedKey(name: parts.count > 2 ? parts[2] : "unnamed", publicKey: key))
        }
        return keys
    }
}
