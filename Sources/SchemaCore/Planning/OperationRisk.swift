/// Why an operation needs care, with the analyzer codes Atlas users know
/// (DS = destructive, MF = data-dependent, BC = backward-incompatible).
public struct OperationRisk: Hashable, Sendable, Codable, CustomStringConvertible {
    /// How serious the risk is.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Can lose data: approving needs an explicit acknowledgement (`--allow-data-loss`).
        case destructive
        /// Can fail on existing rows; a failure rolls everything back.
        case dataDependent
        /// Breaks clients that use the old shape.
        case backwardIncompatible
        /// Rewrites a table while reads and writes of it wait: approving needs an explicit
        /// acknowledgement (`--allow-rewrite`).
        case tableRewrite
    }

    public var code: String
    public var kind: Kind
    public var message: String

    public var description: String { "\(code) \(message)" }

    /// The risks of one operation.
    public static func of(_ operation: SchemaOperation) -> [OperationRisk] {
        switch operation {
        case .dropTable(let name):
            return [OperationRisk(code: "DS102", kind: .destructive, message: "drops table \(name) and all its rows")]
        case .dropColumn(let table, let field):
            return [OperationRisk(code: "DS103", kind: .destructive, message: "drops column \(table).\(field.name) and its values")]
        case .renameTable(let from, let to):
            return [OperationRisk(code: "BC103", kind: .backwardIncompatible, message: "renames table \(from) to \(to); clients using the old name break unless it rolls out")]
        case .moveJoinTable(let from, let to, _):
            return [OperationRisk(code: "BC103", kind: .backwardIncompatible, message: "moves join table \(from) to \(to); clients using the old name break unless it rolls out")]
        case .renameColumn(let table, let from, let to):
            return [OperationRisk(code: "BC102", kind: .backwardIncompatible, message: "renames \(table).\(from) to \(to); clients using the old name break")]
        case .addColumn(let table, let field) where !field.optional && !field.hasDefault && !field.generated:
            return [OperationRisk(code: "MF103", kind: .dataDependent, message: "adds NOT NULL column \(table).\(field.name) without a default; fails if the table has rows")]
        case .createIndex(let table, let index) where index.unique:
            return [OperationRisk(code: "MF101", kind: .dataDependent, message: "adds a unique index on \(table) (\(index.fields.joined(separator: ", "))); fails on existing duplicates")]
        case .addForeignKey(let table, let relation):
            return [OperationRisk(code: "MF106", kind: .dataDependent, message: "adds a foreign key \(table).\(relation.keyLabel) → \(relation.target); fails on rows without a match")]
        case .alterColumn(let table, let from, let to):
            let change = ColumnChange(from: from, to: to)
            var risks: [OperationRisk] = []
            switch change.typeConversion {
            case .keepsValues: break
            case .guarded:
                risks.append(OperationRisk(code: "MF109", kind: .dataDependent,
                                           message: "changes \(table).\(to.name) from \(from.type.rawValue) to \(to.type.rawValue); fails on values the new type cannot hold exactly"))
            case .reinterprets:
                risks.append(OperationRisk(code: "DS104", kind: .destructive,
                                           message: "changes \(table).\(to.name) from \(from.type.rawValue) to \(to.type.rawValue); values are converted and may not survive"))
            }
            if from.optional && !to.optional {
                if !to.hasDefault {
                    risks.append(OperationRisk(code: "MF104", kind: .dataDependent, message: "makes \(table).\(to.name) NOT NULL without a default; fails if rows hold NULL"))
                } else {
                    risks.append(OperationRisk(code: "MF108", kind: .dataDependent, message: "makes \(table).\(to.name) NOT NULL; existing NULLs are set to the default"))
                }
            }
            if change.checkChanged && !change.loosensOrKeepsChecks {
                risks.append(OperationRisk(code: "MF105", kind: .dataDependent, message: "tightens the constraints of \(table).\(to.name); fails on rows that violate them"))
            }
            if change.primaryChanged {
                risks.append(OperationRisk(code: "MF107", kind: .dataDependent, message: "changes the primary key of \(table); fails on duplicate or NULL values"))
            }
            return risks
        default:
            return []
        }
    }
}
