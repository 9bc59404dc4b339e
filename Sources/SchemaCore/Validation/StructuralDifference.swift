/// Field-level differences between two structures, as sentences for people. The one describer of
/// differences: packages against each other, a package against a host model, and an applied
/// snapshot against a proposed change all go through ``describe(_:_:_:_:)``.
public enum StructuralDifference {
    /// Differences between `left` (called `leftName`) and `right` (called `rightName`); empty when equal.
    public static func describe(_ left: CanonicalEntity, _ leftName: String, _ right: CanonicalEntity, _ rightName: String) -> [String] {
        describe(Shape(left), leftName, Shape(right), rightName)
    }

    /// A structure as the comparison sees it: each field with its properties as text, and one
    /// summary per index, relation and ACL entry. Two sides compare equal where their texts do.
    struct Shape {
        struct Field {
            /// `name: type?`, for "has / lacks" lines.
            var summary: String
            /// (label, value) pairs compared one by one; an empty label words the value alone.
            var properties: [(label: String, value: String)]
        }

        var fields: [String: Field] = [:]
        var indexes: Set<String> = []
        /// Relation name → summary.
        var relations: [String: String] = [:]
        /// Relation names in the order to report them.
        var relationOrder: [String] = []
        /// (label, value) pairs such as the ACL's, compared by label.
        var other: [(label: String, value: String)] = []

        /// Everything of a canonical entity.
        init(_ entity: CanonicalEntity) {
            func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "none" }
            for field in entity.fields {
                fields[field.name] = Field(summary: "\(field.name): \(field.type.rawValue)\(field.optional ? "?" : "")", properties: [
                    ("type", field.enumType ?? field.type.rawValue),
                    ("", field.optional ? "optional" : "required"),
                    ("primary", String(field.primary)),
                    ("generated", String(field.generated)),
                    ("default", text(field.defaultValue)),
                    ("maxLength", text(field.maxLength)),
                    ("enum", text(field.enumValues?.joined(separator: "|"))),
                    ("min", text(field.minimum.map(CanonicalNumber.format))),
                    ("max", text(field.maximum.map(CanonicalNumber.format))),
                    ("updatedAt", String(field.updatedAt)),
                    ("db", text(field.nativeType)),
                    ("map", field.column ?? field.name),
                    ("list", String(field.list)),
                    ("list default", text(field.listDefault.map { "[\($0.map { "\($0)" }.joined(separator: ", "))]" })),
                    ("dbgenerated", text(field.databaseDefault?.rawValue)),
                ])
            }
            indexes = Set(entity.indexes.map { Self.summary($0.fields, unique: $0.unique, name: $0.name) })
            for relation in entity.relations {
                var summary = "\(relation.kind.rawValue) \(relation.target)"
                if relation.field != nil { summary += " via \(relation.keyLabel)" }
                if let action = relation.onDelete { summary += ", onDelete \(action.rawValue)" }
                if let action = relation.onUpdate { summary += ", onUpdate \(action.rawValue)" }
                add(relation: relation.name, summary)
            }
            if let acl = entity.acl {
                for operation in ACLOperation.allCases {
                    other.append(("acl.\(operation.rawValue)", acl.rules[operation].map { "[\($0.joined(separator: ", "))]" } ?? "absent"))
                }
                other.append(("acl.rowLevel", acl.rowLevel.map { "\"\($0.canonicalText)\"" } ?? "absent"))
                other.append(("acl.readableWhen", acl.readableWhen.map { "\"\($0.canonicalText)\"" } ?? "absent"))
            } else {
                other = [("acl", "absent")]
            }
            other.append(("map", entity.tableName))
            other.append(("primaryKey", "(\(entity.keyColumns.joined(separator: ", ")))"))
        }

        init() {}

        mutating func add(relation name: String, _ summary: String) {
            if relations[name] == nil { relationOrder.append(name) }
            relations[name] = summary
        }

        static func summary(_ fields: [String], unique: Bool, name: String?) -> String {
            "\(unique ? "unique index" : "index") [\(fields.joined(separator: ", "))]\(name.map { " named \($0)" } ?? "")"
        }
    }

    static func describe(_ left: Shape, _ leftName: String, _ right: Shape, _ rightName: String) -> [String] {
        var lines: [String] = []
        for name in Set(left.fields.keys).union(right.fields.keys).sorted() {
            switch (left.fields[name], right.fields[name]) {
            case (let field?, nil): lines.append("\(leftName) has `\(field.summary)`, \(rightName) lacks it")
            case (nil, let field?): lines.append("\(rightName) has `\(field.summary)`, \(leftName) lacks it")
            case (let a?, let b?):
                let theirs = Dictionary(b.properties.map { ($0.label, $0.value) }, uniquingKeysWith: { first, _ in first })
                for (label, mine) in a.properties {
                    guard let other = theirs[label], other != mine else { continue }
                    lines.append("`\(name)`: " + (label.isEmpty ? "" : "\(label) is ") + "\(mine) in \(leftName), \(other) in \(rightName)")
                }
            default: break
            }
        }
        for index in left.indexes.subtracting(right.indexes).sorted() { lines.append("\(leftName) has \(index), \(rightName) lacks it") }
        for index in right.indexes.subtracting(left.indexes).sorted() { lines.append("\(rightName) has \(index), \(leftName) lacks it") }
        for name in left.relationOrder + right.relationOrder.filter({ left.relations[$0] == nil }) {
            switch (left.relations[name], right.relations[name]) {
            case (let mine?, nil): lines.append("\(leftName) has relation `\(name)` (\(mine)), \(rightName) lacks it")
            case (nil, let theirs?): lines.append("\(rightName) has relation `\(name)` (\(theirs)), \(leftName) lacks it")
            case (let mine?, let theirs?) where mine != theirs: lines.append("relation `\(name)` is \(mine) in \(leftName), \(theirs) in \(rightName)")
            default: break
            }
        }
        let theirs = Dictionary(right.other.map { ($0.label, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (label, mine) in left.other where theirs[label] != nil && theirs[label] != mine {
            lines.append("\(label) is \(mine) in \(leftName), \(theirs[label] ?? "") in \(rightName)")
        }
        if left.other.map(\.label) != right.other.map(\.label), let mine = left.other.first, let other = right.other.first,
           mine.label == "acl" || other.label == "acl" {
            lines.append("acl is \(mine.label == "acl" ? "absent" : "declared") in \(leftName), \(other.label == "acl" ? "absent" : "declared") in \(rightName)")
        }
        return lines
    }
}
