/// The column types an entity field can have: the seed's type table plus `datetime`, `decimal`
/// (exact numbers, Prisma's `Decimal`) and `bytes` (Prisma's `Bytes`).
public enum FieldType: String, CaseIterable, Hashable, Sendable, Codable {
    case string, int, bigint, float, boolean, cuid, uuid, json, datetime, decimal, bytes

    /// Looks up a type as written in a file: seed spellings and Prisma spellings
    /// (`String`, `Int`, `BigInt`, `Float`, `Boolean`, `Json`, `DateTime`) are accepted.
    public init?(spelling: String) {
        if let seed = FieldType(rawValue: spelling) {
            self = seed
            return
        }
        switch spelling {
        case "String": self = .string
        case "Int": self = .int
        case "BigInt": self = .bigint
        case "Float": self = .float
        case "Boolean": self = .boolean
        case "Json": self = .json
        case "DateTime": self = .datetime
        case "Decimal": self = .decimal
        case "Bytes": self = .bytes
        default: return nil
        }
    }

    /// Every spelling `init(spelling:)` accepts, for "did you mean" hints.
    public static let acceptedSpellings: [String] =
        allCases.map(\.rawValue) + ["String", "Int", "BigInt", "Float", "Boolean", "Json", "DateTime", "Decimal", "Bytes"]

    /// The Prisma scalar type this field type maps to.
    public var prismaType: String {
        switch self {
        case .string, .cuid, .uuid: "String"
        case .int: "Int"
        case .bigint: "BigInt"
        case .float: "Float"
        case .boolean: "Boolean"
        case .json: "Json"
        case .datetime: "DateTime"
        case .decimal: "Decimal"
        case .bytes: "Bytes"
        }
    }

    /// Whether values of this type are text, so `maxLength` and `enum` apply.
    public var isText: Bool { self == .string || self == .cuid || self == .uuid }

    /// Whether values of this type are numbers, so `min` and `max` apply.
    public var isNumeric: Bool { self == .int || self == .bigint || self == .float || self == .decimal }
}
