/// Who is acting.
public struct AccessPrincipal: Hashable, Sendable {
    /// The user's id (nil for anonymous callers).
    public var id: String?
    /// The user's roles, e.g. `["moderator"]`.
    public var roles: Set<String>
    /// The user's tenant, for rules that compare with `$user.tenantId`.
    public var tenantId: String?
    /// An internal caller: matches the `system` role, and only that.
    public var isSystem: Bool

    /// Creates a principal. Empty ids count as absent, as empty session settings do in the policies.
    public init(id: String?, roles: Set<String>, tenantId: String? = nil, isSystem: Bool = false) {
        self.id = id?.isEmpty == true ? nil : id
        self.roles = roles
        self.tenantId = tenantId?.isEmpty == true ? nil : tenantId
        self.isSystem = isSystem
    }

    /// An anonymous caller.
    public static let anonymous = AccessPrincipal(id: nil, roles: [])
    /// The application itself.
    public static let system = AccessPrincipal(id: nil, roles: ["system"], isSystem: true)
}

/// A field value of the row being accessed.
public enum RowValue: Hashable, Sendable {
    case text(String)
    case number(Double)
    case bool(Bool)
    case null
}

/// The outcome, with the rule that decided it.
public struct AccessDecision: Hashable, Sendable {
    public var allowed: Bool
    public var reason: String
}

/// Evaluates an entity's ACL in the application (the only enforcement on SQLite; PostgreSQL can
/// also enforce it with row-level security, see ``RowLevelSecurity``).
///
/// | role in the ACL | grants |
/// |---|---|
/// | `public` | everyone, including anonymous callers |
/// | `user`, `moderator`, `admin`, `god`, `supergod` | principals with that role or a higher one (public < user < moderator < admin < god < supergod) |
/// | `self`, `owner` | the row's owner: the alternatives of `rowLevel` that compare a field with `$user.id` hold, or without a rule, the first of `userId`, `authorId`, `ownerId`, `createdBy` equals the principal's id |
/// | `system` | internal callers only |
/// | `none` | nobody |
/// | anything else | nobody (and `validate` warns) |
///
/// Rows for which `readableWhen` holds are readable by everyone. An operation the ACL does not
/// list, and every operation of an entity without an ACL, is denied.
public enum ACLEvaluator {
    /// The role hierarchy, lowest first.
    public static let hierarchy = ["public", "user", "moderator", "admin", "god", "supergod"]
    /// Fields that name a row's owner when there is no `rowLevel` rule.
    public static let defaultOwnerFields = ["userId", "authorId", "ownerId", "createdBy"]

    /// Whether `principal` may perform `operation` on `row` of `entity`.
    public static func evaluate(_ operation: ACLOperation, on entity: CanonicalEntity, by principal: AccessPrincipal,
                                row: [String: RowValue]) -> AccessDecision {
        guard let acl = entity.acl else { return AccessDecision(allowed: false, reason: "\(entity.name) has no ACL") }
        if operation == .read, let visible = acl.readableWhen, holds(visible.expression, principal: principal, row: row) {
            return AccessDecision(allowed: true, reason: "readableWhen")
        }
        guard let roles = acl.rules[operation], !roles.isEmpty else {
            return AccessDecision(allowed: false, reason: "acl.\(operation.rawValue) of \(entity.name) is not declared")
        }
        let level = principal.roles.compactMap { hierarchy.firstIndex(of: $0) }.max() ?? 0
        for role in roles {
            switch role {
            case "public":
                return AccessDecision(allowed: true, reason: "public")
            case "system" where principal.isSystem:
                return AccessDecision(allowed: true, reason: "system")
            case "self", "owner":
                if principal.id != nil && isOwner(principal, of: row, entity: entity) {
                    return AccessDecision(allowed: true, reason: role)
                }
            default:
                if let required = hierarchy.firstIndex(of: role), level >= required, !principal.isSystem || principal.roles.contains(role) {
                    return AccessDecision(allowed: true, reason: "role \(hierarchy[level]) ≥ \(role)")
                }
            }
        }
        return AccessDecision(allowed: false, reason: "acl.\(operation.rawValue) of \(entity.name) grants [\(roles.joined(separator: ", "))]")
    }

    /// Whether the row belongs to the principal: its `rowLevel` rule, or the default owner field.
    public static func isOwner(_ principal: AccessPrincipal, of row: [String: RowValue], entity: CanonicalEntity) -> Bool {
        if let rule = entity.acl?.rowLevel {
            // Only the alternatives that identify the user decide ownership (see RowLevelExpression.ownership).
            guard let ownership = rule.expression.ownership, principal.id != nil else { return false }
            return holds(ownership, principal: principal, row: row)
        }
        guard let field = ownerField(of: entity), let id = principal.id else { return false }
        return row[field] == .text(id)
    }

    /// The field the `self`/`owner` roles compare with when there is no `rowLevel` rule.
    public static func ownerField(of entity: CanonicalEntity) -> String? {
        defaultOwnerFields.first { entity.field(named: $0) != nil }
    }

    /// Evaluates a row-level rule. `relation.field` paths are looked up as flattened keys ("calculator.userId").
    public static func holds(_ expression: RowLevelExpression, principal: AccessPrincipal, row: [String: RowValue]) -> Bool {
        switch expression {
        case .or(let terms): return terms.contains { holds($0, principal: principal, row: row) }
        case .and(let factors): return factors.allSatisfy { holds($0, principal: principal, row: row) }
        case .comparison(let comparison):
            let left = row[comparison.path.joined(separator: ".")] ?? .null
            let right: RowValue
            switch comparison.operand {
            case .principal(let attribute):
                let value = attribute == "id" ? principal.id : attribute == "tenantId" ? principal.tenantId
                    : hierarchy.last { principal.roles.contains($0) }
                right = value.map(RowValue.text) ?? .null
            case .bool(let flag): right = .bool(flag)
            case .null: right = .null
            case .number(let number): right = .number(number)
            case .text(let text): right = .text(text)
            case .path(let path): right = row[path.joined(separator: ".")] ?? .null
            }
            // As in SQL, a comparison with an unknown (NULL) principal attribute never grants access.
            if case .principal = comparison.operand, right == .null { return false }
            return comparison.op == .equal ? left == right : left != right
        }
    }
}
