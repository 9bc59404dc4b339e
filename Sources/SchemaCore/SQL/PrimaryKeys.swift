/// The primary-key column of every table a foreign key or a row-level rule may reference.
public enum PrimaryKeys {
    /// Table → primary-key column, for the host's models and `entities` (later entries win, so
    /// pass the newest structures last).
    public static func of(host: PrismaSchema?, entities: [CanonicalEntity]) -> [String: String] {
        var keys: [String: String] = [:]
        for model in host?.models ?? [] { if let key = model.primaryKey.first { keys[model.name] = key } }
        for entity in entities { if let key = entity.primaryKey { keys[entity.name] = key.name } }
        return keys
    }
}
