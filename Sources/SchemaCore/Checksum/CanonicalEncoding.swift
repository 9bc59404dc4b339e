/// The byte-exact text a checksum is computed over. Documented in the README ("Checksums") so
/// another implementation can reproduce it.
///
/// JSON with object keys sorted by their UTF-8 bytes, no whitespace, absent values omitted,
/// strings escaped minimally (`"`, `\`, and control characters as `\u00XX`), numbers as
/// ``CanonicalNumber/format(_:)`` prints them.
public enum CanonicalEncoding {
    /// The canonical text of an entity.
    ///
    /// - Parameter relationNames: false gives the text of registries before version 8, whose
    ///   checksums did not cover `relationName:` (their upgrade recognizes them by it).
    public static func encode(_ entity: CanonicalEntity, relationNames: Bool = true) -> String {
        var members: [(String, JSONValue)] = [
            ("name", .string(entity.name)),
            ("fields", .array(entity.fields.map(encode))),
            ("indexes", .array(entity.indexes.map(encode))),
            ("relations", .array(entity.relations.map { encode($0, relationName: relationNames ? entity.presentation?.relationNames[$0.name] : nil) })),
        ]
        if let acl = entity.acl { members.append(("acl", encode(acl))) }
        // Absent without `map:`: the checksums of entities named as their tables are what they were.
        if let table = entity.table { members.append(("map", .string(table))) }
        // Absent for a key of one field (its field says `primary`): those checksums are what they were.
        if let key = entity.compoundKey { members.append(("primaryKey", .array(key.map(JSONValue.string)))) }
        if entity.isJoinTable { members.append(("joinTable", .bool(true))) }
        // Absent without them: the checksums of keys Prisma names are what they were.
        if let name = entity.keyName { members.append(("primaryKeyName", .string(name))) }
        if let map = entity.keyMap { members.append(("primaryKeyMap", .string(map))) }
        return JSONValue.object(members).serialized
    }

    static func encode(_ field: CanonicalField) -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(field.name)), ("type", .string(field.type.rawValue)), ("optional", .bool(field.optional))]
        if field.primary { members.append(("primary", .bool(true))) }
        if field.generated { members.append(("generated", .bool(true))) }
        if let value = field.defaultValue { members.append(("default", encode(value))) }
        if let length = field.maxLength { members.append(("maxLength", .number(Double(length)))) }
        if let values = field.enumValues { members.append(("enum", .array(values.map(JSONValue.string)))) }
        if let minimum = field.minimum { members.append(("min", .number(minimum))) }
        if let maximum = field.maximum { members.append(("max", .number(maximum))) }
        // Absent when false: the checksums of fields without it are what they always were.
        if field.updatedAt { members.append(("updatedAt", .bool(true))) }
        if let native = field.nativeType { members.append(("db", .string(native.description))) }
        // Absent without one; with one, `enum` lists its values in declared order.
        if let name = field.enumType { members.append(("enumType", .string(name))) }
        // Absent without a map: the checksums of enum fields that map nothing are what they were.
        if let map = field.enumTypeMap { members.append(("enumMap", .string(map))) }
        // Absent for a type in the connection's schema: those checksums are what they were.
        if let schema = field.enumSchema { members.append(("enumSchema", .string(schema))) }
        if let labels = field.enumValueMap {
            members.append(("enumLabels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
        }
        if let column = field.column { members.append(("map", .string(column))) }
        // Absent for a scalar: those checksums are what they were.
        if field.list { members.append(("list", .bool(true))) }
        if let values = field.listDefault { members.append(("default", .array(values.map(encode)))) }
        // Absent without one: the checksums of other fields are what they were.
        if let computed = field.databaseDefault { members.append(("default", .object([("dbgenerated", .string(computed.rawValue))]))) }
        // Absent for Prisma's default version: the checksums of other ids are what they were.
        if let version = field.idVersion { members.append(("version", .number(Double(version)))) }
        return .object(members)
    }

    static func encode(_ value: ScalarValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .number(Double(number))
        case .float(let number): .number(number)
        case .bool(let flag): .bool(flag)
        }
    }

    static func encode(_ index: CanonicalIndex) -> JSONValue {
        var members: [(String, JSONValue)] = [("fields", .array(index.fields.map(JSONValue.string))), ("unique", .bool(index.unique))]
        if let name = index.name { members.append(("name", .string(name))) }
        // Absent unless written: the checksums of B-tree indexes in ascending order are what they were.
        if let method = index.method { members.append(("type", .string(method.rawValue))) }
        if let clientName = index.clientName { members.append(("clientName", .string(clientName))) }
        if let descending = index.descending { members.append(("desc", .array(descending.map(JSONValue.string)))) }
        if let classes = index.operatorClasses {
            members.append(("ops", .object(classes.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
        }
        return .object(members)
    }

    /// A relation; its `relationName:` (kept with the presentation) counts: it decides which Prisma
    /// relation fields pair up, so editing it changes the generated client. Absent when not written,
    /// so the checksums of entities without one are what they always were.
    static func encode(_ relation: CanonicalRelation, relationName: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(relation.name)), ("kind", .string(relation.kind.rawValue)), ("entity", .string(relation.target))]
        if let relationName { members.append(("relationName", .string(relationName))) }
        if let field = relation.field { members.append(("field", .string(field))) }
        // Absent for a key of one column to the target's primary key: checksums stay as they were.
        if let fields = relation.fields { members.append(("fields", .array(fields.map(JSONValue.string)))) }
        if let references = relation.references { members.append(("references", .array(references.map(JSONValue.string)))) }
        if let action = relation.onDelete { members.append(("onDelete", .string(action.rawValue))) }
        if let action = relation.onUpdate { members.append(("onUpdate", .string(action.rawValue))) }
        // Absent without one: the checksums of keys Prisma names are what they were.
        if let map = relation.map { members.append(("map", .string(map))) }
        return .object(members)
    }

    static func encode(_ acl: CanonicalACL) -> JSONValue {
        var members: [(String, JSONValue)] = acl.rules.map { ($0.key.rawValue, .array($0.value.map(JSONValue.string))) }
        if let rule = acl.rowLevel { members.append(("rowLevel", .string(rule.canonicalText))) }
        if let rule = acl.readableWhen { members.append(("readableWhen", .string(rule.canonicalText))) }
        return .object(members)
    }
}

/// A minimal JSON value with a deterministic serialization.
enum JSONValue {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])

    var serialized: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, to: &output)
        case .number(let value): output += CanonicalNumber.format(value)
        case .bool(let flag): output += flag ? "true" : "false"
        case .array(let items):
            output += "["
            for (offset, item) in items.enumerated() {
                if offset > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (offset, member) in members.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
                if offset > 0 { output += "," }
                Self.writeString(member.0, to: &output)
                output += ":"
                member.1.write(to: &output)
            }
            output += "}"
        }
    }

    static func writeString(_ text: String, to output: inout String) {
        output += "\""
        // Runs between the bytes that need escaping are appended whole: SQL text quotes every
        // identifier, and a start hashes 10,000 statements. The bytes escaped are ASCII, so
        // every run starts and ends on a scalar boundary (sliced as UTF-8: a run may begin
        // with a combining mark that follows a quote).
        let utf8 = text.utf8
        var runStart = utf8.startIndex
        var index = runStart
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                output += Substring(utf8[runStart..<index])
                switch byte {
                case UInt8(ascii: "\""): output += "\\\""
                case UInt8(ascii: "\\"): output += "\\\\"
                default:
                    let hex = String(byte, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                runStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        output += Substring(utf8[runStart..<utf8.endIndex])
        output += "\""
    }
}
