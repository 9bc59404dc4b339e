/// Looks up entities of all packages and models of the host by name, for rules that follow relations.
struct EntityCatalog {
    let packageEntities: [String: Entity]
    let hostSchema: PrismaSchema?

    init(workspace: Workspace) {
        var entities: [String: Entity] = [:]
        for package in workspace.packages {
            for entity in package.entities where entities[entity.name] == nil {
                entities[entity.name] = entity
            }
        }
        packageEntities = entities
        hostSchema = workspace.baseSchema
        allNames = Array(entities.keys).sorted() + (workspace.baseSchema?.models.map(\.name) ?? [])
    }

    /// Whether `name` is a package entity or a host model.
    func exists(_ name: String) -> Bool {
        packageEntities[name] != nil || hostSchema?.model(named: name) != nil
    }

    /// The fields of `name`'s primary key (package entity or host model), when it has any.
    func primaryKeyFields(of name: String) -> [String] {
        if let entity = packageEntities[name] { return entity.primaryKey.map(\.name) }
        return hostSchema?.model(named: name)?.primaryKey ?? []
    }

    static func postgresColumnType(_ type: FieldType, _ native: NativeType?) -> String {
        SQLDialect.postgresql.columnType(CanonicalField(name: "", type: type, optional: false, nativeType: native))
    }

    /// The Prisma type of `field` of `name` (package entity or host model), when it has one.
    func prismaType(of field: String, in name: String) -> String? {
        if let entity = packageEntities[name] { return entity.field(named: field)?.type.prismaType }
        return hostSchema?.model(named: name)?.field(named: field).flatMap { $0.isScalar ? $0.type : nil }
    }

    /// The PostgreSQL column type of `field` of `name`, without a length (what a foreign key's
    /// column must match), when it is known.
    func columnType(of field: String, in name: String) -> String? {
        if let entity = packageEntities[name] {
            return entity.field(named: field).map { Self.postgresColumnType($0.type, $0.nativeType) }
        }
        if let model = hostSchema?.model(named: name), let field = model.field(named: field), let type = FieldType(spelling: field.type) {
            return Self.postgresColumnType(type, field.nativeType)
        }
        return nil
    }

    /// The sets of fields of `name` whose values are unique together, which a foreign key may
    /// reference: its primary key, unique fields and unique indexes (`@@unique`).
    func uniqueFieldSets(of name: String) -> [Set<String>] {
        var sets = [Set(primaryKeyFields(of: name))]
        if let entity = packageEntities[name] {
            sets += entity.fields.filter(\.isUnique).map { [$0.name] } + entity.indexes.filter(\.isUnique).map { Set($0.fields) }
        } else if let model = hostSchema?.model(named: name) {
            sets += model.uniqueFieldSets.dropFirst().map(Set.init)
        }
        return sets.filter { !$0.isEmpty }
    }

    /// Whether `entity` has a scalar field called `field` (package entity or host model).
    func hasField(_ field: String, in entity: String) -> Bool? {
        if let packageEntity = packageEntities[entity] { return packageEntity.field(named: field) != nil }
        if let model = hostSchema?.model(named: entity) { return model.field(named: field).map(\.isScalar) ?? false }
        return nil
    }

    /// All known entity and model names, for suggestions.
    let allNames: [String]
}
