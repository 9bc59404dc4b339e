import SchemaCore

extension Registry {
    /// Asks one check of the database: the one place a ``DataCheck`` runs, for review (`plan`,
    /// `list --verbose`, the review page), approval and apply alike.
    ///
    /// The check runs in a savepoint that is always rolled back, so whatever it did is undone and a
    /// failure leaves the transaction usable; a check that cannot be asked (a table another change
    /// creates, a count over the statement timeout) is reported as not counted. Checks are derived
    /// from verified structures (``derive(_:_:liveCheck:_:)``), never read from a row.
    static func ask(_ check: DataCheck, tables: Set<String>, _ connection: any RegistryConnection) throws -> ChangeImpact.CheckResult {
        var result = ChangeImpact.CheckResult(kind: check.kind, table: check.table, description: check.description, count: nil, examples: [], note: nil)
        if let missing = ([check.table] + check.reads).first(where: { !tables.contains($0) }) {
            result.note = "\(missing) does not exist yet; the database checks it when the change runs"
            return result
        }
        do {
            try rolledBack(connection) {
                result.count = Int(try connection.query(check.countSQL, []).first?["count"]?.integer ?? 0)
                if check.kind == .violations, (result.count ?? 0) > 0, let examples = check.examplesSQL {
                    result.examples = try connection.query(examples, []).compactMap { $0["key"]?.text }.map { TerminalText.escape($0, limit: 60) }
                }
            }
        } catch let error as SchemaError {
            result.count = nil
            result.note = error.message.contains("statement timeout") ? "counting took too long" : "the query failed: \(error.message)"
        }
        return result
    }

    /// Every check of `checks` that finds rows making the change fail, asked now.
    static func violations(_ checks: [DataCheck], tables: Set<String>, _ connection: any RegistryConnection) throws -> [ChangeImpact.CheckResult] {
        try checks.filter { $0.kind == .violations }.map { try ask($0, tables: tables, connection) }.filter { ($0.count ?? 0) > 0 }
    }

    /// The refusal naming every blocking data problem of an item at once (each one otherwise costs
    /// a failed start), or nil when there is none.
    static func dataRefusal(itemId: String, entity: String, _ found: [ChangeImpact.CheckResult],
                            then advice: String = "Fix those rows, then scan and approve again") -> Refusal? {
        guard !found.isEmpty else { return nil }
        let problems = found.map { result in
            DataCheck.counted(result.count ?? 0, result.description) + (result.examples.isEmpty ? "" : " (for example \(result.examples.joined(separator: "; ")))")
        }
        return Refusal(itemId: itemId, entity: entity, code: .dataViolation,
                       message: problems.joined(separator: "; ") + "; nothing was changed. " + advice)
    }

    /// Runs `body` in a savepoint that is rolled back afterwards, whether it throws or not.
    static func rolledBack<T>(_ connection: any RegistryConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("SAVEPOINT \"data_check\"")
        do {
            let result = try body()
            try connection.execute("ROLLBACK TO SAVEPOINT \"data_check\"")
            return result
        } catch {
            try connection.execute("ROLLBACK TO SAVEPOINT \"data_check\"")
            throw error
        }
    }
}
