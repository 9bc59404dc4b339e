import Foundation
import Hummingbird
import HummingbirdTesting
import SchemaAdmin
import SchemaRegistry
import SchemaCore
import Testing

/// The review page rendered by a real browser: headless Chromium against a live server.
@Suite struct BrowserTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    init() {
        if Self.chromium == nil { print("BrowserTests skipped: Chromium is not installed (apt-get install chromium)") }
    }

    /// Runs headless Chromium on `url`; returns the rendered DOM. With `screenshot`, also writes a PNG.
    ///
    /// Waits on a thread of its own: blocking a cooperative thread while the live server needs
    /// one to answer Chromium deadlocks a two-core machine when two such tests run at once.
    /// Chromium is killed after two minutes, so a hang fails the test instead of stalling CI.
    static func render(_ url: String, screenshot: String? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try renderBlocking(url, screenshot: screenshot) })
            }
        }
    }

    static func renderBlocking(_ url: String, screenshot: String?) throws -> String {
        guard let chromium else { return "" }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        var arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--user-data-dir=\(profile)", "--window-size=1200,1500", "--virtual-time-budget=3000"]
        arguments += screenshot.map { ["--screenshot=\($0)"] } ?? ["--dump-dom"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed"))
    func reviewPageListsThePendingItemsInChromium() async throws {
        let fixture = try ReviewServerTests.fixture()
        let app = ReviewServerTests.app(fixture)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let code = try fixture.registry.issueLoginCode(for: "alice", by: nil)
            let dom = try await Self.render("http://127.0.0.1:\(port)/login?code=\(code)")
            #expect(dom.contains("Pending changes (2)"), "\(dom.prefix(500))")
            for item in fixture.items {
                #expect(dom.contains("id=\"item-\(item.id)\""))
            }
            #expect(dom.contains("Approve") && dom.contains("Reject"))
        }
    }

    /// What an admin meets on a real deploy: a table dropped (data loss), a field added and a new
    /// entity, side by side. `SCHEMA_REVIEW_SCREENSHOT=docs/review-page.png` writes the README's picture.
    @Test(.enabled(if: chromium != nil, "Chromium is not installed"))
    func aDestructiveChangeStandsOutInChromium() async throws {
        let fixture = try ReviewServerTests.fixture()
        _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: false)
        _ = try ReviewServerTests.apply(fixture.registry)
        let next = ReviewServerTests.yaml.components(separatedBy: "  - name: Comment")[0]
            .replacingOccurrences(of: "      title: { type: string, maxLength: 80 }", with: "      title: { type: string, maxLength: 80 }\n      priority: { type: int, default: 0 }")
            + "  - name: Label\n    fields:\n      id: { type: cuid, primary: true }\n      name: { type: string, maxLength: 40, unique: true }\n"
        let queued = try fixture.registry.scan(DesiredState.resolve(.inMemory(["desk": next])), principal: "ci").queued
        #expect(queued.count == 3)
        let drop = try #require(queued.first { $0.isDestructive })
        try await ReviewServerTests.app(fixture).test(.live) { client in
            let port = try #require(client.port)
            let dom = try await Self.render("http://127.0.0.1:\(port)/login?code=\(try fixture.registry.issueLoginCode(for: "alice", by: nil))")
            #expect(dom.contains("Pending changes (3)"), "\(dom.prefix(500))")
            let dropSection = try #require(dom.components(separatedBy: "id=\"item-\(drop.id)\"").dropFirst().first)
            #expect(dropSection.contains("DESTRUCTIVE"), "the dropped table is marked")
            #expect(dropSection.contains("name=\"acknowledgeDataLoss\" value=\"yes\" required"), "approving it needs the tick")
            // Each change has its diagram, drawn by the server, with the change marked.
            #expect(dropSection.contains("<svg") && dropSection.contains("class=\"box removed\""), "the dropped table's diagram")
            let alter = try #require(queued.first { $0.entity == "Ticket" })
            let alterSection = try #require(dom.components(separatedBy: "id=\"item-\(alter.id)\"").dropFirst().first)
            #expect(alterSection.contains("class=\"column added\"") && alterSection.contains("+ priority: Int"), "the added field is marked")
            if let path = ProcessInfo.processInfo.environment["SCHEMA_REVIEW_SCREENSHOT"] {
                let second = try fixture.registry.issueLoginCode(for: "alice", by: nil)
                _ = try await Self.render("http://127.0.0.1:\(port)/login?code=\(second)", screenshot: path)
            }
        }
    }
}
