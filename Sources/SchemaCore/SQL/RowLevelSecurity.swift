/// PostgreSQL row-level security derived from an entity's ACL, its `rowLevel` (ownership) rule
/// and its `readableWhen` (visibility) rule.
///
/// Policies read the acting user from session settings the application sets per transaction:
/// `SELECT set_config('app.user_id', $1, true), set_config('app.user_role', $2, true)` (and
/// `app.tenant_id`). An empty setting counts as absent: after a transaction-local `set_config`,
/// later transactions on the same connection see `''`, not NULL. Rules are compiled from their
/// parsed form; their text never reaches SQL. Every table gets RLS enabled and forced, so a table
/// whose ACL grants nothing (or that has no ACL) is closed, as the Swift evaluator is.
public enum RowLevelSecurity {
    /// The acting user's `name` (`user_id`, `user_role`, `tenant_id`): the session setting, or,
    /// with a signed identity, what the checking function vouches for (NULL when the signature
    /// is wrong or expired). The subquery makes PostgreSQL ask once per statement, not per row.
    static func principal(_ name: String, _ identity: IdentitySource) -> String {
        switch identity {
        case .settings: "NULLIF(current_setting('app.\(name)', true), '')"
        case .signed: "(SELECT \(SignedIdentity.schema).claim('\(name)'))"
        }
    }

    /// The policies of several entities, with the primary keys of the host's models and of the entities themselves.
    public static func statements(for entities: [CanonicalEntity], host: PrismaSchema?, identity: IdentitySource = .settings) -> [String] {
        let keys = PrimaryKeys.of(host: host, entities: entities)
        return entities.flatMap { statements(for: $0, primaryKeys: keys, identity: identity) }
    }

    /// The name of the policy for `operation` on `table` (PostgreSQL cuts it at 63 bytes).
    public static func policyName(_ table: String, _ operation: ACLOperation) -> String {
        "\(table)_\(operation.rawValue)"
    }

    /// The policies ``statements(for:primaryKeys:identity:)`` creates for `entity`, by name as
    /// PostgreSQL stores it (cut at 63 bytes) → the command (`SELECT`, `INSERT`, `UPDATE`, `DELETE`).
    public static func expectedPolicies(for entity: CanonicalEntity) -> [String: String] {
        let entity = entity.inDatabase
        let acl = entity.acl ?? CanonicalACL(rules: [:], rowLevel: nil)
        var policies: [String: String] = [:]
        for operation in ACLOperation.allCases where acl.rules[operation] != nil || (operation == .read && acl.readableWhen != nil) {
            let command = switch operation {
            case .read: "SELECT"
            case .create: "INSERT"
            case .update: "UPDATE"
            case .delete: "DELETE"
            }
            policies[PostgresNameRules.cut(policyName(entity.name, operation))] = command
        }
        return policies
    }

    /// The statements that (re)create the policies of `entity`: RLS on and forced, every policy of
    /// ours dropped, and one permissive policy per operation the ACL grants (none without an ACL).
    /// - Parameters:
    ///   - primaryKeys: primary-key column per table, for `relation.field` rules.
    ///   - newTable: the table is created in the same transaction, so it has no policy to drop.
    public static func statements(for entity: CanonicalEntity, primaryKeys: [String: String], identity: IdentitySource = .settings,
                                  newTable: Bool = false) -> [String] {
        let entity = entity.inDatabase
        let acl = entity.acl ?? CanonicalACL(rules: [:], rowLevel: nil)
        let dialect = SQLDialect.postgresql
        let table = dialect.quote(entity.name)
        var statements = ["ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY", "ALTER TABLE \(table) FORCE ROW LEVEL SECURITY"]
        for operation in ACLOperation.allCases {
            let name = dialect.quote(policyName(entity.name, operation))
            if !newTable { statements.append("DROP POLICY IF EXISTS \(name) ON \(table)") }
            var conditions: [String] = []
            if let roles = acl.rules[operation] { conditions.append(grant(roles, entity: entity, primaryKeys: primaryKeys, identity: identity)) }
            if operation == .read, let visible = acl.readableWhen {
                conditions.append(compile(visible.expression, entity: entity, primaryKeys: primaryKeys, identity: identity))
            }
            guard !conditions.isEmpty else { continue }
            let condition = conditions.count == 1 ? conditions[0] : conditions.map { "(\($0))" }.joined(separator: " OR ")
            switch operation {
            case .read: statements.append("CREATE POLICY \(name) ON \(table) FOR SELECT USING (\(condition))")
            case .create: statements.append("CREATE POLICY \(name) ON \(table) FOR INSERT WITH CHECK (\(condition))")
            case .update: statements.append("CREATE POLICY \(name) ON \(table) FOR UPDATE USING (\(condition)) WITH CHECK (\(condition))")
            case .delete: statements.append("CREATE POLICY \(name) ON \(table) FOR DELETE USING (\(condition))")
            }
        }
        return statements
    }

