import SchemaCore

/// What a first transaction that began before the package files were read assumed of them
/// (``DesiredSource``).
struct Speculation: Sendable {
    /// The host's render context it derived with.
    var context: RenderContext
    /// The approved items it prepared, each assumed to be what the files still define.
    var items: [QueueItem]
    /// The applied structures it read.
    var applied: [CanonicalEntity]
    /// The primary keys it derived with: the host's, the applied and the queued structures'.
    var primaryKeys: [String: String]
}

/// Thrown inside a first transaction whose assumptions about the package files did not hold:
/// the transaction rolls back and the start runs again with the files read.
struct SpeculationMissed: Error {}

extension ApplyEngine {
    /// Checks, before a first transaction that began before the package files were read commits,
    /// that reading them first would have prepared exactly the same: the files are valid, the
    /// host's render context is the one it derived with, the primary keys are the same with the
    /// files' entities as with the queued structures, and every item it prepared (accepted or
    /// refused; repairs aside) is what the files define now.
    ///
    /// - Throws: ``SpeculationMissed`` when any of these does not hold; ``SchemaError``
    ///   `invalid-packages` when the files have errors.
    func confirm(_ assumed: Speculation, with source: DesiredSource) throws {
        let desired = try source.desired()
        guard desired.renderContext == assumed.context,
              DerivationInputs.primaryKeys(context: assumed.context, applied: assumed.applied, others: desired.entities.map(\.structure)) == assumed.primaryKeys
        else { throw SpeculationMissed() }
        let current = desired.entitiesByName
        for item in assumed.items where item.action != .repair && current[item.entity]?.checksum.hex != item.toChecksum {
            throw SpeculationMissed()
        }
    }
}
