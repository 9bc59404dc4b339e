import SchemaCore

extension Registry {
    /// Admin names.
    public func admins() throws -> [String] {
        try transaction(Self.admins)
    }

    static func admins(_ connection: any RegistryConnection) throws -> [String] {
        try connection.query(#"SELECT "name" FROM \#(connection.names.admins) WHERE "role" = 'admin' ORDER BY "name""#, []).compactMap { $0["name"]?.text }
    }

    static func isAdmin(_ name: String, _ connection: any RegistryConnection) throws -> Bool {
        try !connection.query(#"SELECT "name" FROM \#(connection.names.admins) WHERE "name" = ? AND "role" = 'admin'"#, [.text(name)]).isEmpty
    }

    static func validPrincipal(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }

    /// Adds an admin. The first admin needs no `by`; after that `by` must be an admin.
    public func addAdmin(_ name: String, by principal: String?) throws {
        guard Self.validPrincipal(name) else { throw SchemaError(.invalidName, "admin names are 1 to 64 visible characters without spaces") }
        let denied: SchemaError? = try transaction { connection in
            let existing = try Self.admins(connection)
            if existing.contains(name) { return SchemaError(.adminConflict, "'\(name)' is already an admin") }
            if !existing.isEmpty {
                guard let principal, try Self.isAdmin(principal, connection) else {
                    try insertAudit(connection, principal: principal ?? "anonymous", action: .adminAddDenied, detail: name)
                    return SchemaError(.notAdmin, "only an admin can add admins: pass --as with an admin's name")
                }
            }
            let creator = existing.isEmpty ? "bootstrap" : (principal ?? "bootstrap")
            try connection.execute(#"INSERT INTO \#(connection.names.admins) ("name", "role", "created_at", "created_by") VALUES (?, 'admin', ?, ?)"#,
                                   [.text(name), .text(now), .text(creator)])
            try insertAudit(connection, principal: creator == "bootstrap" ? name : creator, action: existing.isEmpty ? .adminBootstrap : .adminAdd, detail: name)
            return nil
        }
        if let denied { throw denied }
    }

    /// Removes an admin; `by` must be an admin, and the last admin cannot be removed.
    public func removeAdmin(_ name: String, by principal: String) throws {
        let denied: SchemaError? = try transaction { connection in
            guard try Self.isAdmin(principal, connection) else {
                try insertAudit(connection, principal: principal, action: .adminRemoveDenied, detail: name)
                return SchemaError(.notAdmin, "'\(principal)' is not an admin")
            }
            let existing = try Self.admins(connection)
            guard existing.contains(name) else { return SchemaError(.adminConflict, "'\(name)' is not an admin") }
            guard existing.count > 1 else { return SchemaError(.adminConflict, "'\(name)' is the last admin; add another admin first") }
            try connection.execute(#"DELETE FROM \#(connection.names.admins) WHERE "name" = ?"#, [.text(name)])
            // A removed admin's tokens and login codes end with the role.
            try connection.execute(#"DELETE FROM \#(connection.names.tokens) WHERE "principal" = ?"#, [.text(name)])
            try insertAudit(connection, principal: principal, action: .adminRemove, detail: name)
            return nil
        }
        if let denied { throw denied }
    }
}
