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
    /// Whether a model of this schema is `entity`'s table, or `entity` is the join table Prisma
    /// makes for an implicit many-to-many between two of its models: the same database name, in
    /// the schema package tables are made in.
    public func declaresTable(of entity: CanonicalEntity) -> Bool {
        if entity.isJoinTable { return implicitJoinTables.contains(entity.tableName) }
        return models.contains { model in
            model.tableName == entity.tableName && inPackageSchema(model)
        }
    }

    /// The join tables of this schema's implicit many-to-many relations (a list of the other
    /// model on both sides, neither with `fields:`), named as Prisma names them: `_` and the
    /// relation's name, or `_AToB`. Both models must be in the schema package tables are made in.
    public var implicitJoinTables: Set<String> {
        var names: Set<String> = []
        for model in models where inPackageSchema(model) {
            for field in model.fields where field.isList && !field.isScalar && field.attribute("relation")?.named["fields"] == nil {
                guard let target = self.model(named: field.type), inPackageSchema(target) else { continue }
                let otherSide = target.fields.contains { candidate in
                    candidate.type == model.name && candidate.isList && candidate.relationName == field.relationName
                        && (target.name != model.name || candidate.name != field.name)
                        && candidate.attribute("relation")?.named["fields"] == nil
                }
                if otherSide {
                    names.insert(Relation.joinTableName(between: model.name, and: target.name, relationName: field.relationName))
                }
            }
        }
        return names
    }

    private func inPackageSchema(_ model: PrismaModel) -> Bool {
        model.databaseSchema.map { $0 == packageSchema } ?? true
    }
}
