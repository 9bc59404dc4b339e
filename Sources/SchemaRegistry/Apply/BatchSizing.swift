/// How many pages the next batch of a backfill walks, from how long the last one took.
///
/// A batch holds row locks on every row it changes until it commits: an application write to one
/// of them waits for the batch. Batches are kept near ``target`` (a fraction of the 50 ms a write
/// should wait at most) and no smaller than needed, since each commit costs a round trip and a WAL
/// flush. A batch quicker than half the target doubles the next one; a slower one than twice the
/// target shrinks it in proportion at once, since one slow batch is what the application waits
/// for. Pages differ: a region the application emptied walks fast, and the first full pages after
/// it slowly, which is why ``pages`` has a small upper bound.
public struct BatchSizing: Sendable, Equatable {
    /// The duration a batch aims at.
    public var target: Duration
    /// The fewest and most pages a batch walks.
    public var pages: ClosedRange<Int64>
    /// The first batch's size: small, since nothing is known yet about the rows' width or the load.
    public var first: Int64

    public init(target: Duration = .milliseconds(20), pages: ClosedRange<Int64> = 1...256, first: Int64 = 8) {
        self.target = target
        self.pages = pages
        self.first = first
    }

    public static let standard = BatchSizing()

    /// The next batch's size after a batch of `size` pages that took `took`.
    public func next(after size: Int64, took: Duration) -> Int64 {
        let next: Int64
        if took * 2 < target {
            next = size * 2
        } else if took > target * 2 {
            next = Int64(Double(size) * (target / took))
        } else {
            next = size
        }
        return min(max(next, pages.lowerBound), pages.upperBound)
    }
}
