public import Foundation
import SchemaCore

/// A shell command run after a start that applied something or rewrote the fragment, such as
/// `npx prisma generate`.
///
/// Its outcome is part of the start's: a failed run leaves a marker file
/// (``pendingMarker``), and every later start runs the command again, whether or not it changes
/// anything, until it succeeds. Otherwise the start after a failed `prisma generate` would find
/// nothing to do and the application would keep running on a stale client.
public struct AfterCommand: Sendable {
    /// The command, run with `/bin/sh -c`.
    public var command: String
    /// Where it runs.
    public var workingDirectory: URL
    /// The command's environment: this process's, with these variables set (a value) or removed (nil).
    public var environment: [String: String?]

    /// The environment variables that carry the migration role's credentials: removed from the
    /// command's environment unless the caller asks to keep them.
    public static let credentialVariables = ["DATABASE_URL", "SCHEMA_DATABASE_URL", "PGPASSWORD", "PGPASSFILE"]

    /// Creates an after command.
    public init(_ command: String, workingDirectory: URL, environment: [String: String?] = [:]) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    /// The file that says the command failed and is due again: `.schema/after-command.pending`
    /// under the working directory (the workspace root).
    public var pendingMarker: URL {
        workingDirectory.appendingPathComponent(".schema/after-command.pending")
    }

    /// Whether an earlier start's run of the command failed (or was killed) and it is due again.
    public var isPending: Bool { FileManager.default.fileExists(atPath: pendingMarker.path) }

    /// Runs the command and waits for it; a failure to start it counts as exit status 127, as in a
    /// shell. The marker is written before it runs (a start killed mid-command leaves it due) and
    /// removed when it succeeds.
    func run() -> Int32 {
        try? FileManager.default.createDirectory(at: pendingMarker.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data("\(command)\n".utf8).write(to: pendingMarker)
        let status = launch()
        if status == 0 { try? FileManager.default.removeItem(at: pendingMarker) }
        return status
    }

    func launch() -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = workingDirectory
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        process.environment = variables
        // What this process printed so far comes before the command's own output.
        fflush(nil)
        do {
            try process.run()
        } catch {
            return 127
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
