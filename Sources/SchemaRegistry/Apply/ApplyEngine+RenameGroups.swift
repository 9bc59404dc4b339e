import SchemaCore

extension ApplyEngine {
    /// Holds back the renames and the changes that must run in one start but would not: an entity
    /// renamed while an applied table references it under its old name (a relation, a many-to-many
    /// join table) runs only with the change of that table (which re-points it, moves or drops it),
    /// and such a change only with the renames of the tables it now references. Run apart, the
    /// rename would leave the other table's snapshot naming a table that is gone (every later start
    /// refused for drift), and the change would reference a table that does not exist yet. Held
    /// items stay approved for a start that runs them together.
    static func holdingRenamesTogether(_ prepared: Prepared, approved: [QueueItem], applied: [String: AppliedEntity]) -> Prepared {
        var prepared = prepared
        let renamed = Dictionary(approved.filter { $0.renamedFrom != nil }.map { ($0.entity, $0) }, uniquingKeysWith: { first, _ in first })
        while true {
            let running = Set(prepared.accepted.map(\.entity) + prepared.accepted.compactMap(\.renamedFrom))
            let held = prepared.accepted.lazy.compactMap { item -> (QueueItem, String)? in
                // Renamed away from a name an applied table still references.
                if let old = item.renamedFrom, let referrer = referrers(of: old, applied: applied).first(where: { !running.contains($0) }) {
                    return (item, "\(referrer) references \(old) and changes with the rename; approve the change of \(referrer) "
                        + "(`schema list` shows it) so that both run in one start")
                }
                // References a table by the name a rename that does not run now gives it.
                if let side = item.structure?.relations.first(where: { $0.kind == .belongsTo && renamed[$0.target] != nil && !running.contains($0.target) })?.target,
                   side != item.entity {
                    return (item, "it references \(side), whose rename does not run in this start; both run in one start once it can")
                }
                return nil
            }.first
            guard let (item, reason) = held else { return prepared }
            prepared.accepted.removeAll { $0.id == item.id }
            prepared.nonces[item.id] = nil
            prepared.secured.remove(item.id)
            prepared.refused.append(Refusal(itemId: item.id, entity: item.entity, code: .waitsForRename,
                                            message: "\(item.entity) waits: " + reason + "; nothing ran and the change stays approved"))
        }
    }

    /// The applied tables, but `table` itself, that reference `table` (a relation, a join table's side), by name.
    static func referrers(of table: String, applied: [String: AppliedEntity]) -> [String] {
        applied.values.map(\.structure).filter { entity in
            entity.name != table && entity.relations.contains { $0.kind == .belongsTo && $0.target == table }
        }.map(\.name).sorted()
    }
}
