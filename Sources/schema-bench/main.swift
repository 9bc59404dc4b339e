// Benchmarks of the pure pipeline on a workspace (see Benchmarks/run.sh): prints the median and
// minimum over repeated runs. Build in release mode; timed unit tests are not benchmarks.
import Foundation
import SchemaCore
import Yams
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: schema-bench ROOT [REPEAT]\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments[1])
let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7

func measure(_ name: String, _ body: () -> Void) {
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
    }
    samples.sort()
    print("\(name)\t\(String(format: "%.1f", samples[samples.count / 2]))\t\(String(format: "%.1f", samples[0]))")
}

let files = ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("packages").path)) ?? []).sorted().map {
    root.appendingPathComponent("packages/\($0)/seed/schema/entities.yaml")
}
print("benchmark\tmedian_ms\tmin_ms")
measure("yams_parse_only") {
    for file in files {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
        _ = try? Yams.compose(yaml: text)
    }
}
// What the loader itself composes with: no regular-expression tag resolution (see YAMLNodeReader.typed).
measure("yams_parse_basic_resolver") {
    for file in files {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
        _ = try? Yams.compose(yaml: text, .basic)
    }
}
var state: DesiredState?
measure("validate_and_checksum") {
    state = DesiredState.resolve(WorkspaceLoader(root: root).load())
}
guard let state else { exit(1) }
let report = state.report
let workspace = state.workspace
let canonicals = report.definitions.map(\.canonical)
measure("prisma_generate") {
    _ = PrismaArtifacts.fragment(canonicals, host: workspace.baseSchema)
}
measure("plan_and_render_sql_sqlite") {
    _ = MigrationPlanner.plan(desired: state.entities, applied: [], dialect: .sqlite, host: workspace.baseSchema)
}
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("peak_rss_mb\t\(String(format: "%.1f", Double(usage.ru_maxrss) / 1024))\t-")
print("# \(files.count) files, \(report.definitions.count) entities, \(report.diagnostics.filter { $0.severity == .error }.count) errors")
