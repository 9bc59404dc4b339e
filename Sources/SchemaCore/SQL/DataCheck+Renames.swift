extension DataCheck {
    /// This check asked before a rename of columns it reads runs: `renamed` maps, in the table it
    /// reads (``readsColumns``), each column's new name to its name now. A key to a unique column
    /// that another change of the same start renames can then be counted before anything runs,
    /// instead of being left to the database's own check of the key.
    ///
    /// A key's check reads its target's columns as `"parent"."column"` (or, for a key whose new
    /// column gets a default, in the `WHERE` of its one `EXISTS`): those are the names changed.
    /// Returns self when none of `renamed` is read.
    public func readingBefore(_ renamed: [String: String], in table: String) -> DataCheck {
        guard let read = readsColumns[table], read.contains(where: { renamed[$0] != nil }) else { return self }
        let quote = SQLDialect.postgresql.quote // one rule on both databases
        var check = self
        for (new, old) in renamed.sorted(by: { $0.key < $1.key }) where read.contains(new) {
            func renaming(_ sql: String) -> String {
                var sql = sql.replacingOccurrences(of: "\"parent\"." + quote(new), with: "\"parent\"." + quote(old))
                if sql.hasPrefix("SELECT CASE WHEN EXISTS (SELECT 1 FROM ") {
                    sql = sql.replacingOccurrences(of: " WHERE \(quote(new)) = ", with: " WHERE \(quote(old)) = ")
                }
                return sql
            }
            check.countSQL = renaming(check.countSQL)
            check.examplesSQL = check.examplesSQL.map(renaming)
            check.readsColumns[table] = check.readsColumns[table]?.map { $0 == new ? old : $0 }
        }
        return check
    }
}
