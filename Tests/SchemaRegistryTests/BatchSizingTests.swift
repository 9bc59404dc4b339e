import SchemaRegistry
import Testing

/// How a backfill's batches grow and shrink around their target duration.
struct BatchSizingTests {
    let sizing = BatchSizing(target: .milliseconds(20), pages: 1...256, first: 8)

    @Test func quickBatchesDoubleUpToTheLargest() {
        #expect(sizing.next(after: 8, took: .milliseconds(5)) == 16)
        #expect(sizing.next(after: 256, took: .milliseconds(1)) == 256)
        #expect(sizing.next(after: 200, took: .milliseconds(1)) == 256)
    }

    @Test func batchesNearTheTargetKeepTheirSize() {
        #expect(sizing.next(after: 64, took: .milliseconds(10)) == 64)
        #expect(sizing.next(after: 64, took: .milliseconds(20)) == 64)
        #expect(sizing.next(after: 64, took: .milliseconds(40)) == 64)
    }

    /// One slow batch (the first full pages after an emptied region) brings the next back to the
    /// target at once, not by halving batch after batch.
    @Test func slowBatchesShrinkInProportionDownToOnePage() {
        #expect(sizing.next(after: 256, took: .milliseconds(640)) == 8)
        #expect(sizing.next(after: 64, took: .milliseconds(41)) == 31)
        #expect(sizing.next(after: 1, took: .seconds(3)) == 1)
    }
}