    /// The SQL condition that is true when one of `roles` grants access.
    static func grant(_ roles: [String], entity: CanonicalEntity, primaryKeys: [String: String], identity: IdentitySource) -> String {
        let userRole = principal("user_role", identity)
        let level = "(CASE \(userRole) " + ACLEvaluator.hierarchy.enumerated().dropFirst().map { "WHEN '\($0.element)' THEN \($0.offset)" }.joined(separator: " ") + " ELSE 0 END)"
        var terms: [String] = []
        for role in roles {
            switch role {
            case "public": terms.append("true")
            case "system": terms.append("\(userRole) = 'system'")
            case "self", "owner": terms.append(ownership(entity, primaryKeys: primaryKeys, identity: identity))
            default:
                if let required = ACLEvaluator.hierarchy.firstIndex(of: role) { terms.append("\(level) >= \(required)") }
                // `none` and unknown roles grant nothing.
            }
        }
        return terms.isEmpty ? "false" : terms.map { "(\($0))" }.joined(separator: " OR ")
    }

    static func ownership(_ entity: CanonicalEntity, primaryKeys: [String: String], identity: IdentitySource) -> String {
        let dialect = SQLDialect.postgresql
        let userId = principal("user_id", identity)
        if let rule = entity.acl?.rowLevel {
            // Only the alternatives that identify the user decide ownership (see RowLevelExpression.ownership).
            guard let ownership = rule.expression.ownership else { return "false" }
            return "\(userId) IS NOT NULL AND (\(compile(ownership, entity: entity, primaryKeys: primaryKeys, identity: identity)))"
        }
        guard let field = ACLEvaluator.ownerField(of: entity) else { return "false" }
        return "\(dialect.quote(entity.name)).\(dialect.quote(field))::text = \(userId)"
    }

    static func compile(_ expression: RowLevelExpression, entity: CanonicalEntity, primaryKeys: [String: String], identity: IdentitySource) -> String {
        switch expression {
        case .or(let terms): return terms.map { "(\(compile($0, entity: entity, primaryKeys: primaryKeys, identity: identity)))" }.joined(separator: " OR ")
        case .and(let factors): return factors.map { "(\(compile($0, entity: entity, primaryKeys: primaryKeys, identity: identity)))" }.joined(separator: " AND ")
        case .comparison(let comparison):
            let left = column(comparison.path, entity: entity, primaryKeys: primaryKeys)
            let negated = comparison.op == .notEqual
            switch comparison.operand {
            case .principal(let attribute):
                let setting = principal(attribute == "id" ? "user_id" : attribute == "role" ? "user_role" : "tenant_id", identity)
                return "\(left)::text \(negated ? "IS DISTINCT FROM" : "=") \(setting)"
            case .null: return "\(left) IS \(negated ? "NOT " : "")NULL"
            case .bool(let flag): return "\(left) \(negated ? "IS DISTINCT FROM" : "=") \(flag)"
            case .number(let number): return "\(left) \(negated ? "<>" : "=") \(CanonicalNumber.format(number))"
            case .text(let text): return "\(left)::text \(negated ? "<>" : "=") \(SQLDialect.postgresql.literal(text))"
            case .path(let path): return "\(left) \(negated ? "IS DISTINCT FROM" : "=") \(column(path, entity: entity, primaryKeys: primaryKeys))"
            }
        }
    }

    /// A column of the row, or of the row a belongsTo relation points at (as a subquery).
    static func column(_ path: [String], entity: CanonicalEntity, primaryKeys: [String: String]) -> String {
        let dialect = SQLDialect.postgresql
        let table = dialect.quote(entity.name)
        guard path.count == 2, let relation = entity.relations.first(where: { $0.name == path[0] && $0.kind == .belongsTo }), relation.field != nil
        else { return "\(table).\(dialect.quote(path.last ?? ""))" }
        // Every column of the key against the one it references (a key of several columns too).
        let matches = zip(PrimaryKeys.referencedColumns(relation, in: primaryKeys), relation.foreignKeyFields)
            .map { "parent.\(dialect.quote($0)) = \(table).\(dialect.quote($1))" }.joined(separator: " AND ")
        let parentColumn = PrimaryKeys.column(relation.target, path[1], in: primaryKeys)
        return "(SELECT parent.\(dialect.quote(parentColumn)) FROM \(PrimaryKeys.reference(relation.target, in: primaryKeys, quote: dialect.quote)) AS parent WHERE \(matches))"
    }
}
