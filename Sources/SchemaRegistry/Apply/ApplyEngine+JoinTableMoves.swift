import SchemaCore

extension ApplyEngine {
    /// Holds back the renames and join table moves that must run in one start but would not: an
    /// entity renamed while an applied join table references it under its old name runs only with
    /// the item that moves (or drops) that join table, and a moved join table only with the renames
    /// of its sides. Run apart, the rename would leave the join table's snapshot naming a table that
    /// is gone (every later start refused for drift), and the move would reference a table that
    /// does not exist yet. Held items stay approved for a start that runs them together.
    static func holdingJoinTableMovesTogether(_ prepared: Prepared, approved: [QueueItem], applied: [String: AppliedEntity]) -> Prepared {
        var prepared = prepared
        let appliedJoins = applied.values.map(\.structure).filter(\.isJoinTable)
        let renamedSides = Dictionary(approved.filter { $0.renamedFrom != nil }.map { ($0.entity, $0) }, uniquingKeysWith: { first, _ in first })
        while true {
            let running = Set(prepared.accepted.map(\.entity) + prepared.accepted.compactMap(\.renamedFrom))
            let held = prepared.accepted.lazy.compactMap { item -> (QueueItem, String)? in
                // A side renamed away from a name an applied join table still references.
                if let old = item.renamedFrom,
                   let join = appliedJoins.first(where: { join in join.relations.contains { $0.target == old } && !running.contains(join.name) }) {
                    return (item, "its join table \(join.name) references \(old) and moves only with the rename; approve the change of the join table "
                        + "(`schema list` shows it) so that both run in one start")
                }
                // A join table moved with a side whose rename does not run now.
                if item.structure?.isJoinTable == true, item.renamedFrom != nil,
                   let side = item.structure?.relations.map(\.target).first(where: { renamedSides[$0] != nil && !running.contains($0) }) {
                    return (item, "it moves with the rename of \(side), which does not run in this start; both run in one start once it can")
                }
                return nil
            }.first
            guard let (item, reason) = held else { return prepared }
            prepared.accepted.removeAll { $0.id == item.id }
            prepared.nonces[item.id] = nil
            prepared.secured.remove(item.id)
            prepared.refused.append(Refusal(itemId: item.id, entity: item.entity, code: .waitsForJoinTable,
                                            message: "\(item.entity) waits: " + reason + "; nothing ran and the change stays approved"))
        }
    }
}
