import Foundation
import Testing

/// `admin login-link` prints a link to the review server that is running, wherever it listens,
/// not to a default port.
struct LoginLinkTests {
    @Test func theLinkNamesTheRunningServersAddress() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Processes.binary.path), "build the schema binary first")
        let root = Processes.makeWorkspace(entities: 2)
        let (url, database) = try Processes.database(.sqlite)
        database.close()
        let scan = try Processes.run(["scan", "--root", root.path], url: url)
        #expect(scan.status == 0, "\(scan.output)")
        #expect(try Processes.run(["admin", "add", "alice", "--root", root.path], url: url).status == 0)
        let before = try Processes.run(["admin", "login-link", "alice", "--root", root.path], url: url)
        #expect(before.output.hasPrefix("http://127.0.0.1:8787/login?code="), "no server has run: the default, \(before.output)")

        // A port the system just had free; another process (a client's ephemeral port) may take
        // it before the server binds, so a port found taken is replaced by another.
        var port = 0, said = ""
        var running: (server: Process, pipe: Pipe)?
        for _ in 1...5 {
            port = try ThrowawayCluster.freePort()
            let (server, pipe) = try Processes.launch(["serve", "--port", String(port), "--root", root.path], url: url)
            // The server says where it listens once it does.
            said = ""
            let deadline = Date().addingTimeInterval(20)
            while !said.contains("review server on"), Date() < deadline, server.isRunning {
                said += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
            }
            guard said.contains("already in use") else {
                running = (server, pipe)
                break
            }
            server.waitUntilExit()
        }
        defer { running?.server.terminate(); running?.server.waitUntilExit() }
        #expect(said.contains("review server on http://127.0.0.1:\(port)/"), "\(said)")
        let link = try Processes.run(["admin", "login-link", "alice", "--root", root.path], url: url)
        #expect(link.status == 0 && link.output.hasPrefix("http://127.0.0.1:\(port)/login?code="), "\(link.output)")
        let explicit = try Processes.run(["admin", "login-link", "alice", "--server", "https://review.example", "--root", root.path], url: url)
        #expect(explicit.output.hasPrefix("https://review.example/login?code="), "\(explicit.output)")
    }
}
