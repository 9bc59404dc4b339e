import Foundation

/// Pauses that crash tests switch on through the environment, to widen the windows in which a
/// killed process dies at a chosen point of `apply`. Unset in production: no delay.
public enum FaultInjection {
    /// A point of `apply` where a pause can be injected.
    public enum Point: String, Sendable, CaseIterable {
        /// After each migration statement, inside the transaction: `SCHEMA_FAULT_STATEMENT_DELAY_MS`.
        case afterEachStatement = "SCHEMA_FAULT_STATEMENT_DELAY_MS"
        /// After each online step and each batch of a backfill, before its progress is recorded:
        /// `SCHEMA_FAULT_STEP_DELAY_MS`.
        case afterEachStep = "SCHEMA_FAULT_STEP_DELAY_MS"
        /// After the commit, before the Prisma fragment is written: `SCHEMA_FAULT_AFTER_COMMIT_DELAY_MS`.
        case afterCommit = "SCHEMA_FAULT_AFTER_COMMIT_DELAY_MS"
    }

    /// Sleeps for the milliseconds the point's variable names (at most 10 s), or returns at once.
    public static func pause(_ point: Point) {
        if let delay = delays[point], delay > 0 {
            usleep(min(delay, 10_000) * 1_000)
        }
    }

    /// Read once: building `ProcessInfo.environment` for every statement showed in profiles.
    static let delays: [Point: UInt32] = {
        let environment = ProcessInfo.processInfo.environment
        return Dictionary(uniqueKeysWithValues: Point.allCases.compactMap { point in
            environment[point.rawValue].flatMap(UInt32.init).map { (point, $0) }
        })
    }()
}
