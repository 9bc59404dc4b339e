import Crypto

/// One value for a whole set of applied entities (name and checksum each), that a single change
/// can update without reading the others: the XOR of SHA-256("name checksum") over the set.
///
/// A container start compares it with the fingerprint in the Prisma fragment's header, so the
/// check costs one small query however many entities are applied. It is order-free and
/// content-defined (the same set gives the same digest in any database). It decides only whether
/// a generated file is rewritten, never what is applied, so XOR's weakness against chosen
/// collisions does not matter here: the files are always rendered from verified snapshots.
public struct AppliedDigest: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes.
    public private(set) var bytes: [UInt8]

    /// The digest of no entity.
    public static let empty = AppliedDigest(bytes: Array(repeating: 0, count: 32))

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The digest of `checksums` (entity name → full checksum).
    public init(checksums: [String: String]) {
        self = .empty
        for (name, checksum) in checksums { toggle(name: name, checksum: checksum) }
    }

    /// The digest of these applied entities (one entry per name).
    public init(_ applied: [AppliedEntity]) {
        self.init(checksums: Dictionary(applied.map { ($0.structure.name, $0.checksum.hex) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Parses 64 hex digits as stored; nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// Adds the entry when absent from the set, removes it when present (XOR is its own inverse).
    public mutating func toggle(name: String, checksum: String) {
        for (index, byte) in SHA256.hash(data: Array("\(name) \(checksum)".utf8)).enumerated() {
            bytes[index] ^= byte
        }
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public var description: String { hex }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
