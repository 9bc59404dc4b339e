/// The CRUD operations an ACL grants.
public enum ACLOperation: String, Hashable, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    case create, read, update, delete

    public static func < (lhs: ACLOperation, rhs: ACLOperation) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .create: 0
        case .read: 1
        case .update: 2
        case .delete: 3
        }
    }
}

/// An entity's access-control list: which roles may perform each operation, and an optional row-level rule.
public struct AccessControl: Hashable, Sendable {
    /// Roles per operation, in the order written.
    public var rules: [ACLOperation: [String]]
    /// The `rowLevel:` rule as written, parsed once: who owns a row (what `self` and `owner` grant).
    public var rowLevel: RowLevelSource?
    /// The `readableWhen:` rule: rows everyone may read (published posts, public calculators).
    public var readableWhen: RowLevelSource?
    /// Where the ACL is declared.
    public var location: SourceLocation
    /// Where each key (operation, `rowLevel`) is written.
    public var keyLocations = KeyLocations()

    /// Creates an ACL.
    public init(rules: [ACLOperation: [String]], rowLevel: RowLevelSource?, location: SourceLocation) {
        self.rules = rules
        self.rowLevel = rowLevel
        self.location = location
    }

    /// The built-in roles. Others can be added with `extraRoles` in `schema.config.json`.
    public static let knownRoles: [String] =
        ["public", "user", "self", "owner", "moderator", "admin", "god", "supergod", "system", "none"]
}
