public import Foundation
import SchemaCore

/// A shell command run after a start that applied something or rewrote the fragment, such as
/// `npx prisma generate`.
public struct AfterCommand: Sendable {
    /// The command, run with `/bin/sh -c`.
    public var command: String
    /// Where it runs.
    public var workingDirectory: URL

    /// Creates an after command.
    public init(_ command: String, workingDirectory: URL) {
        self.command = command
        self.workingDirectory = workingDirectory
    }

    /// Runs the command and waits for it; a failure to start it counts as exit status 127, as in a shell.
    func run() -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = workingDirectory
        do {
            try process.run()
        } catch {
            return 127
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
