import Foundation
@testable import SchemaAdmin
import Testing

/// The sign-in throttle counts failures per client: one client's failures do not lock the others out.
@Suite struct LoginThrottleTests {
    @Test func failuresCountPerClient() async {
        let throttle = LoginThrottle(clock: { Date(timeIntervalSince1970: 1_000) })
        for _ in 0..<LoginThrottle.limit { await throttle.recordFailure("203.0.113.7") }
        #expect(await !throttle.allows("203.0.113.7"))
        #expect(await throttle.allows("198.51.100.2"), "another client is not locked out")
    }

    @Test func failuresAgeOut() async {
        let now = LockedDate(Date(timeIntervalSince1970: 1_000))
        let throttle = LoginThrottle(clock: { now.value })
        for _ in 0..<LoginThrottle.limit { await throttle.recordFailure("a") }
        #expect(await !throttle.allows("a"))
        now.value = Date(timeIntervalSince1970: 1_061)
        #expect(await throttle.allows("a"))
    }
}

/// A date the test moves forward, read by the throttle's clock.
final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Date
    init(_ date: Date) { stored = date }
    var value: Date {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
