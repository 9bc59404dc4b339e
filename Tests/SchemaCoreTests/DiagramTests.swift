import Foundation
import SchemaCore
import Testing

/// Entity diagrams: what a change adds, removes and alters is marked, neighbours and host models
/// are drawn, and each format says it in its own syntax.
@Suite struct DiagramTests {
    static func structure(_ yaml: String, named name: String = "Ticket") throws -> CanonicalEntity {
        let desired = TestSupport.desired(yaml)
        try #require(desired.isValid, "\(desired.errors)")
        return try #require(desired.entities.first { $0.structure.name == name }?.structure)
    }

    static let before = """
        entities:
          - name: Ticket
            fields:
              id: { type: cuid, primary: true }
              title: { type: string, maxLength: 80 }
              legacy: { type: string, nullable: true }
              ownerId: { type: string }
            relations:
              - { name: owner, type: belongsTo, entity: User, field: ownerId, onDelete: Cascade }
        """
    static let after = """
        entities:
          - name: Ticket
            fields:
              id: { type: cuid, primary: true }
              title: { type: string, maxLength: 120 }
              priority: { type: int, default: 0 }
              ownerId: { type: string }
              tenantId: { type: string }
            relations:
              - { name: owner, type: belongsTo, entity: User, field: ownerId, onDelete: Cascade }
              - { name: tenant, type: belongsTo, entity: Tenant, field: tenantId, onDelete: Restrict }
        """

    @Test func aChangeMarksWhatItAddsRemovesAndAlters() throws {
        let comment = try Self.structure(Self.before + """

              - name: TicketComment
                fields:
                  id: { type: cuid, primary: true }
                  ticketId: { type: string, unique: true }
                relations:
                  - { name: ticket, type: belongsTo, entity: Ticket, field: ticketId, onDelete: Cascade }
            """, named: "TicketComment")
        let diagram = EntityDiagram.change(entity: "Ticket", before: try Self.structure(Self.before), after: try Self.structure(Self.after),
                                           packages: ["desk"], universe: [comment], host: TestSupport.hostSchema)
        let ticket = try #require(diagram.boxes.first { $0.name == "Ticket" })
        #expect(ticket.mark == .changed)
        let marks = Dictionary(uniqueKeysWithValues: ticket.columns.map { ($0.name, $0.mark) })
        #expect(marks == ["id": .unchanged, "title": .changed, "priority": .added, "ownerId": .unchanged, "tenantId": .added, "legacy": .removed])
        let edges = Dictionary(uniqueKeysWithValues: diagram.edges.map { ("\($0.from)->\($0.to)", $0) })
        #expect(edges["Ticket->User"]?.mark == .unchanged)
        #expect(edges["Ticket->Tenant"]?.mark == .added)
        #expect(edges["Ticket->Tenant"]?.onDelete == .Restrict)
        #expect(edges["TicketComment->Ticket"]?.isOneToOne == true, "a unique foreign key is one-to-one")
        #expect(Set(diagram.boxes.filter(\.isHostModel).map(\.name)) == ["User", "Tenant"])
    }

    @Test func aNewEntityIsAddedAndADroppedOneRemoved() throws {
        let ticket = try Self.structure(Self.before)
        let created = EntityDiagram.change(entity: "Ticket", before: nil, after: ticket, packages: ["desk"], universe: [], host: TestSupport.hostSchema)
        #expect(created.boxes.first?.mark == .added && created.boxes.first?.columns.allSatisfy { $0.mark == .added } == true)
        let dropped = EntityDiagram.change(entity: "Ticket", before: ticket, after: nil, packages: ["desk"], universe: [], host: TestSupport.hostSchema)
        #expect(dropped.boxes.first?.mark == .removed && dropped.edges.allSatisfy { $0.mark == .removed })
    }

    @Test func mermaidDotAndSVGSayTheSameThing() throws {
        let diagram = EntityDiagram.change(entity: "Ticket", before: try Self.structure(Self.before), after: try Self.structure(Self.after),
                                           packages: ["desk"], universe: [], host: TestSupport.hostSchema)
        let mermaid = DiagramRenderer.mermaid(diagram)
        #expect(mermaid.hasPrefix("erDiagram\n"))
        #expect(mermaid.contains("    Int priority \"added\""))
        #expect(mermaid.contains("    String legacy \"optional, removed\""))
        #expect(mermaid.contains("  Ticket }o--|| Tenant : \"tenant, onDelete: Restrict (added)\""))
        let dot = DiagramRenderer.dot(diagram)
        #expect(dot.contains("subgraph cluster_0") && dot.contains("label=\"package desk\""))
        #expect(dot.contains("<S>− legacy: String?</S>"), "a removed column is struck through")
        #expect(dot.contains("\"Ticket\" -> \"Tenant\" [label=\"+ tenant · onDelete: Restrict\""))
        let svg = DiagramSVG.render(diagram)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("class=\"column added\"") && svg.contains("+ priority: Int"))
        #expect(svg.contains("text-decoration=\"line-through\">− legacy: String?"))
        #expect(svg.contains("class=\"box unchanged host\""), "host models are boundary boxes")
    }
}
