import ArgumentParser
import Foundation
import SchemaCore

/// `schema diagram [PACKAGE...] [--format mermaid|dot|svg] [--out FILE]`.
struct DiagramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagram",
        abstract: "Draw the packages' entities: fields and keys, relations with cardinality and delete action, host models as boundary boxes, packages as clusters.",
        discussion: "svg uses Graphviz's dot when it is on PATH (the better layout for many entities) and the built-in layout otherwise.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case mermaid, dot, svg }

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Only these packages' entities (default: all); entities they reference elsewhere are drawn as boxes without fields.")
    var packages: [String] = []
    @Option(help: "mermaid, dot or svg.") var format: Format = .mermaid
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var out: String?

    func run() async throws {
        let console = Console.current
        try runReportingErrors(root: options.rootURL) {
            let desired = try options.validDesiredState(refusal: "the package files have errors; run `schema validate`")
            let known = Set(desired.entities.flatMap(\.packages))
            if let unknown = packages.first(where: { !known.contains($0) }) {
                let hint = Suggestion.hint(for: unknown, in: known.sorted()).map { "; \($0)" } ?? ""
                throw SchemaError(.usage, "no package '\(TerminalText.escape(unknown))' with entities\(hint)")
            }
            let chosen = desired.entities.filter { packages.isEmpty || !Set($0.packages).isDisjoint(with: packages) }
            let diagram = EntityDiagram.of(chosen.map { ($0.structure, $0.packages) }, host: desired.host)
            let text: String
            switch format {
            case .mermaid: text = DiagramRenderer.mermaid(diagram)
            case .dot: text = DiagramRenderer.dot(diagram)
            case .svg:
                if let svg = Graphviz.svg(DiagramRenderer.dot(diagram)) {
                    text = svg
                } else {
                    console.err("note: Graphviz (dot) is not on PATH; using the built-in layout")
                    text = DiagramSVG.render(diagram) + "\n"
                }
            }
            if let out {
                do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                    throw SchemaError(.fileSystem, "cannot write \(out): \(error.localizedDescription)")
                }
                console.out("wrote \(out) (\(diagram.boxes.count) boxes, \(diagram.edges.count) relations)")
            } else {
                console.out(String(text.hasSuffix("\n") ? text.dropLast() : Substring(text)))
            }
        }
    }
}

/// Graphviz's `dot`, when installed.
enum Graphviz {
    /// `dot -Tsvg` of `source`, or nil when `dot` is not on PATH or fails.
    static func svg(_ source: String) -> String? {
        guard let dot = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map({ "\($0)/dot" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        input.fileHandleForWriting.write(Data(source.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
