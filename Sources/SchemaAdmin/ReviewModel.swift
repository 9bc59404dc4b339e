import SchemaCore
import SchemaRegistry

/// A queue item as the server shows it: summary, field-level diff, SQL, Prisma preview.
struct ItemDetail: Codable, Sendable {
    var id: String
    var entity: String
    var action: String
    var packages: [String]
    var state: String
    var fromChecksum: String?
    var toChecksum: String?
    var destructive: Bool
    /// Approving needs `allowRewrite`: a statement rewrites a table while its reads and writes wait.
    var rewritesTable: Bool
    var risks: [String]
    var operations: [String]
    var differences: [String]
    var sql: String
    /// For a change applied in two parts (``Rollout``): the SQL of the expand (the start), the
    /// contract (`schema complete`) and the rollback (`schema rollback`), all covered by the approval.
    var parts: [String: String]?
    var prisma: String?
    var error: String?
    /// What the change does to the rows of the database now, and the locks it takes (pending and approved items).
    var impact: ChangeImpact?
    /// The same, as lines of text.
    var impactSummary: [String]?
    /// The entity and its neighbours as an SVG, with what the change adds, removes and alters marked.
    var diagram: String?

    /// - Parameter appliedUniverse: every applied entity, so the Prisma shown is the fragment's.
    init(_ item: QueueItem, applied: AppliedEntity?, appliedUniverse: [CanonicalEntity], host: PrismaSchema?, impact: ChangeImpact? = nil) {
        id = item.id
        entity = item.entity
        action = item.action.rawValue
        packages = item.packages
        state = item.state.rawValue
        fromChecksum = item.fromChecksum
        toChecksum = item.toChecksum
        destructive = item.isDestructive
        rewritesTable = item.rewritesTable
        self.impact = impact
        impactSummary = impact?.lines
        risks = item.risks.map(\.description)
        operations = item.operations
        sql = item.sql
        parts = item.isRolledOut ? Dictionary(uniqueKeysWithValues: SQLStatement.Part.allCases.map { ($0.rawValue, item.statements(of: $0).script) }) : nil
        error = item.error
        switch (applied?.structure, item.structure) {
        case (let before?, let after?):
            differences = StructuralDifference.describe(before, "applied", after, "proposed")
        case (nil, let after?):
            differences = ["new table with " + after.fields.map { "\($0.name): \($0.type.rawValue)\($0.optional ? "?" : "")" }.joined(separator: ", ")]
        case (let before?, nil):
            differences = ["drops table \(before.name) with its \(before.fields.count) columns and all rows"]
        default:
            differences = []
        }
        prisma = item.structure.map { PrismaArtifacts.model($0, among: appliedUniverse, host: host) }
        // Drawn for changes still to decide or apply; the queue keeps every applied item forever,
        // and a history listing should not draw them all.
        if item.state == .pending || item.state == .approved {
            let drawing = EntityDiagram.change(entity: item.entity, before: applied?.structure, after: item.structure, packages: item.packages,
                                               universe: appliedUniverse, host: host)
            diagram = drawing.boxes.isEmpty ? nil : DiagramSVG.render(drawing)
        }
    }
}

/// `GET /api/status`.
struct StatusBody: Codable, Sendable {
    var counts: [String: Int]
    var entities: [String]
    var admins: [String]
    var restartNeeded: Bool
    /// The changes whose expand ran and whose `complete` or `rollback` has not (PostgreSQL).
    var rollouts: [RolloutBody]

    init(_ status: RegistryStatus) {
        counts = Dictionary(uniqueKeysWithValues: status.counts.map { ($0.key.rawValue, $0.value) })
        entities = status.entities
        admins = status.admins
        restartNeeded = status.restartNeeded
        rollouts = status.rollouts.map { RolloutBody(entity: $0.entity, itemId: $0.itemId, expandedBy: $0.expandedBy, expandedAt: $0.expandedAt,
                                                     begun: status.begun[$0.entity]?.rawValue) }
    }
}

/// An open rollout in `GET /api/status`: `begun` names the end (`complete`, `rollback`) whose
/// first transaction committed and that must be run again to finish.
struct RolloutBody: Codable, Sendable {
    var entity: String
    var itemId: String
    var expandedBy: String?
    var expandedAt: String?
    var begun: String?
}

/// Request bodies.
struct ApproveBody: Codable, Sendable { var allowDataLoss: Bool?; var allowRewrite: Bool? }
struct RejectBody: Codable, Sendable { var reason: String? }
