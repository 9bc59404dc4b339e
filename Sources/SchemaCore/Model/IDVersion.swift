/// The versions of the ids Prisma Client makes: `cuid()` (1) or `cuid(2)`, `uuid()` (4) or
/// `uuid(7)` (time-ordered). The column is the same for each; only the client's values differ.
public enum IDVersion {
    /// The versions `version:` may say for a field of `type`, Prisma's default first; none for other types.
    public static func allowed(for type: FieldType) -> [Int] {
        switch type {
        case .cuid: [1, 2]
        case .uuid: [4, 7]
        default: []
        }
    }

    /// The version Prisma uses without an argument (`cuid()`, `uuid()`), or nil for other types.
    public static func prismasDefault(for type: FieldType) -> Int? {
        allowed(for: type).first
    }
}
