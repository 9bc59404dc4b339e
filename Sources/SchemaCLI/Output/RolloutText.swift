import SchemaCore
import SchemaRegistry

/// The parts of a rolled-out change, as `plan` heads them.
enum RolloutText {
    /// The heading of a part's statements.
    static func heading(_ part: SQLStatement.Part) -> String {
        switch part {
        case .expand: "expand, run by the start"
        case .contract: "contract, run by `schema complete` once no old version runs"
        case .rollback: "rollback, run by `schema rollback` instead of the contract"
        }
    }
}
