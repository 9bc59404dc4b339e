/// Entities and their relations as boxes and edges, with what a change adds, removes or alters
/// marked: the value every diagram format (Mermaid, Graphviz, SVG) is rendered from.
public struct EntityDiagram: Hashable, Sendable {
    /// How a box, column or edge relates to the change being reviewed.
    public enum Mark: String, Hashable, Sendable, CaseIterable {
        case unchanged, added, removed, changed
    }

    /// One column of a box.
    public struct Column: Hashable, Sendable {
        public var name: String
        /// The Prisma type, `?` when optional.
        public var type: String
        public var isPrimaryKey: Bool
        public var isForeignKey: Bool
        public var isUnique: Bool
        public var mark: Mark

        /// `PK`, `FK` and `UK` as they apply (a primary key is not also called unique).
        public var keyLabels: [String] {
            [isPrimaryKey ? "PK" : nil, isForeignKey ? "FK" : nil, isUnique && !isPrimaryKey ? "UK" : nil].compactMap { $0 }
        }
    }

    /// An entity (a package's) or a host model (drawn as a boundary box without columns).
    public struct Box: Hashable, Sendable {
        public var name: String
        /// The packages that define it; empty for host models.
        public var packages: [String]
        public var isHostModel: Bool
        public var columns: [Column]
        public var mark: Mark
    }

    /// A belongsTo relation: `from` holds the foreign key to `to`.
    public struct Edge: Hashable, Sendable {
        public var from: String
        public var to: String
        /// The relation's name.
        public var label: String
        /// Whether one `to` row has at most one `from` row (a unique foreign key).
        public var isOneToOne: Bool
        /// Whether the foreign key may be NULL.
        public var isOptional: Bool
        public var onDelete: ReferentialAction?
        public var mark: Mark
    }

    public var boxes: [Box]
    public var edges: [Edge]

    /// Every entity of `entities`, with the host models they reference as boundary boxes.
    public static func of(_ entities: [(structure: CanonicalEntity, packages: [String])], host: PrismaSchema?) -> EntityDiagram {
        var diagram = EntityDiagram(boxes: [], edges: [])
        for (structure, packages) in entities.sorted(by: { $0.structure.name < $1.structure.name }) {
            diagram.add(structure, packages: packages, mark: .unchanged, comparedWith: nil)
        }
        diagram.addHostBoxes(host: host)
        return diagram
    }

    /// The entity a change touches, before and after, with its neighbours among `universe` (the
    /// applied entities): what the review page draws for one pending change.
    public static func change(entity name: String, before: CanonicalEntity?, after: CanonicalEntity?, packages: [String],
                              universe: [CanonicalEntity], host: PrismaSchema?) -> EntityDiagram {
        var diagram = EntityDiagram(boxes: [], edges: [])
        switch (before, after) {
        case (nil, let after?): diagram.add(after, packages: packages, mark: .added, comparedWith: nil)
        case (let before?, nil): diagram.add(before, packages: packages, mark: .removed, comparedWith: nil)
        case (let before?, let after?): diagram.add(after, packages: packages, mark: before == after ? .unchanged : .changed, comparedWith: before)
        case (nil, nil): return diagram
        }
        let focus = after ?? before
        let targets = Set(focus.map { $0.relations.filter { $0.kind == .belongsTo }.map(\.target) } ?? [])
        for neighbour in universe.sorted(by: { $0.name < $1.name }) where neighbour.name != name {
            let pointsHere = neighbour.relations.contains { $0.kind == .belongsTo && $0.target == name }
            guard targets.contains(neighbour.name) || pointsHere else { continue }
            diagram.add(neighbour, packages: [], mark: .unchanged, comparedWith: nil, edgesTo: pointsHere ? [name] : [])
        }
        diagram.addHostBoxes(host: host)
        return diagram
    }

    /// Adds `structure` as a box and its belongsTo relations as edges (only those to `edgesTo`
    /// when given); against `before`, columns and edges are marked added, removed or changed.
    mutating func add(_ structure: CanonicalEntity, packages: [String], mark: Mark, comparedWith before: CanonicalEntity?, edgesTo: [String]? = nil) {
        let foreignKeys = Set(structure.relations.filter { $0.kind == .belongsTo }.flatMap(\.foreignKeyFields))
        let uniques = Set(structure.indexes.filter { $0.unique && $0.fields.count == 1 }.map { $0.fields[0] })
        func column(_ field: CanonicalField, mark: Mark) -> Column {
            Column(name: field.name, type: field.type.prismaType + (field.optional ? "?" : ""), isPrimaryKey: field.primary,
                   isForeignKey: foreignKeys.contains(field.name), isUnique: uniques.contains(field.name), mark: mark)
        }
        var columns: [Column] = structure.fields.map { field in
            guard let before else { return column(field, mark: mark == .changed ? .unchanged : mark) }
            guard let old = before.fields.first(where: { $0.name == field.name }) else { return column(field, mark: .added) }
            return column(field, mark: old == field ? .unchanged : .changed)
        }
        if let before {
            columns += before.fields.filter { old in !structure.fields.contains { $0.name == old.name } }.map { column($0, mark: .removed) }
        }
        boxes.append(Box(name: structure.name, packages: packages, isHostModel: false, columns: columns, mark: mark))

        func edge(_ relation: CanonicalRelation, mark: Mark) -> Edge {
            let field = relation.field.flatMap { name in structure.fields.first { $0.name == name } ?? before?.fields.first { $0.name == name } }
            return Edge(from: structure.name, to: relation.target, label: relation.name, isOneToOne: relation.field.map(uniques.contains) ?? false,
                        isOptional: field?.optional ?? false, onDelete: relation.onDelete, mark: mark)
        }
        let relations = structure.relations.filter { $0.kind == .belongsTo && (edgesTo?.contains($0.target) ?? true) }
        for relation in relations {
            let old = before?.relations.first { $0.name == relation.name }
            let edgeMark: Mark = before == nil ? (mark == .changed ? .unchanged : mark) : old == nil ? .added : old == relation ? .unchanged : .changed
            edges.append(edge(relation, mark: edgeMark))
        }
        if let before {
            for relation in before.relations where relation.kind == .belongsTo && !structure.relations.contains(where: { $0.name == relation.name }) {
                edges.append(edge(relation, mark: .removed))
            }
        }
    }

    /// Boundary boxes for edge targets that are host models.
    mutating func addHostBoxes(host: PrismaSchema?) {
        let drawn = Set(boxes.map(\.name))
        for target in Set(edges.map(\.to)).subtracting(drawn).sorted() {
            let isHost = host?.model(named: target) != nil
            boxes.append(Box(name: target, packages: [], isHostModel: isHost, columns: [], mark: .unchanged))
        }
    }
}
