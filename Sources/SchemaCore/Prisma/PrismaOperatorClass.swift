/// Prisma's names for PostgreSQL's operator classes (`@@index([tags(ops: ArrayOps)], type: Gin)`),
/// which `raw("array_ops")` also says: import-prisma reads either, and the generated models write
/// the name where Prisma has one.
public enum PrismaOperatorClass {
    /// Prisma's name → PostgreSQL's, for the classes Prisma names (GIN, GiST, SP-GiST and BRIN).
    public static let databaseNames: [String: String] = {
        var names = ["ArrayOps": "array_ops", "JsonbOps": "jsonb_ops", "JsonbPathOps": "jsonb_path_ops", "InetOps": "inet_ops", "TextOps": "text_ops",
                     "BitMinMaxOps": "bit_minmax_ops", "VarBitMinMaxOps": "varbit_minmax_ops", "InetInclusionOps": "inet_inclusion_ops"]
        // BRIN's classes per type: Bloom, MinMax and (for ordered types) MinMaxMulti.
        let types = ["Bpchar": "bpchar", "Bytea": "bytea", "Date": "date", "Float4": "float4", "Float8": "float8", "Inet": "inet", "Int2": "int2",
                     "Int4": "int4", "Int8": "int8", "Numeric": "numeric", "Oid": "oid", "Text": "text", "Timestamp": "timestamp",
                     "TimestampTz": "timestamptz", "Time": "time", "TimeTz": "timetz", "Uuid": "uuid"]
        let withoutMulti: Set<String> = ["Bpchar", "Bytea", "Text"]
        for (prisma, database) in types {
            names[prisma + "BloomOps"] = database + "_bloom_ops"
            names[prisma + "MinMaxOps"] = database + "_minmax_ops"
            if !withoutMulti.contains(prisma) { names[prisma + "MinMaxMultiOps"] = database + "_minmax_multi_ops" }
        }
        return names
    }()

    /// PostgreSQL's name → Prisma's.
    public static let prismaNames: [String: String] = Dictionary(databaseNames.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
}
