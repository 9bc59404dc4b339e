/// An ``EntityDiagram`` as a self-contained SVG, laid out here: boxes in rows (the changed
/// entity first), straight edges with their relation names. Simple on purpose: the review page
/// shows one entity and its neighbours, a handful of boxes, and must render without Graphviz.
public enum DiagramSVG {
    static let width = 230
    static let lineHeight = 18
    static let gap = 60
    static let perRow = 3

    struct Placed {
        var box: EntityDiagram.Box
        var x: Int
        var y: Int
        var height: Int
        var centre: (x: Int, y: Int) { (x + DiagramSVG.width / 2, y + height / 2) }
    }

    /// The SVG document (no external references, so it renders offline and inline).
    public static func render(_ diagram: EntityDiagram) -> String {
        var placed: [Placed] = []
        var y = 20
        for row in stride(from: 0, to: diagram.boxes.count, by: perRow) {
            let boxes = diagram.boxes[row..<min(row + perRow, diagram.boxes.count)]
            let rowHeight = boxes.map { height(of: $0) }.max() ?? 0
            for (column, box) in boxes.enumerated() {
                placed.append(Placed(box: box, x: 20 + column * (width + gap), y: y, height: height(of: box)))
            }
            y += rowHeight + gap
        }
        y = y - gap + 20
        let totalWidth = 20 + min(perRow, max(1, diagram.boxes.count)) * (width + gap) - gap + 20
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" role=\"img\" viewBox=\"0 0 \(totalWidth) \(y)\" width=\"\(totalWidth)\" height=\"\(y)\" "
            + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
        svg += "<title>\(DiagramRenderer.xml(diagram.boxes.map(\.name).joined(separator: ", ")))</title>"
        let positions = Dictionary(placed.map { ($0.box.name, $0) }, uniquingKeysWith: { first, _ in first })
        for edge in diagram.edges {
            guard let from = positions[edge.from], let to = positions[edge.to] else { continue }
            let colour = DiagramRenderer.colours[edge.mark] ?? "#24292f"
            let dash = edge.mark == .removed ? " stroke-dasharray=\"6 4\"" : ""
            let (x1, y1) = from.centre
            let (x2, y2) = to.centre
            svg += "<line class=\"edge \(edge.mark.rawValue)\" x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"\(colour)\" stroke-width=\"\(edge.mark == .added ? 2.5 : 1.5)\"\(dash)/>"
            var label = (DiagramRenderer.symbols[edge.mark] ?? "") + edge.label + (edge.isOneToOne ? " (1:1)" : " (n:1)")
            if let action = edge.onDelete { label += " · onDelete \(action.rawValue)" }
            svg += "<text x=\"\((x1 + x2) / 2)\" y=\"\((y1 + y2) / 2 - 4)\" text-anchor=\"middle\" fill=\"\(colour)\" font-size=\"11\" "
                + "stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(DiagramRenderer.xml(label))</text>"
        }
        for item in placed { svg += box(item) }
        return svg + "</svg>"
    }

    static func height(of box: EntityDiagram.Box) -> Int {
        box.columns.isEmpty ? 44 : 28 + box.columns.count * lineHeight + 8
    }

    static func box(_ item: Placed) -> String {
        let box = item.box
        let colour = DiagramRenderer.colours[box.mark] ?? "#24292f"
        let dashed = box.isHostModel || box.columns.isEmpty ? " stroke-dasharray=\"5 3\"" : ""
        var svg = "<g class=\"box \(box.mark.rawValue)\(box.isHostModel ? " host" : "")\">"
        svg += "<rect x=\"\(item.x)\" y=\"\(item.y)\" width=\"\(width)\" height=\"\(item.height)\" rx=\"6\" fill=\"#ffffff\" stroke=\"\(colour)\" stroke-width=\"\(box.mark == .unchanged ? 1 : 2)\"\(dashed)/>"
        let subtitle = box.isHostModel ? "host model" : box.packages.isEmpty ? "" : "package " + box.packages.joined(separator: ", ")
        svg += "<text x=\"\(item.x + 10)\" y=\"\(item.y + 18)\" font-weight=\"bold\" fill=\"\(colour)\">\(DiagramRenderer.xml((DiagramRenderer.symbols[box.mark] ?? "") + box.name))</text>"
        if !subtitle.isEmpty {
            svg += "<text x=\"\(item.x + width - 8)\" y=\"\(item.y + 18)\" text-anchor=\"end\" fill=\"#57606a\" font-size=\"10\">\(DiagramRenderer.xml(subtitle))</text>"
        }
        for (index, column) in box.columns.enumerated() {
            let keys = column.keyLabels
            let text = (DiagramRenderer.symbols[column.mark] ?? "") + "\(column.name): \(column.type)" + (keys.isEmpty ? "" : "  " + keys.joined(separator: " "))
            let decoration = column.mark == .removed ? " text-decoration=\"line-through\"" : ""
            svg += "<text class=\"column \(column.mark.rawValue)\" x=\"\(item.x + 10)\" y=\"\(item.y + 40 + index * lineHeight)\" fill=\"\(DiagramRenderer.colours[column.mark] ?? "#24292f")\"\(decoration)>"
                + DiagramRenderer.xml(text) + "</text>"
        }
        return svg + "</g>"
    }
}
