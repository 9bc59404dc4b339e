import SchemaCore

extension Registry {
    /// PostgreSQL: hands the registry's schema, the audit log and its trigger function to `owner`,
    /// so that `writer` (the role `apply` and the admin commands run as) can append to the audit
    /// log and keep using the other registry tables, but can no longer empty, drop or alter the log,
    /// disable its triggers or replace their function: all of that needs ownership.
    ///
    /// Run once, connected as a role that may give the objects away (a superuser, or the database
    /// owner when it is a member of `owner`); `writer` must not be a member of `owner`.
    public func protectAuditLog(owner: String, writer: String) throws {
        guard database.dialect == .postgresql else {
            throw SchemaError(.usage, "SQLite has no roles: anyone who can write the database file can rewrite the audit log; keep the file's permissions tight and ship the log elsewhere")
        }
        for role in [owner, writer] where !Identifier.isValid(role) {
            throw SchemaError(.usage, "role names are plain identifiers (letters, digits and '_'), found '\(TerminalText.escape(role))'")
        }
        try transaction { connection in
            let names = connection.names
            let quote = connection.dialect.quote
            guard let schema = names.schema.map(quote) else { return }
            let membership = try connection.query("SELECT pg_has_role(?, ?, 'MEMBER') AS \"member\"", [.text(writer), .text(owner)])
            if membership.first?["member"]?.integer == 1 {
                throw SchemaError(.usage, "\(writer) is a member of \(owner), so it would still own the audit log; use an owner role \(writer) cannot become")
            }
            for statement in [
                "ALTER SCHEMA \(schema) OWNER TO \(quote(owner))",
                "GRANT USAGE, CREATE ON SCHEMA \(schema) TO \(quote(writer))",
                "ALTER TABLE \(names.audit) OWNER TO \(quote(owner))",
                "ALTER FUNCTION \(names.auditFunction)() OWNER TO \(quote(owner))",
                "REVOKE ALL ON \(names.audit) FROM PUBLIC",
                "GRANT SELECT, INSERT ON \(names.audit) TO \(quote(writer))",
                "GRANT USAGE ON SEQUENCE \(names.auditSequence) TO \(quote(writer))",
            ] {
                try connection.execute(statement)
            }
            try insertAudit(connection, principal: "registry", action: .auditProtected, detail: "owner \(owner), writer \(writer)")
        }
    }
}
