import Foundation

/// "Did you mean" suggestions by edit distance, with a bounded cost.
///
/// A file with thousands of misspelled names against thousands of candidates would otherwise
/// cost millions of edit distances (minutes, at a container start). Words and candidates longer
/// than twice the longest identifier (in UTF-8 bytes: a name of combining marks is one character
/// but thousands of bytes) are not typos of one and are never compared; names are compared as
/// Unicode scalars, not grapheme clusters (whose equality normalizes); candidates whose length
/// alone rules them out are skipped; each distance computes only the band of cells within what
/// counts as a typo and stops as soon as it exceeds it. Each package (and the cross-package
/// checks after them) spends at most ``Budget/defaultLimit`` cells of distance tables, counted by
/// what each comparison can cost, not by pairs; after that, its diagnostics come without a
/// suggestion. The budget is per package, not shared, so that which suggestions are made does
/// not depend on which package a thread reached first: the output is the same on one core and on many.
public enum Suggestion {
    /// The distance-table cells one validation may still compute.
    public final class Budget: @unchecked Sendable {
        // @unchecked: `remaining` is guarded by `lock`.
        private let lock = NSLock()
        private var remaining: Int
        private var usedSoFar = 0
        /// The cells this budget started with.
        public let limit: Int
        /// Cells spent so far, by this budget and the ones ``share(_:)`` gave out.
        public var used: Int { lock.withLock { usedSoFar } }

        /// 5,000,000 cells: a few thousand typos against a hundred candidates each (a comparison
        /// of two 12-letter names costs about 60), well under a second.
        public static let defaultLimit = 5_000_000

        /// A budget of `limit` cells.
        public init(limit: Int = defaultLimit) {
            self.limit = limit
            remaining = limit
        }

        /// Runs `body` (one package's work, possibly on another thread) with a budget of its own of
        /// the same limit, and counts what it used in ``used``.
        public func share<T>(_ body: () -> T) -> T {
            let own = Budget(limit: limit)
            let result = Suggestion.$budget.withValue(own) { body() }
            let spent = own.used
            lock.withLock { usedSoFar += spent }
            return result
        }

        /// Whether nothing is left: a caller need not even prepare its comparisons.
        var isSpent: Bool { lock.withLock { remaining == 0 } }

        /// Takes `cost` cells; false (taking nothing) when fewer remain.
        func take(_ cost: Int) -> Bool {
            lock.withLock {
                guard remaining >= cost else {
                    remaining = 0
                    return false
                }
                remaining -= cost
                usedSoFar += cost
                return true
            }
        }
    }

    /// The budget of the package being read or validated (unbounded outside a validation).
    @TaskLocal public static var budget: Budget?

    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        // Names longer than any identifier are not typos of one.
        let longest = 2 * Identifier.maximumLength
        guard word.utf8.count <= longest, budget?.isSpent != true else { return nil }
        let lowered = Array(word.lowercased().unicodeScalars)
        let allowed = max(2, lowered.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate.utf8.count <= longest {
            // Lengths first: most candidates are ruled out without lowercasing them.
            if candidate.unicodeScalars.count > lowered.count + allowed + 2 || candidate.unicodeScalars.count + allowed + 2 < lowered.count { continue }
            let other = Array(candidate.lowercased().unicodeScalars)
            if abs(other.count - lowered.count) > allowed { continue }
            let limit = min(allowed, (best?.distance ?? Int.max) - 1)
            if let budget, !budget.take(cost(lowered.count, other.count, limit: limit)) { break }
            let distance = editDistance(lowered, other, limit: limit)
            if let distance, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        guard let best, best.candidate != word else { return nil }
        return best.candidate
    }

    /// The cells ``editDistance(_:_:limit:)`` may compute for words of these lengths: one band
    /// of `2 × limit + 1` cells per row.
    static func cost(_ a: Int, _ b: Int, limit: Int) -> Int {
        max(1, a * min(b, 2 * max(limit, 0) + 1))
    }

    /// A hint text "did you mean 'x'?" or nil.
    public static func hint(for word: String, in candidates: [String]) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// The Levenshtein distance of `a` and `b`, or nil as soon as it is certain to exceed `limit`.
    /// Only the cells within `limit` of the diagonal are computed: the others exceed it anyway.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int? {
        guard limit >= 0, abs(a.count - b.count) <= limit else { return nil }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let beyond = limit + 1
        var previous = (0...b.count).map { min($0, beyond) }
        var current = Array(repeating: beyond, count: b.count + 1)
        for i in 1...a.count {
            let low = max(1, i - limit), high = min(b.count, i + limit)
            current[0] = min(i, beyond)
            if low > 1 { current[low - 1] = beyond }
            var rowMinimum = current[0]
            if low <= high {
                for j in low...high {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost, beyond)
                    rowMinimum = min(rowMinimum, current[j])
                }
            }
            if high < b.count { current[high + 1] = beyond }
            // Every later cell is at least the smallest of this row.
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}
