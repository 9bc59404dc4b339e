import Foundation
import Hummingbird
import HummingbirdTesting
import SchemaAdmin
import SchemaRegistry
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
    static func render(_ url: String, screenshot: String? = nil) throws -> String {
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
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed"))
    func reviewPageListsThePendingItemsInChromium() async throws {
        let fixture = try ReviewServerTests.fixture()
        let app = ReviewServerTests.app(fixture)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let code = try fixture.registry.issueLoginCode(for: "alice", by: nil)
            let dom = try Self.render("http://127.0.0.1:\(port)/login?code=\(code)")
            #expect(dom.contains("Pending changes (2)"), "\(dom.prefix(500))")
            for item in fixture.items {
                #expect(dom.contains("id=\"item-\(item.id)\""))
            }
            #expect(dom.contains("Approve") && dom.contains("Reject"))
            if let path = ProcessInfo.processInfo.environment["SCHEMA_REVIEW_SCREENSHOT"] {
                let second = try fixture.registry.issueLoginCode(for: "alice", by: nil)
                _ = try Self.render("http://127.0.0.1:\(port)/login?code=\(second)", screenshot: path)
            }
        }
    }
}
