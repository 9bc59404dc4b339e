/// Field-level differences between two structures of the same entity, as sentences for people.
public enum StructuralDifference {
    /// Differences between `left` (called `leftName`) and `right` (called `rightName`); empty when equal.
    public static func describe(_ left: CanonicalEntity, _ leftName: String, _ right: CanonicalEntity, _ rightName: String) -> [String] {
        var lines: [String] = []
        let leftFields = Dictionary(left.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let rightFields = Dictionary(right.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in Set(leftFields.keys).union(rightFields.keys).sorted() {
            switch (leftFields[name], rightFields[name]) {
            case (let field?, nil): lines.append("\(leftName) has `\(summary(field))`, \(rightName) lacks it")
            case (nil, let field?): lines.append("\(rightName) has `\(summary(field))`, \(leftName) lacks it")
            case (let a?, let b?):
                for (property, valueA, valueB) in properties(a, b) where valueA != valueB {
                    lines.append("`\(name)`: \(property) is \(valueA) in \(leftName), \(valueB) in \(rightName)")
                }
            default: break
            }
        }
        let leftIndexes = Set(left.indexes), rightIndexes = Set(right.indexes)
        for index in leftIndexes.subtracting(rightIndexes).sorted() { lines.append("\(leftName) has \(summary(index)), \(rightName) lacks it") }
        for index in rightIndexes.subtracting(leftIndexes).sorted() { lines.append("\(rightName) has \(summary(index)), \(leftName) lacks it") }
        let leftRelations = Set(left.relations), rightRelations = Set(right.relations)
        for relation in left.relations where !rightRelations.contains(relation) { lines.append("\(leftName) has \(summary(relation)), \(rightName) lacks it") }
        for relation in right.relations where !leftRelations.contains(relation) { lines.append("\(rightName) has \(summary(relation)), \(leftName) lacks it") }
        if left.acl != right.acl {
            for operation in ACLOperation.allCases {
                let a = left.acl?.rules[operation], b = right.acl?.rules[operation]
                if a != b {
                    lines.append("acl.\(operation.rawValue) is \(roles(a)) in \(leftName), \(roles(b)) in \(rightName)")
                }
            }
            if left.acl?.rowLevel != right.acl?.rowLevel {
                lines.append("acl.rowLevel is \(left.acl?.rowLevel.map { "\"\($0)\"" } ?? "absent") in \(leftName), \(right.acl?.rowLevel.map { "\"\($0)\"" } ?? "absent") in \(rightName)")
            }
        }
        return lines
    }

    static func summary(_ field: CanonicalField) -> String {
        "\(field.name): \(field.type.rawValue)\(field.optional ? "?" : "")"
    }

    static func summary(_ index: CanonicalIndex) -> String {
        "\(index.unique ? "unique index" : "index") [\(index.fields.joined(separator: ", "))]\(index.name.map { " named \($0)" } ?? "")"
    }

    static func summary(_ relation: CanonicalRelation) -> String {
        var text = "relation `\(relation.name)` (\(relation.kind.rawValue) \(relation.target)"
        if let field = relation.field { text += " via \(field)" }
        if let action = relation.onDelete { text += ", onDelete \(action.rawValue)" }
        return text + ")"
    }

    static func roles(_ roles: [String]?) -> String {
        roles.map { "[\($0.joined(separator: ", "))]" } ?? "absent"
    }

    static func properties(_ a: CanonicalField, _ b: CanonicalField) -> [(String, String, String)] {
        func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "none" }
        return [
            ("type", a.type.rawValue, b.type.rawValue),
            ("optional", String(a.optional), String(b.optional)),
            ("primary", String(a.primary), String(b.primary)),
            ("generated", String(a.generated), String(b.generated)),
            ("default", text(a.defaultValue), text(b.defaultValue)),
            ("maxLength", text(a.maxLength), text(b.maxLength)),
            ("enum", text(a.enumValues?.joined(separator: "|")), text(b.enumValues?.joined(separator: "|"))),
            ("min", text(a.minimum.map(CanonicalNumber.format)), text(b.minimum.map(CanonicalNumber.format))),
            ("max", text(a.maximum.map(CanonicalNumber.format)), text(b.maximum.map(CanonicalNumber.format))),
        ]
    }
}
