import SchemaCore

extension ApplyEngine {
    /// The statements a first transaction that began before the package files were read
    /// (``Speculation``) runs while it is still verifying later items: the tables of the approved
    /// creates, item by item as each is accepted, for as long as each accepted item is a create of
    /// a table the database did not have.
    ///
    /// Why this is the same start: such a statement makes a new table and touches nothing any
    /// later decision reads (the tables that existed, the applied snapshots, the live rows the
    /// data checks count are read from what was there before the transaction began), so the items
    /// accepted and refused are the ones a start that ran nothing before deciding would find. They
    /// run in a savepoint; once every item is decided, they are kept when they are the first
    /// statements of the start's own order, and rolled back to run in that order otherwise
    /// (``settle(_:)``: a later item has statements that go before tables). A statement that fails
    /// rolls the transaction back (``SpeculationMissed``) and the start runs again, deciding
    /// everything first.
    final class EarlyStatements {
        /// Runs one statement of an item in the transaction.
        private let run: (_ itemId: String, _ statement: SQLStatement) throws -> Void
        /// The transaction the statements run in.
        private let connection: any RegistryConnection
        static let savepoint = "\"early_statements\""
        /// What ran, in order.
        private(set) var ran: [(itemId: String, statement: SQLStatement)] = []
        /// False from the first accepted item that is not a new table's create on.
        private var open = true
        /// Called on another thread once every item is derived (the start then begins reading the
        /// package files, which would otherwise compete with the derivations for the cores).
        let derivedAll: @Sendable () -> Void

        init(_ connection: any RegistryConnection, derivedAll: @escaping @Sendable () -> Void,
             run: @escaping (_ itemId: String, _ statement: SQLStatement) throws -> Void) {
            self.connection = connection
            self.derivedAll = derivedAll
            self.run = run
        }

        /// Runs the table statements of `item`, accepted, when it and every item accepted before it
        /// create tables the database did not have (`newTable`) and have nothing to run before
        /// tables; otherwise runs nothing, now or for any later item.
        func accepted(_ item: QueueItem, newTable: Bool) throws {
            guard open else { return }
            let transactional = item.startStatements.filter { $0.stage == .transaction }
            guard newTable, item.action == .create, item.renamedFrom == nil, transactional.allSatisfy({ $0.phase >= .tables }) else {
                open = false
                return
            }
            for statement in transactional where statement.phase == .tables {
                if ran.isEmpty { try connection.execute("SAVEPOINT \(Self.savepoint)") }
                try run(item.id, statement)
                ran.append((item.id, statement))
            }
        }

        /// Keeps what ran when it is the beginning of `order` (the start's transactional
        /// statements in execution order), statement for statement, and rolls it back otherwise.
        ///
        /// - Returns: the statements of `order` that ran (none when they were rolled back).
        func settle(_ order: [(itemId: String, statement: SQLStatement)]) throws -> [SQLStatement] {
            guard !ran.isEmpty else { return [] }
            let first = ran.count <= order.count && zip(ran, order).allSatisfy { $0.itemId == $1.itemId && $0.statement == $1.statement }
            if !first { try connection.execute("ROLLBACK TO SAVEPOINT \(Self.savepoint)") }
            try connection.execute("RELEASE SAVEPOINT \(Self.savepoint)")
            return first ? ran.map(\.statement) : []
        }
    }
}
