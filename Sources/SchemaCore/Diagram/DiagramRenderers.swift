/// Text formats of an ``EntityDiagram``: Mermaid (renders in GitHub and most Markdown viewers),
/// Graphviz DOT (for `dot -Tsvg`), and an SVG laid out here (no external program, used by the
/// review page so it needs neither a process per request nor Graphviz in the container).
public enum DiagramRenderer {
    /// Mermaid `erDiagram`. Marks are written as attribute comments (`"added"`), as Mermaid ER
    /// diagrams cannot colour single attributes.
    public static func mermaid(_ diagram: EntityDiagram) -> String {
        var lines = ["erDiagram"]
        for box in diagram.boxes {
            // Mermaid comments take a line of their own.
            lines.append(box.isHostModel ? "  %% host model" : box.packages.isEmpty ? "  %% not in this diagram's packages" : "  %% package \(box.packages.joined(separator: ", "))")
            if box.columns.isEmpty {
                lines.append("  \(box.name) {\n    String boundary \"\(box.isHostModel ? "defined by the host schema" : "defined elsewhere")\"\n  }")
                continue
            }
            lines.append("  \(box.name) {")
            for column in box.columns {
                let keys = column.keyLabels
                let type = column.type.replacingOccurrences(of: "?", with: "")
                let comment = [column.type.hasSuffix("?") ? "optional" : nil, column.mark == .unchanged ? nil : column.mark.rawValue].compactMap { $0 }
                lines.append("    \(type) \(column.name)" + (keys.isEmpty ? "" : " " + keys.joined(separator: ",")) + (comment.isEmpty ? "" : " \"\(comment.joined(separator: ", "))\""))
            }
            lines.append("  }")
        }
        for edge in diagram.edges {
            // from (many, or one for a unique key) → to (exactly one, or zero-or-one when optional)
            let left = edge.isOneToOne ? "|o" : "}o"
            let right = edge.isOptional ? "o|" : "||"
            var label = edge.label
            if let action = edge.onDelete { label += ", onDelete: \(action.rawValue)" }
            if edge.mark != .unchanged { label += " (\(edge.mark.rawValue))" }
            lines.append("  \(edge.from) \(left)--\(right) \(edge.to) : \"\(label)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let colours: [EntityDiagram.Mark: String] = [.unchanged: "#24292f", .added: "#1a7f37", .removed: "#cf222e", .changed: "#9a6700"]
    static let symbols: [EntityDiagram.Mark: String] = [.unchanged: "", .added: "+ ", .removed: "− ", .changed: "~ "]

    /// Graphviz DOT: packages as clusters, host models as dashed boundary boxes, crow's-foot edges.
    public static func dot(_ diagram: EntityDiagram) -> String {
        var lines = ["digraph entities {", "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=10];",
                     "  node [shape=plain, fontname=\"Helvetica\", fontsize=10];", "  edge [fontname=\"Helvetica\", fontsize=9, dir=both];"]
        func node(_ box: EntityDiagram.Box) -> String {
            let colour = colours[box.mark] ?? "#24292f"
            if box.isHostModel || box.columns.isEmpty {
                return "\(quoted(box.name)) [shape=box, style=dashed, color=\"#57606a\", label=<\(xml(box.name))<BR/><FONT POINT-SIZE=\"8\">\(box.isHostModel ? "host model" : "not in this diagram")</FONT>>];"
            }
            var rows = "<TR><TD BGCOLOR=\"#f6f8fa\"><FONT COLOR=\"\(colour)\"><B>\(xml((symbols[box.mark] ?? "") + box.name))</B></FONT></TD></TR>"
            for column in box.columns {
                let keys = column.keyLabels
                var text = xml((symbols[column.mark] ?? "") + "\(column.name): \(column.type)" + (keys.isEmpty ? "" : " " + keys.joined(separator: ",")))
                if column.mark == .removed { text = "<S>\(text)</S>" }
                rows += "<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"\(colours[column.mark] ?? "#24292f")\">\(text)</FONT></TD></TR>"
            }
            return "\(quoted(box.name)) [label=<<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" COLOR=\"\(colour)\">\(rows)</TABLE>>];"
        }
        var clusters: [String: [EntityDiagram.Box]] = [:]
        for box in diagram.boxes {
            if let package = box.packages.first, box.packages.count == 1 { clusters[package, default: []].append(box) } else { lines.append("  " + node(box)) }
        }
        for (index, package) in clusters.keys.sorted().enumerated() {
            lines.append("  subgraph cluster_\(index) {")
            lines.append("    label=\(quoted("package \(package)")); color=\"#d0d7de\"; fontcolor=\"#57606a\";")
            for box in clusters[package] ?? [] { lines.append("    " + node(box)) }
            lines.append("  }")
        }
        for edge in diagram.edges {
            var label = edge.label + (edge.onDelete.map { " · onDelete: \($0.rawValue)" } ?? "")
            if edge.mark != .unchanged { label = (symbols[edge.mark] ?? "") + label }
            let style = edge.mark == .removed ? "dashed" : edge.mark == .added ? "bold" : "solid"
            lines.append("  \(quoted(edge.from)) -> \(quoted(edge.to)) [label=\(quoted(label)), arrowtail=\(edge.isOneToOne ? "teeodot" : "crowodot"), "
                         + "arrowhead=\(edge.isOptional ? "teeodot" : "teetee"), color=\"\(colours[edge.mark] ?? "#24292f")\", style=\(style)];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Text escaped for XML and for Graphviz's HTML-like labels.
    static func xml(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
