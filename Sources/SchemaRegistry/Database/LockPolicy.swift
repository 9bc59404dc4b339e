import Foundation

/// How long registry operations and migration statements wait for locks, and how often they try.
///
/// The registry lock (one process at a time applies, approves or scans) is waited for by polling
/// without holding a transaction, so a waiting replica never delays an index build. Statements of
/// a change wait at most ``statementTimeout`` for their table locks: a statement queued behind a
/// long reader makes every later query on the table queue behind it, so it gives up quickly,
/// everything it did rolls back, and it tries again after a pause, ``retries`` times.
public struct LockPolicy: Hashable, Sendable {
    /// The longest a DDL statement waits for its table lock (`SET LOCAL lock_timeout`).
    public var statementTimeout: Duration
    /// How many times a transaction that timed out on a lock is tried again, with growing pauses.
    public var retries: Int
    /// The longest an online step (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`) waits for
    /// its lock and for older transactions to end; these do not block reads or writes while waiting.
    public var onlineTimeout: Duration
    /// The longest a process waits for the registry lock another process holds.
    public var registryWait: Duration

    /// A policy; the defaults suit a rolling deploy: 200 ms per statement lock, so that the
    /// application's writes queued behind a waiting `ALTER` wait no longer than that, and 12
    /// retries with growing pauses (about 40 s in all), 5 minutes for online steps, 10 minutes
    /// for the registry lock.
    public init(statementTimeout: Duration = .milliseconds(200), retries: Int = 12, onlineTimeout: Duration = .seconds(300),
                registryWait: Duration = .seconds(600)) {
        self.statementTimeout = statementTimeout
        self.retries = retries
        self.onlineTimeout = onlineTimeout
        self.registryWait = registryWait
    }

    /// The default policy.
    /// The cause of the `lock-timeout` error a session throws once it lost the registry lock:
    /// a wait that timed out is tried again, a lost lock is not.
    public static let registryLockLost = "registry lock lost"

    public static let standard = LockPolicy()

    /// The pause before retry `attempt` (1, 2, ...): doubling from 0.1 s up to 5 s, with up to a
    /// quarter of jitter so that replicas retrying together spread out. Short first pauses catch
    /// the common case, a reader that ends within a second, without holding the change back long.
    public func pause(before attempt: Int) -> Duration {
        let base = min(0.1 * pow(2, Double(attempt - 1)), 5)
        return .milliseconds(Int(base * 1_000 * Double.random(in: 0.75...1.25)))
    }

    /// `duration` as PostgreSQL's `lock_timeout` value, in milliseconds.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
