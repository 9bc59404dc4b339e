import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Exactly-once, with real `schema` processes against one database (crashes: CrashInjectionTests;
/// racing every command: RacingCommandsTests).
@Suite(.serialized) struct ProcessTests {
    @Test(arguments: Backend.available)
    func eightConcurrentAppliesApplyEachChangeOnce(_ backend: Backend) throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        let root = Processes.makeWorkspace(entities: 12)
        let (url, database) = try Processes.database(backend)
        defer { database.close() }
        let items = try Processes.prepare(root: root, url: url)
        #expect(items == 12)

        let processes = try (0..<8).map { _ in try Processes.launch(["apply", "--root", root.path, "--no-generate"], url: url) }
        var outputs: [String] = []
        for (process, pipe) in processes {
            outputs.append(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(outputs.last ?? "")")
        }
        #expect(outputs.filter { $0.contains("applied ") }.count == 1, "exactly one process applies")
        #expect(outputs.filter { $0.contains("nothing to apply") }.count == 7)
        let registry = Registry(database: database)
        #expect(try registry.items(in: [.applied]).count == 12)
        let audit = try registry.audit()
        #expect(audit.filter { $0.action == "apply" }.count == 12)
        #expect(Set(audit.filter { $0.action == "apply" }.compactMap(\.itemId)).count == 12)
        #expect(try registry.status().entities.count == 12)
    }
}
