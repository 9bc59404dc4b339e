extension DerivedChange {
    /// A package's table handed back to the host: the entity left the packages and the host's
    /// Prisma schema declares a model of that table again (a model moved back from a package
    /// into the host). Nothing runs and nothing is lost: the registry forgets the table, rows
    /// and all, and the host's Prisma schema owns it from then on.
    public static func handingBack(_ snapshot: CanonicalEntity) -> DerivedChange {
        var change = DerivedChange(from: nil, to: nil, renderer: MigrationSQLRenderer(dialect: .sqlite, primaryKeys: [:]))
        change.operations = [.handBackTable(snapshot.tableName)]
        return change
    }

    /// The change that removes `snapshot` from the packages: a hand-back when `host` declares a
    /// model of its table in the package schema, else a drop of the table.
    public static func removing(_ snapshot: CanonicalEntity, host: PrismaSchema?, renderer: MigrationSQLRenderer, rollout: Bool) -> DerivedChange {
        guard let host, host.declaresTable(of: snapshot) else {
            return DerivedChange(from: snapshot, to: nil, renderer: renderer, rollout: rollout)
        }
        return handingBack(snapshot)
    }
}

extension PrismaSchema {
    /// Whether a model of this schema is `entity`'s table: the same database name, in the schema
    /// package tables are made in.
    public func declaresTable(of entity: CanonicalEntity) -> Bool {
        models.contains { model in
            model.tableName == entity.tableName && (model.databaseSchema.map { $0 == packageSchema } ?? true)
        }
    }
}
