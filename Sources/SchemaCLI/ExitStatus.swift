import SchemaCore

/// The exit statuses of `schema`, and the one mapping from error codes to them.
///
/// | status | meaning |
/// |---|---|
/// | 0 | fine |
/// | 1 | problems found, or an operation failed or was refused |
/// | 2 | usage error: an option, argument or URL that cannot be used |
/// | 3 | `apply`: everything approved was applied and recorded, but the `--after` command failed (it runs again at the next start) |
/// | 75 | temporary: a lock could not be had in time; nothing changed, approved items stay approved, try again |
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    /// `apply` did its work but its `--after` command failed: what that generates may be stale.
    static let afterCommandFailed: Int32 = 3
    /// EX_TEMPFAIL from sysexits.h: the start script retries or exits for the orchestrator to restart it.
    static let temporary: Int32 = 75

    /// The status a command exits with when it ends with an error of `code`.
    static func code(for code: SchemaError.Code) -> Int32 {
        switch code {
        case .usage, .keyFile: usage
        case .lockTimeout, .oldVersionRunning: temporary
        default: failure
        }
    }
}
