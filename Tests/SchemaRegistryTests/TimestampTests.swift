import Foundation
import SchemaRegistry
import Testing

/// Stored times are formatted by hand for speed; they must read exactly as ISO8601DateFormatter
/// wrote them before, because rows written by either are compared as text.
@Suite struct TimestampTests {
    @Test(arguments: [0, 1.5, 1_764_072_228.123, 1_764_072_228.999_9, 951_782_400.25, 4_102_444_799.001, -1.25])
    func matchesISO8601DateFormatter(_ seconds: Double) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Registry.timestamp(date) == formatter.string(from: date))
    }
}
