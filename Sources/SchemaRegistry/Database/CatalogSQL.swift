/// Catalog SQL fragments shared by every lookup of the application's tables on PostgreSQL.
enum CatalogSQL {
    /// The namespace the application's tables are in: the connection's current schema (the URL's
    /// `?schema=`, or the role's `search_path`), quoted first, so that a name that needs quoting
    /// (`Tenant`, `Fresh Start`) is the schema it names and not a syntax error.
    static let currentNamespace = "quote_ident(current_schema())::regnamespace"
}
